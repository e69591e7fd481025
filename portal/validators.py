"""Form validators shared by every domain, and the one rule for links taken from data."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import email_validator
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

# Agencies' internal mail often lives under ".local" (and the demo accounts do): accept it.
# email-validator documents SPECIAL_USE_DOMAIN_NAMES as the list to adjust for such networks.
if "local" in email_validator.SPECIAL_USE_DOMAIN_NAMES:
    email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("local")


class EmailAddress:
    """A syntactically valid address; deliverability is not checked (no network here)."""

    def __init__(self, message=None):
        self.message = message or _l("Please enter a valid email address.")

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            email_validator.validate_email(field.data, check_deliverability=False)
        except email_validator.EmailNotValidError as exc:
            raise ValidationError(self.message) from exc


# --- links -----------------------------------------------------------------------------------------
# The one rule for a link taken from data (imports, admin and listing forms, the API) and for every
# href built from data: only http, https, mailto and tel; "www.x.org" becomes "https://www.x.org".
# javascript:, data:, vbscript: … never become links. The HSDS importer (hsds/importer/clean.py),
# the forms (WebAddress), the templates (the ``safe_url`` filter) and the API output use it.

URL_SCHEMES = ("http", "https", "mailto", "tel")
_HOST = re.compile(r"^[\w-]+(\.[\w-]+)+(:\d+)?([/?#].*)?$", re.UNICODE)


class InvalidURL(ValueError):
    """Not a link the portal keeps; ``str()`` says why (English, for import reports)."""


def normalise_url(value: str, max_length: int = 500) -> str:
    """The link to store for ``value`` (already on one line), or ``InvalidURL``."""
    value = value.strip()
    if not value or any(c.isspace() or ord(c) < 32 for c in value):
        raise InvalidURL(f"not a web address: {value[:60]!r}")
    scheme = value.split(":", 1)[0].lower() if ":" in value else ""
    if scheme and scheme not in URL_SCHEMES and not _HOST.match(value):
        raise InvalidURL(f"{scheme}: links are not kept (only {', '.join(URL_SCHEMES)})")
    if scheme in ("mailto", "tel"):
        return value
    if scheme not in ("http", "https"):
        if value.startswith("//"):
            value = "https:" + value
        elif "@" in value and "/" not in value:
            return "mailto:" + value
        elif _HOST.match(value):
            value = "https://" + value
        else:
            raise InvalidURL(f"not a web address: {value[:60]!r}")
    try:
        host = urlsplit(value).hostname or ""
    except ValueError:
        host = ""
    if "." not in host and host != "localhost":
        raise InvalidURL(f"not a web address: {value[:60]!r}")
    if len(value) > max_length:
        raise InvalidURL(f"too long: {len(value):,} characters (at most {max_length:,})")
    return value


def safe_url(value) -> str | None:
    """For output (a page's href, the API): the link under the rule above, or None when a stored
    value breaks it (rows saved before the rule, or written around it)."""
    if not value or not isinstance(value, str):
        return None
    try:
        return normalise_url(value, max_length=2000)
    except InvalidURL:
        return None


class WebAddress:
    """A form field holding a link: refused when it breaks the rule, else stored normalised."""

    def __init__(self, message=None):
        self.message = message or _l("Enter a web address (https://…), an email address or a phone link (tel:…).")

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            field.data = normalise_url(field.data)
        except InvalidURL as exc:
            raise ValidationError(self.message) from exc
