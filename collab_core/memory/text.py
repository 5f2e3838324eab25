"""Message text rules (validation, cleaning) and the keyword-side tokeniser shared by indexing and queries.

Korean has no spaces between a noun and its particles (일정은, 배포를), so Hangul and other CJK runs are
indexed as overlapping character bigrams: a two-syllable query word is then one exact term. Latin words
are lower-cased and stemmed (Snowball English) so "deploys" finds "deployment".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

from collab_core import validation
from collab_core.errors import ValidationError
from collab_core.validation import normalize_text

MAX_MESSAGE_CHARS = 8000


_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str) -> str:
    """'ko' when the text is mostly Hangul (by letters), else 'en'."""
    ko = len(_HANGUL.findall(text))
    en = len(_LATIN.findall(text))
    return "ko" if ko and ko * 3 >= en else "en"


def clean_content(content: object, *, max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """Validate and clean a message body (the text rule of collab_core.validation); ValidationError says which rule failed."""
    if not isinstance(content, str):
        raise ValidationError("A message must be text.")
    if len(content) > max_chars * 4 + 64:  # refused before any work on a huge value
        raise ValidationError(
            f"A message can be at most {max_chars:,} characters; this one has {len(content):,}.",
            hint="Split it into several messages or attach a summary.",
        )
    text = normalize_text(content)
    if not text.strip():
        raise ValidationError("A message cannot be empty.", hint="Type something before sending.")
    if len(text) > max_chars:
        raise ValidationError(
            f"A message can be at most {max_chars:,} characters; this one has {len(text):,}.",
            hint="Split it into several messages or attach a summary.",
        )
    return text


def clean_name(value: object, *, what: str, max_chars: int = 64) -> str:
    """Validate a short single-line name (user, project): the name rule of collab_core.validation."""
    return validation.name(value, field=what, max_chars=max_chars)


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (
        0xAC00 <= o <= 0xD7A3  # Hangul syllables
        or 0x1100 <= o <= 0x11FF  # Hangul jamo
        or 0x3130 <= o <= 0x318F  # Hangul compatibility jamo
        or 0x4E00 <= o <= 0x9FFF  # CJK unified ideographs
        or 0x3400 <= o <= 0x4DBF
        or 0x3040 <= o <= 0x30FF  # Hiragana, Katakana
    )


_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Frequent English function words: they carry no topic and only add noise to BM25.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "then",
        "so",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "done",
        "have",
        "has",
        "had",
        "having",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "i",
        "me",
        "my",
        "we",
        "our",
        "us",
        "you",
        "your",
        "he",
        "him",
        "his",
        "she",
        "her",
        "they",
        "them",
        "their",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "not",
        "no",
        "yes",
        "can",
        "could",
        "will",
        "would",
        "shall",
        "should",
        "may",
        "might",
        "must",
        "about",
        "into",
        "over",
        "after",
        "before",
        "than",
        "too",
        "very",
        "just",
        "also",
        "up",
        "down",
        "out",
        "off",
        "again",
        "any",
        "all",
        "each",
        "some",
        "such",
        "only",
        "own",
        "same",
        "both",
        "few",
        "more",
        "most",
        "other",
        "s",
        "t",
        "don",
    ]
)

_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _stemmer.stemWord(word)


def tokenize(text: str) -> list[str]:
    """Keyword terms of a text: CJK bigrams (unigram for a lone syllable) and stemmed Latin words."""
    text = unicodedata.normalize("NFKC", text).lower()
    terms: list[str] = []
    for match in _WORD.finditer(text):
        token = match.group(0)
        # Split a mixed token (e.g. "api를") into its CJK and non-CJK runs.
        run: list[str] = []
        run_cjk: bool | None = None
        for ch in token + " ":
            cjk = _is_cjk(ch) if ch != " " else None
            if run and (cjk != run_cjk):
                chunk = "".join(run)
                if run_cjk:
                    if len(chunk) == 1:
                        terms.append(chunk)
                    else:
                        terms.extend(chunk[i : i + 2] for i in range(len(chunk) - 1))
                elif chunk not in STOPWORDS:
                    terms.append(_stem(chunk) if chunk.isalpha() else chunk)
                run = []
            if ch != " ":
                run.append(ch)
                run_cjk = cjk
    return terms


def _words(spaced: str) -> list[str]:
    return spaced.split()


# Korean question and function words: like the English stop words, they carry no topic, and as bigrams
# (누가, 언제, 대해) they match unrelated messages.
KO_STOPWORDS = frozenset(
    _words(
        "누가 누구 누군 뭐 뭐가 뭐로 뭐라 뭐라고 무엇 무슨 어떤 어떻게 어땠 어땠어 언제 어디 어디서 왜 몇 얼마 얼마나 "
        "대해 대해서 대한 관련 그리고 그런데 근데 그냥 혹시 이거 그거 저거 이것 그것 우리 저희 제가 내가 있어 있었 있었어 "
        "했어 했어요 했나요 해요 해줘 했지 됐어 됐나 됐나요 인가요 이야 이에요 예요 하는 하고 하기"
    )
)

# Particles and verb endings that attach to a Korean word (longest first). A query word is cut before
# one of them so "화면에서" searches 화면, and "표시하기로" searches 표시, instead of adding bigrams such
# as 면에/에서/기로 that match every message with the same grammar.
_KO_ENDINGS = sorted(
    _words(
        "이 가 은 는 을 를 의 에 에서 에게 한테 께서 으로 로 와 과 랑 이랑 하고 도 만 까지 부터 보다 처럼 마다 "
        "에는 에도 에서는 으로는 로는 이라고 라고 이나 나 요 어요 아요 해요 했어요 했어 했나요 했니 했죠 했다 "
        "한다 해줘 해주세요 하기로 하기 하는 한 할 됐어 됐어요 됐나요 됐다 되었어 되었 된 될 이에요 예요 이야 야 "
        "인가요 였어요 였어 였나요 였죠 었어 었어요 았어 았어요 나요 죠 까요 이었어 이었어요 였다 었다"
    ),
    key=len,
    reverse=True,
)


# One-syllable endings that are also the last syllable of many nouns (속도, 아이, 휴가): cut them only
# from longer words, so 재시도 stays whole while 에밀리가 becomes 에밀리.
_KO_AMBIGUOUS = frozenset(_words("이 가 도 나 야 한 할 된 될"))


def _ko_stem(word: str) -> str:
    for ending in _KO_ENDINGS:
        if word.endswith(ending):
            keep = len(word) - len(ending)
            return word[:keep] if keep >= (3 if ending in _KO_AMBIGUOUS else 2) else word
    return word


def query_terms(query: str) -> list[str]:
    """Keyword terms of a search query: like tokenize(), but Korean words lose their particles and
    endings and Korean question words are dropped (the index side keeps every bigram, so the stem's
    bigrams still match)."""
    text = unicodedata.normalize("NFKC", query).lower()
    terms: list[str] = []
    for word in text.split():
        if any(_is_cjk(ch) for ch in word):
            parts = []
            for m in re.finditer(r"[가-힣]+|[^가-힣]+", word):
                part = m.group(0)
                if "가" <= part[0] <= "힣":
                    if m.start() > 0 and part in _KO_ENDINGS:
                        continue  # a particle on a Latin word: "Daniel이", "API를"
                    part = "" if part in KO_STOPWORDS else _ko_stem(part)
                    part = "" if part in KO_STOPWORDS else part
                parts.append(part)
            terms.extend(tokenize(" ".join(parts)))
        else:
            terms.extend(tokenize(word))
    return terms


def index_terms(text: str) -> str:
    """The space-joined terms stored in the keyword index for a message."""
    return " ".join(tokenize(text))
