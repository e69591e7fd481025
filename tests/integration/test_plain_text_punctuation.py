"""Plain texts built in Python (the copied resource list, its hours and phones, cost texts, the
"excluded by rules" message) punctuate Chinese with "：" "（）" "，" "；" "、" and keep ASCII in
English."""
from __future__ import annotations

import re
from html import unescape

import pytest

from portal import punctuation
from portal.directory.models import CostOption
from portal.directory.presenters import cost_text
from seed.loader import seed_id

from ..conftest import csrf_token

MMT = seed_id("service", "mmt-jiangbin/mmt")
JOBS = seed_id("service", "jobs-jiangbin/employment_guidance")  # hours with notes on Wednesdays


def _list_text(client, lang: str) -> str:
    html = client.get(f"/list?lang={lang}").get_data(as_text=True)
    return unescape(re.search(r'<textarea id="list-text"[^>]*>(.*?)</textarea>', html, re.S).group(1))


def _line(text: str, start: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith(start)]


def test_copied_list_in_chinese_uses_chinese_punctuation(client):
    for service_id in (MMT, JOBS):
        client.post("/list/add", data={"csrf_token": csrf_token(client, "/search"), "service_id": service_id})
    text = _list_text(client, "zh_CN")
    phones, hours = _line(text, "电话："), _line(text, "开放时间：")
    assert len(phones) == 2 and len(hours) == 2 and len(_line(text, "地址：")) == 2
    assert phones[0] == "电话：027-0621-3469（预约与咨询）"
    assert hours[0] == "开放时间：每天 07:00–11:30，14:00–17:30（节假日照常服药）"
    # Several groups of days: "；" between them; the Wednesday note in "（）".
    assert "；周三 09:00–12:00，13:30–17:00，18:30–20:30（每月第二个周三晚举办招聘会）；" in hours[1]
    for line in phones + hours:
        assert not re.search(r"[,;(]|: ", line), line


def test_copied_list_in_english_keeps_ascii_punctuation(client):
    for service_id in (MMT, JOBS):
        client.post("/list/add", data={"csrf_token": csrf_token(client, "/search"), "service_id": service_id})
    text = _list_text(client, "en")
    assert _line(text, "Phone: ")[0] == "Phone: 027-0621-3469 (预约与咨询)"
    hours = _line(text, "Hours: ")
    assert hours[0] == "Hours: Every day 07:00–11:30, 14:00–17:30 (节假日照常服药)"
    assert "; Wed 09:00–12:00, 13:30–17:00, 18:30–20:30 (每月第二个周三晚举办招聘会); " in hours[1]
    assert not re.search(r"[：（）；，]", "\n".join(_line(text, "Phone") + hours).replace("（", "").replace("）", "")
                         .replace("预约与咨询", "").replace("节假日照常服药", "").replace("每月第二个周三晚举办招聘会", ""))


@pytest.mark.parametrize(("lang", "expected"), [("zh_CN", "免费（持低保证明）"), ("en", "Free (with a welfare card)")])
def test_cost_text_puts_the_detail_in_the_languages_brackets(app, lang, expected):
    cost = CostOption(kind="free", description_zh="持低保证明", description_en="with a welfare card")
    with app.test_request_context(f"/?lang={lang}"):
        assert cost_text(cost) == expected


@pytest.mark.parametrize(("lang", "label", "parens", "items", "clauses"), [
    ("zh", "电话：", "（备注）", "普通话、粤语", "一；二"),
    ("en", "Phone: ", " (note)", "Mandarin, Cantonese", "one; two"),
])
def test_plain_punctuation_helpers_follow_the_language_asked_for(app, lang, label, parens, items, clauses):
    with app.test_request_context("/?lang=en"):  # the page's language does not matter when one is asked for
        assert punctuation.label_text("电话" if lang == "zh" else "Phone", lang) == label
        assert punctuation.parens_text("备注" if lang == "zh" else "note", lang) == parens
        assert punctuation.parens_text("", lang) == ""
        words = ["普通话", "粤语"] if lang == "zh" else ["Mandarin", "Cantonese"]
        assert punctuation.list_text(words, lang) == items
        assert punctuation.clauses_text(["一", "二"] if lang == "zh" else ["one", "two"], lang) == clauses
        # Plain strings, not markup: "&" stays "&" in a text message.
        assert punctuation.parens_text("A&B", lang).count("&amp;") == 0


def test_excluded_by_rules_message_joins_rules_with_the_languages_semicolon(app):
    from portal.referrals.errors import ExcludedByRules

    with app.test_request_context("/?lang=zh_CN"):
        assert "年龄限制；仅限女性" in str(ExcludedByRules(["年龄限制", "仅限女性"]).message)
    with app.test_request_context("/?lang=en"):
        assert "age limits; women only" in str(ExcludedByRules(["age limits", "women only"]).message)
