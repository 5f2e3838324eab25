"""Grounding: does each sentence of an answer rest on what it cites?

Every sentence of a generated answer is checked. A sentence without a citation is unsupported unless
it only says that the context has no answer, is a heading, or restates a line of the project state
(task board, meeting decisions). A cited sentence is checked against the cited messages with two
principled features:

- specifics: the numbers, dates and project members it names must appear in a cited message (or its
  author, or the question); a sentence that brings in a new date or person is not supported by its
  citation, however similar it sounds;
- meaning: the embedder's similarity between the sentence and its best cited message, or the share of
  its words that the message contains.

The thresholds were calibrated with `eval --assistant-context` (the "grounding" figures) on the team
dataset; see SUPPORTED_SIM and WEAK_SIM.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from collab_core.memory.query import mentioned_people
from collab_core.memory.text import STOPWORDS, tokenize

# Cosine similarity (multilingual-e5-small, sentence as query, message as passage) at or above which a
# cited sentence counts as supported, and below which a citation is too weak to count at all.
SUPPORTED_SIM = 0.84
WEAK_SIM = 0.80
# Share of the sentence's content terms found in the cited message that supports it on words alone.
SUPPORTED_OVERLAP = 0.6

_CITE = re.compile(r"\[#(\d+)\]")
_SPLIT = re.compile(r"(?<=[.!?。])(?:\s*(?:\[#\d+\])+)?\s+|\n+")
_NO_ANSWER = re.compile(
    r"(could ?n[o']t|can ?n[o']t|can't|unable to) find|no (information|mention|record)|not (in|mentioned in|covered by) "
    r"the (context|messages|project)|does ?n[o']t (say|mention)|찾지 못|찾을 수 없|정보가 없|언급(이|은|된 (내용|것)이) 없|"
    r"확인되지 않|나와 있지 않|기록이 없",
    re.I,
)
_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        ["jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july", "aug august",
         "sep sept september", "oct october", "nov november", "dec december"]
    )
    for m in names.split()
}  # fmt: skip
_MONTH_WORD = re.compile(r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?\b", re.I)
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class SentenceCheck:
    """One sentence of an answer: where it is, what it cites and whether that supports it."""

    start: int
    end: int
    text: str
    cited: tuple[int, ...]
    status: str  # supported | weak | unsupported | neutral (a heading or "the context does not say")
    score: float
    reason: str  # "", "no citation", "new specifics", "not similar"


@dataclass(frozen=True)
class Grounding:
    """The checks of one answer; `supported` of `claims` sentences rest on their sources."""

    sentences: tuple[SentenceCheck, ...]

    @property
    def claims(self) -> int:
        return sum(1 for s in self.sentences if s.status != "neutral")

    @property
    def supported(self) -> int:
        return sum(1 for s in self.sentences if s.status == "supported")

    @property
    def unsupported(self) -> int:
        return sum(1 for s in self.sentences if s.status == "unsupported")

    def to_meta(self) -> dict[str, object]:
        """The form kept in the answer's meta (what the page needs to mark sentences)."""
        return {
            "supported": self.supported,
            "claims": self.claims,
            "sentences": [
                {"start": s.start, "end": s.end, "status": s.status, "cited": list(s.cited), "score": round(s.score, 3)}
                for s in self.sentences
            ],
        }


@dataclass(frozen=True)
class Source:
    """A message an answer may cite: its author and text."""

    author: str
    content: str


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences of a text; citations right after a full stop stay with their sentence."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _SPLIT.finditer(text):
        end = m.start() + len(m.group(0).rstrip())
        if text[pos:end].strip():
            spans.append((pos, end))
        pos = m.end()
    if text[pos:].strip():
        spans.append((pos, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        out.append((s, e))
    return out


def numbers_in(text: str) -> set[str]:
    """Numbers a text names, month names as their number ("March 20", "3월 20일", "3/20" -> {"3", "20"})."""
    text = unicodedata.normalize("NFKC", text)
    text = _MONTH_WORD.sub(lambda m: f" {_MONTHS[m.group(1).lower()]} ", text)
    return {str(int(d)) for d in _DIGITS.findall(text) if len(d) <= 6}


def _terms(text: str) -> set[str]:
    return {t for t in tokenize(text) if t not in STOPWORDS and (len(t) >= 2 or not t.isascii())}


def _plain(sentence: str) -> str:
    """The sentence without its citation markers and list bullets."""
    return re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", _CITE.sub("", sentence)).strip()


class GroundingChecker:
    """Checks answers against their sources. `embed(sentences, passages)` gives unit vectors (or is None)."""

    def __init__(
        self,
        *,
        names: Mapping[str, int],
        embed: Callable[[Sequence[str], Sequence[str]], tuple[np.ndarray, np.ndarray]] | None = None,
    ) -> None:
        self.names = dict(names)
        self.embed = embed

    def _people(self, text: str) -> set[int]:
        return mentioned_people(text, self.names) if self.names else set()

    def check(
        self, text: str, *, sources: Mapping[int, Source], question: str = "", state: Sequence[str] = ()
    ) -> Grounding:
        spans = split_sentences(text)
        plain = [_plain(text[s:e]) for s, e in spans]
        cited = [tuple(dict.fromkeys(int(x) for x in _CITE.findall(text[s:e]) if int(x) in sources)) for s, e in spans]
        # One embedding call for all sentences and every source they cite.
        used = sorted({i for c in cited for i in c})
        sims: dict[tuple[int, int], float] = {}
        if self.embed is not None and used:
            targets = [k for k, c in enumerate(cited) if c and plain[k]]
            if targets:
                q, p = self.embed([plain[k] for k in targets], [sources[i].content for i in used])
                matrix = q @ p.T
                for row, k in enumerate(targets):
                    for col, i in enumerate(used):
                        sims[(k, i)] = float(matrix[row, col])
        q_numbers, q_people = numbers_in(question), self._people(question)
        state_text = "\n".join(state)
        out: list[SentenceCheck] = []
        for k, (s, e) in enumerate(spans):
            sentence, ids = plain[k], cited[k]
            if len(re.sub(r"\W", "", sentence)) < 4 or (sentence.endswith(":") and not ids):
                out.append(SentenceCheck(s, e, text[s:e], ids, "neutral", 0.0, ""))
                continue
            if not ids:
                if _NO_ANSWER.search(sentence):
                    out.append(SentenceCheck(s, e, text[s:e], ids, "neutral", 0.0, ""))
                elif state_text and self._restates(sentence, state_text, q_numbers, q_people):
                    out.append(SentenceCheck(s, e, text[s:e], ids, "supported", 1.0, "board"))
                else:
                    out.append(SentenceCheck(s, e, text[s:e], ids, "unsupported", 0.0, "no citation"))
                continue
            out.append(self._check_cited(k, s, e, text[s:e], sentence, ids, sources, sims, q_numbers, q_people))
        return Grounding(tuple(out))

    def _new_specifics(self, sentence: str, evidence: str, q_numbers: set[str], q_people: set[int]) -> bool:
        """Numbers, dates or members the sentence names that neither the evidence nor the question holds."""
        if numbers_in(sentence) - numbers_in(evidence) - q_numbers:
            return True
        return bool(self._people(sentence) - self._people(evidence) - q_people)

    def _restates(self, sentence: str, state: str, q_numbers: set[str], q_people: set[int]) -> bool:
        terms = _terms(sentence)
        if not terms or self._new_specifics(sentence, state, q_numbers, q_people):
            return False
        return len(terms & _terms(state)) / len(terms) >= SUPPORTED_OVERLAP

    def _check_cited(
        self,
        k: int,
        s: int,
        e: int,
        raw: str,
        sentence: str,
        ids: tuple[int, ...],
        sources: Mapping[int, Source],
        sims: Mapping[tuple[int, int], float],
        q_numbers: set[str],
        q_people: set[int],
    ) -> SentenceCheck:
        evidence = "\n".join(f"{sources[i].author}: {sources[i].content}" for i in ids)
        if self._new_specifics(sentence, evidence, q_numbers, q_people):
            return SentenceCheck(s, e, raw, ids, "unsupported", 0.0, "new specifics")
        terms = _terms(sentence)
        overlap = max((len(terms & _terms(sources[i].content)) / len(terms) for i in ids), default=0.0) if terms else 0
        sim = max((sims.get((k, i), 0.0) for i in ids), default=0.0)
        if self.embed is None:
            sim = overlap  # words alone when there is no embedder
        score = max(sim, overlap if overlap >= SUPPORTED_OVERLAP else 0.0)
        if sim >= SUPPORTED_SIM or overlap >= SUPPORTED_OVERLAP:
            return SentenceCheck(s, e, raw, ids, "supported", score, "")
        if sim >= WEAK_SIM:
            return SentenceCheck(s, e, raw, ids, "weak", score, "not similar")
        return SentenceCheck(s, e, raw, ids, "unsupported", score, "not similar")


def embedder_pair(embedder: object) -> Callable[[Sequence[str], Sequence[str]], tuple[np.ndarray, np.ndarray]]:
    """The checker's embed function over one of our embedders (sentences as queries, messages as passages)."""

    def unit(m: np.ndarray) -> np.ndarray:
        m = np.asarray(m, dtype=np.float32)
        if m.ndim == 1:
            m = m[None, :]
        return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)

    def embed(sentences: Sequence[str], passages: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        q = unit(np.vstack([embedder.embed_query(x) for x in sentences]))  # type: ignore[attr-defined]
        p = unit(embedder.embed_passages(list(passages)))  # type: ignore[attr-defined]
        return q, p

    return embed
