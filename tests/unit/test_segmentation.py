"""Chinese is segmented by rjieba (jieba's algorithm and dictionary in Rust) because the Python
jieba was most of a rebuild's time. The words must be jieba's own: documents and queries are cut
the same way either way, but every relevance judgment and every Chinese test was made with jieba's
words, and an upgrade of either library that changes a word must be noticed here, not in the
ranking."""
from __future__ import annotations

import random
import re
from pathlib import Path

import jieba
import pytest
import rjieba

from bench.search_corpus import vocabularies
from portal.search.analyzers import DOMAIN_WORD_FREQUENCY, DOMAIN_WORDS, init_jieba, query_words

ROOT = Path(__file__).resolve().parents[2]
_RUN = re.compile(r"[\u4e00-\u9fff]+")


@pytest.fixture(scope="module")
def reference():
    """The Python jieba with the portal's domain words."""
    init_jieba()
    reference = jieba.Tokenizer()
    reference.initialize()
    for word in DOMAIN_WORDS:
        reference.add_word(word, freq=DOMAIN_WORD_FREQUENCY)
    return reference


def _shipped_texts() -> list[str]:
    """Every run of Chinese characters the repository ships: the demo directory, the vocabularies,
    the interface's translations, the synonym table."""
    runs: set[str] = set()
    for folder in ("seed", "portal"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".json", ".po", ".csv", ".yaml", ".txt"} and path.is_file():
                runs.update(_RUN.findall(path.read_text(encoding="utf-8", errors="ignore")))
    return sorted(runs)


def _made_up_texts(count: int) -> list[str]:
    """Descriptions as the search benchmark writes them: words jieba's dictionary mostly does not
    know, run together (its HMM decides where words end)."""
    rng = random.Random(4)
    _english, chinese = vocabularies(seed=4)
    return ["".join(chinese.draw(rng, rng.randint(3, 40))) for _ in range(count)]


def test_the_portal_cuts_chinese_into_jiebas_words(reference):
    texts = _shipped_texts() + _made_up_texts(3000)
    assert len(texts) > 5000 and any(word in " ".join(texts) for word in DOMAIN_WORDS)
    differ = [text for text in texts
              if list(rjieba.tokenize(text, "search", True)) != list(reference.tokenize(text, mode="search"))
              or list(rjieba.cut(text, True)) != list(reference.cut(text))
              or list(rjieba.cut_for_search(text, True)) != list(reference.cut_for_search(text))]
    assert differ == []


def test_domain_words_stay_whole(reference):
    for word in DOMAIN_WORDS:
        assert [w for w, _parts in query_words(word)] == [word]
        assert (word, 0, len(word)) in list(rjieba.tokenize(word, "search", True))
