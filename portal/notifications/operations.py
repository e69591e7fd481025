"""Telling people things: in-app notifications plus mail through the outbox. Nothing here commits:
the request (portal/transaction.py) or the ``flask mail send`` command does."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import select

from ..accounts.models import User, UserRole
from ..common import utcnow
from ..extensions import db
from .models import MailMessage, Notification
from .senders import sender_from_config


def notify(users: Iterable[User], kind: str, text_zh: str, text_en: str | None = None,
           link: str | None = None, mail: bool = True) -> list[Notification]:
    """One in-app notification per user (each user once), and a mail in the outbox for each."""
    created, seen = [], set()
    for user in users:
        if user is None or user.id in seen or not user.active:
            continue
        seen.add(user.id)
        note = Notification(user_id=user.id, kind=kind, text_zh=text_zh, text_en=text_en, link=link)
        db.session.add(note)
        created.append(note)
        if mail:
            text = text_en if user.locale == "en" and text_en else text_zh
            queue_mail(user.email, kind, subject=text, body=text + (f"\n\n{link}" if link else ""))
    return created


def queue_mail(to_address: str, kind: str, subject: str, body: str) -> MailMessage:
    message = MailMessage(to_address=to_address, kind=kind, subject=subject[:300], body=body)
    db.session.add(message)
    return message


def users_of_organization(organization_id: str, *roles: str) -> list[User]:
    query = select(User).where(User.organization_id == organization_id, User.active.is_(True))
    if roles:
        query = query.join(UserRole).where(UserRole.role.in_(roles))
    return list(db.session.scalars(query.distinct()))


def coordinators_for_area(area) -> list[User]:
    """Coordinators whose area is this area or one of its ancestors (a city coordinator sees all)."""
    area_ids = [a.id for a in area.lineage()] if area is not None else []
    query = select(User).join(UserRole).where(UserRole.role == "coordinator", User.active.is_(True))
    if area_ids:
        query = query.where((User.area_id.in_(area_ids)) | (User.area_id.is_(None)))
    return list(db.session.scalars(query.distinct()))


def unread_count(user: User) -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def deliver_pending(config, limit: int = 200, after_each: Callable[[], None] | None = None) -> tuple[int, int]:
    """Send what is waiting in the mail outbox. Returns (sent, failed); failures stay queued.

    Each message's new state is flushed; ``after_each`` (the ``flask mail send`` command passes its
    commit) runs after every message, because a mail once sent cannot be unsent: a crash later in the
    batch must not leave it marked unsent and send it twice."""
    sender = sender_from_config(config)
    sent = failed = 0
    pending = db.session.scalars(select(MailMessage).where(MailMessage.sent_at.is_(None),
                                                           MailMessage.attempts < 10)
                                 .order_by(MailMessage.id).limit(limit)).all()
    for message in pending:
        message.attempts += 1
        try:
            sender.send(message)
        except Exception as exc:  # keep it queued; record the class of error, not its text
            message.last_error = type(exc).__name__
            failed += 1
        else:
            message.sent_at = utcnow()
            message.last_error = None
            sent += 1
        db.session.flush()
        if after_each is not None:
            after_each()
    return sent, failed
