"""The retention purge (``flask privacy purge``): each shipped default at its boundary (day N kept,
day N+1 purged), dry run by default, and the reports count the same before and after."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.common import today
from portal.extensions import db
from portal.notifications.models import MailMessage, Notification
from portal.privacy.operations import purge
from portal.privacy.retention import RetentionPolicy
from portal.referrals.models import Client, FollowUp, Referral, ReferralEvent
from portal.reports import figures
from portal.reports.queries import referral_rows


def days_ago(n: int) -> datetime:
    """Noon UTC, ``n`` calendar days before today."""
    return datetime.combine(today() - timedelta(days=n), time(12), tzinfo=timezone.utc)


@pytest.fixture
def agency(world):
    org = world.organization()
    service = world.service(org)
    return org, service, world.user("worker", org=org)


def _closed_referral(world, org, service, user, closed_days: int, status: str = "completed") -> Referral:
    client = world.client(org, phone="13800000000")
    referral = world.referral(client, service, by=user, status=status, care_plan_notes="plan",
                              transfer_criterion="criterion")
    referral.closed_at = referral.updated_at = days_ago(closed_days)
    referral.sent_at = referral.acknowledged_at = days_ago(closed_days + 3)
    db.session.add(ReferralEvent(referral_id=referral.id, action="complete", to_status=status,
                                 note="event note", at=days_ago(closed_days)))
    db.session.add(FollowUp(client_id=referral.client_id, referral_id=referral.id, due_on=today(), note="follow-up note"))
    client.updated_at = days_ago(1)  # the client is still active: only the referral's text goes
    db.session.flush()
    return referral


def _policy(app) -> RetentionPolicy:
    return RetentionPolicy.from_config(app.config)


def test_the_shipped_defaults(app):
    policy = _policy(app)
    assert (policy.closed_referral_days, policy.inactive_client_days, policy.notification_days,
            policy.access_log_days) == (730, 1095, 180, 365)
    assert app.config["SEARCH_FEED_RETENTION_DAYS"] == 7


def test_closed_referral_text_goes_after_730_days_and_the_rest_stays(world, agency):
    org, service, user = agency
    kept = _closed_referral(world, org, service, user, 730)
    purged = _closed_referral(world, org, service, user, 731, status="declined")
    purged.decline_reason = "no_capacity"
    kept_id, purged_id = kept.id, purged.id
    world.commit()

    counts = purge(_policy(world.app))
    assert counts.closed_referrals == 1
    db.session.rollback()
    assert db.session.get(Referral, purged_id).reason == "test reason"  # a dry run changes nothing

    purge(_policy(world.app), apply=True)
    world.commit()
    db.session.expire_all()
    gone, stays = db.session.get(Referral, purged_id), db.session.get(Referral, kept_id)
    assert (gone.reason, gone.care_plan_notes, gone.transfer_criterion) == (None, None, None)
    assert [e.note for e in gone.events] == [None] and [f.note for f in gone.follow_ups] == [None]
    assert (gone.status, gone.decline_reason, gone.service_id) == ("declined", "no_capacity", service.id)
    assert gone.closed_at is not None and gone.sent_at is not None
    assert (stays.reason, stays.care_plan_notes) == ("test reason", "plan")
    assert [e.note for e in stays.events] == ["event note"]
    assert gone.client.contact_phone == "13800000000"  # an active client keeps contact details


def _inactive_client(world, org, service, user, days: int, open_referral: bool = False) -> Client:
    client = world.client(org, phone="13900000000")
    referral = world.referral(client, service, by=user, status="sent" if open_referral else "cancelled")
    referral.updated_at = referral.closed_at = days_ago(days)
    client.updated_at = days_ago(days)
    db.session.flush()
    return client


def test_an_inactive_client_loses_contact_details_after_1095_days(world, agency):
    org, service, user = agency
    kept = _inactive_client(world, org, service, user, 1095)
    purged = _inactive_client(world, org, service, user, 1096)
    still_open = _inactive_client(world, org, service, user, 2000, open_referral=True)
    ids = kept.id, purged.id, still_open.id
    world.commit()

    assert purge(_policy(world.app)).inactive_clients == 1
    db.session.rollback()
    purge(_policy(world.app), apply=True)
    world.commit()
    db.session.expire_all()
    kept, purged, still_open = (db.session.get(Client, i) for i in ids)
    assert (purged.contact_phone, purged.contact_consent_on) == (None, None)
    assert purged.referrals[0].reason is None
    assert purged.code and purged.birth_year == 1980  # the pseudonymous row stays
    assert kept.contact_phone == "13900000000"  # (its referral's text went by the 730-day rule)
    assert still_open.contact_phone == "13900000000"  # an open referral still needs them
    erased = db.session.scalars(select(AuditEvent.record_id).where(AuditEvent.action == "client_erased"))
    assert list(erased) == [purged.id]


def test_notifications_and_sent_mail_go_after_180_days(world, agency):
    _org, _service, user = agency
    for n in (180, 181):
        db.session.add(Notification(user_id=user.id, kind="test", text_zh=f"day {n}", created_at=days_ago(n)))
        db.session.add(MailMessage(to_address="a@demo.local", subject=f"day {n}", body="-", kind="test",
                                   created_at=days_ago(n), sent_at=days_ago(n)))
    db.session.add(MailMessage(to_address="b@demo.local", subject="unsent", body="-", kind="test",
                               created_at=days_ago(400)))  # never sent: still to deliver
    world.commit()
    counts = purge(_policy(world.app), apply=True)
    world.commit()
    assert (counts.notifications, counts.sent_mail) == (1, 1)
    assert list(db.session.scalars(select(Notification.text_zh))) == ["day 180"]
    assert sorted(db.session.scalars(select(MailMessage.subject))) == ["day 180", "unsent"]


def test_access_logs_forget_the_person_after_365_days(world, agency):
    _org, _service, user = agency
    for n, action in ((365, "referral_viewed"), (366, "referral_viewed"), (366, "login"),
                      (366, "consent_given")):
        db.session.add(AuditEvent(action=action, user_id=user.id, at=days_ago(n), record_id=f"{action}-{n}"))
    world.commit()
    counts = purge(_policy(world.app), apply=True)
    world.commit()
    assert counts.access_log_rows == 2
    rows = dict(db.session.execute(select(AuditEvent.record_id, AuditEvent.user_id)
                                   .where(AuditEvent.record_id.is_not(None))).all())
    assert rows["referral_viewed-365"] == user.id
    assert rows["referral_viewed-366"] is None and rows["login-366"] is None
    assert rows["consent_given-366"] == user.id  # not an access log: untouched
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention_purge")).changes[
        "access_log_rows"] == 2


def _figures(user) -> dict:
    rows = referral_rows(user, today() - timedelta(days=4000), today())
    return {"funnel": figures.funnel(rows), "declines": figures.decline_reasons(rows),
            "dropout": figures.dropout_by_step(rows),
            "ack_hours": figures.median_hours(rows, "sent_at", "acknowledged_at"),
            "count": len(rows), "services": sorted(r["service_id"] for r in rows),
            "districts": sorted(r["district"] for r in rows)}


def test_the_reports_count_the_same_before_and_after_a_purge(world, agency):
    org, service, user = agency
    for days, status in ((100, "completed"), (800, "declined"), (900, "not_connected"), (1200, "cancelled")):
        _closed_referral(world, org, service, user, days, status=status)
    _inactive_client(world, org, service, user, 1500)
    admin = world.user("admin")
    world.commit()
    before = _figures(admin)
    counts = purge(_policy(world.app), apply=True)
    world.commit()
    assert counts.closed_referrals >= 3 and counts.inactive_clients == 1
    assert _figures(admin) == before


def test_the_command_is_a_dry_run_unless_told_to_apply(world, agency):
    org, service, user = agency
    referral_id = _closed_referral(world, org, service, user, 1000).id
    world.commit()
    runner = world.app.test_cli_runner()
    dry = runner.invoke(args=["privacy", "purge"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run" in dry.output and "closed referrals: free text and care plan erased: 1" in dry.output
    db.session.expire_all()
    assert db.session.get(Referral, referral_id).reason == "test reason"
    real = runner.invoke(args=["privacy", "purge", "--apply"])
    assert real.exit_code == 0, real.output
    assert "Erased:" in real.output
    db.session.expire_all()
    assert db.session.get(Referral, referral_id).reason is None
    assert "test reason" not in real.output + dry.output and "138" not in real.output
