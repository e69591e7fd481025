"""Deactivating users and resetting their passwords: from the command line and from the admin,
through one accounts operation (issue 13, part 3)."""
from __future__ import annotations

import logging
import re

from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from tests.helpers import bearer

from ..conftest import DEMO_PASSWORDS, csrf_token, login

WORKER = "worker@demo.local"


def _signed_in(client) -> bool:
    return 'action="/logout"' in client.get("/").get_data(as_text=True)


def _admin_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def _user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def test_deactivate_from_the_command_line_ends_sessions_tokens_and_sign_in(app, runner):
    session = app.test_client()
    assert login(session, WORKER).status_code == 302
    headers = bearer(app, WORKER)
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 200

    result = runner.invoke(args=["users", "deactivate", WORKER])
    assert result.exit_code == 0, result.output
    assert not _signed_in(session)
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    page = login(app.test_client(), WORKER)
    assert page.status_code == 401
    assert "deactivated" in page.get_data(as_text=True) or "停用" in page.get_data(as_text=True)

    assert runner.invoke(args=["users", "reactivate", WORKER]).exit_code == 0
    assert login(app.test_client(), WORKER).status_code == 302
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 200


def test_reset_password_prints_a_new_one_once_and_never_logs_it(app, runner, caplog):
    session = app.test_client()
    assert login(session, WORKER).status_code == 302
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):  # locked out too: the reset lifts the lock
        login(app.test_client(), WORKER, "wrong-password-x")
    with caplog.at_level(logging.DEBUG):
        result = runner.invoke(args=["users", "reset-password", WORKER])
    assert result.exit_code == 0, result.output
    password = result.stdout.strip()
    assert len(password) >= 10
    assert password not in caplog.text
    assert not _signed_in(session)
    assert login(app.test_client(), WORKER).status_code == 401  # the old password
    assert login(app.test_client(), WORKER, password).status_code == 302


def test_admin_list_action_deactivates_and_reactivates(app, login_as):
    admin = login_as("admin")
    worker = app.test_client()
    assert login(worker, WORKER).status_code == 302
    uid = _user_id(app, WORKER)
    token = _admin_token(admin, "/admin/user/")
    response = admin.post("/admin/user/action/", data={"csrf_token": token, "action": "deactivate",
                                                       "rowid": [str(uid)]})
    assert response.status_code == 302
    assert not _signed_in(worker)
    assert login(app.test_client(), WORKER).status_code == 401
    admin.post("/admin/user/action/", data={"csrf_token": token, "action": "reactivate", "rowid": [str(uid)]})
    assert login(app.test_client(), WORKER).status_code == 302


def test_unticking_active_on_the_admin_edit_form_signs_the_user_out(app, login_as):
    admin = login_as("admin")
    worker = app.test_client()
    assert login(worker, WORKER).status_code == 302
    uid = _user_id(app, WORKER)
    with app.app_context():
        user = db.session.get(User, uid)
        data = {"email": user.email, "name": user.name, "roles_selected": sorted(user.roles),
                "organization": user.organization_id, "locale": user.locale or ""}
    data["csrf_token"] = _admin_token(admin, f"/admin/user/edit/?id={uid}")  # "active" left out: unticked
    response = admin.post(f"/admin/user/edit/?id={uid}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert not _signed_in(worker)
    assert login(app.test_client(), WORKER).status_code == 401


def test_admin_reset_password_button_shows_a_working_password_once(app, login_as):
    admin = login_as("admin")
    uid = _user_id(app, WORKER)
    edit = admin.get(f"/admin/user/edit/?id={uid}").get_data(as_text=True)
    assert "/admin/user/reset-password/" in edit
    response = admin.post("/admin/user/reset-password/", data={"csrf_token": csrf_token(admin, "/"), "id": uid})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = re.search(r"<code>([^<]+)</code>", response.get_data(as_text=True)).group(1)
    assert login(app.test_client(), WORKER, password).status_code == 302
    assert login(app.test_client(), WORKER, DEMO_PASSWORDS[WORKER]).status_code == 401


def test_admin_reset_password_without_csrf_token_changes_nothing(app, login_as):
    admin = login_as("admin")
    response = admin.post("/admin/user/reset-password/", data={"id": _user_id(app, WORKER)})
    assert response.status_code == 400
    assert login(app.test_client(), WORKER).status_code == 302
