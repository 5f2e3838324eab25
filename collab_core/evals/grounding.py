"""The grounding check of `eval --assistant-context`, with a scripted model.

For each question the scripted model writes an answer from the question's relevant messages (one
sentence per message, citing it) plus one invented sentence that also carries a citation, so only the
support check (not a missing citation) can catch it. The invented sentences come in three kinds, in
turn: a cited fact with one number changed, a cited fact attributed to another member, and a claim
from a message about another question. The supported sentences quote the clause of their message
that best matches the question, so they are close to the message's wording; a real model paraphrases
more, which the similarity threshold has to allow for.

supported_precision is the share of supported sentences the check accepts; unsupported_recall the
share of invented sentences it flags (unsupported or weakly supported).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from collab_core.assistant.grounding import GroundingChecker, Source, numbers_in, split_sentences
from collab_core.memory.text import detect_language, tokenize
from collab_core.ops.datasets import Dataset

_EMOJI = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]")


@dataclass(frozen=True)
class Scripted:
    """One scripted answer: its text and, per sentence, whether it was invented."""

    text: str
    invented: tuple[bool, ...]
    kind: str


def best_clause(content: str, question: str) -> str:
    """The sentence of a message sharing most terms with the question (emoji and trailing punctuation removed)."""
    parts = [p.strip() for p in re.split(r"(?<=[.!?。])\s+|\n+", _EMOJI.sub("", content)) if len(p.strip()) > 3]
    if not parts:
        return _EMOJI.sub("", content).strip()
    q = set(tokenize(question))
    best = max(parts, key=lambda p: (len(q & set(tokenize(p))), len(p)))
    return best.rstrip(" .!?~")[:220]


def _say(author: str, clause: str, mid: int) -> str:
    if detect_language(clause) == "ko":
        return f"{author}에 따르면 {clause} [#{mid}]."
    return f"According to {author}, {clause} [#{mid}]."


def _change_a_number(clause: str) -> str | None:
    nums = list(re.finditer(r"\d+", clause))
    if not nums:
        return None
    m = nums[-1]
    value = int(m.group(0))
    new = value + 2 if value < 27 else value - 3
    return clause[: m.start()] + str(new) + clause[m.end() :]


def script_answer(
    k: int,
    question: str,
    relevant: Sequence[tuple[int, str, str]],
    others: Sequence[tuple[int, str, str]],
    members: Sequence[str],
) -> Scripted:
    """The answer for question number k from (id, author, content) of its relevant messages."""
    sentences: list[str] = []
    invented: list[bool] = []
    for mid, author, content in relevant[:3]:
        sentences.append(_say(author, best_clause(content, question), mid))
        invented.append(False)
    mid, author, content = relevant[0]
    clause = best_clause(content, question)
    kind = ("number", "person", "unrelated")[k % 3]
    fake: str | None = None
    if kind == "number":
        changed = _change_a_number(clause)
        fake = _say(author, changed, mid) if changed else None
        kind = "number" if fake else "person"
    if fake is None and kind == "person":
        names_here = {author.casefold()} | {w.casefold() for w in re.findall(r"\w+", content)}
        other = next((m for m in members if m.casefold() not in names_here), None)
        if other is not None:
            fake = _say(other, clause, mid)
        else:
            kind = "unrelated"
    if fake is None:
        _, _, theirs = others[k % len(others)]
        fake = _say(author, best_clause(theirs, theirs), mid)
        kind = "unrelated"
    sentences.append(fake)
    invented.append(True)
    return Scripted(" ".join(sentences), tuple(invented), kind)


def grounding_scores(
    checker: GroundingChecker,
    dataset: Dataset,
    by_external: Mapping[str, tuple[int, str, str, str]],
) -> dict[str, Any]:
    """Run the scripted answers through the checker; by_external maps a dataset id to (id, author, role, content)."""
    usable = []
    for q in dataset.questions:
        rel = [by_external[x] for x in q.relevant if x in by_external and by_external[x][2] != "assistant"]
        if rel:
            usable.append((q, [(i, a, c) for i, a, _, c in rel]))
    members = [str(m.get("name", "")) for m in dataset.members if m.get("name")]
    accepted = supported = flagged = invented_n = 0
    by_kind: dict[str, list[int]] = {}
    for k, (q, rel) in enumerate(usable):
        relevant_ids = {i for i, _, _ in rel}
        others = [
            r
            for _, orel in usable
            for r in orel
            if r[0] not in relevant_ids and not (numbers_in(r[2]) & numbers_in(" ".join(c for _, _, c in rel)))
        ] or [r for _, orel in usable for r in orel if r[0] not in relevant_ids]
        answer = script_answer(k, q.query, rel, others, members)
        sources = {i: Source(a, c) for i, a, c in rel}
        result = checker.check(answer.text, sources=sources, question=q.query)
        spans = split_sentences(answer.text)
        if len(spans) != len(answer.invented):  # a clause that split in two: judge the sentences by their citation
            continue
        for check, fake in zip(result.sentences, answer.invented, strict=True):
            if fake:
                invented_n += 1
                caught = check.status in ("unsupported", "weak")
                flagged += caught
                by_kind.setdefault(answer.kind, [0, 0])
                by_kind[answer.kind][0] += caught
                by_kind[answer.kind][1] += 1
            else:
                supported += 1
                accepted += check.status == "supported"
    return {
        "questions": len(usable),
        "supported_sentences": supported,
        "invented_sentences": invented_n,
        "supported_precision": round(accepted / supported, 4) if supported else 0.0,
        "unsupported_recall": round(flagged / invented_n, 4) if invented_n else 0.0,
        "unsupported_recall_by_kind": {k: round(v[0] / v[1], 4) for k, v in sorted(by_kind.items())},
    }
