"""Signing in and out, lockout, roles, API tokens."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import ApiToken, LoginThrottle, User
from portal.accounts.operations import AccountError, create_token, create_user, user_for_token
from portal.accounts.passwords import hash_password, verify_password
from portal.accounts.throttle import throttle_key
from portal.audit.models import AuditEvent
from portal.common import utcnow
from portal.extensions import db

from ..conftest import DEMO_PASSWORDS, csrf_token, login


def test_passwords_are_stored_as_argon2_hashes(app):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "worker@demo.local"))
        assert user.password_hash.startswith("$argon2id$")
        assert DEMO_PASSWORDS["worker@demo.local"] not in user.password_hash
        assert verify_password(user.password_hash, DEMO_PASSWORDS["worker@demo.local"])
        assert not verify_password(user.password_hash, "wrong-password")


def test_login_with_right_password_reaches_home(client):
    response = login(client, "worker@demo.local")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert 'action="/logout"' in page


def test_wrong_password_shows_clear_message_and_stays_signed_out(client):
    response = login(client, "worker@demo.local", "not-the-password")
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "role=\"alert\"" in html
    assert ("Wrong email or password" in html) or ("邮箱或密码错误" in html)
    assert 'action="/logout"' not in client.get("/").get_data(as_text=True)


def test_unknown_email_gets_the_same_message_as_wrong_password(client):
    wrong = login(client, "worker@demo.local", "not-the-password").get_data(as_text=True)
    unknown = login(client, "nobody@demo.local", "not-the-password").get_data(as_text=True)
    assert ("邮箱或密码错误" in wrong) == ("邮箱或密码错误" in unknown)
    assert unknown.count('role="alert"') == wrong.count('role="alert"')


def test_login_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"email": "worker@demo.local",
                                           "password": DEMO_PASSWORDS["worker@demo.local"]})
    assert response.status_code == 400
    assert 'action="/logout"' not in client.get("/").get_data(as_text=True)


def test_account_locks_after_repeated_failures_even_for_right_password(app, client):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        login(client, "agency@demo.local", "wrong-password-x")
    response = login(client, "agency@demo.local")  # the right password, but locked
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert ("locked" in html) or ("锁定" in html)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "agency@demo.local"))
        assert db.session.get(LoginThrottle, throttle_key(user.email)).is_locked()
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.user_id == user.id)))
        assert {"login_failed", "account_locked", "login_refused_locked"} <= actions


def test_lock_expires(app, client):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login(client, "agency@demo.local", "wrong-password-x")
    with app.app_context():
        row = db.session.get(LoginThrottle, throttle_key("agency@demo.local"))
        row.locked_until = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert login(client, "agency@demo.local").status_code == 302


def test_logout_invalidates_a_copied_session_cookie(app):
    first = app.test_client()
    assert login(first, "worker@demo.local").status_code == 302
    cookie = first.get_cookie("session")
    stolen = app.test_client()
    stolen.set_cookie("session", cookie.value)
    assert 'action="/logout"' in stolen.get("/").get_data(as_text=True)
    first.post("/logout", data={"csrf_token": csrf_token(first, "/")})
    assert 'action="/logout"' not in stolen.get("/").get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite(client):
    response = login(client, "worker@demo.local")
    cookie_header = " ".join(response.headers.getlist("Set-Cookie"))
    assert "session=" in cookie_header
    assert "HttpOnly" in cookie_header
    assert "SameSite=Lax" in cookie_header


def test_staff_pages_are_not_cached(client):
    login(client, "worker@demo.local")
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_login_redirect_never_leaves_the_site(client):
    token = csrf_token(client)
    response = client.post("/login?next=https://evil.example/x", data={
        "csrf_token": token, "email": "worker@demo.local", "password": DEMO_PASSWORDS["worker@demo.local"]})
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


def test_worker_and_agency_users_must_belong_to_an_organisation(app):
    with app.app_context():
        with pytest.raises(AccountError):
            create_user("new.worker@demo.local", "New", "long-enough-password", ["worker"])
        user = create_user("coord2@demo.local", "C", "long-enough-password", ["coordinator", "admin"])
        assert user.roles == {"coordinator", "admin"}


def test_short_passwords_are_refused(app):
    with app.app_context():
        with pytest.raises(AccountError):
            create_user("short@demo.local", "S", "short", ["admin"])


def test_users_create_command(app, runner):
    result = runner.invoke(args=["users", "create", "--email", "New.Admin@Demo.local", "--name", "New",
                                 "--role", "admin", "--role", "coordinator",
                                 "--password", "a-long-password-1"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new.admin@demo.local"))
        assert user.roles == {"admin", "coordinator"}
    again = runner.invoke(args=["users", "create", "--email", "new.admin@demo.local", "--role", "admin",
                                "--password", "a-long-password-1"])
    assert again.exit_code != 0
    assert "already exists" in again.output


def test_users_create_refuses_worker_without_organisation(runner):
    result = runner.invoke(args=["users", "create", "--email", "w@demo.local", "--role", "worker",
                                 "--password", "a-long-password-1"])
    assert result.exit_code != 0
    assert "organisation" in result.output


# --- API tokens ----------------------------------------------------------------------------------

def test_token_command_prints_a_working_bearer_token(app, runner, client):
    result = runner.invoke(args=["tokens", "create", "--email", "coordinator@demo.local", "--days", "30"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[0]
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.json["email"] == "coordinator@demo.local"
    with app.app_context():
        stored = db.session.scalars(select(ApiToken.token_hash)).all()
        assert secret not in stored  # only its digest is kept


def test_api_without_token_or_with_a_bad_one_is_refused(client):
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer ccp_nonsense"}).status_code == 401


def test_revoked_and_expired_tokens_stop_working(app, client, runner):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "worker@demo.local"))
        token, secret = create_token(user, days=5)
        expired, expired_secret = create_token(user, days=5)
        expired.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        token_id = token.id
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert runner.invoke(args=["tokens", "revoke", str(token_id)]).exit_code == 0
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {expired_secret}"}).status_code == 401


def test_token_of_deactivated_user_stops_working(app):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "worker@demo.local"))
        _, secret = create_token(user, days=5)
        assert user_for_token(secret) is user
        user.active = False
        db.session.commit()
        assert user_for_token(secret) is None


def test_hash_password_is_salted():
    assert hash_password("same-password") != hash_password("same-password")


def test_logout_clears_the_session_but_keeps_the_language(client):
    login(client, "worker@demo.local")
    client.get("/?lang=en")
    with client.session_transaction() as sess:
        sess["left_behind"] = "previous user's working data"
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")}, follow_redirects=True)
    assert "Signed out." in response.get_data(as_text=True)
    with client.session_transaction() as sess:
        assert "left_behind" not in sess
        assert sess.get("lang") == "en"
