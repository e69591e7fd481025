"""Bilingual fields: a Chinese and an English value per readable field, shown in the reader's
language with a fallback to the other (marked as such by the templates)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale


def current_lang() -> str:
    try:
        locale = get_locale()
    except Exception:  # outside a request
        return "zh"
    return "en" if locale is not None and locale.language == "en" else "zh"


@dataclass(frozen=True)
class Localized:
    text: str
    lang: str
    fallback: bool  # True when the reader's language had no value

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(self.text))

    def __bool__(self) -> bool:
        return bool(self.text)


class BilingualMixin:
    """Gives ``obj.t('name')`` -> Localized for fields stored as ``name_zh`` / ``name_en``."""

    def t(self, field: str, lang: str | None = None) -> Localized:
        lang = lang or current_lang()
        other = "en" if lang == "zh" else "zh"
        value = getattr(self, f"{field}_{lang}", None)
        if value:
            return Localized(value, lang, False)
        value = getattr(self, f"{field}_{other}", None)
        return Localized(value or "", other, bool(value))
