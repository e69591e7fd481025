"""The admin's user list and user form name the roles in the reader's language, never by their
codes (worker, agency, coordinator, admin)."""
from __future__ import annotations

import re
from html import unescape

from portal.accounts.labels import ROLE_LABELS
from portal.accounts.models import ROLES

ZH_NAMES = {"worker": "社会工作者", "agency": "机构工作人员", "coordinator": "转介协调员", "admin": "管理员"}


def _cells(html: str) -> str:
    """The text of the list's table cells (the page's own menu mentions "admin" in links)."""
    start = html.index("model-list")
    table = html[start:html.index("</table>", start)]
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table)))


def test_every_role_has_a_label():
    assert set(ROLE_LABELS) == set(ROLES)


def test_admin_user_list_in_chinese_shows_role_names_and_no_role_codes(login_as):
    client = login_as("admin")
    html = client.get("/admin/user/").get_data(as_text=True)
    cells = _cells(html)
    assert "角色" in cells
    for code, name in ZH_NAMES.items():
        assert name in cells, code
        assert not re.search(rf"(?<![\w@.-]){code}(?![\w@.-])", cells), code  # emails may contain the word
    # The demo admin holds exactly one role: their row says so in words.
    row = next(r for r in html.split("<tr")[1:] if "admin@" in r)
    assert "管理员" in unescape(re.sub(r"<[^>]+>", " ", row))


def test_admin_user_list_in_english_and_the_user_form_use_role_words(login_as):
    client = login_as("admin")
    cells = _cells(client.get("/admin/user/?lang=en").get_data(as_text=True))
    assert "Referral coordinator" in cells and "Social worker" in cells
    form = client.get("/admin/user/new/?lang=zh_CN").get_data(as_text=True)
    options = re.findall(r'<option[^>]*value="(worker|agency|coordinator|admin)"[^>]*>([^<]*)</option>', form)
    assert dict(options) == ZH_NAMES
