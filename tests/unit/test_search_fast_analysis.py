"""Indexing analyses text through a faster path than the token stream (``indexed_counts``: Latin
words looked up in a table of their forms; pairs from the same table). Queries and saved changes
still meet the index only if both paths give the same words, on every kind of text a directory
holds: Chinese, English, Spanish, mixed, and the odd characters of real exports."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.search import analyzers
from portal.search.analyzers import (
    _CJK, _LATIN_TOKEN, _RUNS, analysed_words, indexed_counts, latin_language, latin_pairs, stem_for,
    stop_words,
)

ROOT = Path(__file__).resolve().parents[2]


def _stream_words(text: str) -> list[str]:
    return [word for word, _s, _e, stopped in analysed_words(text) if not stopped]


def _reference_pairs(value: str) -> list[str]:
    """Pairs as the word-by-word loop made them before the table of forms."""
    pairs: list[str] = []
    if not value or not re.search(r"[A-Za-z\u00c0-\u024f]", value):
        return pairs
    language = latin_language(value)
    for run in _RUNS.finditer(value):
        if _CJK.match(run.group(0)):
            continue
        previous = None
        for match in _LATIN_TOKEN.finditer(run.group(0)):
            word = match.group(0).lower()
            if word in stop_words(language):
                continue
            word = stem_for(word, language)
            if previous is not None:
                pairs.append(f"{previous}_{word}")
            previous = word
    return pairs


ODD = [
    "", "   ", "İstanbul İİ ǅemal", "Straße STRASSE straße", "ﬁnancial ﬀ", "Ｍｅｔｈａｄｏｎｅ ｃｌｉｎｉｃ",
    "美沙酮门诊 methadone_clinic 24/7 COVID-19", "ＡＩＤＳ aids AIDS Aids", "の相談 カウンセリング 한국어 상담",
    "㐀㐁 extension-A 𠀀 beyond the BMP", "niño Niños AÑO añejo ¿Dónde? ¡Sí!", "x" * 400 + " 美" * 200,
    "Servicios de salud mental para jóvenes y familias del barrio",
    "The clinic for the people of the city and the county",
    "\u00a0non\u00a0breaking\u2009thin\u200bzero width", "ÀÉÎÕÜ àéîõü", "Ærø Œuvre ÆØÅ",
]


def _demo_texts() -> list[str]:
    """Every string of the demo directory and the vocabularies the repository ships."""
    texts: list[str] = []

    def walk(node):
        if isinstance(node, str):
            texts.append(node)
        elif isinstance(node, dict):
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in sorted((ROOT / "seed").rglob("*.json")) + sorted((ROOT / "portal").rglob("*.json")):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return texts


def test_indexing_and_the_token_stream_give_the_same_words_on_shipped_and_odd_texts():
    texts = _demo_texts() + ODD
    assert len(texts) > 1000 and any(_CJK.search(t) for t in texts) and any(latin_language(t) == "es" for t in ODD)
    assert [t for t in texts if indexed_counts(t) != Counter(_stream_words(t))] == []
    assert [t for t in texts if latin_pairs(t) != _reference_pairs(t)] == []


_ALPHABET = st.sampled_from(list("abcdeÑñíóüİßﬁＡ_-'’ 0123456789.,，。\n\t") + list("美沙酮门诊戒毒社区康复服务站") + ["㐀", "の", "한"])
_WORDS = st.sampled_from(["the", "of", "and", "para", "de", "los", "Clinic", "clínicas", "SERVICES", "aids", "美沙酮门诊",
                          "社区戒毒康复", "peer", "support", "apoyo", "familias"])
_TEXT = st.lists(st.one_of(st.text(_ALPHABET, max_size=12), _WORDS), max_size=30).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_any_text_gives_the_same_words_and_pairs_either_way(text):
    assert indexed_counts(text) == Counter(_stream_words(text))
    assert latin_pairs(text) == _reference_pairs(text)


def test_the_table_of_forms_is_emptied_when_full_and_still_answers(monkeypatch):
    monkeypatch.setattr(analyzers, "_FORMS_KEPT", 3)
    analyzers._FORMS["en"].clear()
    text = "shelters meals clinics counselling families the housing"
    assert _stream_words(text) == ["shelter", "meal", "clinic", "counsel", "famili", "hous"]
    assert indexed_counts(text) == Counter(["shelter", "meal", "clinic", "counsel", "famili", "hous"])
    assert len(analyzers._FORMS["en"]) <= 3
    analyzers._FORMS["en"].clear()
