"""Pure parts of issue 10 items 2, 4 and 5: inference from words, shipped crosswalk files, spreadsheet
header suggestions and Chinese opening hours, needs given by label."""
from __future__ import annotations

import json
from datetime import time

import pytest

from portal.crosswalk.infer import category_words, propose
from portal.crosswalk.operations import DATA_DIR, SHIPPED, shipped_rows
from portal.hsds.spreadsheet import FIELDS, english_hours, parse_hours, suggest_mapping
from portal.matching.catalog import Term, label_index, postal_centroids
from portal.matching.profile import Vocabulary, parse_profile, render_error
from portal.vocab.install import vocabulary_data

CATEGORIES = [(t["code"], t["name_zh"], t["name_en"]) for v in vocabulary_data()["vocabularies"]
              if v["name"] == "category" for t in v["terms"]]
WORDS = category_words(CATEGORIES)


def codes(*args):
    return [p.code for p in propose(*args, WORDS)]


def test_categories_are_inferred_from_names_and_descriptions_in_either_language():
    assert codes([], "Medical Detox Unit", "") == ["detox"]
    assert codes([], "社区戒毒康复中心", "提供心理咨询和脱毒治疗") == ["counselling", "detox"]
    assert "peer_support" in codes(["Peer support"], "Recovery circle", None)
    assert "legal_aid" in codes([], "Free legal advice for immigrants", "Direct representation")


def test_one_passing_word_in_a_description_is_not_enough():
    assert codes([], "Shop Assist", "volunteers help with shopping; ask us about counseling") == []


def test_a_label_of_two_ideas_needs_both():
    assert "crisis_hotline" not in codes([], "Employer hotline", "Direct representation")
    assert "crisis_hotline" in codes([], "Crisis hotline", "")
    assert "crisis_hotline" in codes([], "24-hour crisis helpline", "")


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_crosswalk_files_name_existing_targets(name):
    vocab = {(v["name"], t["code"]) for v in vocabulary_data()["vocabularies"] for t in v["terms"]}
    rows = shipped_rows(name)
    assert rows
    for row in rows:
        assert row["target"] in vocab, row
        assert row["target"][0] in ("category", "population", "condition", "care_stage")
        assert row["source_code"] or row["source_name"]
    data = json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    assert data["name"] == name


def test_open_eligibility_titles_are_mapped_by_name_in_any_vocabulary():
    rows = shipped_rows("open-eligibility")
    detox = {r["target"] for r in rows if r["source_name"] == "Detox"}
    assert detox == {("category", "detox"), ("care_stage", "detox_stabilisation")}
    women = [r for r in rows if r["source_name"] == "Women"]
    assert women[0]["target"] == ("population", "women") and women[0]["value"] == "serves"
    assert {r["source_vocabulary"] for r in rows} == {"*"}


def test_spreadsheet_columns_are_suggested_from_chinese_and_english_headers():
    headers = ["服务内容", "机构名称", "服务名称", "地址", "联系电话", "服务对象", "开放时间", "收费", "Organisation", "备注"]
    mapping = suggest_mapping(headers)
    assert mapping == {0: "description", 1: "organization_name", 2: "service_name", 3: "address", 4: "phone",
                       5: "eligibility", 6: "hours", 7: "fees"}
    assert suggest_mapping(["Organization name", "Service", "Phone number", "Opening hours"]) == {
        0: "organization_name", 1: "service_name", 2: "phone", 3: "hours"}
    template = [f"{f.label_zh} {f.label_en}" for f in FIELDS]
    assert list(suggest_mapping(template).values()) == [f.key for f in FIELDS]


@pytest.mark.parametrize("text, first, count", [
    ("周一至周五 9:00-17:00", (1, time(9), time(17)), 5),
    ("工作日 9:00-12:00，14:00-17:30", (1, time(9), time(12)), 10),
    ("周一至周五 上午9:00-12:00，下午2:00-5:30", (1, time(9), time(12)), 10),
    ("每天 8:00-20:00", (1, time(8), time(20)), 7),
    ("24小时", (1, time(0), time(23, 59)), 7),
])
def test_chinese_opening_hours_are_read(text, first, count):
    windows = parse_hours(text)
    assert windows[0] == first and len(windows) == count


def test_hours_nobody_can_read_are_left_as_words():
    assert parse_hours("预约") is None
    assert english_hours("周六至周日 9:00-12:00") == "Sat-Sun 9:00-12:00"


def test_needs_are_accepted_by_code_or_by_label_in_either_language():
    terms = {"category": (Term("detox", "脱毒治疗", "Detoxification", 1), Term("counselling", "心理咨询", "Counselling", 2)),
             "condition": (Term("alcohol_use", "酒精使用障碍", "Alcohol use", 1),)}
    vocab = Vocabulary(categories=frozenset({"detox", "counselling"}), conditions=frozenset({"alcohol_use"}),
                       labels=label_index(terms))
    profile, errors = parse_profile({"needs": ["脱毒治疗", "counselling ", "DETOXIFICATION"],
                                     "conditions": ["Alcohol use"], "latitude": 1, "longitude": 1}, vocab)
    assert errors == {} and profile.needs == ("detox", "counselling") and profile.conditions == {"alcohol_use"}
    profile, errors = parse_profile({"needs": ["drugs"], "latitude": 1, "longitude": 1}, vocab)
    assert [render_error(e) for e in errors["needs"]] == ["Unknown choice: drugs.", "Valid needs: counselling, detox."]


def test_postal_code_centroid_is_the_mean_of_its_geocoded_locations():
    centroids = postal_centroids([("60614", 41.9, -87.6), ("60 614", 41.8, -87.8), ("60601", 41.88, -87.63)])
    assert centroids["60614"] == (41.85, -87.7)


def test_the_fast_phrase_finder_finds_what_the_synonym_table_finds():
    """Inference narrows the synonym pattern per text for speed; the phrases found must not change."""
    import random

    from portal.crosswalk.infer import _finder, stem_text
    from portal.search.synonyms import stem_text as search_stem_text
    from portal.search.synonyms import table

    synonyms = table()
    phrases = list(synonyms.group_of)
    extra = ["戒毒", "的", "service", "drop-in", "hiv", "counselling", "services", "ice-cream", "detoxification"]
    rnd = random.Random(10)
    for _ in range(400):
        parts = [rnd.choice(phrases + extra) for _ in range(rnd.randint(1, 40))]
        text = rnd.choice([" ", "", "，", "; "]).join(parts)
        stemmed = stem_text(text)
        assert stemmed == search_stem_text(text)
        assert _finder(synonyms).find(stemmed) == synonyms.find(stemmed), text


@pytest.mark.parametrize("rows, rule", [
    (["Female"], "female"), (["women"], "female"), (["女性"], "female"), (["Men"], "male"),
    (["Adults", "MALE"], "male"), (["Female", "Male"], "all"), (["All genders"], "all"),
    # Free text stays text: the service's gender rule stays unknown, never "no".
    (["Women only"], None), (["Women and children fleeing violence"], None), (["Adults 18+"], None), ([], None),
])
def test_eligibility_rows_that_name_a_gender_become_the_gender_rule(rows, rule):
    from portal.hsds.importer.build.services import gender_from_eligibility

    assert gender_from_eligibility(rows) == rule
