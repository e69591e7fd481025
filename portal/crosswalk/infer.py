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

import re
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from hashlib import blake2b

from ..search.synonyms import _LATIN, SynonymTable, normalise, table

_WORD = re.compile(r"[a-z0-9]+")
_LATIN_WORDS = re.compile(r"[a-z]+")


@lru_cache(maxsize=200_000)
def _stem_word(word: str) -> str:
    from ..search.analyzers import stem_word

    return stem_word(word)


def stem_text(text: str) -> str:
    """``search.synonyms.stem_text`` with each word stemmed once per process (an import reads the
    same few thousand words in every description)."""
    return _LATIN_WORDS.sub(lambda m: _stem_word(m.group(0)), normalise(text))


class _Finder:
    """``SynonymTable.find`` with the same results, faster on long texts: the table's one big
    alternation is tried at every position of the text, so it is narrowed first to the phrases
    whose words (Latin) or characters (Chinese) occur in the text, keeping the table's order
    (longest first), and that small pattern is compiled once per set of candidates."""

    def __init__(self, synonyms: SynonymTable) -> None:
        self.synonyms = synonyms
        order = sorted(synonyms.group_of, key=len, reverse=True)  # as ``synonyms.build`` orders them
        self.rank = {phrase: i for i, phrase in enumerate(order)}
        self.by_word: dict[str, list[tuple[str, frozenset[str]]]] = {}
        self.by_char: dict[str, list[str]] = {}
        for phrase in order:
            if _LATIN.match(phrase):
                words = _WORD.findall(phrase)
                self.by_word.setdefault(words[0], []).append((phrase, frozenset(words)))
            else:
                self.by_char.setdefault(phrase[0], []).append(phrase)

    @lru_cache(maxsize=4096)  # noqa: B019 (one finder per synonym table, kept for the process)
    def _pattern(self, phrases: tuple[str, ...]) -> re.Pattern:
        parts = []
        for phrase in phrases:
            escaped = re.escape(phrase).replace(r"\ ", r"\s+")
            parts.append(rf"(?<![a-z0-9]){escaped}(?![a-z0-9])" if _LATIN.match(phrase) else escaped)
        return re.compile("|".join(parts))

    def find(self, text: str) -> list[tuple[int, int, str, int]]:
        words = set(_WORD.findall(text))
        candidates = [p for w in words for p, need in self.by_word.get(w, ()) if need <= words]
        for char in set(text):
            candidates += [p for p in self.by_char.get(char, ()) if all(part in text for part in p.split())]
        if not candidates:
            return []
        pattern = self._pattern(tuple(sorted(candidates, key=self.rank.__getitem__)))
        group_of = self.synonyms.group_of
        return [(m.start(), m.end(), m.group(0), group_of[m.group(0)]) for m in pattern.finditer(text)]


_FINDERS: dict[int, _Finder] = {}


def _finder(synonyms: SynonymTable) -> _Finder:
    found = _FINDERS.get(id(synonyms))
    if found is None or found.synonyms is not synonyms:
        found = _FINDERS[id(synonyms)] = _Finder(synonyms)
    return found


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


_LAST_WORDS: tuple | None = None


def category_words(terms: Iterable[tuple[str, str | None, str | None]],
                   synonyms: SynonymTable | None = None) -> list[CategoryWords]:
    """``terms``: (code, name_zh, name_en) of the category vocabulary. The same terms give the same
    list object (the last one is kept): texts read ahead of an import (``read_ahead``) are valid
    for exactly that list."""
    global _LAST_WORDS
    synonyms = synonyms or table()
    terms = tuple(sorted(terms, key=lambda term: term[0]))
    last = _LAST_WORDS
    if last is not None and last[0] == terms and last[1] is synonyms:
        return last[2]
    out = _category_words(terms, synonyms)
    _LAST_WORDS = (terms, synonyms, out)  # one assignment: threads see the old triple or the new one
    return out


def _category_words(terms: tuple, synonyms: SynonymTable) -> list[CategoryWords]:
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


_BY_GROUP: tuple[list, dict[int, list[str]]] | None = None


def _codes_by_group(categories: list[CategoryWords]) -> dict[int, list[str]]:
    """Categories per synonym group, made once per list of categories (an import asks about tens of
    thousands of texts with the same list): a description has dozens of matches, and asking every
    category about each of them was most of ``_hits``' time."""
    global _BY_GROUP
    known = _BY_GROUP
    if known is not None and known[0] is categories:
        return known[1]
    codes_of: dict[int, list[str]] = {}
    for category in categories:
        for group in category.groups:
            codes_of.setdefault(group, []).append(category.code)
    _BY_GROUP = (categories, codes_of)  # one assignment: threads see the old pair or the new one
    return codes_of


def _hits(text: str, categories: list[CategoryWords], synonyms: SynonymTable) -> dict[str, list[str]]:
    if not text:
        return {}
    ahead = _AHEAD
    if ahead is not None and ahead[0] is categories and ahead[1] is synonyms:
        known = ahead[2].get(text_key(text))
        if known is not None:
            return known
    return _read(text, categories, synonyms)


def _read(text: str, categories: list[CategoryWords], synonyms: SynonymTable) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    stemmed = stem_text(text)
    codes_of = _codes_by_group(categories)
    for _start, _end, phrase, group in _finder(synonyms).find(stemmed):
        for code in codes_of.get(group, ()):
            found.setdefault(code, []).append(phrase)
    for category in categories:
        for phrase in category.phrases:
            if len(phrase) >= 2 and phrase in stemmed and phrase not in found.get(category.code, ()):
                found.setdefault(category.code, []).append(phrase)
    return found


# --- texts read ahead (``ahead.read_ahead``): (categories, synonyms, {text_key: hits}) -------------

_AHEAD: tuple | None = None


def text_key(text: str) -> bytes:
    """A text's key among the texts read ahead: 16 bytes instead of the text itself (an import holds
    a hundred thousand descriptions; a collision of 128-bit BLAKE2 digests is not a practical risk)."""
    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def read_texts(texts: Iterable[str], categories: list[CategoryWords],
               synonyms: SynonymTable | None = None) -> dict[bytes, dict[str, list[str]]]:
    """What ``propose`` would find in each text, keyed by ``text_key`` (run in another process)."""
    synonyms = synonyms or table()
    return {text_key(text): _read(text, categories, synonyms) for text in texts if text}


@contextmanager
def using_read_texts(categories: list[CategoryWords], read: dict[bytes, dict[str, list[str]]],
                     synonyms: SynonymTable | None = None):
    """``propose`` looks texts up in ``read`` (for these categories) before reading them itself."""
    global _AHEAD
    _AHEAD = (categories, synonyms or table(), read)
    try:
        yield
    finally:
        _AHEAD = None


def service_texts(name_zh: str | None, name_en: str | None, description_zh: str | None,
                  description_en: str | None) -> tuple[str, str]:
    """(name, description) as ``propose`` reads a service."""
    return (" ; ".join(t for t in (name_zh, name_en) if t),
            "\n".join(t for t in (description_zh, description_en) if t))


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
