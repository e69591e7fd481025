"""Helpers shared by the referral tests: demo ids, a referral sent through the real form, an
unrelated organisation with its own users."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from portal.common import today
from portal.extensions import db
from seed.loader import seed_id

MMT_SERVICE = seed_id("service", "mmt-jiangbin/mmt")
MMT_ORG = seed_id("organization", "mmt-jiangbin")
WORKER_ORG = seed_id("organization", "drug-sw-jiangbin")
OTHER_PASSWORD = "unrelated-password-2026"
PHONE = "13800001234"

_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
_VALUE = re.compile(r'value="([^"]+)"')


def token_from(html: str) -> str:
    tag = _INPUT.search(html)
    assert tag, "no CSRF token on the page"
    return _VALUE.search(tag.group(0)).group(1)


def referral_form(token: str, **overrides) -> dict:
    data = {
        "csrf_token": token, "client_id": "", "birth_year": "1985", "gender": "male", "language": "zh",
        "area_id": "", "contact_preference": "phone", "contact_phone": PHONE, "contact_note": "",
        "contact_consent": "y", "service_id": MMT_SERVICE, "needs": ["methadone_maintenance"],
        "urgency": "routine", "reason": "Needs maintenance treatment after detox.", "from_stage": "",
        "to_stage": "", "transfer_criterion": "", "care_plan_notes": "Daily dosing plan agreed.",
        "follow_up_months": "3", "consent_given": "y", "consent_scope": "referral",
        "consent_items": ["referral", "contact"], "consent_purpose": "Methadone treatment referral",
        "consent_given_on": today().isoformat(), "consent_expires_on": (today() + timedelta(days=365)).isoformat(),
        "submit": "send",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def send_referral(client, **overrides):
    """As the signed-in worker: fill the new-referral form and send it. Returns the response."""
    token = token_from(client.get("/referrals/new").get_data(as_text=True))
    return client.post("/referrals/new", data=referral_form(token, **overrides))


def latest_referral():
    from portal.referrals.models import Referral

    return db.session.scalars(select(Referral).order_by(Referral.created_at.desc())).first()


def post_transition(client, referral_id: str, action: str, **fields):
    token = token_from(client.get(f"/referrals/{referral_id}").get_data(as_text=True))
    return client.post(f"/referrals/{referral_id}/transition", data={"csrf_token": token, "action": action, **fields})


def make_unrelated_org(app):
    """An organisation with nothing to do with the referral, plus a worker and an agency user."""
    from portal.accounts.operations import create_user
    from portal.directory.models import Organization

    with app.app_context():
        org = Organization(name_zh="无关机构", name_en="Unrelated organisation")
        db.session.add(org)
        db.session.flush()
        create_user("other.worker@demo.local", "Other worker", OTHER_PASSWORD, ["worker"], organization_id=org.id)
        create_user("other.agency@demo.local", "Other agency", OTHER_PASSWORD, ["agency"], organization_id=org.id)
        db.session.commit()
        return org.id

