"""The matching page and ``POST /api/v1/match``: who may use them, what a worker sees, what bad input
gives, what is remembered (unmet needs by district, nothing about the client)."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.extensions import db
from portal.matching.models import UnmetNeed
from seed.loader import seed_id

from ..conftest import csrf_token
from tests.helpers import bearer

MMT_JIANGBIN = seed_id("service", "mmt-jiangbin/mmt")
JOBS_JIANGBIN = seed_id("service", "jobs-jiangbin/employment_guidance")


def form_data(client, **fields):
    data = {"csrf_token": csrf_token(client, "/match"), "travel_km": "5", "urgency": "normal"}
    data.update(fields)
    return data


def post_match(client, **fields):
    """Post the intake form and follow the redirect to the stored results (POST-redirect-GET)."""
    return client.post("/match", data=form_data(client, **fields), follow_redirects=True)


def unmet_rows(app):
    with app.app_context():
        return db.session.execute(select(UnmetNeed.category_code, UnmetNeed.area_id, UnmetNeed.organization_id)).all()


def area_id(app, code):
    from portal.directory.models import Area

    with app.app_context():
        return db.session.scalar(select(Area.id).where(Area.code == code))


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# --- the page ------------------------------------------------------------------------------------

def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/match")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_every_staff_role_can_open_the_intake_form_in_chinese(client, login_as):
    login_as("agency")
    page = text(client.get("/match"))
    assert "按服务对象的需求匹配服务" in page
    assert "美沙酮维持治疗" in page  # a need to tick, from the category vocabulary
    assert "凤岭区" in page  # a district to choose
    assert 'name="csrf_token"' in page
    assert "服务匹配" in page  # the navigation link


def test_worker_gets_explained_suggestions_and_a_plan(app, client, login_as):
    login_as("worker")
    response = post_match(client, needs=["methadone_maintenance", "employment_support"], area="JL-01-01",
                          age="38", gender="male", conditions=["opioid_use"],
                          populations=["people_in_community_treatment"], care_stage="maintenance_treatment")
    assert response.status_code == 200
    page = text(response)
    assert "推荐服务" in page and "服务组合方案" in page
    assert f'data-service-id="{MMT_JIANGBIN}"' in page
    assert "满足 2 项需求中的 1 项" in page and "公里" in page and "排队 5 周" in page
    # Actions: resource list (POST with CSRF), referral prefilled with the needs it covers, service page.
    token = response.request.path.rsplit("/", 1)[1]
    assert 'action="/list/add"' in page and f'name="next" value="/match/results/{token}"' in page
    # "Refer" carries only the random id of the stored profile (and the service), never the profile.
    assert f"/referrals/new?match={token}&amp;service_id={MMT_JIANGBIN}" in page
    assert f"/referrals/new?match={token}&amp;plan=1" in page
    assert f'href="/services/{JOBS_JIANGBIN}"' in page
    assert "被排除的服务及原因" in page
    # Everything was covered: nothing recorded as unmet.
    assert unmet_rows(app) == []


def test_english_page_shows_english_explanations(client, login_as):
    login_as("worker")
    client.get("/?lang=en")
    page = text(post_match(client, needs=["methadone_maintenance"], area="JL-01-01", age="38",
                           conditions=["opioid_use"]))
    assert "covers the need" in page and "waitlist 5 weeks" in page and "Care plan" in page


def test_unmet_need_in_fengling_is_shown_with_the_nearest_clinic_and_counted_by_district(app, client, login_as):
    login_as("worker")
    page = text(post_match(client, needs=["methadone_maintenance", "legal_aid"], area="JL-11-01", age="40",
                           conditions=["opioid_use"]))
    assert "未满足的需求" in page
    assert "美沙酮维持治疗：可到达范围内没有符合条件的服务。" in page
    assert "超出范围的最近选择" in page
    assert "显示 20 公里以内的服务" in page or "显示 " in page and "公里以内的服务（+" in page
    with app.app_context():
        from portal.accounts.models import User

        worker_org = db.session.scalar(select(User.organization_id).where(User.email == "worker@demo.local"))
    assert unmet_rows(app) == [("methadone_maintenance", area_id(app, "JL-11"), worker_org)]


def test_relaxing_the_distance_shows_the_new_limit_and_does_not_count_the_need_twice(app, client, login_as):
    login_as("worker")
    first = text(post_match(client, needs=["methadone_maintenance"], area="JL-11-01", age="40",
                            conditions=["opioid_use"]))
    value = re.search(r'name="relax" value="(distance:[0-9.]+)"', first).group(1)
    km = value.split(":")[1]
    again = post_match(client, needs=["methadone_maintenance"], area="JL-11-01", age="40",
                       conditions=["opioid_use"], relax=value)
    page = text(again)
    assert "以下结果放宽了一项条件" in page
    assert f'name="travel_km" type="number" value="{km}"' in page or f'value="{km}"' in page
    assert "美沙酮维持治疗门诊" in page.split('id="results"')[1].split('id="plan"')[0]
    assert len(unmet_rows(app)) == 1


def test_invalid_input_gives_field_errors_not_an_error_page(client, login_as):
    login_as("worker")
    response = post_match(client, needs=[], area="JL-99", age="300", travel_km="-5")
    assert response.status_code == 200
    page = text(response)
    for message in ("请至少选择一项需求。", "未知的区或街道。", "年龄必须在 0 到 130 之间。",
                    "出行距离必须大于 0 且不超过 500 公里。"):
        assert message in page
    assert 'id="results"' not in page
    # The values the worker typed stay in the form.
    assert 'value="300"' in page and 'value="-5"' in page


def test_no_location_at_all_is_an_error_on_the_area_field(client, login_as):
    login_as("worker")
    page = text(post_match(client, needs=["counselling"]))
    assert "请填写服务对象居住的区或街道，或一个坐标点。" in page


def test_form_without_csrf_token_is_refused(app, client, login_as):
    login_as("worker")
    response = client.post("/match", data={"needs": ["methadone_maintenance"], "area": "JL-11"})
    assert response.status_code == 400
    assert 'id="results"' not in text(response)
    assert unmet_rows(app) == []


def test_back_to_results_after_adding_to_the_resource_list_reruns_the_last_profile(app, client, login_as):
    login_as("worker")
    results = post_match(client, needs=["methadone_maintenance"], area="JL-11-01", age="40",
                         conditions=["opioid_use"]).request.path
    page = text(client.get(results))
    assert 'id="results"' in page and "未满足的需求" in page
    assert len(unmet_rows(app)) == 1  # coming back is not a new match


def test_a_match_answers_with_a_redirect_so_back_and_reload_never_resubmit(app, client, login_as):
    login_as("worker")
    response = client.post("/match", data=form_data(client, needs=["methadone_maintenance"], area="JL-11-01",
                                                    age="40", conditions=["opioid_use"]))
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.fullmatch(r"/match/results/[A-Za-z0-9_-]{40,64}", location)
    # The URL holds the random id only: nothing of the profile.
    assert "opioid" not in location and "JL-11" not in location
    for _ in range(2):  # a reload is a GET of the same page, and counts nothing again
        page = client.get(location)
        assert page.status_code == 200 and 'id="results"' in text(page)
        assert 'value="40"' in text(page)  # the form shows the profile that was matched
    assert len(unmet_rows(app)) == 1


def _session_payload(app, client) -> dict:
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    assert cookie is not None
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def test_the_session_cookie_no_longer_carries_the_match_profile(app, client, login_as):
    login_as("worker")
    post_match(client, needs=["methadone_maintenance"], area="JL-11-01", age="47", gender="female",
               conditions=["opioid_use"], populations=["people_in_community_treatment"])
    payload = _session_payload(app, client)
    assert "matching.last_profile" not in payload

    def values(item):
        if isinstance(item, dict):
            for key, value in item.items():
                yield key
                yield from values(value)
        elif isinstance(item, (list, tuple)):
            for value in item:
                yield from values(value)
        else:
            yield item

    found = list(values(payload))
    assert 47 not in found and "47" not in found and "raw" not in found
    for leaked in ("female", "opioid_use", "people_in_community_treatment", "JL-11-01", "age", "conditions"):
        assert not any(isinstance(v, str) and leaked in v for v in found), leaked


def test_another_user_cannot_open_someone_elses_stored_profile(app, client, login_as):
    login_as("worker")
    results = post_match(client, needs=["methadone_maintenance"], area="JL-11-01", age="40",
                         conditions=["opioid_use"]).request.path
    token = results.rsplit("/", 1)[1]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/match")})
    login_as("agency")
    assert client.get(results).status_code == 404
    assert client.get(f"/referrals/new?match={token}&plan=1").status_code == 404
    assert client.get("/match/results/not-a-token").status_code == 404


def test_expired_profiles_are_deleted_by_the_request_that_finds_them_and_by_the_cli(app, client, login_as, runner):
    from datetime import timedelta

    from portal.common import utcnow
    from portal.matching.models import StoredProfile

    login_as("worker")
    first = post_match(client, needs=["counselling"], area="JL-01").request.path.rsplit("/", 1)[1]
    second = post_match(client, needs=["legal_aid"], area="JL-01").request.path.rsplit("/", 1)[1]
    with app.app_context():
        for row in db.session.scalars(select(StoredProfile)):
            row.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert client.get(f"/match/results/{first}").status_code == 404
    with app.app_context():
        assert db.session.get(StoredProfile, first) is None and db.session.get(StoredProfile, second) is not None
    result = runner.invoke(args=["matching", "purge-profiles"])
    assert result.exit_code == 0 and "deleted: 1" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredProfile)) == 0


def test_a_service_closed_after_a_match_disappears_from_the_next_one(app, client, login_as):
    login_as("worker")
    fields = dict(needs=["methadone_maintenance"], area="JL-01-01", age="38", conditions=["opioid_use"])
    assert f'data-service-id="{MMT_JIANGBIN}"' in text(post_match(client, **fields)).split('id="plan"')[0]
    with app.app_context():
        from portal.directory.models import Service

        service = db.session.get(Service, MMT_JIANGBIN)
        service.status = "temporarily_closed"
        db.session.commit()
    page = text(post_match(client, **fields))
    results = page.split('id="results"')[1].split('id="plan"')[0]
    assert f'data-service-id="{MMT_JIANGBIN}"' not in results
    assert "未开放：暂停服务" in page


# --- the API -------------------------------------------------------------------------------------



def test_api_needs_a_bearer_token_and_ignores_the_session(client, login_as):
    login_as("worker")
    response = client.post("/api/v1/match", json={"needs": ["counselling"], "area": "JL-01"})
    assert response.status_code == 401


def test_api_returns_ranked_suggestions_plan_and_exclusions(app, client):
    response = client.post("/api/v1/match?lang=en", headers=bearer(app), json={
        "needs": ["methadone_maintenance", "employment_support"], "area": "JL-01-01", "travel_km": 5,
        "age": 38, "gender": "male", "conditions": ["opioid_use"], "populations": ["people_in_community_treatment"],
        "limit": 10})
    assert response.status_code == 200
    body = response.get_json()
    assert [n["code"] for n in body["needs"]] == ["methadone_maintenance", "employment_support"]
    assert 1 <= len(body["suggestions"]) <= 10 and body["suggestions_total"] >= len(body["suggestions"])
    assert [s["rank"] for s in body["suggestions"]] == list(range(1, len(body["suggestions"]) + 1))
    scores = [s["score"] for s in body["suggestions"]]
    assert scores == sorted(scores, reverse=True)
    mmt = next(s for s in body["suggestions"] if s["service"]["id"] == MMT_JIANGBIN)
    assert mmt["explanation"].startswith("covers 1 of 2 needs · ") and "waitlist 5 weeks" in mmt["explanation"]
    assert set(mmt["breakdown"]) == {"needs", "distance", "capacity", "cost", "care_stage", "language", "freshness"}
    planned = {n["code"] for step in body["plan"]["steps"] for n in step["for_needs"]}
    assert planned == {"methadone_maintenance", "employment_support"} and body["plan"]["unmet"] == []
    assert all(e["reasons"] and e["reasons"][0]["text"] for e in body["excluded"])
    assert body["excluded_total"] >= len(body["excluded"])


def test_api_reports_unmet_needs_and_records_them(app, client):
    body = client.post("/api/v1/match", headers=bearer(app, "coordinator@demo.local"), json={
        "needs": ["methadone_maintenance"], "area": "JL-11", "travel_km": 5, "age": 40,
        "conditions": ["opioid_use"]}).get_json()
    assert body["suggestions"] == [] or all("methadone_maintenance" not in [c["code"] for c in s["covers"]]
                                            for s in body["suggestions"])
    unmet = body["plan"]["unmet"][0]
    assert unmet["need"]["code"] == "methadone_maintenance" and unmet["nearest"] and unmet["nearest_km"] > 5
    assert "美沙酮" in unmet["need"]["name"]  # Chinese by default
    assert any(r["rule"] == "distance" for r in body["relax"])
    assert [row[:2] for row in unmet_rows(app)] == [("methadone_maintenance", area_id(app, "JL-11"))]


def test_api_invalid_fields_give_400_with_errors_per_field(app, client):
    response = client.post("/api/v1/match?lang=en", headers=bearer(app), json={
        "needs": [], "area": "JL-99", "age": 300, "travel_km": -5})
    assert response.status_code == 400
    errors = response.get_json()["errors"]
    assert errors == {
        "needs": ["Choose at least one need."],
        "area": ["Unknown district or street."],
        "age": ["Age must be between 0 and 130."],
        "travel_km": ["The travel limit must be more than 0 and at most 500 km."],
    }
    assert unmet_rows(app) == []


def test_api_rejects_a_body_that_is_not_a_json_object(app, client):
    headers = bearer(app)
    assert client.post("/api/v1/match", headers=headers, data="needs=x").status_code == 400
    response = client.post("/api/v1/match", headers=headers, json=["methadone_maintenance"])
    assert response.status_code == 400 and "body" in response.get_json()["errors"]
    response = client.post("/api/v1/match", headers=headers, json={"needs": ["counselling"], "area": "JL-01", "limit": 0})
    assert response.status_code == 400 and "limit" in response.get_json()["errors"]


def test_unmet_need_rows_hold_no_client_data():
    columns = set(UnmetNeed.__table__.columns.keys())
    # submission_key: a keyed hash that makes a resubmitted profile count once (no client data).
    assert columns == {"id", "area_id", "category_code", "recorded_at", "organization_id", "submission_key"}


def test_catalog_signature_notices_a_change_made_by_another_process(app):
    from portal.matching import catalog as cat

    with app.app_context():
        first = cat.get_catalog(db.session)
        # Another process: a raw UPDATE the session listener never sees.
        db.session.execute(db.text("UPDATE service SET status = 'inactive', updated_at = CURRENT_TIMESTAMP WHERE id = :id"),
                           {"id": MMT_JIANGBIN})
        db.session.commit()
        assert cat.signature(db.session) != cat._cache[str(db.engine.url)][0]
        key = str(db.engine.url)
        sig, gen, _checked, catalog = cat._cache[key]
        cat._cache[key] = (sig, gen, -1e9, catalog)  # as if CHECK_SECONDS had passed
        second = cat.get_catalog(db.session)
        assert second is not first
        assert next(s for s in second.directory.services if s.id == MMT_JIANGBIN).status == "inactive"
        assert db.session.scalar(select(func.count()).select_from(UnmetNeed)) == 0


def test_last_profile_is_not_shown_to_the_next_user_of_the_browser(client, login_as):
    login_as("worker")
    post_match(client, needs=["methadone_maintenance"], area="JL-11-01", age="40", conditions=["opioid_use"])
    client.post("/logout", data={"csrf_token": csrf_token(client, "/match")})
    login_as("agency")
    page = text(client.get("/match"))
    assert 'id="results"' not in page and 'value="40"' not in page


def test_care_stage_next_step_stays_within_its_pathway(app):
    from portal.matching.catalog import load_catalog

    with app.app_context():
        positions = load_catalog(db.session).directory.stage_positions
    assert positions["home_based_rehab"] + 1 == positions["community_integration"]
    assert positions["maintenance_treatment"] + 1 == positions["relapse_prevention_reintegration"]
    assert positions["aftercare"] + 1 not in positions.values()  # aftercare is not followed by hospital discharge
