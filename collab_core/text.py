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

from .errors import ValidationError

MAX_MESSAGE_CHARS = 8000

# C0/C1 control characters except tab and newline; carriage returns are normalised to newlines first.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_content(content: object, *, max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """Validate and clean a message body; raise ValidationError with the rule that failed."""
    if not isinstance(content, str):
        raise ValidationError("A message must be text.")
    text = content.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    if not text.strip():
        raise ValidationError("A message cannot be empty.", hint="Type something before sending.")
    if len(text) > max_chars:
        raise ValidationError(
            f"A message can be at most {max_chars:,} characters; this one has {len(text):,}.",
            hint="Split it into several messages or attach a summary.",
        )
    return text


def clean_name(value: object, *, what: str, max_chars: int = 64) -> str:
    """Validate a short single-line name (user, project): trimmed, no control characters."""
    if not isinstance(value, str):
        raise ValidationError(f"The {what} must be text.")
    text = _CONTROL.sub("", value.replace("\n", " ").replace("\r", " ").replace("\t", " ")).strip()
    text = re.sub(r"\s+", " ", text)
    if not text:
        raise ValidationError(f"The {what} cannot be empty.")
    if len(text) > max_chars:
        raise ValidationError(f"The {what} can be at most {max_chars} characters.")
    return text


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


def index_terms(text: str) -> str:
    """The space-joined terms stored in the keyword index for a message."""
    return " ".join(tokenize(text))
