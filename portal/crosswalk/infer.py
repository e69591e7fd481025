"""Proposing the portal's categories for a service from words: its taxonomy terms' names, its name and
its description, read through the same synonym groups search uses (``portal/search/data/synonyms.json``).

A category is proposed when its own labels (Chinese or English) and the service's text share a
synonym group (戒毒 ↔ detox ↔ drug treatment) or the text holds the label itself. Words from the
term names and the service name count on their own; words found only in the description need two
hits (or one multi-word phrase) so that a passing mention ("we refer to counselling") is not enough.
A category whose label joins several ideas (危机干预热线, crisis hotline) needs words for two of them.
Pure: no Flask, no database.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..search.synonyms import SynonymTable, stem_text, table


@dataclass(frozen=True)
class CategoryWords:
    code: str
    groups: frozenset[int]
    phrases: tuple[str, ...]  # the category's own labels, stemmed


@dataclass(frozen=True)
class Proposal:
    code: str
    words: tuple[str, ...]  # what was found, as written (for the note shown to people)
    strong: bool  # found in a term name or the service name


def category_words(terms: Iterable[tuple[str, str | None, str | None]],
                   synonyms: SynonymTable | None = None) -> list[CategoryWords]:
    """``terms``: (code, name_zh, name_en) of the category vocabulary."""
    synonyms = synonyms or table()
    out = []
    for code, zh, en in terms:
        groups: set[int] = set()
        phrases = []
        for label in (zh, en):
            if not label:
                continue
            stemmed = stem_text(label)
            phrases.append(stemmed)
            groups |= {group for _a, _b, _p, group in synonyms.find(stemmed)}
        out.append(CategoryWords(code, frozenset(groups), tuple(phrases)))
    return out


def _hits(text: str, categories: list[CategoryWords], synonyms: SynonymTable) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    if not text:
        return found
    stemmed = stem_text(text)
    for _start, _end, phrase, group in synonyms.find(stemmed):
        for category in categories:
            if group in category.groups:
                found.setdefault(category.code, []).append(phrase)
    for category in categories:
        for phrase in category.phrases:
            if len(phrase) >= 2 and phrase in stemmed and phrase not in found.get(category.code, ()):
                found.setdefault(category.code, []).append(phrase)
    return found


def propose(term_names: Iterable[str], name: str | None, description: str | None,
            categories: list[CategoryWords], synonyms: SynonymTable | None = None) -> list[Proposal]:
    """The categories the words point at, strongest evidence first (then by code)."""
    synonyms = synonyms or table()
    strong = _hits(" ; ".join([*(t for t in term_names if t), name or ""]), categories, synonyms)
    weak = _hits(description or "", categories, synonyms)
    by_code = {c.code: c for c in categories}
    out = []
    for code in sorted(set(strong) | set(weak)):
        words = tuple(dict.fromkeys([*strong.get(code, ()), *weak.get(code, ())]))
        category = by_code[code]
        if len(category.groups) > 1 and not any(w in category.phrases for w in words):
            # A label made of several ideas ("crisis hotline"): one of them alone ("hotline") is not enough.
            found = {synonyms.group_of.get(w) for w in words}
            if len(found & category.groups) < 2:
                continue
        described = weak.get(code, [])
        if code in strong or len(described) >= 2 or any(" " in w or len(w) >= 4 and not w.isascii() for w in described):
            out.append(Proposal(code, words[:5], code in strong))
    out.sort(key=lambda p: (not p.strong, p.code))
    return out
