"""The error every referral operation raises when a rule is broken."""
from __future__ import annotations


class ReferralError(ValueError):
    """A rule was broken. ``field`` names the form field to show it next to (or None)."""

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
