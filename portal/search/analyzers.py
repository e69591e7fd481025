"""The bilingual analyzer. Its import path is pickled into the Whoosh schema, so this module must
stay where it is.

Chinese is segmented with jieba in search mode (long words and their parts), English and pinyin are
lower-cased and stemmed. We avoid ``jieba.analyse.ChineseAnalyzer``: importing it loads keyword
extraction data (+0.4 s, +100 MB) on every index open.
"""
from __future__ import annotations

import re
import threading
from functools import lru_cache

import jieba
from whoosh.analysis import Token, Tokenizer

_WORD = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
# Text is cut into runs of Chinese characters (segmented by jieba) and everything else (split on
# word characters by a regular expression: ~10x faster than passing Latin text through jieba).
_RUNS = re.compile(r"[\u4e00-\u9fff]+|[^\u4e00-\u9fff]+")
_LATIN_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ready = threading.Lock()
_initialised = False

# Domain words jieba's general dictionary splits badly.
DOMAIN_WORDS = (
    "美沙酮", "丁丙诺啡", "纳曲酮", "喘息服务", "美沙酮门诊", "冰毒", "甲基苯丙胺", "海洛因", "戒毒", "脱毒",
    "社区戒毒", "社区康复", "禁毒社工", "同伴支持", "互助小组", "复吸", "预防复吸", "精神分裂症", "双相情感障碍",
    "日间照料", "康复站", "职业康复", "辅助性就业", "支持性就业", "照料者", "家属培训", "危机干预", "心理热线",
    "减害", "针具交换", "艾滋病检测", "丙肝检测", "共病", "流浪人员", "少数民族", "孕产妇", "青少年",
)


def init_jieba(cache_dir: str | None = None) -> None:
    """Load jieba's dictionary once (~0.5 s): call at start-up, not inside a request."""
    global _initialised
    with _ready:
        if _initialised:
            return
        if cache_dir:
            jieba.dt.tmp_dir = cache_dir
        jieba.setLogLevel(60)
        jieba.initialize()
        for word in DOMAIN_WORDS:
            jieba.add_word(word, freq=20000)
        _initialised = True


def _tokens(text: str, search: bool):
    """(word, start, end): jieba for Chinese runs (search mode: long words and their parts),
    a regular expression for the rest."""
    for run in _RUNS.finditer(text):
        offset = run.start()
        if _CJK.match(run.group(0)):
            if search:
                for word, start, end in jieba.tokenize(run.group(0), mode="search"):
                    yield word, offset + start, offset + end
            else:
                position = offset
                for word in jieba.cut(run.group(0)):
                    yield word, position, position + len(word)
                    position += len(word)
        else:
            for match in _LATIN_TOKEN.finditer(run.group(0)):
                yield match.group(0), offset + match.start(), offset + match.end()


class FusedBilingualAnalyzer(Tokenizer):
    """jieba search-mode segmentation, lower-casing, English stop words and stemming in one pass.

    The same result as a tokenizer followed by Whoosh's Lowercase, Stop and Stem filters, about
    twice as fast: Whoosh's filter chain costs a generator step per token per filter, and indexing
    is bound by this loop (100k services). Short values (organisation names, places, labels) repeat
    across services, so their tokens are remembered."""

    _memo: dict = {}
    _stems: dict = {}

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def _words(self, value: str) -> tuple:
        memo = FusedBilingualAnalyzer._memo
        found = memo.get(value)
        if found is not None:
            return found
        stems, stop = FusedBilingualAnalyzer._stems, english_stop_words()
        words = []
        for word, start, end in _tokens(value, search=True):
            word = word.strip()
            if not word or not _WORD.search(word):
                continue
            if word.isascii():
                word = word.lower()
                if word in stop:
                    words.append((word, start, end, True))
                    continue
                stemmed = stems.get(word)
                if stemmed is None:
                    if len(stems) > 100_000:
                        stems.clear()
                    stemmed = stems[word] = stem_word(word)
                word = stemmed
            words.append((word, start, end, False))
        found = tuple(words)
        if len(value) <= 300:
            if len(memo) > 50_000:
                memo.clear()
            memo[value] = found
        return found

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        init_jieba()
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        pos = start_pos
        for word, start, end, stopped in self._words(value):
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

_ENGLISH_STOP = None


def english_stop_words() -> frozenset:
    global _ENGLISH_STOP
    if _ENGLISH_STOP is None:
        from whoosh.analysis import STOP_WORDS

        _ENGLISH_STOP = frozenset(STOP_WORDS)
    return _ENGLISH_STOP


@lru_cache(maxsize=100_000)  # indexing a directory stems the same few thousand words again and again
def stem_word(word: str) -> str:
    from whoosh.lang.porter import stem

    return stem(word)


def normalise_word(word: str) -> str | None:
    """One query word as the index holds it: lower-cased, stemmed if Latin; None for stop words."""
    word = word.strip().lower()
    if not word or not _WORD.search(word):
        return None
    if has_cjk(word):
        return None if word in ZH_QUERY_STOP_WORDS else word
    if word in english_stop_words():
        return None
    return stem_word(word)


def query_words(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """``[(word, parts), ...]``: the query's words in index form, each with its search-mode parts
    (empty for short or Latin words). Stop words are left out."""
    return [(word, parts) for _surface, word, parts in surface_query_words(text)]


def surface_query_words(text: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """Like ``query_words`` but each entry also carries the word as typed (for messages)."""
    init_jieba()
    words: list[tuple[str, str, tuple[str, ...]]] = []
    seen = set()
    for raw, _start, _end in _tokens(text, search=False):
        word = normalise_word(raw)
        if word is None or word in seen:
            continue
        seen.add(word)
        parts: tuple[str, ...] = ()
        if has_cjk(word) and len(word) > 2:
            parts = tuple(p for p in dict.fromkeys(jieba.cut_for_search(word))
                          if p != word and p not in ZH_QUERY_STOP_WORDS and p.strip())
        words.append((raw.strip(), word, parts))
    return words


def pinyin_key(text: str) -> str:
    """Toneless pinyin without spaces ("美沙酮" -> "meishatong"), for near-miss matching."""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text)).lower()
