"""The freshness rule at every consumer, pinned at the shipped boundary (180 days): a listing verified
180 days ago is shown, ranked, matched and reminded about as fresh; one verified 181 days ago as
stale. The rule itself is portal/directory/freshness.py (tests/unit/test_freshness_rule.py)."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from portal.accounts.models import User
from portal.common import today
from portal.directory.freshness import fresh_since
from portal.directory.models import Service
from portal.extensions import db
from portal.listings.operations import stale_listings


def _two_listings(app) -> tuple[str, str]:
    """Two of the demo agency's active listings: one verified 180 days ago, one 181 days ago."""
    with app.app_context():
        org_id = db.session.scalar(select(User.organization_id).where(User.email == "agency@demo.local"))
        services = db.session.scalars(select(Service).where(Service.organization_id == org_id,
                                                            Service.status == "active")
                                      .order_by(Service.name_zh)).all()[:2]
        services[0].verified_on = today() - timedelta(days=180)
        services[1].verified_on = today() - timedelta(days=181)
        db.session.commit()
        return services[0].id, services[1].id


def _badge(html: str) -> str:
    return re.search(r'<span class="badge( stale)?">', html).group(0)


def test_the_service_page_badge_turns_to_a_warning_on_day_181(app, client):
    fresh, stale = _two_listings(app)
    fresh_page = client.get(f"/services/{fresh}?lang=en").get_data(as_text=True)
    stale_page = client.get(f"/services/{stale}?lang=en").get_data(as_text=True)
    assert _badge(fresh_page) == '<span class="badge">' and "Verified 180 days ago" in fresh_page
    assert _badge(stale_page) == '<span class="badge stale">' and "Not verified for 181 days" in stale_page


def test_search_results_flag_day_181_as_stale_and_rank_day_180_as_fresh(app, client):
    fresh, stale = _two_listings(app)
    cards = {}
    for service_id in (fresh, stale):
        with app.app_context():
            name = db.session.get(Service, service_id).name_zh
        html = client.get("/search", query_string={"q": name, "lang": "en"}).get_data(as_text=True)
        cards.update((sid, cls) for cls, sid in re.findall(r'<li class="card( is-stale)?" data-service-id="([^"]+)"', html))
    assert cards.get(fresh) == "" and cards.get(stale) == " is-stale", "each listing should be found by its name"
    with app.app_context():
        from portal.search.service import get_engine

        snap = get_engine().snapshot()
        ranked_fresh = snap.verified_since(fresh_since(today(), app.config["STALE_AFTER_DAYS"]))
        assert ranked_fresh & snap.docs_for([fresh])
        assert not ranked_fresh & snap.docs_for([stale])


def test_the_agency_list_and_the_reminder_digest_ask_about_day_181_only(app, login_as, runner):
    fresh, stale = _two_listings(app)
    html = login_as("agency").get("/listings/?lang=en").get_data(as_text=True)
    card = {sid: html.split(f'id="service-{sid}"')[1].split("</article>")[0] for sid in (fresh, stale)}
    assert 'data-fresh="yes"' in card[fresh] and 'data-fresh="no"' in card[stale]
    with app.app_context():
        reminded = {listing.service_id for listings in stale_listings(app.config["STALE_AFTER_DAYS"]).values()
                    for listing in listings}
    assert stale in reminded and fresh not in reminded
    result = runner.invoke(args=["listings", "remind", "--dry-run"])
    assert result.exit_code == 0 and "not confirmed for more than 180 days" in result.output


def test_matching_explains_day_180_as_verified_and_day_181_as_not(app, client):
    fresh, stale = _two_listings(app)
    with app.app_context():
        from portal.matching.catalog import get_catalog
        from portal.matching.engine import Directory, Profile, match

        directory = get_catalog(db.session).directory
        two = tuple(s for s in directory.services if s.id in (fresh, stale))
        needs = tuple(sorted(set().union(*(s.categories for s in two))))[:3]
        directory = Directory(two, directory.areas, directory.stage_positions)
        result = match(directory, Profile(needs=needs, point=two[0].points[0]), today=today(),
                       stale_after_days=app.config["STALE_AFTER_DAYS"], limit=None)
        parts = {s.service.id: s.parts[-1] for s in result.suggestions}
    assert parts[fresh].key == "verified" and dict(parts[fresh].params)["days"] == 180
    assert parts[stale].key == "stale" and dict(parts[stale].params)["days"] == 181
