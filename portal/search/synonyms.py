"""The bilingual synonym table (``data/synonyms.json``): groups of words that mean the same thing
to people searching (美沙酮 ↔ methadone ↔ MMT). Kept as data so that coordinators can extend it
without touching code; loaded once per process."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "synonyms.json"
_LATIN = re.compile(r"^[a-z0-9][a-z0-9 '\-]*$")


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


_LATIN_WORDS = re.compile(r"[a-z]+")
# Spanish (and French, Portuguese) letters as their plain Latin letter, one character for one so that
# offsets still point into the text: "clinica" typed without its accent finds the group of "clínica".
_FOLD_ACCENTS = str.maketrans("áàâäãåéèêëíìîïóòôöõúùûüñçý", "aaaaaaeeeeiiiiooooouuuuncy")


def stem_text(text: str) -> str:
    """Lower-cased, accents folded, every Latin word stemmed, so "caregivers" finds the group of
    "caregiver"."""
    from .analyzers import stem_word

    return _LATIN_WORDS.sub(lambda m: stem_word(m.group(0)), normalise(text).translate(_FOLD_ACCENTS))


def _stem_with_offsets(text: str) -> tuple[str, list[int], list[int]]:
    """``stem_text`` plus, for each character of the result, the span of ``text`` it came from."""
    from .analyzers import stem_word

    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0

    def copy(upto: int) -> None:
        for i in range(position, upto):
            out.append(text[i])
            starts.append(i)
            ends.append(i + 1)

    for match in _LATIN_WORDS.finditer(text.translate(_FOLD_ACCENTS)):
        copy(match.start())
        for ch in stem_word(match.group(0)):
            out.append(ch)
            starts.append(match.start())
            ends.append(match.end())
        position = match.end()
    copy(len(text))
    return "".join(out), starts, ends


@dataclass(frozen=True)
class SynonymTable:
    groups: tuple[tuple[str, ...], ...]
    pattern: re.Pattern | None
    group_of: dict[str, int]

    def find(self, text: str) -> list[tuple[int, int, str, int]]:
        """Non-overlapping phrases of the table in ``text`` (already passed through ``stem_text``),
        longest first at each position: ``[(start, end, phrase, group), ...]``."""
        if self.pattern is None:
            return []
        found = []
        for match in self.pattern.finditer(text):
            phrase = match.group(0)
            found.append((match.start(), match.end(), phrase, self.group_of[phrase]))
        return found

    def find_in(self, text: str) -> list[tuple[int, int, str]]:
        """Phrases of the table in ``text`` (normalised, not stemmed), matched on stems:
        ``[(start, end, phrase as written in text), ...]`` with offsets into ``text``."""
        stemmed, starts, ends = _stem_with_offsets(text)
        return [(starts[a], ends[b - 1], text[starts[a]:ends[b - 1]]) for a, b, _p, _g in self.find(stemmed)]

    def alternatives(self, phrase: str) -> tuple[str, ...]:
        """The phrase as written in the table first, then the rest of its group."""
        key = stem_text(phrase)
        group = self.group_of.get(key)
        if group is None:
            return (phrase,)
        members = self.groups[group]
        first = [p for p in members if stem_text(p) == key][:1] or [phrase]
        return tuple(first) + tuple(p for p in members if p != first[0])


def build(groups: list[list[str]]) -> SynonymTable:
    clean = tuple(tuple(dict.fromkeys(normalise(p) for p in group if p.strip())) for group in groups)
    group_of: dict[str, int] = {}  # stemmed phrase -> group
    for number, group in enumerate(clean):
        for phrase in group:
            group_of.setdefault(stem_text(phrase), number)  # a phrase listed twice keeps its first group
    if not group_of:
        return SynonymTable(clean, None, group_of)
    parts = []
    for phrase in sorted(group_of, key=len, reverse=True):
        escaped = re.escape(phrase).replace(r"\ ", r"\s+")
        # Latin phrases only match whole words ("ice" must not match inside "service").
        parts.append(rf"(?<![a-z0-9]){escaped}(?![a-z0-9])" if _LATIN.match(phrase) else escaped)
    return SynonymTable(clean, re.compile("|".join(parts)), group_of)


@lru_cache(maxsize=1)
def table() -> SynonymTable:
    with DATA.open(encoding="utf-8") as fh:
        return build(json.load(fh)["groups"])
