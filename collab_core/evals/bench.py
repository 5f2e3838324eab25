"""`bench`: ingest, post, search, timeline and contributions figures on N synthetic messages.

Everything runs in a temporary data dir (or on --database-url) with deterministic mixed
Korean/English messages from five authors, so two runs on one machine are comparable.
"""

from __future__ import annotations

import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from collab_core.chat.message_values import ImportItem, passage_text
from collab_core.hub import Hub
from collab_core.memory.embeddings import build_embedder
from collab_core.settings import Settings
from collab_core.store.pg import scratch_database

AUTHORS = ["Minji", "Daniel", "Jiwoo", "Emily", "Hyunwoo"]
_KO_TOPICS = ["배포", "일정", "디자인", "회의", "예산", "테스트", "온보딩", "송금", "로그인", "알림"]
_EN_TOPICS = [
    "release",
    "deadline",
    "design",
    "meeting",
    "budget",
    "testing",
    "onboarding",
    "payments",
    "login",
    "alerts",
]
_KO = [
    "{t} 관련해서 오늘 오후까지 정리해서 공유할게요.",
    "{t} 건은 다음 주 {d}요일로 미뤄졌습니다.",
    "{t} 담당은 {a}님으로 바뀌었어요. 확인 부탁드려요.",
    "어제 {t} 리뷰에서 나온 피드백 반영했습니다 👍",
    "{t} 이슈 때문에 QA가 조금 늦어질 것 같아요.",
]
_EN = [
    "I'll share the {t} notes after lunch.",
    "The {t} review moved to {d}; please update your calendars.",
    "{a} is now owning the {t} work, heads up.",
    "Fixed the {t} bug we saw in staging yesterday.",
    "Can someone double-check the {t} numbers before Friday?",
]
_DAYS_KO = ["월", "화", "수", "목", "금"]
_DAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
QUERIES = [
    "배포 일정 언제예요?",
    "who owns the design work now?",
    "예산",
    "testing delayed",
    "온보딩 담당자",
    "login bug fixed?",
    "회의 피드백",
    "budget numbers Friday",
    "알림 이슈 QA",
    "payments review moved",
]
# Assistant questions for the context-building figure (retrieval + packing, no model call).
ASK_QUESTIONS = [
    "배포 일정 누가 담당해요?",
    "what is still unfinished for the design?",
    "지난주 예산 회의에서 뭐가 결정됐어?",
    "who owns the login work now?",
    "온보딩 관련해서 Minji가 뭐라고 했어?",
    "summarize the testing delays",
    "알림 이슈 QA 언제 끝나요?",
    "what changed about payments since Monday?",
]

# Extra figures from app-side or feature modules: name -> fn(hub, project_id, actor_id) -> dict
EXTRA_FIGURES: dict[str, Callable[[Hub, int, int], dict[str, Any]]] = {}


def synthetic_messages(n: int, *, seed: int = 7) -> list[ImportItem]:
    """N deterministic messages, ~70% Korean, spread over the last 60 days, 5 authors."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    span = timedelta(days=60).total_seconds()
    items = []
    for i in range(n):
        author = AUTHORS[rng.randrange(len(AUTHORS))]
        other = AUTHORS[rng.randrange(len(AUTHORS))]
        if rng.random() < 0.7:
            text = rng.choice(_KO).format(t=rng.choice(_KO_TOPICS), d=rng.choice(_DAYS_KO), a=other)
        else:
            text = rng.choice(_EN).format(t=rng.choice(_EN_TOPICS), d=rng.choice(_DAYS_EN), a=other)
        text = f"{text} (#{i})"
        ts = start + timedelta(seconds=span * i / max(1, n))
        items.append(ImportItem(author=author, content=text, created_at=ts, external_id=f"bench-{i}"))
    return items


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    idx = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[idx]


def _ms(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def run_bench(
    settings: Settings, *, messages: int = 10_000, progress: bool = False, database_url: str | None = None
) -> dict[str, Any]:
    """Run the benchmark; returns the figures as one flat dict."""
    say = (lambda msg: print(msg, file=sys.stderr, flush=True)) if progress else (lambda msg: None)
    items = synthetic_messages(messages)
    embedder = build_embedder(settings)
    # A PostgreSQL URL gets a scratch database on that server (dropped after); "embedded" starts one.
    with tempfile.TemporaryDirectory(prefix="collab-bench-") as tmp, scratch_database(database_url) as db_url:
        bench_settings = replace(settings, data_dir=Path(tmp), database_url=db_url)
        hub = Hub.open(bench_settings, embedder=embedder)
        try:
            owner = hub.accounts.create_user(username="bench_owner")
            project = hub.accounts.create_project(actor_id=owner.id, name="bench")
            pid = project.id

            sample = items[: min(len(items), 5000)]
            texts = [passage_text(it.author, it.content) for it in sample]
            say(f"embedding {len(texts)} texts alone…")
            embed_s = _ms(lambda: embedder.embed_passages(texts)) / 1000
            embed_rate = len(texts) / embed_s

            say(f"ingesting {len(items)} messages…")
            bar = None
            if progress and sys.stderr.isatty():
                from tqdm import tqdm

                bar = tqdm(total=len(items), desc="ingest", unit="msg", file=sys.stderr)

            def tick(done: int, total: int) -> None:
                if bar is not None:
                    bar.n = done
                    bar.refresh()

            ingest_s = _ms(lambda: hub.messages.import_items(project_id=pid, items=items, progress=tick)) / 1000
            if bar is not None:
                bar.close()

            say("single posts…")
            post_ms = [
                _ms(
                    lambda i=i: hub.messages.post(
                        actor_id=owner.id, project_id=pid, content=f"벤치 단일 메시지 {i} post"
                    )
                )
                for i in range(100)
            ]

            say("searching…")
            hub.search.search(actor_id=owner.id, project_id=pid, query="warm-up", limit=10)
            search_ms = [
                _ms(lambda q=q: hub.search.search(actor_id=owner.id, project_id=pid, query=q, limit=10))
                for q in (QUERIES * 10)[:100]
            ]
            timeline_ms = [
                _ms(lambda: hub.messages.timeline(actor_id=owner.id, project_id=pid, newest_first=True, limit=50))
                for _ in range(20)
            ]
            contributions_ms = [
                _ms(lambda: hub.messages.contributions(actor_id=owner.id, project_id=pid)) for _ in range(5)
            ]
            say("assistant context…")
            hub.assistant.build_context(actor_id=owner.id, project_id=pid, question="warm-up")
            context_ms = [
                hub.assistant.build_context(actor_id=owner.id, project_id=pid, question=q).timings["total_ms"]
                for q in (ASK_QUESTIONS * 5)[:40]
            ]
            result: dict[str, Any] = {
                "messages": messages,
                "database": hub.engine.dialect.name,
                "vector_store": hub.memory.store_kind,
                "embedder": embedder.name,
                "embed_only_msgs_per_s": round(embed_rate, 1),
                "embed_only_sample": len(texts),
                "ingest_msgs_per_s": round(len(items) / ingest_s, 1) if items else 0.0,
                "ingest_vs_embed": round((len(items) / ingest_s) / embed_rate, 3) if items else 0.0,
                "post_p50_ms": round(statistics.median(post_ms), 2),
                "post_p95_ms": round(_pct(post_ms, 0.95), 2),
                "search_p50_ms": round(statistics.median(search_ms), 2),
                "search_p95_ms": round(_pct(search_ms, 0.95), 2),
                "timeline_ms": round(statistics.median(timeline_ms), 2),
                "contributions_ms": round(statistics.median(contributions_ms), 2),
                # Retrieval + context building for one assistant question (no LLM call).
                "context_p50_ms": round(statistics.median(context_ms), 2),
                "context_p95_ms": round(_pct(context_ms, 0.95), 2),
            }
            for name, fn in EXTRA_FIGURES.items():
                say(f"{name}…")
                result.update(fn(hub, pid, owner.id))
            result["rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        finally:
            hub.close()
    return result
