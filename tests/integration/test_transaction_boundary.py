"""One commit per request, at the request boundary (portal/transaction.py): what a user notices.

A change is saved whole or not at all; a refused request still leaves its audit row; a language
picked with ``?lang=`` sticks to the account; a commit that fails says so instead of "Saved.". And
no other code in ``portal/`` commits, except CLI commands and jobs at their own end.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.directory.models import Service
from portal.extensions import db
from portal.search.models import IndexOutbox

from ..conftest import csrf_token

PORTAL = Path(__file__).resolve().parents[2] / "portal"


def _own_service(app) -> str:
    with app.app_context():
        org = db.session.scalar(select(User.organization_id).where(User.email == "agency@demo.local"))
        return db.session.scalars(select(Service.id).where(Service.organization_id == org,
                                                           Service.capacity_status != "full")
                                  .order_by(Service.name_zh)).first()


def _state(app, sid: str) -> tuple:
    with app.app_context():
        service = db.session.get(Service, sid)
        audits = db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.record_type == "service", AuditEvent.record_id == sid))
        outbox = db.session.scalar(select(func.count(IndexOutbox.id)).where(IndexOutbox.service_id == sid))
        return service.capacity_status, service.version, audits, outbox


def test_an_operation_that_writes_then_fails_leaves_nothing_in_the_database(app, login_as, monkeypatch):
    from portal.listings import operations

    real = operations.set_capacity

    def write_then_fail(service, status, weeks):
        real(service, status, weeks)  # changed, flushed, audited, outbox row written ...
        raise RuntimeError("a later step of the same operation failed")  # ... and then it breaks

    monkeypatch.setattr(operations, "set_capacity", write_then_fail)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page, not a traceback
    sid = _own_service(app)
    before = _state(app, sid)
    client = login_as("agency")
    response = client.post(f"/listings/services/{sid}/status",
                           data={"csrf_token": csrf_token(client, "/listings/"), "action": "full"})
    assert response.status_code == 500
    assert _state(app, sid) == before  # neither the change, nor its audit row, nor its outbox row


def test_a_commit_that_fails_at_the_boundary_says_nothing_was_saved_and_saves_nothing(app, login_as):
    sid = _own_service(app)
    before = _state(app, sid)
    client = login_as("agency")
    token = csrf_token(client, "/listings/")

    def refuse_commit(session):
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    event.listen(Session, "before_commit", refuse_commit)
    try:
        response = client.post(f"/listings/services/{sid}/status", data={"csrf_token": token, "action": "full"})
    finally:
        event.remove(Session, "before_commit", refuse_commit)
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "nothing of it was saved" in page or "任何内容都没有被保存" in page
    assert _state(app, sid) == before
    # The view's "Capacity updated." is not shown on the next page either.
    listing = client.get("/listings/?lang=en").get_data(as_text=True)
    assert "Capacity updated." not in listing


def test_a_refused_request_keeps_its_audit_row(app, login_as):
    client = login_as("worker")
    assert client.get("/listings/").status_code == 403
    with app.app_context():
        worker = db.session.scalar(select(User.id).where(User.email == "worker@demo.local"))
        refused = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "access_refused", AuditEvent.user_id == worker)).all()
    assert [event.record_id for event in refused] == ["/listings/"]


def test_an_api_token_refused_for_its_role_keeps_its_audit_row(app, runner):
    # Coordinators watch referrals; only workers and agencies create them.
    result = runner.invoke(args=["tokens", "create", "--email", "coordinator@demo.local", "--days", "1"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[0]
    response = app.test_client().post("/api/v1/referrals", json={},
                                      headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403
    with app.app_context():
        coordinator = db.session.scalar(select(User.id).where(User.email == "coordinator@demo.local"))
        refused = db.session.scalars(select(AuditEvent.record_id).where(
            AuditEvent.action == "access_refused", AuditEvent.user_id == coordinator)).all()
    assert refused == ["/api/v1/referrals"]


def test_a_get_that_changes_the_language_persists_it_on_the_account(app, login_as):
    client = login_as("worker")
    assert client.get("/?lang=en").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(User.locale).where(User.email == "worker@demo.local")) == "en"
    # A new browser session (no ?lang=, no session cookie) now opens in English.
    fresh = app.test_client()
    from ..conftest import login

    login(fresh, "worker@demo.local")
    assert 'lang="en"' in fresh.get("/").get_data(as_text=True)


# --- where commits may be --------------------------------------------------------------------

# Every module of portal/ allowed to commit, and why. Anything else only adds and flushes.
ALLOWED_COMMIT_SITES = {
    "transaction.py": "the request boundary: once per request, for every view, hook and decorator",
    "seed_cli.py": "flask seed demo, flask seed history: once per command",
    "accounts/cli.py": "flask users/tokens …: once per command",
    "listings/cli.py": "flask listings remind: once per command",
    "referrals/cli.py": "flask referrals escalate: once per command",
    "matching/cli.py": "flask matching purge-profiles: once per command",
    "privacy/cli.py": "flask privacy purge --apply: once per command",
    "notifications/cli.py": "flask mail send: once per message (a sent mail must never be re-sent)",
    "vocab/cli.py": "flask vocab …: once per command",
    "hsds/importer/__init__.py": "finish_import(): the end of an HSDS import job (flask hsds import)",
    "search/index.py": "index rebuild/sync jobs on their own sessions: each feed batch read ends its transaction "
                       "(its writer.commit() calls are Whoosh's, not the database's)",
}


def _commit_sites() -> dict[str, int]:
    """``{module: number of .commit references}`` across portal/ (calls and callbacks alike)."""
    sites: dict[str, int] = {}
    for path in sorted(PORTAL.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        count = sum(1 for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "commit")
        if count:
            sites[path.relative_to(PORTAL).as_posix()] = count
    return sites


def test_nothing_outside_the_allowed_boundaries_commits():
    outside = {module: n for module, n in _commit_sites().items() if module not in ALLOWED_COMMIT_SITES}
    assert not outside, (
        "these modules commit, but only the request boundary (portal/transaction.py) and CLI commands "
        f"or jobs may; add and flush instead (or, for a new command, list it here with why): {outside}")


@pytest.mark.parametrize("module", sorted(ALLOWED_COMMIT_SITES))
def test_every_allowed_commit_site_still_exists(module):
    # A stale entry would quietly allow commits in a module that should no longer have any.
    assert _commit_sites().get(module), f"portal/{module} no longer commits: remove it from the list"
