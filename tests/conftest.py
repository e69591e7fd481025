"""Shared fixtures.

Every test that uses ``app`` runs once per database backend: SQLite always, PostgreSQL too when
``TEST_DATABASE_URL`` points at a server (CI always sets it; with ``CI=true`` and no server the run
fails instead of quietly skipping). The schema is created once per backend by the real migrations,
the demo data loaded once into a template, and each test gets its own copy (a file copy on SQLite,
``CREATE DATABASE … TEMPLATE`` on PostgreSQL) plus its own copy of the search index.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

_INSTANCE = tempfile.mkdtemp(prefix="portal-test-instance-")
os.environ["PORTAL_INSTANCE_DIR"] = _INSTANCE
os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
# Cheap argon2id parameters for the thousands of sign-ins (portal/accounts/passwords.py says why).
os.environ["PORTAL_FAST_PASSWORD_HASHES"] = "1"

from portal import create_app  # noqa: E402
from portal.common import today  # noqa: E402
from portal.config import TestConfig  # noqa: E402
from portal.extensions import db  # noqa: E402
from tests import speed  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_URL = os.environ.get("TEST_DATABASE_URL", "")

if IN_CI and not PG_URL.startswith("postgresql"):
    raise pytest.UsageError("CI=true but TEST_DATABASE_URL does not point at PostgreSQL: refusing to skip it.")

BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
# PostgreSQL copies of finished tests kept before they are dropped together (~13 MB each).
DROP_BATCH = 40

DEMO_PASSWORDS = {
    "admin@demo.local": "demo-admin-2026",
    "coordinator@demo.local": "demo-coordinator-2026",
    "worker@demo.local": "demo-worker-2026",
    "agency@demo.local": "demo-agency-2026",
    "agency2@demo.local": "demo-agency-2026",
}
ROLE_USERS = {
    "admin": "admin@demo.local",
    "coordinator": "coordinator@demo.local",
    "worker": "worker@demo.local",
    "agency": "agency@demo.local",
}


# --- databases -----------------------------------------------------------------------------------

class SQLiteBackend:
    name = "sqlite"

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir

    def create(self, label: str) -> str:
        return f"sqlite:///{self.workdir / (label + '.db')}"

    def clone(self, template_url: str) -> str:
        source = Path(template_url.removeprefix("sqlite:///"))
        target = self.workdir / f"t_{uuid.uuid4().hex}.db"
        shutil.copyfile(source, target)
        return f"sqlite:///{target}"

    def drop(self, url: str) -> None:
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)

    def seal(self, url: str) -> None:
        """A template file is only copied (see ``PostgresBackend.seal``)."""


class PostgresBackend:
    name = "postgresql"

    def __init__(self, admin_url: str) -> None:
        from sqlalchemy.engine import make_url

        self.admin_url = make_url(admin_url)
        self.prefix = f"portal_{uuid.uuid4().hex[:6]}"
        self._pending: list[str] = []
        with self._connect() as conn:
            version = conn.info.server_version
        # PostgreSQL 15 copies a template through the WAL by default: ~280 ms for the demo database
        # against ~30 ms copying its files (a checkpoint, cheap on a test server), and every
        # PostgreSQL test starts from a copy (~650 per run).
        self._copy = " STRATEGY FILE_COPY" if version >= 150000 else ""

    def _connect(self):
        import psycopg

        url = self.admin_url
        return psycopg.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                               dbname=url.database or "postgres", autocommit=True)

    def _admin(self, sql: str) -> None:
        with self._connect() as conn:
            conn.execute(sql)

    def _url(self, name: str) -> str:
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    @staticmethod
    def _name(url: str) -> str:
        from sqlalchemy.engine import make_url

        return make_url(url).database

    def create(self, label: str) -> str:
        name = f"{self.prefix}_{label}"
        self._admin(f'DROP DATABASE IF EXISTS "{name}"')
        self._admin(f'CREATE DATABASE "{name}"')
        return self._url(name)

    def clone(self, template_url: str) -> str:
        name = f"{self.prefix}_t_{uuid.uuid4().hex[:12]}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self._name(template_url)}"{self._copy}')
        return self._url(name)

    def drop(self, url: str) -> None:
        """Databases are dropped in batches (``DROP_BATCH``) and at the end of the session: a copy
        made right after a drop took 0.3–0.5 s, a copy after another copy 30 ms (measured on
        PostgreSQL 15; the PostgreSQL half of the suite ran in half the time)."""
        self._pending.append(url)
        if len(self._pending) >= DROP_BATCH:
            self.drop_pending()

    def drop_pending(self) -> None:
        pending, self._pending = self._pending, []
        for url in pending:
            self._admin(f'DROP DATABASE IF EXISTS "{self._name(url)}" WITH (FORCE)')

    def seal(self, url: str) -> None:
        """No connections to a finished template: autovacuum then leaves it alone. Otherwise, with
        hundreds of databases made per run, its workers kept visiting the template and every copy
        waited for them to be stopped (CREATE DATABASE polls every 100 ms): 0.4–0.5 s a copy."""
        self._admin(f'ALTER DATABASE "{self._name(url)}" WITH ALLOW_CONNECTIONS false')


@dataclass
class Template:
    url: str
    index_dir: Path
    # The day the demo was loaded for (None: not seeded). Tests that compare seeded dates use it,
    # not today(): a suite that runs past midnight must not find the demo a day older.
    seeded_on: date | None = None


def make_app(url: str, index_dir: Path | str):
    return create_app(TestConfig(url, str(index_dir)))


def dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# Building an app is the suite's largest fixed cost: see tests/speed.py for why these two help.
speed.memoize_url_builders()
speed.memoize_admin_forms()
speed.warm_up_and_freeze(make_app)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request, tmp_path_factory):
    if request.param == "sqlite":
        yield SQLiteBackend(tmp_path_factory.mktemp("sqlite"))
        return
    pg = PostgresBackend(PG_URL)
    created: list[str] = []
    original_create = pg.create

    def tracking_create(label):
        url = original_create(label)
        created.append(url)
        return url

    pg.create = tracking_create
    yield pg
    for url in created:
        pg.drop(url)
    pg.drop_pending()


def _build_template(backend, tmp_path_factory, label: str, seeded: bool) -> Template:
    from flask_migrate import upgrade

    url = backend.create(label)
    index_dir = tmp_path_factory.mktemp(f"index_{label}") / "index"
    app = make_app(url, index_dir)
    with app.app_context():
        upgrade()
        seeded_on = today() if seeded else None
        if seeded:
            from seed.loader import load_demo

            load_demo(db.session, today=seeded_on)
            db.session.commit()
        from sqlalchemy.orm import Session

        from portal.search.service import get_index

        with Session(db.engine) as session:
            get_index().rebuild(session)
    dispose(app)
    backend.seal(url)
    return Template(url, index_dir, seeded_on)


@pytest.fixture(scope="session")
def seeded_template(backend, tmp_path_factory) -> Template:
    return _build_template(backend, tmp_path_factory, "seeded", seeded=True)


@pytest.fixture(scope="session")
def seed_day(seeded_template) -> date:
    """The day the demo in ``app`` was loaded for."""
    return seeded_template.seeded_on


@pytest.fixture(scope="session")
def empty_template(backend, tmp_path_factory) -> Template:
    return _build_template(backend, tmp_path_factory, "empty", seeded=False)


def _app_from(backend, template: Template, tmp_path: Path):
    url = backend.clone(template.url)
    index_dir = tmp_path / "index"
    shutil.copytree(template.index_dir, index_dir)
    return make_app(url, index_dir), url


@pytest.fixture
def app(backend, seeded_template, tmp_path):
    """An app over its own copy of the migrated, seeded database and its index."""
    application, url = _app_from(backend, seeded_template, tmp_path)
    yield application
    dispose(application)
    backend.drop(url)


@pytest.fixture
def empty_app(backend, empty_template, tmp_path):
    """An app over a migrated database with no rows."""
    application, url = _app_from(backend, empty_template, tmp_path)
    yield application
    dispose(application)
    backend.drop(url)


@pytest.fixture
def world(empty_app):
    """Explicit factories (``tests/factories.py``) over an empty migrated database, inside an app
    context: ``world.organization()``, ``world.service(org, categories=(…))``,
    ``world.user("agency", org=org)``, ``world.client(org)``, ``world.referral(client, service)``,
    ``world.sign_in(user)`` for a signed-in test client."""
    from tests.factories import World

    with empty_app.app_context():
        yield World(empty_app)


@pytest.fixture
def hsds_real() -> Path:
    """The real HSDS exports beside the repository: skipped when missing, failed under CI=true
    (the one rule, in ``tests/paths.py``)."""
    from tests.paths import require_real_exports

    return require_real_exports()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- signing in ------------------------------------------------------------------------------

_CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
_VALUE = re.compile(r'value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    tag = _CSRF_INPUT.search(html)
    assert tag, f"no CSRF token on {path}"
    return _VALUE.search(tag.group(0)).group(1)


def login(client, email: str, password: str | None = None):
    token = csrf_token(client)
    return client.post("/login", data={"csrf_token": token, "email": email,
                                       "password": password or DEMO_PASSWORDS[email]})


@pytest.fixture
def login_as(client):
    """``login_as('worker')`` signs the test client in as that role's demo user."""

    def _login(role_or_email: str):
        email = ROLE_USERS.get(role_or_email, role_or_email)
        response = login(client, email)
        assert response.status_code == 302, f"login as {email} failed"
        return client

    return _login


# --- the browser -------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright; never a downloaded browser. Missing in CI = failure."""
    if not Path(CHROMIUM).exists():
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs it (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class LiveServer:
    def __init__(self, app, url: str) -> None:
        self.app = app
        self.url = url

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture
def live_server(tmp_path, tmp_path_factory, request):
    """The seeded portal served on a free loopback port in a thread (SQLite copy, own index)."""
    import threading

    from werkzeug.serving import make_server

    backend = SQLiteBackend(tmp_path)
    template = request.getfixturevalue("sqlite_seeded_template")
    application, url = _app_from(backend, template, tmp_path)
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(application, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(timeout=5)
    dispose(application)
    backend.drop(url)


@pytest.fixture(scope="session")
def sqlite_seeded_template(tmp_path_factory) -> Template:
    """Browser tests always run on SQLite: one seeded template for all of them."""
    return _build_template(SQLiteBackend(tmp_path_factory.mktemp("sqlite_live")), tmp_path_factory,
                           "live_seeded", seeded=True)


@pytest.fixture
def page(browser, request):
    """A fresh browser context per test; a screenshot is kept when the test fails."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    pg = context.new_page()
    yield pg
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        out = Path(__file__).resolve().parent.parent / "test-artifacts"
        out.mkdir(exist_ok=True)
        pg.screenshot(path=str(out / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def browser_login(page, live_server, email: str, password: str | None = None) -> None:
    page.goto(live_server("/login"))
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password or DEMO_PASSWORDS[email])
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
