"""Shared text helpers for the detectors: sentence splitting, key terms, Korean syllable morphology, overlap.

No morphology library: Korean verb endings are read from the Hangul syllable itself (a syllable's final
consonant carries the future '-ㄹ' of '-ㄹ게요' and the past '-ㅆ-' of '했어요'), which is exact and free.
Key terms are Latin words (lower-cased, crudely stemmed) plus Hangul character bigrams, so '요약카드' and
'요약 카드' share terms; a small loanword glossary lets 'modal' meet '모달' across languages.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

_HANGUL_BASE = 0xAC00
_JONG_RIEUL = 8  # final ㄹ: 할, 볼, 올릴 (future/intent '-ㄹ')
_JONG_SSANG = 20  # final ㅆ: 했, 었, 렸 (past '-ㅆ-')


def is_hangul(ch: str) -> bool:
    return "가" <= ch <= "힣"


def jong(ch: str) -> int:
    """Index of the final consonant of a Hangul syllable (0 = none), -1 for other characters."""
    if not is_hangul(ch):
        return -1
    return (ord(ch) - _HANGUL_BASE) % 28


def has_rieul_final(ch: str) -> bool:
    return jong(ch) == _JONG_RIEUL


# Syllables with final ㅆ that are not past tense: 있 (exist), 겠 (intent/conjecture).
_NOT_PAST = frozenset("있겠")


def has_korean_past(text: str) -> bool:
    """True when a word carries the past morpheme '-았/었/였-' (a syllable with final ㅆ other than 있/겠)."""
    return any(jong(ch) == _JONG_SSANG and ch not in _NOT_PAST for ch in text)


# Quoted spans are someone else's words, not the speaker's statement.
_QUOTES = re.compile(r"\"[^\"\n]*\"|“[^”\n]*”|「[^」\n]*」|『[^』\n]*』|^>.*$", re.M)


def strip_quotes(text: str) -> str:
    return _QUOTES.sub(" ", text)


# Sentence ends: newline, '.', '!', '?', '~' runs followed by space, or an emoji/laughter run followed by text.
_SPLIT = re.compile(r"(?<=[.!?。~])\s+|\n+|(?<=[ㅋㅎㅠㅜ]{2})\s+(?=\S)")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SPLIT.split(text) if s and s.strip()]


LAUGH = re.compile(r"[ㅋㅎ]{2,}|\blol\b|\blmao\b|\bhaha+\b|😂|🤣|😆", re.I | re.A)

# Loanwords and common project words written in either script; both sides map to one English key so a
# Korean message and an English task title (or the reverse) can share a term. General software vocabulary only.
GLOSSARY: dict[str, str] = {
    "모달": "modal",
    "디자인": "design",
    "테이블": "table",
    "배치": "batch",
    "파서": "parser",
    "스키마": "schema",
    "대시보드": "dashboard",
    "일러스트": "illustration",
    "스테이징": "staging",
    "배포": "deploy",
    "리뷰": "review",
    "테스트": "test",
    "시나리오": "scenario",
    "문서": "doc",
    "스펙": "spec",
    "권한": "permission",
    "로그인": "login",
    "세션": "session",
    "알림": "notification",
    "이메일": "email",
    "메일": "email",
    "환불": "refund",
    "필터": "filter",
    "페이지네이션": "pagination",
    "마이그레이션": "migration",
    "모니터링": "monitoring",
    "인덱스": "index",
    "파티셔닝": "partition",
    "캐시": "cache",
    "버그": "bug",
    "런북": "runbook",
    "가이드": "guide",
    "온보딩": "onboarding",
    "템플릿": "template",
    "차트": "chart",
    "카드": "card",
    "다운로드": "download",
}

_LATIN = re.compile(r"[a-z][a-z0-9_+]*(?:[./-][a-z0-9_]+)*|\d+(?:[./]\d+)?", re.I | re.A)
_HANGUL_RUN = re.compile(r"[가-힣]+")
_EN_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "to",
        "of",
        "for",
        "in",
        "on",
        "at",
        "by",
        "with",
        "from",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "i",
        "you",
        "we",
        "he",
        "she",
        "they",
        "me",
        "my",
        "our",
        "your",
        "us",
        "will",
        "would",
        "can",
        "could",
        "should",
        "shall",
        "do",
        "does",
        "did",
        "done",
        "have",
        "has",
        "had",
        "not",
        "no",
        "yes",
        "so",
        "just",
        "still",
        "also",
        "too",
        "up",
        "out",
        "about",
        "into",
        "as",
        "if",
        "then",
        "than",
        "but",
        "all",
        "any",
        "some",
        "more",
        "most",
        "very",
        "ok",
        "okay",
        "sure",
        "yep",
        "yeah",
        "thanks",
        "thank",
        "please",
        "pls",
        "let",
        "lets",
        "get",
        "got",
        "one",
        "ll",
        "re",
        "ve",
        "d",
        "s",
        "t",
        "m",
        "now",
        "today",
        "tomorrow",
    ]
)
# Frequent Korean function syllable pairs that carry no subject (particles, endings, fillers).
_KO_STOP = frozenset(
    [
        "니다",
        "습니",
        "어요",
        "아요",
        "해요",
        "게요",
        "세요",
        "드려",
        "려요",
        "에요",
        "이에",
        "예요",
        "했어",
        "했습",
        "합니",
        "하고",
        "하는",
        "해서",
        "하면",
        "에서",
        "으로",
        "까지",
        "부터",
        "입니",
        "있어",
        "있습",
        "없어",
        "그럼",
        "근데",
        "그리",
        "이번",
        "다음",
        "오늘",
        "내일",
        "제가",
        "저는",
        "우리",
        "혹시",
        "일단",
        "아직",
        "지금",
        "정도",
        "같아",
        "같은",
        "것",
        "님이",
        "님은",
        "님께",
        "님한",
        "한테",
        "에게",
        "이랑",
        "랑은",
        "하죠",
        "하기",
        "되는",
        "됐어",
        "봐요",
        "볼게",
        "할게",
        "릴게",
        "드릴",
    ]
)


def _stem(word: str) -> str:
    for suf in ("ing", "ed", "es", "s"):
        if word.endswith(suf) and len(word) - len(suf) >= 4:
            return word[: -len(suf)]
    return word


def terms(text: str) -> set[str]:
    """Key terms of a text: stemmed Latin words, Hangul bigrams (and one-syllable words), glossary keys."""
    low = text.lower()
    out: set[str] = set()
    for w in _LATIN.findall(low):
        if w in _EN_STOP or len(w) < 2:
            continue
        out.add(GLOSSARY.get(w, _stem(w)))
    for run in _HANGUL_RUN.findall(text):
        for ko, en in GLOSSARY.items():
            if ko in run:
                out.add(en)
                run = run.replace(ko, " ")  # a loanword counts once, not as three bigrams
        for part in run.split():
            for i in range(len(part) - 1):
                bg = part[i : i + 2]
                if bg not in _KO_STOP:
                    out.add(bg)
    return out


_PRIOR_DOCS = 50
_PRIOR_RATE = 0.005


class TermWeights:
    """Inverse document frequency over a corpus, so domain words that appear everywhere weigh little."""

    def __init__(self, docs: Iterable[str]) -> None:
        self.df: dict[str, int] = {}
        self.n = 0
        for doc in docs:
            self.n += 1
            for t in terms(doc):
                self.df[t] = self.df.get(t, 0) + 1

    def weight(self, term: str) -> float:
        # document frequency smoothed toward a rare-word prior (50 pseudo-documents at 0.5 %), so a small or new
        # project gives a distinctive word about the weight a large one does, instead of near zero
        w = -math.log((self.df.get(term, 0) + _PRIOR_DOCS * _PRIOR_RATE) / (self.n + _PRIOR_DOCS))
        # a Hangul bigram is half a word: a three-syllable word yields two bigrams that always co-occur
        return w / 2 if is_hangul(term[0]) else w

    def overlap(self, a: set[str], b: set[str]) -> float:
        """Weighted overlap coefficient: shared weight over the lighter side's weight (0..1)."""
        if not a or not b:
            return 0.0
        shared = sum(self.weight(t) for t in a & b)
        base = min(sum(self.weight(t) for t in a), sum(self.weight(t) for t in b))
        return shared / base if base > 0 else 0.0

    def shared(self, a: set[str], b: set[str]) -> float:
        return sum(self.weight(t) for t in a & b)

    def coverage(self, text_terms: set[str], target: set[str]) -> float:
        """How much of `target`'s weight `text_terms` covers (0..1)."""
        total = sum(self.weight(t) for t in target)
        return self.shared(text_terms, target) / total if total > 0 else 0.0
