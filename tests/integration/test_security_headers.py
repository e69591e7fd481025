"""Security headers on every response: pages, errors, the API, static files (issue 13, part 5)."""
from __future__ import annotations

from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.mark.parametrize("path", ["/", "/login", "/search?q=x", "/no-such-page", "/api/v1/", "/static/js/directory.js"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    policy = {part.split()[0]: part.split()[1:] for part in headers["Content-Security-Policy"].split("; ")}
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no nonce: no inline script at all
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin",
                                          "strict-origin-when-cross-origin")


def test_signed_in_admin_pages_carry_them_too(login_as):
    headers = login_as("admin").get("/admin/user/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]


def test_admin_pages_leave_the_server_without_inline_handlers(login_as):
    """Flask-Admin's own templates carry onclick="…" and href="javascript:…"; the admin sends them as
    data-onclick and "#" (rewired by static/js/admin_csp.js), so no browser has inline script to
    report against the policy."""
    import re

    client = login_as("admin")
    for path in ("/admin/service/", "/admin/user/", "/admin/organization/"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"\son[a-z]+\s*=\s*[\"']", html, re.I) and "javascript:" not in html, path
        assert "data-onclick=" in html, path  # the delete buttons' confirmation, kept for the script


def test_no_template_has_inline_script_or_event_handlers():
    import re

    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)
    found = [f"{p.relative_to(TEMPLATES)}" for p in TEMPLATES.rglob("*.html")
             if inline_script.search(p.read_text()) or handler.search(p.read_text())
             or "javascript:" in p.read_text()]
    assert found == []
