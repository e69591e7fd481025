""""Did you mean": when a word of the query matches nothing, find what was probably meant.

Three kinds of near miss, all common with Chinese input methods and English spelling:
- pinyin typed instead of characters ("meishatong" -> 美沙酮, "chuanxi fuwu" -> 喘息服务);
- a homophone picked from the input method's list ("美沙同" -> 美沙酮: same pinyin);
- an English typo ("metadone" -> methadone, "respit" -> respite): edit distance 1 or 2.
The candidates come from the synonym table, the domain words, the caller's vocabulary (taxonomy
labels, area names) and the Chinese words of the index's names and terms. A candidate is only used
if it finds something.

A word is only "corrected" when no service holds it in any language and it is no word of English or
Spanish (pyspellchecker's word lists): "refugio" and "gratis" are words, not typos of "refugee" and
"gravis", even where no service is described in Spanish. The Chinese words of the index are turned
into pinyin once per index segment (``engine.SegmentData.pinyin_words``), not once per change.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache

from .analyzers import DOMAIN_WORDS, english_stop_words, has_cjk, pinyin_key, query_words, spanish_stop_words
from .query import Clause
from .synonyms import stem_text, table

_LATIN_WORD = re.compile(r"[a-z][a-z\-']+")


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance with adjacent transpositions, giving up above ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        best = current[0]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _one_deleted(key: str) -> set[str]:
    """``key`` and every string one letter shorter than it."""
    return {key, *(key[:i] + key[i + 1:] for i in range(len(key)))}


class Vocabulary:
    def __init__(self, phrases) -> None:
        self.latin: set[str] = set()
        self.pinyin: dict[str, list[str]] = {}
        self._near: dict[str, list[str]] | None = None
        for phrase in phrases:
            phrase = (phrase or "").strip()
            if not phrase:
                continue
            if has_cjk(phrase):
                self.pinyin.setdefault(pinyin_key(phrase), []).append(phrase)
            else:
                lowered = phrase.lower()
                self.latin.add(lowered)
                self.latin.update(_LATIN_WORD.findall(lowered))

    def pinyin_near(self, key: str) -> set[str]:
        """The pinyin keys that may be one edit from ``key`` (a letter inserted, left out, changed,
        or two neighbours swapped): two keys one edit apart always share a one-letter deletion, so
        they are looked up through their deletions instead of measuring the distance to every key
        (that comparison was ~80 % of a misspelt query's time at 20,000 services). The caller
        still measures the distance to each of the few found."""
        near = self._near
        if near is None:  # once per vocabulary (per index snapshot); threads may both build it
            near = {}
            for other in self.pinyin:
                for deleted in _one_deleted(other):
                    near.setdefault(deleted, []).append(other)
            self._near = near
        return {other for deleted in _one_deleted(key) for other in near.get(deleted, ())}


_LANGUAGES = ("en", "es")
_dictionaries: dict | None = None
_dictionaries_lock = threading.Lock()


def known_words(language: str):
    """The word list of a language (loaded once, ~1 s for both: warm it at start-up)."""
    global _dictionaries
    with _dictionaries_lock:
        if _dictionaries is None:
            from spellchecker import SpellChecker

            _dictionaries = {lang: SpellChecker(language=lang, distance=1) for lang in _LANGUAGES}
    return _dictionaries[language]


def is_known_word(word: str) -> bool:
    """A word of English or Spanish (or a plural of one), or a stop word of either."""
    word = word.lower()
    if word in english_stop_words() or word in spanish_stop_words():
        return True
    forms = {word, word[:-1] if word.endswith("s") else word, word[:-2] if word.endswith("es") else word}
    return any(form in known_words(lang) for lang in _LANGUAGES for form in forms if len(form) > 1)


def maybe_spanish(word: str) -> bool:
    """A word Spanish may hold: one of its list, or one English does not know ("comida", "gratis",
    "narcan"; not "care", whose Spanish stem "car" would find car repairs)."""
    word = word.lower()
    if word in spanish_stop_words():
        return True
    plural = word[:-1] if word.endswith("s") else word
    return any(form in known_words("es") for form in (word, plural)) or not any(
        form in known_words("en") or form in english_stop_words() for form in (word, plural))


def correctable(label: str) -> bool:
    """May this clause be a typo? Chinese (homophones) and pinyin may; a real Latin word may not."""
    if has_cjk(label):
        return True
    words = _LATIN_WORD.findall(label.lower())
    return bool(words) and not all(is_known_word(w) for w in words)


@lru_cache(maxsize=8)
def _base_vocabulary(extra: tuple[str, ...]) -> Vocabulary:
    phrases = [p for group in table().groups for p in group]
    return Vocabulary(phrases + list(DOMAIN_WORDS) + list(extra))


def _vocabulary(snap, extra: tuple[str, ...]) -> Vocabulary:
    key = ("vocabulary", extra)
    cache = snap._cache  # noqa: SLF001 - per-snapshot cache, dropped when the index changes
    if key not in cache:
        base = _base_vocabulary(extra)
        vocab = Vocabulary(())
        vocab.latin = base.latin
        vocab.pinyin = {k: list(v) for k, v in base.pinyin.items()}
        for key_, words in snap.pinyin_words().items():  # per segment, see engine
            vocab.pinyin.setdefault(key_, []).extend(w for w in words if w not in vocab.pinyin[key_])
        cache[key] = vocab
    return cache[key]


def segment_pinyin(reader) -> dict[str, list[str]]:
    """Pinyin key -> the Chinese words of one index segment's names and terms. Converting every word
    to pinyin is slow, so it is done once per segment (segments never change) and kept in the
    segment's sidecar file (see ``sidecar``), not once per searcher."""
    return pinyin_of({field: (raw.decode("utf-8") if isinstance(raw, bytes) else raw for raw in reader.lexicon(field))
                      for field in PINYIN_FIELDS})


# The fields whose Chinese words "did you mean" compares by sound.
PINYIN_FIELDS = ("terms", "name")


def pinyin_of(words: dict[str, Iterable[str]]) -> dict[str, list[str]]:
    """Pinyin key -> the Chinese words (of two characters or more) among each field's words, in
    ``PINYIN_FIELDS`` order and each field's sorted order (a lexicon's)."""
    found: dict[str, list[str]] = {}
    for field in PINYIN_FIELDS:
        for word in words.get(field, ()):
            if has_cjk(word) and len(word) >= 2:
                found.setdefault(pinyin_key(word), []).append(word)
    return found


def _clause_for(phrase: str) -> Clause | None:
    alternatives = tuple(a for a in (tuple(query_words(p)) for p in table().alternatives(phrase)) if a)
    return Clause(phrase, alternatives) if alternatives else None


@lru_cache(maxsize=8192)
def _place_in_group(phrase: str) -> int:
    """Where a phrase stands in its synonym group (0 if in none). Of two corrections equally near,
    the earlier wins: a group lists its Chinese and English words before its Spanish ones, and
    "metadone" typed in English should read "methadone", not "metadona"."""
    synonyms = table()
    key = stem_text(phrase)
    group = synonyms.group_of.get(key)
    if group is None:
        return 0
    return [stem_text(p) for p in synonyms.groups[group]].index(key)  # (the group of key holds it)


def candidates(snap, label: str, extra: tuple[str, ...] = ()) -> list[str]:
    """Likely meant phrases for ``label``, best first."""
    vocab = _vocabulary(snap, extra)
    found: list[str] = []
    if has_cjk(label):
        key = pinyin_key(label)
    else:
        key = re.sub(r"[^a-z]", "", label.lower())
        limit = 1 if len(key) <= 5 else 2
        close = sorted((edit_distance(key, word.replace(" ", ""), limit), _place_in_group(word), word)
                       for word in vocab.latin if abs(len(word.replace(" ", "")) - len(key)) <= limit)
        found += [word for distance, _place, word in close if 0 < distance <= limit]
    if key:
        found = vocab.pinyin.get(key, []) + found
        if len(key) >= 6 and not vocab.pinyin.get(key):
            near = sorted((edit_distance(key, other, 1), other) for other in vocab.pinyin_near(key))
            found += [p for distance, other in near if distance == 1 for p in vocab.pinyin[other]]
    return [p for p in dict.fromkeys(found) if p.lower() != label.lower()]


def correct_clause(snap, clause: Clause, base: int, extra: tuple[str, ...] = ()) -> Clause | None:
    """A replacement clause that finds something within ``base``, or None."""
    from .searching import _clause_sets  # the same matching as the search itself

    for phrase in candidates(snap, clause.label, extra)[:12]:
        better = _clause_for(phrase)
        if better is not None and _clause_sets(snap, better).any & base:
            return better
    return None
