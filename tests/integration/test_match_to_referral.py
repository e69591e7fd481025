"""From a match to referrals in one flow (issue 12, item 6): "Refer" on a suggestion or on the whole
care plan opens the referral form pre-filled from the stored profile (random id, never the profile in
a URL or cookie); a plan becomes one referral per service, made together with the client's one consent
decision; the new-referral form applies matching's hard rules and wants a reason to override them;
the service picker narrows on the server without JavaScript."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.common import today
from portal.directory.models import Area
from portal.extensions import db
from portal.referrals.models import Client, Consent, Referral, ReferralEvent

from ..conftest import csrf_token
from ..referral_helpers import MMT_SERVICE, referral_form, send_referral, token_from

RESIDENTS_ONLY = "仅限服务区域内居民"
REASON_NEEDED = re.compile(r"该服务的规则排除了这位服务对象（[^）]*仅限服务区域内居民[^）]*）。如仍要转介，请说明理由。")
PROFILE = dict(needs=["methadone_maintenance", "employment_support"], area="JL-01-01", age="38", gender="male",
               conditions=["opioid_use"], populations=["people_in_community_treatment"],
               care_stage="maintenance_treatment", languages=["yue"], urgency="high", travel_km="5")


def _match(client, **fields) -> str:
    data = {"csrf_token": csrf_token(client, "/match"), **PROFILE, **fields}
    response = client.post("/match", data=data)
    assert response.status_code == 303
    return response.headers["Location"].rsplit("/", 1)[1]


def _area_id(code):
    return db.session.scalar(select(Area.id).where(Area.code == code))


def _checked_values(html: str, name: str) -> list[str]:
    tags = re.findall(rf'<input[^>]*name="{name}"[^>]*>', html)
    return [re.search(r'value="([^"]*)"', t).group(1) for t in tags if "checked" in t]


def _selected(html: str, name: str) -> str | None:
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    option = re.search(r'<option[^>]*selected[^>]*>', select_html) or None
    return re.search(r'value="([^"]*)"', option.group(0)).group(1) if option else None


def test_refer_one_suggestion_opens_the_form_prefilled_from_the_stored_profile(app, login_as):
    client = login_as("worker")
    token = _match(client)
    html = client.get(f"/referrals/new?match={token}&service_id={MMT_SERVICE}").get_data(as_text=True)
    assert _selected(html, "service_id") == MMT_SERVICE
    assert _checked_values(html, "needs") == ["methadone_maintenance"]  # only what this service covers
    assert f'name="birth_year" type="number" value="{today().year - 38}"' in html or \
        f'value="{today().year - 38}"' in html
    assert _selected(html, "gender") == "male"
    assert _selected(html, "language") == "yue"
    assert _selected(html, "urgency") == "urgent"
    assert _selected(html, "from_stage") == "maintenance_treatment"
    with app.app_context():
        assert _selected(html, "area_id") == str(_area_id("JL-01-01"))
    assert f'name="match" type="hidden" value="{token}"' in html


def test_refer_the_whole_plan_makes_one_referral_per_service_with_one_consent(app, login_as):
    client = login_as("worker")
    token = _match(client)
    html = client.get(f"/referrals/new?match={token}&plan=1").get_data(as_text=True)
    items = _checked_values(html, "plan_items")
    assert len(items) >= 2, items  # methadone and employment come from different organisations
    planned_services = [value.split("|")[0] for value in items]
    data = referral_form(token_from(html), service_id="", needs=None, plan="1", match=token, plan_items=items,
                         transfer_criterion="Stable on the current dose for 3 months", urgency="urgent",
                         consent_purpose="Care plan from the match")
    response = client.post("/referrals/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:4000]
    with app.app_context():
        referrals = db.session.scalars(select(Referral)).all()
        assert sorted(r.service_id for r in referrals) == sorted(planned_services)
        assert {r.status for r in referrals} == {"sent"}
        assert len({r.client_id for r in referrals}) == 1  # one client, recorded once
        assert db.session.scalar(select(func.count(Client.id))) == 1
        for referral, value in ((r, next(v for v in items if v.startswith(r.service_id))) for r in referrals):
            assert referral.needs == sorted(value.split("|")[1].split(","))
        # The client's one consent decision, recorded for each receiver (a consent names one organisation).
        consents = db.session.scalars(select(Consent)).all()
        assert {(c.purpose, c.items, c.expires_on) for c in consents} == {
            ("Care plan from the match", "referral,contact", today() + timedelta(days=365))}
        assert sorted(c.referral_id for c in consents) == sorted(r.id for r in referrals)
        disclosures = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "disclosure"))
        assert disclosures == len(referrals)


def test_a_plan_is_all_or_nothing(app, login_as):
    client = login_as("worker")
    token = _match(client)
    html = client.get(f"/referrals/new?match={token}&plan=1").get_data(as_text=True)
    items = _checked_values(html, "plan_items")
    data = referral_form(token_from(html), service_id="", needs=None, plan="1", match=token, plan_items=items,
                         transfer_criterion="", consent_given=None)  # no criterion for the stage move
    response = client.post("/referrals/new", data=data)
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(Referral.id))) == 0
        assert db.session.scalar(select(func.count(Client.id))) == 0


def test_a_service_whose_rules_exclude_the_client_needs_a_reason_to_refer_anyway(app, login_as):
    client = login_as("worker")
    with app.app_context():
        fengling = str(_area_id("JL-11-01"))  # the Jiangbin clinic takes residents of Jiangbin only
    response = send_referral(client, area_id=fengling)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    warning = re.search(r'id="rule-warnings".*?</div>', html, re.S).group(0)
    assert RESIDENTS_ONLY in warning
    assert REASON_NEEDED.search(html)  # the error next to the reason field, naming the rule
    with app.app_context():
        assert db.session.scalar(select(func.count(Referral.id))) == 0

    response = send_referral(client, area_id=fengling, override_reason="Moving to Jiangbin next week; clinic agreed")
    assert response.status_code == 302, response.get_data(as_text=True)[:4000]
    with app.app_context():
        referral = db.session.scalars(select(Referral)).one()
        event = db.session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == referral.id,
                                                               ReferralEvent.action == "create")).one()
        assert "Moving to Jiangbin next week; clinic agreed" in event.note


def test_a_client_the_rules_do_not_exclude_needs_no_reason(app, login_as):
    client = login_as("worker")
    with app.app_context():
        jiangbin = str(_area_id("JL-01-01"))
    response = send_referral(client, area_id=jiangbin)
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalars(select(ReferralEvent).where(ReferralEvent.action == "create")).one()
        assert event.note is None


def test_the_service_picker_narrows_on_the_server_without_javascript(login_as):
    client = login_as("worker")
    html = client.get("/referrals/new").get_data(as_text=True)
    all_options = re.search(r'<select[^>]*name="service_id"[^>]*>(.*?)</select>', html, re.S).group(1).count("<option")
    assert 'data-filter-select="service_id"' in html and "js/picker.js" in html and "<script>" not in html
    data = referral_form(token_from(html), service_id="", service_q="美沙酮", submit="filter")
    response = client.post("/referrals/new", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    options = re.findall(r"<option[^>]*>([^<]*)</option>",
                         re.search(r'<select[^>]*name="service_id"[^>]*>(.*?)</select>', page, re.S).group(1))
    assert 1 < len(options) < all_options
    assert all("美沙酮" in label for label in options if label != "—")
