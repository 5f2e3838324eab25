"""`eval`: recall@k of the hybrid search on datasets in the shared format, each in a fresh data dir."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import select

from collab_core.hub import Hub
from collab_core.memory.embeddings import Embedder, build_embedder
from collab_core.ops.datasets import import_dataset, load_dataset
from collab_core.settings import Settings
from collab_core.store.schema import messages


def evaluate(
    paths: Sequence[str | Path],
    *,
    settings: Settings,
    ks: Sequence[int] = (5, 10, 20),
    embedder: Embedder | None = None,
    progress: Any = None,
) -> dict[str, Any]:
    """Import each dataset into a temporary data dir and score every question through SearchService."""
    embedder = embedder or build_embedder(settings)
    ks = sorted(set(ks) | {10})
    depth = max(ks)
    recalls: dict[int, list[float]] = defaultdict(list)
    rr: list[float] = []
    by_kind: dict[str, list[float]] = defaultdict(list)
    n_datasets = 0
    for path in paths:
        dataset = load_dataset(path)
        with tempfile.TemporaryDirectory(prefix="collab-eval-") as tmp:
            hub = Hub.open(replace(settings, data_dir=Path(tmp), database_url=""), embedder=embedder)
            try:
                project_id, _ = import_dataset(hub, dataset, project_name=dataset.name)
                with hub.engine.connect() as conn:
                    ext = dict(
                        conn.execute(
                            select(messages.c.id, messages.c.external_id).where(messages.c.project_id == project_id)
                        ).all()
                    )
                for q in dataset.questions:
                    if not q.relevant:
                        continue
                    hits = hub.search.search(actor_id=None, project_id=project_id, query=q.query, limit=depth)
                    ranked = [ext[h.message.id] for h in hits]
                    relevant = set(q.relevant)
                    for k in ks:
                        recalls[k].append(len(relevant & set(ranked[:k])) / len(relevant))
                    first = next((i for i, mid in enumerate(ranked) if mid in relevant), None)
                    rr.append(0.0 if first is None else 1.0 / (first + 1))
                    by_kind[q.kind].append(len(relevant & set(ranked[:10])) / len(relevant))
                    if progress:
                        progress()
            finally:
                hub.close()
        n_datasets += 1
    n = len(rr)
    result: dict[str, Any] = {"datasets": n_datasets, "questions": n}
    for k in ks:
        result[f"recall@{k}"] = round(sum(recalls[k]) / n, 4) if n else 0.0
    result["mrr"] = round(sum(rr) / n, 4) if n else 0.0
    result["by_kind"] = {
        kind: {"n": len(v), "recall@10": round(sum(v) / len(v), 4)} for kind, v in sorted(by_kind.items())
    }
    return result
