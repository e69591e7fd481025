"""In real Chromium: a worker signs in, sees the Chinese home page, switches to English."""
from __future__ import annotations

import pytest

from ..conftest import browser_login

pytestmark = pytest.mark.browser


def test_worker_signs_in_sees_chinese_home_and_switches_to_english(page, live_server):
    page.goto(live_server("/login"))
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "登录"
    browser_login(page, live_server, "worker@demo.local")
    assert "已登录" in page.locator(".flash").inner_text()
    assert "为药物使用、成瘾和精神疾病人士寻找社区帮助" in page.locator("h1").inner_text()
    page.click("text=English")
    page.wait_for_url("**lang=en**")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Find community help" in page.locator("h1").inner_text()
    assert page.locator("button:has-text('Sign out')").is_visible()
    # The choice sticks when moving on to another page.
    page.goto(live_server("/account"))
    assert page.locator("h1").inner_text() == "My account"


def test_wrong_password_in_the_browser_shows_the_message_next_to_the_form(page, live_server):
    page.goto(live_server("/login"))
    page.fill("input[name=email]", "worker@demo.local")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text() == "邮箱或密码错误。"
