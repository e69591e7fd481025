"""The bilingual analyzer. Its import path is pickled into the Whoosh schema, so this module must
stay where it is.

Chinese is segmented in jieba's search mode (long words and their parts) by rjieba: jieba's
algorithm and dictionary in Rust (jieba-rs). It gives the same words as the Python jieba
(``tests/unit/test_segmentation.py`` compares them on every Chinese text of the demo and a bench
corpus), about 16 times faster, and its dictionary loads in milliseconds outside Python's heap;
segmenting was most of a rebuild's time. Latin text is English
or Spanish (imported directories carry Spanish): each text value is given the language its function
words point to, and its words are stemmed with that language's stemmer (Porter for English, Snowball
for Spanish) and lose that language's stop words.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from functools import lru_cache
from itertools import chain
from typing import TypeVar

try:
    from collections import _count_elements  # the C loop behind Counter (CPython)
except ImportError:  # pragma: no cover - other interpreters
    def _count_elements(mapping, iterable):
        for element in iterable:
            mapping[element] = mapping.get(element, 0) + 1

import rjieba
from whoosh.analysis import Token, Tokenizer

_WORD = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
# Text is cut into runs of Chinese characters (segmented by jieba) and everything else (split on
# word characters by a regular expression: ~10x faster than passing Latin text through jieba).
_RUNS = re.compile(r"[\u4e00-\u9fff]+|[^\u4e00-\u9fff]+")
_LATIN_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")  # (a text without one has no pairs)
_ready = threading.Lock()
T = TypeVar("T")
_initialised = False

# Domain words jieba's general dictionary splits badly.
DOMAIN_WORDS = (
    "美沙酮", "丁丙诺啡", "纳曲酮", "喘息服务", "美沙酮门诊", "冰毒", "甲基苯丙胺", "海洛因", "戒毒", "脱毒",
    "社区戒毒", "社区康复", "禁毒社工", "同伴支持", "互助小组", "复吸", "预防复吸", "精神分裂症", "双相情感障碍",
    "日间照料", "康复站", "职业康复", "辅助性就业", "支持性就业", "照料者", "家属培训", "危机干预", "心理热线",
    "减害", "针具交换", "艾滋病检测", "丙肝检测", "共病", "流浪人员", "少数民族", "孕产妇", "青少年",
)


def init_jieba() -> None:
    """Add the domain words to the segmenter's dictionary, once per process (before any text is cut:
    every entry point calls this first)."""
    global _initialised
    with _ready:
        if _initialised:
            return
        for word in DOMAIN_WORDS:
            rjieba.add_word(word, DOMAIN_WORD_FREQUENCY, None)
        _initialised = True


# How often the dictionary says a domain word occurs: high enough that the segmenter keeps it whole.
DOMAIN_WORD_FREQUENCY = 20000


# Chinese runs up to this length are segmented once per process: term names, place names and
# organisation names recur across thousands of services.
_SHORT_RUN = 24


@lru_cache(maxsize=100_000)
def _search_cut(run: str) -> tuple:
    return tuple(rjieba.tokenize(run, "search", True))


def _tokens(text: str, search: bool):
    """(word, start, end): jieba for Chinese runs (search mode: long words and their parts),
    a regular expression for the rest."""
    for run in _RUNS.finditer(text):
        offset = run.start()
        if _CJK.match(run.group(0)):
            if search:
                chinese = run.group(0)
                cut = _search_cut(chinese) if len(chinese) <= _SHORT_RUN else rjieba.tokenize(chinese, "search", True)
                for word, start, end in cut:
                    yield word, offset + start, offset + end
            else:
                position = offset
                for word in rjieba.cut(run.group(0), True):
                    yield word, position, position + len(word)
                    position += len(word)
        else:
            for match in _LATIN_TOKEN.finditer(run.group(0)):
                yield match.group(0), offset + match.start(), offset + match.end()


def _whole(token: Token, text: str, pos: int, start_char: int, positions: bool, chars: bool) -> Token:
    """``token`` set to one whole, unstopped text."""
    token.text = text
    token.boost = 1.0
    token.stopped = False
    if positions:
        token.pos = pos
    if chars:
        token.startchar, token.endchar = start_char, start_char + len(text)
    return token


class FusedBilingualAnalyzer(Tokenizer):
    """jieba search-mode segmentation, lower-casing, English stop words and stemming in one pass.

    As a token stream it gives the same result as a tokenizer followed by Whoosh's Lowercase, Stop
    and Stem filters (Whoosh's generic paths use it). Indexing does not go through the stream:
    fields ask ``indexed_counts`` (``documents``), which gives the same words faster."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def indexed_counts(self, value: str) -> dict[str, int]:
        """Each indexed word of a value and how often it occurs (``indexed_counts`` below)."""
        return indexed_counts(value)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        init_jieba()
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = value
            yield _whole(token, value, start_pos, start_char, positions, chars)
            return
        pos = start_pos
        for word, start, end, stopped in analysed_words(value):
            if stopped and removestops:
                continue
            token.text = word
            token.boost = 1.0
            token.stopped = stopped
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = pos
                pos += 1
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


def analysed_words(value: str) -> Iterator[tuple[str, int, int, bool]]:
    """``(word as indexed, start, end, is a stop word)`` for each word of a text value."""
    raw = [(word.strip(), start, end) for word, start, end in _tokens(value, search=True)]
    language = None
    for word, start, end in raw:
        if not word or not _WORD.search(word):
            continue
        if word.isascii() or not has_cjk(word):
            if language is None:
                language = latin_language(value)
            word = word.lower()
            if word in stop_words(language):
                yield word, start, end, True
                continue
            word = stem_for(word, language)
        yield word, start, end, False


class _LatinForms(dict):
    """A raw Latin word -> the form the index holds in one language, None for a stop word: what
    ``analysed_words`` does to each Latin word (lower-case, stop words, stem), remembered, so that
    indexing looks each word up in C instead of running a generator step per word (the analysis
    was a third of a rebuild). A directory's Latin vocabulary is a few hundred thousand words at
    most; the table is emptied past ``_FORMS_KEPT`` all the same."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language

    def __missing__(self, raw: str) -> str | None:
        word = raw.lower()
        if word == CHAIN_BREAK:  # a Chinese run, in ``chain_forms``: it breaks the chain of pairs
            form = CHAIN_BREAK
        else:
            form = None if word in stop_words(self.language) else stem_for(word, self.language)
        if len(self) >= _FORMS_KEPT:
            self.clear()
        self[raw] = form
        return form


_FORMS_KEPT = 500_000
_FORMS = {"en": _LatinForms("en"), "es": _LatinForms("es")}


def _latin_forms(tokens: list[str], value: str) -> list[str]:
    """The index forms of a value's Latin ``tokens`` (stop words left out)."""
    if not tokens:
        return tokens
    forms = _FORMS["es" if latin_language(value) == "es" else "en"]
    return [form for form in map(forms.__getitem__, tokens) if form is not None]


def indexed_counts(value: str) -> dict[str, int]:
    """How often each word ``analysed_words`` indexes (stop words left out) occurs in a text value:
    the same words (``tests/unit/test_search_fast_analysis.py`` compares them), with one pass over
    the value for the Latin words and one for the Chinese runs, and no generator step per word.
    Chinese runs only hold Chinese characters, so jieba's words need none of the Latin steps (and
    no offsets: ``cut_for_search``, not ``tokenize``)."""
    if not _CJK.search(value):
        return _counted(chain_forms(value))
    init_jieba()
    words = list(chain_forms(value))
    for run in _CJK_RUN.findall(value):
        words.extend(_search_words(run) if len(run) <= _SHORT_RUN else rjieba.cut_for_search(run, True))
    counts = _counted(words)
    counts.pop(CHAIN_BREAK, None)
    return counts


def _counted(words: list[str]) -> dict[str, int]:
    """word -> how often it occurs: ``Counter(words)`` without the constructor's type checks (a
    tenth of analysing a short text), as a plain dict."""
    counts: dict[str, int] = {}
    _count_elements(counts, words)
    return counts


def chain_forms(value: str) -> list[str]:
    """The index forms of a value's Latin words in order (stop words left out), with
    ``CHAIN_BREAK`` in place of each Chinese run: the words' counts leave the breaks out, the
    word pairs (``latin_chains``, ``pairs``) do not span them. Remembered for the next few values:
    a document's texts are analysed twice, for their words' counts and for their pairs (read only:
    both callers only read the list)."""
    return remembered(_RECENT_WORDS, value, _forms_of, _RECENT_KEPT)


def _forms_of(value: str) -> list[str]:
    # One scan either way: Latin words alone, or Latin words and Chinese runs (as CHAIN_BREAK).
    if not _CJK.search(value):
        return _latin_forms(_LATIN_TOKEN.findall(value), value)
    if not _LATIN_OUTSIDE_CJK.search(value):
        return []  # Chinese only (most of a Chinese directory): no language to tell, no pairs
    return _latin_forms(_TOKEN_OR_BREAK.findall(_CJK_RUN.sub(CHAIN_BREAK, value)), value)


# What a Chinese run is in ``chain_forms`` (never an index form: every form has a word character).
CHAIN_BREAK = "\x00"
# Latin words of a text that has Chinese too: word characters other than "_" and Chinese ones (the
# same words as ``_LATIN_TOKEN`` finds in each run between Chinese runs). And, once each Chinese
# run is a CHAIN_BREAK (one form, looked up in C like any word), Latin words and the breaks.
_LATIN_OUTSIDE_CJK = re.compile(r"[^\W_\u4e00-\u9fff]+", re.UNICODE)
_TOKEN_OR_BREAK = re.compile(r"[^\W_]+|\x00", re.UNICODE)


def remembered(memo: dict[str, T], value: str, compute: Callable[[str], T], kept: int) -> T:
    """``compute(value)``, remembered in ``memo``, which is emptied when it holds ``kept`` values
    (bounded memory in long-lived processes)."""
    found = memo.get(value)
    if found is None:
        found = compute(value)
        if len(memo) >= kept:
            memo.clear()
        memo[value] = found
    return found


_RECENT_WORDS: dict[str, list[str]] = {}
_RECENT_KEPT = 64  # a document's texts, many times over


_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


@lru_cache(maxsize=100_000)
def _search_words(run: str) -> tuple[str, ...]:
    # jieba's search-mode words without their offsets: the same words in the same order as
    # ``_search_cut``'s (the analysis tests compare them), 40 % faster for a long run.
    return tuple(rjieba.cut_for_search(run, True))


def latin_chains(value: str) -> list[list[str]]:
    """The runs of neighbouring Latin words of a value (index forms, stop words skipped, as they
    are in the index) whose pairs phrase search and the adjacency boost look up. Chinese runs only
    break a chain (their long words are indexed whole), so jieba is not run a second time."""
    if not value or not LATIN_LETTER.search(value):
        return []
    forms = chain_forms(value)
    if CHAIN_BREAK not in forms:
        return [forms]
    chains: list[list[str]] = [[]]
    for form in forms:
        if form == CHAIN_BREAK:
            chains.append([])
        else:
            chains[-1].append(form)
    return chains


def latin_pairs(value: str) -> list[str]:
    """``first_second`` for each two neighbouring words of the value's ``latin_chains``."""
    pairs: list[str] = []
    for words in latin_chains(value):
        pairs += map("_".join, zip(words, words[1:]))
    return pairs


# Joins a document's texts in its ``pairs`` value: each text keeps its own language (stemmer, stop
# words), and no pair spans two texts.
PART_SEPARATOR = "\x1e"


class PairAnalyzer(Tokenizer):
    """``latin_pairs`` of each text of a ``pairs`` value, as tokens: the analyzer of the ``pairs``
    field while pairs were terms (schema 8 and before, whose pickled schema names this class: kept
    so that such an index can still be opened, and found out of date). Pairs are now column keys
    (see ``pairs``)."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    @staticmethod
    def indexed_counts(value: str) -> dict[str, int]:
        """Each pair of the value's texts once (-> 1), in order."""
        return dict.fromkeys(chain.from_iterable(map(latin_pairs, value.split(PART_SEPARATOR))), 1)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pairs = self.indexed_counts(value) if tokenize else (value,)  # (a dict: its keys, in order)
        for pos, pair in enumerate(pairs, start_pos):
            if keeporiginal:
                token.original = pair
            yield _whole(token, pair, pos, start_char, positions, chars)


def BilingualAnalyzer():
    """The analyzer of every text field (its class path is pickled into the index schema)."""
    return FusedBilingualAnalyzer()


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text or ""))


# --- query side ------------------------------------------------------------------------------
# Queries are cut in jieba's precise mode (one reading of the words); documents were cut in search
# mode, which also indexes the long words themselves, so a precise-mode word is found whenever the
# document contains it. For a long word the document may only hold its parts ("美沙酮维持治疗门诊"
# against the query "美沙酮门诊"), so each query word also carries its search-mode parts.

# Words that carry no meaning in a search box. English stop words come from Whoosh (the index drops
# them too); the Chinese ones are only removed from queries, never from the index.
ZH_QUERY_STOP_WORDS = frozenset(
    "的 了 和 与 及 或 我 我们 你 他 她 想 要 找 找到 寻找 一个 一些 哪里 哪儿 哪个 有 有没有 吗 呢 吧 啊 在 是 "
    "什么 怎么 怎样 如何 需要 可以 能 能够 请问 请 帮 帮忙 帮助我 给 附近的 地方 这个 那个 关于 就 都 也".split()
)

# How a request is worded in English or Spanish ("I need help finding...", "necesito ayuda..."):
# left out of a query that also says what is needed, so that a description saying "we help people
# in need" does not outrank one about the thing asked for by holding more of the query's words. A
# query of these words alone is searched as typed. ("needs" stays: "special needs".)
REQUEST_WORDS = frozenset(
    "i im i'm me my myself need want wants looking look find finding get getting where near nearby "
    "around someone somebody somewhere place please help helping like would could should how what "
    "which who necesito necesita necesitamos busco buscando buscar quiero queremos donde dónde cerca "
    "ayuda ayudar favor alguien lugar".split())

_ENGLISH_STOP = None
_SPANISH_STOP = None
# Function words that tell Spanish from English in a few words (none of them is an English word).
_SPANISH_MARKERS = frozenset(
    "de la el los las y del para con por una un que se su sus al es en o lo como más muy sin sobre".split())
_ENGLISH_MARKERS = frozenset(
    "the and of for with to in is are on at by from or you your this that who".split())
_SPANISH_LETTERS = re.compile(r"[ñáéíóúü¿¡]")
_ASCII_WORDS = re.compile(r"[a-zñáéíóúü]+")


def english_stop_words() -> frozenset:
    global _ENGLISH_STOP
    if _ENGLISH_STOP is None:
        from whoosh.analysis import STOP_WORDS

        _ENGLISH_STOP = frozenset(STOP_WORDS)
    return _ENGLISH_STOP


def spanish_stop_words() -> frozenset:
    global _SPANISH_STOP
    if _SPANISH_STOP is None:
        from whoosh.lang import stopwords_for_language

        _SPANISH_STOP = frozenset(stopwords_for_language("es"))
    return _SPANISH_STOP


def stop_words(language: str) -> frozenset:
    return spanish_stop_words() if language == "es" else english_stop_words()


@lru_cache(maxsize=4096)  # the same short values (names, labels) come again and again
def latin_language(text: str) -> str:
    """"es" when a text's function words (or its letters) are Spanish rather than English, else "en"."""
    lowered = (text or "").lower()
    words = _ASCII_WORDS.findall(lowered[:2000])
    spanish = sum(map(_SPANISH_MARKERS.__contains__, words)) + 2 * len(_SPANISH_LETTERS.findall(lowered[:2000]))
    english = sum(map(_ENGLISH_MARKERS.__contains__, words))
    return "es" if spanish > english else "en"


# Words that look like plurals but are not: stemmed, "AIDS" would meet every "legal aid".
_NOT_PLURALS = frozenset({"aids"})


@lru_cache(maxsize=100_000)  # indexing a directory stems the same few thousand words again and again
def stem_word(word: str) -> str:
    """The English (Porter) stem: what the index holds for English text and the synonym table uses."""
    from whoosh.lang.porter import stem

    return word if word in _NOT_PLURALS else stem(word)


@lru_cache(maxsize=100_000)
def stem_spanish(word: str) -> str:
    from whoosh.lang import stemmer_for_language

    return stemmer_for_language("es")(word)


def stem_for(word: str, language: str) -> str:
    return stem_spanish(word) if language == "es" else stem_word(word)


def normalise_word(word: str, language: str = "en") -> str | None:
    """One query word as the index holds it: lower-cased, stemmed if Latin; None for stop words."""
    word = word.strip().lower()
    if not word or not _WORD.search(word):
        return None
    if has_cjk(word):
        return None if word in ZH_QUERY_STOP_WORDS else word
    if word in stop_words(language):
        return None
    return stem_for(word, language)


def other_language_form(word: str, language: str) -> str | None:
    """The query word as a text of the other Latin language would have indexed it, if different
    ("servicios": English index form "servicio", Spanish "servici"). An English word gets no Spanish
    form unless Spanish may hold it: the Spanish stem of an English word is often another English
    word ("care" -> "car", "hate" -> "hat"), which would find car repairs for elder care."""
    word = word.strip().lower()
    if not word or has_cjk(word) or not _WORD.search(word):
        return None
    other = "en" if language == "es" else "es"
    if word in stop_words(other):
        return None
    if other == "es":
        from .suggest import maybe_spanish  # the word lists live with "did you mean"

        if not maybe_spanish(word):
            return None
    form = stem_for(word, other)
    return form if form != stem_for(word, language) else None


def query_words(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """``[(word, parts), ...]``: the query's words in index form, each with its search-mode parts
    (empty for short or Latin words). Stop words are left out."""
    return [(word, parts) for _surface, word, parts in surface_query_words(text)]


def surface_query_words(text: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """Like ``query_words`` but each entry also carries the word as typed (for messages)."""
    return [(raw, word, parts) for raw, word, parts, _other in analysed_query(text)]


def analysed_query(text: str) -> list[tuple[str, str, tuple[str, ...], str | None]]:
    """``(word as typed, index form, search-mode parts, the other Latin language's form or None)``
    for each word of a query. The query's language decides its stop words and first form; the other
    form lets an English query find Spanish text and the reverse."""
    init_jieba()
    language = latin_language(text)
    words: list[tuple[str, str, tuple[str, ...], str | None]] = []
    seen = set()
    for raw, _start, _end in _tokens(text, search=False):
        word = normalise_word(raw, language)
        if word is None or word in seen:
            continue
        seen.add(word)
        parts: tuple[str, ...] = ()
        if has_cjk(word) and len(word) > 2:
            parts = tuple(p for p in dict.fromkeys(rjieba.cut_for_search(word, True))
                          if p != word and p not in ZH_QUERY_STOP_WORDS and p.strip())
        words.append((raw.strip(), word, parts, other_language_form(raw, language)))
    return words


def pinyin_key(text: str) -> str:
    """Toneless pinyin without spaces ("美沙酮" -> "meishatong"), for near-miss matching."""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text)).lower()


def init_pinyin() -> None:
    """Load pypinyin's dictionaries now (it loads them on first use, ~0.7 s): in a web worker as it
    starts, and before a rebuild forks its workers, which then inherit them."""
    pinyin_key("预热")
