"""Form validators shared by every domain."""
from __future__ import annotations

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
