"""`eval --assistant-context`: how much of what each question needs reaches the assistant's context.

Each dataset is imported into a fresh temporary data dir; for every question the context is built
exactly as for a real answer (Assistant.build_context with the configured budget) and scored:
context_recall is the mean fraction of the question's relevant messages present in the context;
token_ratio compares the context's tokens with the tokens of the whole history rendered the same way.

Earlier assistant answers in a dataset are imported as the dataset says (role "assistant"); they are
output, never evidence, so they are not part of any question's relevant set for context_recall
(the count left out is `relevant_assistant_excluded`) and `assistant_lines` counts any that reached a
context (it must be 0). `grounding` is the sentence-support check with a scripted model (evals.grounding).
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select

from collab_core.assistant.service import Assistant
from collab_core.assistant.values import ContextMessage
from collab_core.evals.grounding import grounding_scores
from collab_core.hub import Hub, assistant_for
from collab_core.memory.embeddings import Embedder, build_embedder
from collab_core.ops.datasets import Dataset, import_dataset, load_dataset
from collab_core.settings import Settings
from collab_core.store.schema import messages


@dataclass(frozen=True)
class QuestionScore:
    """One question's context: recall, tokens and build time."""

    id: str
    kind: str
    recall: float
    tokens: int
    missing: tuple[str, ...]
    ms: float
    assistant_lines: int = 0
    excluded: int = 0


def full_history_tokens(assistant: Assistant, hub: Hub, project_id: int) -> int:
    """Tokens of the whole project history rendered like context messages (the 'no retrieval' baseline)."""
    page = hub.messages.timeline(actor_id=None, project_id=project_id, limit=500)
    items = list(page.items)
    while len(items) < page.total:
        more = hub.messages.timeline(actor_id=None, project_id=project_id, offset=len(items), limit=500).items
        if not more:
            break
        items += more
    cms = [
        ContextMessage(m.id, m.author, m.created_at, m.content, 0.0, False, m.kind, m.role)
        for m in items
        if not m.is_deleted
    ]
    return assistant.count_tokens(assistant._render([], cms, []))


def score_dataset(assistant: Assistant, hub: Hub, project_id: int, dataset: Dataset) -> list[QuestionScore]:
    """Build the context for every question with relevant messages and score it."""
    ext, roles = _external_ids(hub, project_id)
    ai = {e for i, e in ext.items() if roles[i] == "assistant"}
    out: list[QuestionScore] = []
    for q in dataset.questions:
        relevant = set(q.relevant) - ai
        if not relevant:
            continue
        ctx = assistant.build_context(actor_id=None, project_id=project_id, question=q.query)
        present = {ext[i] for i in ctx.message_ids if i in ext}
        out.append(
            QuestionScore(
                id=q.id,
                kind=q.kind,
                recall=len(relevant & present) / len(relevant),
                tokens=ctx.tokens,
                missing=tuple(sorted(relevant - present)),
                ms=ctx.timings.get("total_ms", 0.0),
                assistant_lines=sum(1 for m in ctx.messages if m.role == "assistant"),
                excluded=len(set(q.relevant) & ai),
            )
        )
    return out


def _external_ids(hub: Hub, project_id: int) -> tuple[dict[int, str], dict[int, str]]:
    with hub.engine.connect() as conn:
        rows = conn.execute(
            select(messages.c.id, messages.c.external_id, messages.c.role).where(messages.c.project_id == project_id)
        ).all()
    return {r[0]: r[1] for r in rows}, {r[0]: r[2] for r in rows}


def grounding_for(assistant: Assistant, hub: Hub, project_id: int, dataset: Dataset) -> dict[str, Any]:
    """The scripted-model grounding check on one imported dataset."""
    ext, _ = _external_ids(hub, project_id)
    with hub.engine.connect() as conn:
        found = hub.messages.fetch(conn, list(ext))
    by_external = {ext[i]: (i, m.author, m.role, m.content) for i, m in found.items()}
    return grounding_scores(assistant.grounding_checker(project_id), dataset, by_external)


def evaluate_context(
    paths: Sequence[str | Path], *, settings: Settings, embedder: Embedder | None = None
) -> dict[str, Any]:
    """Score the assistant's context on each dataset (fresh temp data dir each); one summary dict."""
    embedder = embedder or build_embedder(settings)
    scores: list[QuestionScore] = []
    full_tokens: list[int] = []
    per_dataset: dict[str, dict[str, Any]] = {}
    grounding: dict[str, dict[str, Any]] = {}
    method = ""
    for path in paths:
        dataset = load_dataset(path)
        with tempfile.TemporaryDirectory(prefix="collab-eval-ctx-") as tmp:
            # No LLM is needed to build a context; the token counter still follows the configured model.
            hub = Hub.open(replace(settings, data_dir=Path(tmp), database_url=""), embedder=embedder)
            try:
                project_id, _ = import_dataset(hub, dataset, project_name=dataset.name)
                assistant = assistant_for(hub, llm=None)
                method = assistant.counter.method
                full = full_history_tokens(assistant, hub, project_id)
                ds_scores = score_dataset(assistant, hub, project_id, dataset)
                grounding[dataset.name] = grounding_for(assistant, hub, project_id, dataset)
            finally:
                hub.close()
        scores += ds_scores
        full_tokens += [full] * len(ds_scores)
        n = len(ds_scores)
        per_dataset[dataset.name] = {
            "questions": n,
            "context_recall": round(sum(s.recall for s in ds_scores) / n, 4) if n else 0.0,
            "context_tokens_mean": round(sum(s.tokens for s in ds_scores) / n, 1) if n else 0.0,
            "full_history_tokens": full,
            "assistant_lines": sum(s.assistant_lines for s in ds_scores),
            "grounding": grounding[dataset.name],
        }
    n = len(scores)
    if not n:
        return {
            "questions": 0,
            "context_recall": 0.0,
            "context_tokens_mean": 0.0,
            "full_history_tokens_mean": 0.0,
            "token_ratio": 0.0,
            "assistant_lines": 0,
        }
    ctx_mean = sum(s.tokens for s in scores) / n
    full_mean = sum(full_tokens) / n
    by_kind: dict[str, list[float]] = defaultdict(list)
    for s in scores:
        by_kind[s.kind].append(s.recall)
    ms = sorted(s.ms for s in scores)
    return {
        "datasets": len(per_dataset),
        "budget": settings.context_tokens,
        "token_count": method,
        "by_dataset": per_dataset,
        "by_kind": {k: {"n": len(v), "context_recall": round(sum(v) / len(v), 4)} for k, v in sorted(by_kind.items())},
        "build_ms_p50": round(ms[len(ms) // 2], 1),
        "questions": n,
        "context_recall": round(sum(s.recall for s in scores) / n, 4),
        "context_tokens_mean": round(ctx_mean, 1),
        "full_history_tokens_mean": round(full_mean, 1),
        "token_ratio": round(ctx_mean / full_mean, 4) if full_mean else 0.0,
        "assistant_lines": sum(s.assistant_lines for s in scores),
        "relevant_assistant_excluded": sum(s.excluded for s in scores),
        "grounding": _pooled(list(grounding.values())),
    }


def _pooled(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Grounding figures over every dataset (weighted by sentences)."""
    sup = sum(p["supported_sentences"] for p in parts)
    inv = sum(p["invented_sentences"] for p in parts)
    return {
        "supported_precision": round(sum(p["supported_precision"] * p["supported_sentences"] for p in parts) / sup, 4)
        if sup
        else 0.0,
        "unsupported_recall": round(sum(p["unsupported_recall"] * p["invented_sentences"] for p in parts) / inv, 4)
        if inv
        else 0.0,
        "supported_sentences": sup,
        "invented_sentences": inv,
    }
