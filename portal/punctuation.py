"""Punctuation that follows the reader's language: Chinese text takes full-width marks ("电话：",
"（备注）", "普通话、粤语", "一；二"), English the ASCII ones. Jinja filters, registered by
``create_app``; Python code calls the same functions."""
from __future__ import annotations

from markupsafe import Markup, escape


def _chinese() -> bool:
    from .i18n import current_lang

    return current_lang() == "zh"


def as_label(text) -> Markup:
    """A label before its value: "电话：" / "Phone: "."""
    return escape(text) + Markup("：" if _chinese() else ": ")


def parens(text) -> Markup:
    """Text in brackets after what it explains: "（备注）" / " (note)"."""
    if text is None or text == "":
        return Markup("")
    return Markup("（{}）" if _chinese() else " ({})").format(text)


def join_list(items) -> Markup:
    """A list inside a sentence: "普通话、粤语" / "Mandarin, Cantonese"."""
    return Markup("、" if _chinese() else ", ").join(escape(i) for i in items)


def join_clauses(items) -> Markup:
    """Clauses that each say something: "年龄限制；仅限女性" / "age limits; women only"."""
    return Markup("；" if _chinese() else "; ").join(escape(i) for i in items)


def list_sep() -> str:
    """The separator between items a template writes one by one (each with its own markup)."""
    return "、" if _chinese() else ", "


# --- plain text (no markup): text messages, copied lists, CSV cells, messages built in Python ------
# The same marks as above for text that is never HTML. ``lang`` ("zh"/"en") when the text is for
# another language than the page's (a printed or copied list); the reader's language otherwise.

def _zh(lang: str | None) -> bool:
    return _chinese() if lang is None else lang == "zh"


def label_text(text, lang: str | None = None) -> str:
    return f"{text}：" if _zh(lang) else f"{text}: "


def parens_text(text, lang: str | None = None) -> str:
    if text is None or text == "":
        return ""
    return f"（{text}）" if _zh(lang) else f" ({text})"


def list_comma(lang: str | None = None) -> str:
    """The comma between parts of one item ("08:30–12:00，14:00–17:00" / "08:30–12:00, 14:00–17:00")."""
    return "，" if _zh(lang) else ", "


def list_text(items, lang: str | None = None) -> str:
    return ("、" if _zh(lang) else ", ").join(str(i) for i in items)


def clause_sep(lang: str | None = None) -> str:
    return "；" if _zh(lang) else "; "


def clauses_text(items, lang: str | None = None) -> str:
    return clause_sep(lang).join(str(i) for i in items)


FILTERS = {"as_label": as_label, "parens": parens, "join_list": join_list, "join_clauses": join_clauses}
GLOBALS = {"list_sep": list_sep}
