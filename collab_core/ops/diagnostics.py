"""Diagnostics: a structured health report of database, index, embedder, vector store, search and LLM."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select, text

from collab_core.memory.embeddings import probe_latency_ms
from collab_core.models import Check
from collab_core.settings import Settings
from collab_core.store.engine import schema_revision


@dataclass
class Report:
    """All checks; ok when none failed."""

    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(c.status != "fail" for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [asdict(c) for c in self.checks]}

    def as_text(self) -> str:
        mark = {"ok": "OK  ", "warn": "WARN", "fail": "FAIL"}
        lines = [f"[{mark[c.status]}] {c.name}: {c.detail}" for c in self.checks]
        lines.append("healthy" if self.ok else "problems found")
        return "\n".join(lines)


def diagnose(hub: Any) -> Report:
    """Run every check against an open Hub; never raises."""
    from collab_core.store.schema import messages, projects, users

    checks: list[Check] = []

    def guarded(name: str, fn: Callable[[], Check]) -> None:
        try:
            checks.append(fn())
        except Exception as exc:  # a failing check is a report line, not a crash
            checks.append(Check(name, "fail", f"{type(exc).__name__}: {exc}"))

    def database() -> Check:
        start = time.perf_counter()
        with hub.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            counts = {
                "projects": conn.execute(select(func.count()).select_from(projects)).scalar_one(),
                "users": conn.execute(select(func.count()).select_from(users)).scalar_one(),
                "messages": conn.execute(select(func.count()).select_from(messages)).scalar_one(),
            }
        current, head = schema_revision(hub.engine)
        ms = (time.perf_counter() - start) * 1000
        url = hub.engine.url.render_as_string(hide_password=True)
        status = "ok" if current == head else "warn"
        return Check(
            "database",
            status,
            f"{hub.engine.dialect.name} reachable in {ms:.0f} ms, schema {current} (newest {head}); "
            f"{counts['projects']} projects, {counts['users']} users, {counts['messages']} messages",
            {"url": url, "schema": current, "schema_head": head, **counts},
        )

    def index_state() -> Check:
        counts = hub.messages.counts()
        pending = counts.get("pending", 0) + counts.get("failed", 0)
        status = "ok" if pending == 0 else "warn"
        detail = f"{counts.get('indexed', 0)} indexed, {pending} not yet indexed"
        if pending:
            detail += " (run: python -m collab_core reindex)"
        return Check("memory index", status, detail, counts)

    def embedder() -> Check:
        ms = probe_latency_ms(hub.embedder)
        return Check(
            "embedder",
            "ok",
            f"{hub.embedder.name}, {hub.embedder.dims} dimensions, one embedding in {ms:.1f} ms",
            {"name": hub.embedder.name, "dims": hub.embedder.dims, "latency_ms": round(ms, 2)},
        )

    def vector_store() -> Check:
        plist = hub.accounts.list_projects(user_id=None)
        total = sum(hub.memory.count(p.id) for p in plist)
        detail = f"{hub.memory.store_kind} reachable, {total} vectors in {len(plist)} project collections"
        slow = hub.memory.cosine_collections([p.id for p in plist])
        if slow:
            names = ", ".join(p.name for p in plist if p.id in slow)
            detail += (
                f"; {len(slow)} collection(s) use the older cosine layout, several times slower to search "
                f"at scale ({names}): run python -m collab_core reindex"
            )
        unindexed = [p.id for p in plist if not hub.memory.vector_index_ok(p.id)]
        if unindexed:
            names = ", ".join(p.name for p in plist if p.id in unindexed)
            detail += (
                f"; {len(unindexed)} collection(s) have no vector index, left by an interrupted import "
                f"({names}): search still works but slower; run python -m collab_core reindex"
            )
        return Check(
            "vector store",
            "warn" if slow or unindexed else "ok",
            detail,
            {"kind": hub.memory.store_kind, "vectors": total, "cosine_collections": slow, "unindexed": unindexed},
        )

    def search_smoke() -> Check:
        plist = hub.accounts.list_projects(user_id=None)
        if not plist:
            return Check("search", "ok", "no projects yet: nothing to search")
        start = time.perf_counter()
        hits = hub.memory.search_mem0(plist[0].id, "status update 진행 상황", limit=3)
        ms = (time.perf_counter() - start) * 1000
        return Check("search", "ok", f"Mem0 search answered in {ms:.0f} ms with {len(hits)} hits", {"ms": round(ms, 1)})

    def llm() -> Check:
        s = hub.settings
        if not s.llm_configured:
            return Check(
                "llm",
                "warn",
                "no LLM configured: the assistant shows relevant messages but does not generate answers "
                "(set OPENAI_API_KEY, or OPENAI_BASE_URL for Ollama/vLLM/LM Studio)",
                {"configured": False},
            )
        where = f"model {s.llm_model} at {s.openai_base_url or 'api.openai.com'}"
        llm_client = getattr(hub, "llm", None)
        if llm_client is None:
            return Check("llm", "ok", f"configured: {where}", {"configured": True})
        probe = llm_client.probe()  # lists models: no tokens spent
        return Check(
            "llm",
            "ok" if probe.reachable else "fail",
            f"configured: {where}; {probe.detail}; tokens counted by {llm_client.counter.method}",
            {"configured": True, "reachable": probe.reachable, "latency_ms": probe.latency_ms},
        )

    guarded("database", database)
    guarded("memory index", index_state)
    guarded("embedder", embedder)
    guarded("vector store", vector_store)
    guarded("search", search_smoke)
    guarded("llm", llm)
    # The feature checks the Hub wires (webhooks): fn(hub) -> Check
    for extra in getattr(hub, "checks", ()):
        guarded(getattr(extra, "__name__", "check"), lambda extra=extra: extra(hub))
    return Report(checks)


def run_diagnostics(settings: Settings) -> Report:
    """Open the hub and diagnose; a hub that cannot open is itself a failed check."""
    from collab_core.hub import Hub

    try:
        hub = Hub.open(settings)
    except Exception as exc:
        return Report([Check("startup", "fail", f"{type(exc).__name__}: {exc}")])
    try:
        return diagnose(hub)
    finally:
        hub.close()
