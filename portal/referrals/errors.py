"""The error every referral operation raises when a rule is broken."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..punctuation import clauses_text


class ReferralError(ValueError):
    """A rule was broken. ``field`` names the form field to show it next to (or None)."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class ExcludedByRules(ReferralError):
    """The service's eligibility rules exclude the client and no reason to refer anyway was given.
    ``rules`` names them (in the reader's language); entry points show the error on ``override_reason``."""

    def __init__(self, rules: list[str]) -> None:
        super().__init__(_l("The service's rules exclude this client (%(rules)s). Give a reason to refer anyway.",
                            rules=clauses_text(rules)), "override_reason")
        self.rules = tuple(rules)
