"""The community-care referral portal.

``create_app(config)`` is a short list of ``register_*`` steps; every extension object lives unbound
in ``extensions.py`` so tests can build as many apps as they need.
"""
from __future__ import annotations

import logging

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .config import INSTANCE_DIR, PROJECT_ROOT, Config
from .extensions import babel, csrf, db, login_manager, migrate


def create_app(config: Config | None = None) -> Flask:
    config = config or Config()
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_object(config)
    register_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_admin(app)
    register_cli(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_transaction(app)  # last: its after-request step must run before the others (see there)
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Only the client address: request.remote_addr is what per-address limits count.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"], x_proto=0, x_host=0,
                                x_port=0, x_prefix=0)
    return app


def register_transaction(app: Flask) -> None:
    from .transaction import register_transaction as register

    register(app)


def register_logging(app: Flask) -> None:
    # Request logs carry method, path and status only: never query strings or form data, which may
    # hold what a worker typed about a client.
    logging.getLogger("werkzeug").addFilter(_StripQueryFilter())
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from .log_privacy import install

    install(app)


class _StripQueryFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(_strip_query(a) if isinstance(a, str) else a for a in record.args)
        return True


def _strip_query(text: str) -> str:
    # werkzeug logs '"GET /path?query HTTP/1.1"'
    if "?" in text and " HTTP/" in text:
        head, _, rest = text.partition("?")
        return head + " HTTP/" + rest.split(" HTTP/", 1)[-1]
    return text


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):  # pragma: no cover - trivial
    # Foreign keys (cascades) are off by default in SQLite; WAL lets readers work during a write.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def register_extensions(app: Flask) -> None:
    from .i18n import select_locale, select_timezone

    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "strong"
    # Import every model so metadata (and Alembic autogenerate) sees the whole schema.
    from . import models  # noqa: F401
    from .search import outbox  # noqa: F401  (registers the index outbox listeners)
    from .audit import listeners as _audit_listeners  # noqa: F401  (audits every directory change)


def register_blueprints(app: Flask) -> None:
    from .accounts.views import bp as accounts_bp
    from .api import routes as _api_routes  # noqa: F401  (attaches every API module)
    from .api.views import bp as api_bp
    from .directory.views import bp as directory_bp
    from .health import bp as health_bp
    from .notifications.views import bp as notifications_bp
    from .search.views import bp as search_bp

    app.register_blueprint(accounts_bp)
    app.register_blueprint(directory_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(notifications_bp)
    from .listings.views import bp as listings_bp
    app.register_blueprint(listings_bp)
    from .matching.views import bp as matching_bp
    app.register_blueprint(matching_bp)
    from .crosswalk.views import bp as crosswalk_bp
    app.register_blueprint(crosswalk_bp)
    from .referrals.views import bp as referrals_bp
    from .referrals.followup_views import bp as followups_bp
    from .reports.views import bp as reports_bp
    app.register_blueprint(referrals_bp)
    app.register_blueprint(followups_bp)
    app.register_blueprint(reports_bp)
    from .cases.views import bp as cases_bp
    app.register_blueprint(cases_bp)
    from .referrals.loop_views import bp as loop_bp
    from .transfer.views import bp as transfer_bp
    app.register_blueprint(loop_bp)
    app.register_blueprint(transfer_bp)
    # The API authenticates with bearer tokens, never with the session cookie, so CSRF does not apply.
    csrf.exempt(api_bp)


def register_admin(app: Flask) -> None:
    from .admin import init_admin

    init_admin(app)


def register_cli(app: Flask) -> None:
    from .accounts.cli import tokens_cli, users_cli
    from .notifications.cli import mail_cli
    from .search.cli import index_cli
    from .seed_cli import seed_cli
    from .listings.cli import listings_cli
    app.cli.add_command(listings_cli)
    from .referrals.cli import referrals_cli
    app.cli.add_command(referrals_cli)
    from .hsds.cli import hsds_cli
    app.cli.add_command(hsds_cli)
    from .vocab.cli import vocab_cli
    app.cli.add_command(vocab_cli)
    from .directory.cli import directory_cli
    app.cli.add_command(directory_cli)
    from .matching.cli import matching_cli
    app.cli.add_command(matching_cli)
    from .privacy.cli import privacy_cli
    app.cli.add_command(privacy_cli)

    for group in (users_cli, tokens_cli, index_cli, seed_cli, mail_cli):
        app.cli.add_command(group)


def register_errorhandlers(app: Flask) -> None:
    from flask import jsonify, render_template

    def handler(error):
        code = getattr(error, "code", 500) or 500
        if request.path.startswith("/api/"):
            return jsonify({"error": getattr(error, "name", "Error"), "status": code}), code
        return render_template("error.html", code=code), code

    for code in (400, 401, 403, 404, 405, 409, 413, 429, 500):
        app.register_error_handler(code, handler)


def register_request_hooks(app: Flask) -> None:
    from flask_login import current_user

    from .i18n import remember_requested_language

    app.before_request(remember_requested_language)
    from .validators import safe_url

    # Every href built from data goes through it: only http, https, mailto and tel links render.
    app.add_template_filter(safe_url, "safe_url")
    from .punctuation import FILTERS as punctuation
    from .punctuation import GLOBALS as punctuation_globals

    # Chinese text takes Chinese punctuation: {{ _('Phone')|as_label }} is "电话：" or "Phone: ".
    app.jinja_env.filters.update(punctuation)
    app.jinja_env.globals.update(punctuation_globals)

    @app.after_request
    def security_headers(response):
        from .security_headers import add_security_headers

        add_security_headers(response)  # CSP, nosniff, no framing, referrer (security_headers.py)
        # Staff pages may show client details: never keep them in a shared browser's cache.
        if current_user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.context_processor
    def inject_globals():
        from .i18n import current_lang, lang_switch_url

        unread = 0
        if current_user.is_authenticated:
            from .notifications.operations import unread_count

            unread = unread_count(current_user)
        return {"current_lang": current_lang(), "lang_switch_url": lang_switch_url,
                "unread_notifications": unread}

