"""In-app notifications and the mail outbox."""
from __future__ import annotations

import logging

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.extensions import db
from portal.notifications.models import MailMessage, Notification
from portal.notifications.operations import deliver_pending, notify


def _user(email):
    return db.session.scalar(select(User).where(User.email == email))


def test_notify_creates_one_in_app_note_and_one_queued_mail_per_user(app):
    with app.app_context():
        worker, agency = _user("worker@demo.local"), _user("agency@demo.local")
        notify([worker, agency, worker], "referral_sent", "转介 R-1 已发送", "Referral R-1 was sent", link="/x")
        db.session.commit()
        assert db.session.scalar(select(func.count(Notification.id))) == 2
        mails = db.session.scalars(select(MailMessage)).all()
        assert sorted(m.to_address for m in mails) == ["agency@demo.local", "worker@demo.local"]
        assert all(m.sent_at is None for m in mails)


def test_notifications_page_lists_own_notes_and_marks_them_read(app, login_as):
    with app.app_context():
        notify([_user("worker@demo.local")], "t", "您有一条新转介", "You have a new referral", mail=False)
        notify([_user("agency@demo.local")], "t", "别人的通知", "Someone else's note", mail=False)
        db.session.commit()
    client = login_as("worker")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "您有一条新转介" in page
    assert "别人的通知" not in page
    home = client.get("/").get_data(as_text=True)
    assert '<span class="badge">1</span>' in home
    from ..conftest import csrf_token

    client.post("/notifications/read-all", data={"csrf_token": csrf_token(client, "/notifications/")})
    assert '<span class="badge">1</span>' not in client.get("/").get_data(as_text=True)


def test_mail_delivery_logs_no_address_and_marks_sent(app, caplog):
    with app.app_context():
        notify([_user("worker@demo.local")], "digest", "提醒", "Reminder")
        db.session.commit()
        with caplog.at_level(logging.INFO, logger="portal.mail"):
            sent, failed = deliver_pending(app.config)
        assert (sent, failed) == (1, 0)
        assert "worker@demo.local" not in caplog.text
        assert db.session.scalar(select(func.count(MailMessage.id)).where(MailMessage.sent_at.is_(None))) == 0


def test_failed_delivery_stays_queued_for_the_next_run(app, monkeypatch):
    from portal.notifications import operations

    class Broken:
        def send(self, message):
            raise ConnectionRefusedError("smtp down")

    with app.app_context():
        notify([_user("worker@demo.local")], "digest", "提醒", "Reminder")
        db.session.commit()
        monkeypatch.setattr(operations, "sender_from_config", lambda config: Broken())
        assert deliver_pending(app.config) == (0, 1)
        message = db.session.scalar(select(MailMessage))
        assert message.sent_at is None and message.attempts == 1
        assert message.last_error == "ConnectionRefusedError"
        monkeypatch.undo()
        assert deliver_pending(app.config) == (1, 0)


def test_notifications_need_login(client):
    assert client.get("/notifications/").status_code == 302
