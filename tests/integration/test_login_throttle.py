"""Sign-in lockout under attack: parallel guesses, and addresses that do not exist (issue 13)."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from portal.accounts import throttle
from portal.accounts.models import LoginThrottle
from portal.accounts.operations import authenticate
from portal.common import utcnow
from portal.extensions import db
from tests.factories import PASSWORD

from ..conftest import login


def _burst(app, email: str, passwords: list[str]) -> list[str]:
    """Every password tried at once from its own thread (its own connection), each committed as a
    request would be. Returns what each attempt was told: "ok", "invalid" or "locked"."""
    cfg = app.config
    start = threading.Barrier(len(passwords))
    answers: list[str] = []

    def attempt(password: str) -> None:
        with app.app_context():
            start.wait()
            result = authenticate(email, password, cfg["LOGIN_MAX_FAILURES"], cfg["LOGIN_LOCK_MINUTES"])
            db.session.commit()
            answers.append("ok" if result.user else result.error)

    threads = [threading.Thread(target=attempt, args=(p,)) for p in passwords]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _try(email: str, password: str, now=None):
    """One sign-in, committed as the request boundary would (the claim has its own connection)."""
    result = authenticate(email, password, 5, 15, now=now)
    db.session.commit()
    return result


def test_parallel_wrong_passwords_lock_after_the_limit_and_the_right_one_is_then_refused(world, empty_app):
    user = world.user("coordinator")
    db.session.commit()
    limit = empty_app.config["LOGIN_MAX_FAILURES"]
    answers = Counter(_burst(empty_app, user.email, ["wrong-password-%d" % i for i in range(14)]))
    # Only `limit` attempts ever reach a password check: limit-1 are "wrong", the rest "locked".
    assert answers == {"invalid": limit - 1, "locked": 14 - (limit - 1)}
    assert _try(user.email, PASSWORD).error == "locked"


def test_right_password_inside_a_burst_after_the_limit_does_not_sign_in(world, empty_app):
    user = world.user("coordinator")
    db.session.commit()
    limit = empty_app.config["LOGIN_MAX_FAILURES"]
    wrong = _burst(empty_app, user.email, ["wrong-password-%d" % i for i in range(limit + 3)])
    assert "ok" not in _burst(empty_app, user.email, [PASSWORD] + ["wrong-again-%d" % i for i in range(3)])
    assert wrong.count("invalid") == limit - 1


def test_unknown_address_is_answered_and_locked_exactly_like_a_known_one(world, empty_app):
    user = world.user("coordinator")
    db.session.commit()
    known = [_try(user.email, "wrong-password").error for _ in range(6)]
    unknown = [_try("nobody@demo.local", "wrong-password").error for _ in range(6)]
    assert known == unknown == ["invalid"] * 4 + ["locked", "locked"]


def test_the_throttle_stores_no_email_address(world, empty_app):
    _try("Someone.Else@Example.org ", "wrong-password")
    keys = db.session.scalars(select(LoginThrottle.key)).all()
    assert keys == [throttle.throttle_key("someone.else@example.org")]
    assert "example" not in keys[0]


def test_a_lock_ends_after_its_minutes_and_the_count_starts_again(world, empty_app):
    user = world.user("coordinator")
    db.session.commit()
    for _ in range(5):
        _try(user.email, "wrong-password")
    assert _try(user.email, PASSWORD).error == "locked"
    later = utcnow() + timedelta(minutes=16)
    assert _try(user.email, "wrong-password", now=later).error == "invalid"
    assert _try(user.email, PASSWORD, now=later).user is not None


def test_the_login_page_tells_an_unknown_address_it_is_locked_like_a_known_one(app, client):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for email in ("agency@demo.local", "nobody-here@demo.local"):
        for _ in range(limit):
            login(client, email, "wrong-password-x")
    known = login(client, "agency@demo.local", "wrong-password-x").get_data(as_text=True)
    unknown = login(client, "nobody-here@demo.local", "wrong-password-x").get_data(as_text=True)
    assert "锁定" in known or "locked" in known
    assert ("锁定" in unknown) == ("锁定" in known) and ("locked" in unknown) == ("locked" in known)
