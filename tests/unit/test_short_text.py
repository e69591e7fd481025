"""The resource list's short text: each service in at most 70 characters (one Chinese text
message), name, phone and a short address; the phone is never cut."""
from __future__ import annotations

from portal.directory.resource_list import SHORT_LINE_CHARS, short_address, short_line, short_text


def test_a_short_line_keeps_name_phone_and_address_within_70_characters():
    line = short_line(1, "江澜市精神卫生中心社区康复与家庭支持综合服务项目（试点）", "027-0883-9215",
                      "江滨区古渡街道文昌路252号江澜市精神卫生中心门诊楼三楼东侧社工站办公室")
    assert len(line) <= SHORT_LINE_CHARS == 70
    assert "027-0883-9215" in line and line.startswith("1. 江澜市")


def test_short_address_drops_the_city_and_street_and_keeps_the_district():
    names = ["古渡街道", "江滨区", "江澜市"]
    assert short_address("江澜市江滨区古渡街道文昌路252号", names, "江滨区") == "江滨区文昌路252号"
    assert short_address("252 Wenchang Road", [], "Jiangbin District") == "252 Wenchang Road, Jiangbin District"


def test_three_services_fit_in_far_less_than_the_long_text():
    entries = [{"name": f"社区戒毒康复指导站{n}", "short_phone": "027-0883-366{n}",
                "short_address": "江滨区文昌路252号"} for n in range(3)]
    text = short_text(entries, "为您推荐的服务", "http://localhost/list/shared/abc")
    lines = text.splitlines()
    assert len(lines) == 5
    assert all(len(line) <= 70 for line in lines[1:4])
    assert len(text) < 200
