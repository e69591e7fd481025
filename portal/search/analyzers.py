"""The bilingual analyzer. Its import path is pickled into the Whoosh schema, so this module must
stay where it is.

Chinese is segmented with jieba in search mode (long words and their parts), English and pinyin are
lower-cased and stemmed. We avoid ``jieba.analyse.ChineseAnalyzer``: importing it loads keyword
extraction data (+0.4 s, +100 MB) on every index open.
"""
from __future__ import annotations

import re
import threading

import jieba
from whoosh.analysis import LowercaseFilter, StemFilter, StopFilter, Token, Tokenizer

_WORD = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
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


class BilingualTokenizer(Tokenizer):
    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        init_jieba()
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        pos = start_pos
        for word, start, end in jieba.tokenize(value, mode="search"):
            word = word.strip()
            if not word or not _WORD.search(word):
                continue
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = pos
                pos += 1
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


def BilingualAnalyzer():
    # StemFilter only changes ASCII words; Chinese tokens pass through unchanged.
    return BilingualTokenizer() | LowercaseFilter() | StopFilter(minsize=1) | StemFilter(cachesize=50000)


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text or ""))
