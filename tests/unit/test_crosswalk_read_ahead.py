"""A large import's texts are read for categories in a second process while its rows are written
(``crosswalk.ahead``). What a person sees must not depend on it: the same proposals, with the same
words in their notes, whether a text was read ahead, read here, or the helper failed."""
from __future__ import annotations

import os

import pytest

from portal.crosswalk import ahead, infer
from portal.crosswalk.infer import category_words, propose
from portal.vocab.install import vocabulary_data

CATEGORIES = [(t["code"], t["name_zh"], t["name_en"]) for v in vocabulary_data()["vocabularies"]
              if v["name"] == "category" for t in v["terms"]]
SERVICES = [
    ("Medical Detox Unit", "Medically supervised withdrawal; individual counseling and relapse prevention groups."),
    ("社区戒毒康复中心", "提供心理咨询和脱毒治疗，家属支持小组每周一次"),
    ("Harbour Legal Clinic", "Free legal advice and representation for tenants facing eviction."),
    ("Shop Assist", "volunteers help with shopping; ask us about counseling"),
    ("Job Club", "Vocational training, CV workshops and supported employment for people in recovery."),
]


@pytest.fixture
def many(monkeypatch):
    monkeypatch.setattr(ahead, "MIN_TEXTS", 1)  # a handful of texts stands for an import's thousands
    return category_words(CATEGORIES)


def proposals(words):
    return [[(p.code, p.words, p.strong) for p in propose([], name, description, words)]
            for name, description in SERVICES]


def test_the_same_terms_give_the_very_same_category_list():
    # Texts read ahead are valid for one list of categories; the import and the crosswalk ask
    # separately (in any order of rows) and must get the same object.
    assert category_words(CATEGORIES) is category_words(list(reversed(CATEGORIES)))
    assert category_words(CATEGORIES[1:]) is not category_words(CATEGORIES)


def test_texts_read_ahead_give_the_same_proposals_and_are_not_read_again(many, monkeypatch):
    expected = proposals(many)
    assert any(expected), "the sample must propose something"
    helper = ahead.read_ahead([text for service in SERVICES for text in service], many)
    assert helper is not None
    read_here = []
    original = infer._read
    monkeypatch.setattr(infer, "_read", lambda text, *a: read_here.append(text) or original(text, *a))
    with helper.apply():
        assert proposals(many) == expected
    assert read_here == []  # every name and description came from the helper process
    assert proposals(many) == expected and read_here  # after the block, texts are read here again


def test_a_text_that_changed_after_it_was_read_ahead_is_read_again(many):
    helper = ahead.read_ahead(["Medical Detox Unit", "a description the import later replaced"], many)
    with helper.apply():
        found = propose([], "Medical Detox Unit", "Peer support group for families of people in recovery", many)
    assert {p.code for p in found} == {p.code for p in propose(
        [], "Medical Detox Unit", "Peer support group for families of people in recovery", many)}
    assert "detox" in {p.code for p in found}


def test_a_failed_helper_costs_time_not_results(many, monkeypatch):
    parent = os.getpid()
    monkeypatch.setattr(ahead, "read_texts", lambda *a: _broken() if os.getpid() != parent else infer.read_texts(*a))
    helper = ahead.ReadAhead(["Medical Detox Unit"], many)
    with helper.apply():
        assert [p.code for p in propose([], "Medical Detox Unit", "", many)] == ["detox"]


def test_few_texts_are_read_in_process(monkeypatch):
    words = category_words(CATEGORIES)
    assert ahead.read_ahead(["Medical Detox Unit"] * 5000, words) is None  # one distinct text
    monkeypatch.setattr(ahead.os, "cpu_count", lambda: 1)
    assert ahead.read_ahead([f"text {i}" for i in range(5000)], words) is None  # no second core


def _broken():
    raise RuntimeError("helper lost")


def _slow_read(texts, categories):
    """``read_texts`` taking a minute in the helper (module level: the helper unpickles it by name;
    the first call, in-process, reads one text)."""
    import time

    from portal.crosswalk.infer import read_texts

    if len(texts) > 1:
        time.sleep(60)
    return read_texts(texts, categories)


def test_a_helper_nobody_asks_is_let_go_with_its_import(many, monkeypatch):
    """Stopped when the import lets go of it, not after reading all it was given (here a minute)."""
    import gc
    import time

    monkeypatch.setattr(ahead, "read_texts", _slow_read)
    helper = ahead.read_ahead([text for service in SERVICES for text in service], many)
    processes = list(helper._pool._processes.values())
    assert processes and all(p.is_alive() for p in processes)
    del helper
    gc.collect()
    started = time.monotonic()
    for process in processes:
        process.join(timeout=30)
    assert not any(p.is_alive() for p in processes)
    assert time.monotonic() - started < 30
