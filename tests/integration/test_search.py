"""The search function and the /search page over the demo data: bilingual words, synonyms, near
misses, filters with counts, sorting, paging, and odd input that must never break the page."""
from __future__ import annotations

import random
import re
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portal.directory.models import Area, Service
from portal.extensions import db
from portal.search import bits
from portal.search.query import SearchParams, plan
from portal.search.service import run_search


@pytest.fixture
def ctx(app):
    """A request context for calling the search function directly (services stay loadable)."""
    with app.test_request_context():
        yield


def _search(app, **args):
    multi = MultiDict()
    for key, value in args.items():
        for v in value if isinstance(value, (list, tuple)) else [value]:
            multi.add(key, v)
    result = run_search(SearchParams.from_args(multi))
    services = [db.session.get(Service, h.service_id) for h in result.hits]
    return result, services


def _page_text(response) -> str:
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- words, both languages, synonyms ------------------------------------------------------------

def test_chinese_and_english_and_abbreviation_find_the_same_methadone_services(ctx, app):
    zh, zh_services = _search(app, q="美沙酮")
    en, _ = _search(app, q="methadone")
    abbr, _ = _search(app, q="MMT")
    assert zh.total > 5
    assert zh.total == en.total == abbr.total
    assert all("美沙酮" in s.name_zh or "维持治疗" in s.name_zh for s in zh_services[:5])


def test_respite_care_in_english_finds_chinese_respite_services(ctx, app):
    result, services = _search(app, q="respite care")
    assert result.total >= 5
    assert all("喘息" in (s.name_zh + (s.description_zh or "")) or "托养" in s.name_zh for s in services[:5])


def test_english_words_are_stemmed(ctx, app):
    singular, _ = _search(app, q="caregiver")
    plural, _ = _search(app, q="caregivers")
    assert singular.total == plural.total > 0


def test_synonym_table_is_data_with_at_least_forty_groups():
    from portal.search.synonyms import table

    groups = table().groups
    assert len(groups) >= 40
    assert any({"美沙酮", "methadone", "mmt"} <= set(g) for g in groups)
    assert any({"喘息服务", "respite care"} <= set(g) for g in groups)


def test_a_long_chinese_sentence_keeps_only_its_meaningful_words():
    clauses = plan("我想找一个戒毒的地方").clauses
    assert [c.label for c in clauses] == ["戒毒"]


# --- near misses ------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, meant", [("meishatong", "美沙酮"), ("美沙同", "美沙酮"), ("metadone", "methadone")])
def test_near_misses_still_find_services_and_say_what_was_searched(ctx, app, typed, meant):
    result, services = _search(app, q=typed)
    assert result.corrected_query == meant
    assert result.total > 5
    assert "美沙酮" in services[0].name_zh + (services[0].description_zh or "")


def test_the_page_says_did_you_mean_and_links_the_corrected_search(client):
    response = client.get("/search?q=meishatong")
    text = _page_text(response)
    assert response.status_code == 200
    assert "meishatong" in text and "美沙酮" in text
    assert 'href="/search?q=%E7%BE%8E%E6%B2%99%E9%85%AE"' in response.get_data(as_text=True)


def test_when_no_service_has_every_word_the_ones_with_some_are_shown(ctx, app):
    result, _ = _search(app, q="美沙酮 zzqxv")
    assert result.relaxed
    assert result.total > 0
    assert ("matched_some_words", {}) in result.notices


# --- filters and counts -----------------------------------------------------------------------

def test_filter_counts_are_what_choosing_the_option_would_give(ctx, app):
    result, _ = _search(app, q="心理")
    for code, count in list(result.facets["category"].items())[:6]:
        narrowed, _ = _search(app, q="心理", category=code)
        assert narrowed.total == count


def test_filters_combine_and_within_one_filter_any_value_matches(ctx, app):
    free, _ = _search(app, cost="free")
    sliding, _ = _search(app, cost="sliding_scale")
    either, _ = _search(app, cost=["free", "sliding_scale"])
    assert max(free.total, sliding.total) <= either.total <= free.total + sliding.total
    both, services = _search(app, cost="free", mode="online")
    assert 0 < both.total <= min(free.total, either.total)
    for s in services:
        assert "free" in {c.kind for c in s.cost_options}
        assert "online" in {t.code for t in s.terms("delivery_mode")}


def test_a_district_filter_keeps_services_located_in_that_district(ctx, app):
    with app.app_context():
        district = db.session.scalar(select(Area).where(Area.code == "JL-01"))
        district_id = district.id
    result, services = _search(app, area="JL-01", per_page=50)
    assert result.total > 0
    for s in services:
        lineages = [a.id for loc in s.locations if loc.area for a in loc.area.lineage()]
        served = [a.id for sa in s.service_areas if sa.area for a in sa.area.lineage()]
        assert district_id in lineages + served


def test_accepting_and_open_now_filters_have_counts_and_narrow_the_list(ctx, app):
    everything, _ = _search(app)
    accepting, services = _search(app, accepting="1", per_page=50)
    assert 0 < accepting.total < everything.total
    assert everything.facets["accepting"]["1"] == accepting.total
    assert all(s.accepts_referrals for s in services)
    open_now, _ = _search(app, open_now="1")
    assert open_now.total <= everything.total
    assert everything.facets["open_now"]["1"] == open_now.total


def test_open_now_follows_the_citys_clock(app):
    from portal.search.searching import search
    from portal.search.service import get_engine, prepare

    with app.test_request_context():
        monday_10 = datetime(2026, 11, 23, 10, 0)  # a Monday
        params = prepare(SearchParams(open_now=True, now=monday_10))
        morning = search(get_engine(), params)
        night = search(get_engine(), prepare(SearchParams(open_now=True, now=monday_10.replace(hour=3))))
        assert morning.total > night.total


def test_a_filter_value_nothing_has_gives_no_results_and_offers_to_drop_the_narrowest_filter(client):
    response = client.get("/search?q=美沙酮&category=respite_care&cost=free")
    text = _page_text(response)
    assert response.status_code == 200
    assert "没有找到服务" in text
    assert 'class="drop-filter"' in response.get_data(as_text=True)


def test_drop_suggestions_put_the_filter_that_frees_most_results_first(ctx, app):
    result, _ = _search(app, q="美沙酮", category="respite_care", accepting="1")
    assert result.total == 0
    counts = [count for _name, _value, count in result.drop_suggestions]
    assert counts == sorted(counts, reverse=True) and counts[0] > 0
    assert result.drop_suggestions[0][0] == "category"


# --- sorting and paging -----------------------------------------------------------------------

def test_sort_by_distance_from_a_district_lists_nearest_first(ctx, app):
    result, _ = _search(app, sort="distance", near="JL-11", per_page=20)
    distances = [h.distance_km for h in result.hits if h.distance_km is not None]
    assert len(distances) >= 10
    assert distances == sorted(distances)


def test_sort_by_distance_from_a_point(ctx, app):
    result, _ = _search(app, q="美沙酮", sort="distance", lat="30.55", lon="114.30")
    distances = [h.distance_km for h in result.hits]
    assert distances == sorted(distances) and distances[0] is not None


def test_sort_by_recently_verified(ctx, app):
    result, services = _search(app, sort="verified", per_page=30)
    dates = [s.verified_on for s in services if s.verified_on]
    assert dates == sorted(dates, reverse=True)


def test_pages_do_not_overlap_and_cover_the_result(ctx, app):
    first, _ = _search(app, q="心理", per_page=10)
    seen = []
    for page in range(1, first.pages + 1):
        result, _ = _search(app, q="心理", per_page=10, page=page)
        seen += [h.service_id for h in result.hits]
    assert len(seen) == len(set(seen)) == first.total


def test_the_url_holds_the_whole_search():
    args = MultiDict([("q", "美沙酮"), ("category", "detox"), ("category", "counselling"), ("area", "JL-01"),
                      ("open_now", "1"), ("sort", "distance"), ("near", "JL-11"), ("page", "2")])
    params = SearchParams.from_args(args)
    again = SearchParams.from_args(MultiDict([(k, v) for k, vs in params.to_args().items()
                                              for v in (vs if isinstance(vs, list) else [vs])]))
    assert again == params


def test_result_cards_show_name_org_snippet_area_cost_capacity_and_freshness(client, app):
    response = client.get("/search?q=美沙酮")
    html = response.get_data(as_text=True)
    assert re.search(r"<mark>[^<]*美沙酮[^<]*</mark>", html)
    assert 'class="org"' in html and 'class="area"' in html and 'class="capacity"' in html
    assert re.search(r"(\d+ 天前核实|今天核实|未核实)", _page_text(response))


def test_listing_older_than_the_stale_threshold_shows_a_warning(app, client):
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.name_zh.contains("美沙酮")).limit(1))
        service.verified_on = (datetime.now().date() - timedelta(days=400))
        service.name_zh = "陈旧核实测试服务"
        db.session.commit()
    html = client.get("/search?q=陈旧核实测试服务").get_data(as_text=True)
    card = html[html.index('class="card is-stale"'):]
    assert "badge stale" in card[:3000]
    assert "400" in card[:3000]


# --- odd input --------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["", "x" * 10_000, '"peer support', '*', "the of and", "的 了", "?:*~^()",
                                   "美沙酮 OR 1=1; DROP TABLE service", "<script>alert(1)</script>"])
def test_odd_queries_answer_quickly_with_a_page_never_an_error(client, query):
    started = time.monotonic()
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert time.monotonic() - started < 10  # generous: a hang or a crash is what this catches
    html = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    text = _page_text(response)
    assert ("个服务" in text) or ("没有找到服务" in text)


def test_empty_query_lists_everything_and_stop_words_say_so(ctx, app):
    everything, _ = _search(app)
    stop_words, _ = _search(app, q="the of and")
    assert everything.total == stop_words.total > 200
    assert ("only_stop_words", {}) in stop_words.notices


def test_nonsense_in_the_url_is_cleaned_not_an_error(client):
    response = client.get("/search?page=-3&per_page=100000&sort=evil&lat=999&category=%27;--&open_now=maybe")
    assert response.status_code == 200


# --- the document sets underneath -----------------------------------------------------------------

def test_bitset_page_order_matches_a_plain_sort():
    rng = random.Random(7)
    size = 5000
    scores = [rng.randint(0, 40) for _ in range(size)]
    slices: list[int] = []
    for bit in range(6):
        bits.add_weighted(slices, bits.from_ids([i for i in range(size) if scores[i] >> bit & 1], size), 1 << bit)
    candidates = bits.from_ids([i for i in range(size) if i % 3], size)
    expected = sorted((i for i in range(size) if i % 3), key=lambda d: (-scores[d], d))
    assert bits.page(candidates, slices, 0, 10) == expected[:10]
    assert bits.page(candidates, slices, 990, 10) == expected[990:1000]
