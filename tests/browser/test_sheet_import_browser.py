"""In real Chromium: an administrator uploads a district's xlsx with Chinese headers, maps the columns
(one header the portal cannot guess), previews the problems per cell, imports; the services are then
found by search and suggested by matching."""
from __future__ import annotations


import pytest
from openpyxl import Workbook

from ..conftest import browser_login

pytestmark = pytest.mark.browser

HEADERS = ["机构名称", "服务名称", "服务内容", "地址", "联系电话", "服务对象", "开放时间", "收费", "纬度", "经度", "所属类别代码"]
ROWS = [
    ["江滨区晨曦戒毒康复中心", "晨曦脱毒门诊", "脱毒治疗与心理咨询", "江滨区晨曦路8号", "028-86660001", "成年人",
     "周一至周五 9:00-17:00", "免费", 30.6586, 104.0648, "脱毒治疗"],
    ["江滨区晨曦戒毒康复中心", "晨曦家属互助会", "家庭支持，家属互助", "江滨区晨曦路8号", "028-86660002", "家属",
     "每周六 上午9:00-12:00", "免费", 30.6586, 104.0648, ""],
    ["晨曦社工站", "晨曦外展", "街头外展", "江滨区晨曦路10号", "028-86660003", "", "", "", 130, 104.0648, ""],
]


def _xlsx(tmp_path):
    book = Workbook()
    ws = book.active
    ws.append(HEADERS)
    for row in ROWS:
        ws.append(row)
    path = tmp_path / "晨曦目录.xlsx"
    book.save(path)
    return path


def test_admin_imports_an_xlsx_with_chinese_headers_then_it_is_searchable_and_matchable(page, live_server, tmp_path):
    browser_login(page, live_server, "admin@demo.local")
    page.goto(live_server("/admin/sheet-import/"))
    assert page.locator("h1").inner_text() == "导入电子表格"
    page.set_input_files("input[name=file]", str(_xlsx(tmp_path)))
    page.click("button:has-text('上传并对应各列')")
    page.wait_for_url("**/admin/sheet-import/*")

    # Suggested from the headers; the last one ("所属类别代码") is mapped by hand.
    assert page.locator("#col_0").input_value() == "organization_name"
    assert page.locator("#col_6").input_value() == "hours"
    page.select_option("#col_10", "category")

    page.click("button:has-text('预览')")
    problem = page.locator("td.warn[data-problem*='130']")
    assert problem.count() == 1  # the latitude 130 cell is marked; its row is still imported
    page.click("button:has-text('试运行')")
    assert "试运行" in page.locator(".sheet-report h2").inner_text()

    page.click("button:has-text('导入')")
    report = page.locator(".sheet-report").inner_text()
    assert "category coverage: 3 of 3 services" in report

    page.goto(live_server("/match"))
    page.check("input[name=needs][value=detox]")
    page.fill("input[name=latitude]", "30.66")
    page.fill("input[name=longitude]", "104.06")
    page.fill("input[name=travel_km]", "5")
    page.click("button:has-text('查找服务')")
    assert page.locator(".suggestion:has-text('晨曦脱毒门诊')").count() >= 1

    page.goto(live_server("/search?q=晨曦脱毒"))
    assert page.locator("text=晨曦脱毒门诊").count() >= 1
