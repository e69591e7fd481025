"""The one link rule (portal/validators.py): what becomes a link, on input and on output."""
from __future__ import annotations

import pytest

from portal.validators import InvalidURL, normalise_url, safe_url


@pytest.mark.parametrize("value", [
    "javascript:alert(1)", "JavaScript:alert(1)", "javascript://%0aalert(1)", " javascript:alert(1)",
    "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
    "file:///etc/passwd", "not a link", "http://nohost",
])
def test_dangerous_or_broken_links_are_refused(value):
    with pytest.raises(InvalidURL):
        normalise_url(value)
    assert safe_url(value) is None


@pytest.mark.parametrize("value,expected", [
    ("www.example.org", "https://www.example.org"),
    ("example.org/intake?x=1", "https://example.org/intake?x=1"),
    ("//example.org", "https://example.org"),
    ("http://example.org", "http://example.org"),
    ("HTTPS://example.org/a", "HTTPS://example.org/a"),
    ("mailto:intake@example.org", "mailto:intake@example.org"),
    ("intake@example.org", "mailto:intake@example.org"),
    ("tel:+8675500000000", "tel:+8675500000000"),
])
def test_allowed_links_are_kept_and_a_missing_scheme_becomes_https(value, expected):
    assert normalise_url(value) == expected
    assert safe_url(value) == expected


def test_the_hsds_importer_uses_the_same_rule():
    from portal.hsds.importer import clean

    assert clean.url("www.example.org") == "https://www.example.org"
    with pytest.raises(clean.Invalid):
        clean.url("javascript:alert(1)")
