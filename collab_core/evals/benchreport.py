"""Benchmark report helpers: a store-side run at scale, and the docs/benchmarks.md table + SVG chart.

``python -m collab_core.evals.benchreport store --messages 100000 [--database-url embedded]`` measures
what the SQL database and the vector store cost at scale without re-embedding every message: the
distinct synthetic sentences are embedded once with the real embedder and each message's vector is
that sentence's vector plus a little noise (so 100k distinct, realistically clustered points).
Keyword search, vector search, timeline and contributions then run exactly as in the app.

``python -m collab_core.evals.benchreport render RESULT.json... --svg docs/bench_search_p95.svg`` prints
the markdown table and writes the chart (hand-written SVG: no plotting library needed).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import bindparam, select, update

from collab_core.chat.message_values import passage_text
from collab_core.evals.bench import QUERIES, _pct, synthetic_messages
from collab_core.settings import Settings
from collab_core.store.pg import scratch_database


def _base_text(author: str, content: str) -> str:
    return passage_text(author, content.rsplit(" (#", 1)[0])


def store_bench(
    settings: Settings, *, messages: int, database_url: str | None = None, noise: float = 0.03
) -> dict[str, Any]:
    """Store-side figures at `messages` messages (see the module docstring)."""
    from collab_core.hub import Hub
    from collab_core.memory.embeddings import build_embedder
    from collab_core.memory.index import IndexItem
    from collab_core.memory.text import tokenize
    from collab_core.store.schema import messages as messages_table
    from collab_core.store.schema import users

    items = synthetic_messages(messages)
    embedder = build_embedder(settings)
    bases = sorted({_base_text(it.author, it.content) for it in items})
    base_index = {t: i for i, t in enumerate(bases)}
    base_vecs = embedder.embed_passages(bases)
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory(prefix="collab-storebench-") as tmp, scratch_database(database_url) as url:
        hub = Hub.open(replace(settings, data_dir=Path(tmp), database_url=url), embedder=embedder)
        try:
            owner = hub.accounts.create_user(username="bench_owner")
            pid = hub.accounts.create_project(actor_id=owner.id, name="bench").id
            t0 = time.perf_counter()
            hub.messages.import_items(project_id=pid, items=items, index=False, batch_size=2000)
            sql_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            with hub.engine.connect() as conn:
                rows = conn.execute(
                    select(messages_table.c.id, messages_table.c.content, users.c.display_name)
                    .join(users, users.c.id == messages_table.c.author_id)
                    .where(messages_table.c.project_id == pid)
                    .order_by(messages_table.c.id)
                ).all()
            for start in range(0, len(rows), 1000):
                chunk = rows[start : start + 1000]
                idx = [base_index[_base_text(r[2], r[1])] for r in chunk]
                vecs = base_vecs[idx] + rng.normal(0, noise, size=(len(chunk), base_vecs.shape[1])).astype(np.float32)
                vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
                when = items[0].created_at
                memory_ids = hub.memory.add_batch(
                    [IndexItem(pid, r[0], r[2], "user", "chat", passage_text(r[2], r[1]), when) for r in chunk],
                    vectors=vecs,
                )
                with hub.engine.begin() as conn:
                    conn.execute(
                        update(messages_table)
                        .where(messages_table.c.id == bindparam("mid"))
                        .values(index_state="indexed", memory_id=bindparam("memid")),
                        [{"mid": r[0], "memid": m} for r, m in zip(chunk, memory_ids, strict=True)],
                    )
            vector_s = time.perf_counter() - t0

            qvecs = {q: embedder.embed_query(q) for q in QUERIES}
            runs = (QUERIES * 10)[:100]
            hub.search.search(actor_id=owner.id, project_id=pid, query="warm-up", limit=10)
            keyword_ms, vector_ms, search_ms = [], [], []
            for q in runs:
                with hub.engine.connect() as conn:
                    t0 = time.perf_counter()
                    hub.search.keyword(conn, pid, tokenize(q), limit=100)
                    keyword_ms.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                hub.memory.search(pid, q, limit=100, vector=qvecs[q])
                vector_ms.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                hub.search.search(actor_id=owner.id, project_id=pid, query=q, limit=10)
                search_ms.append((time.perf_counter() - t0) * 1000)
            embed_ms = []
            for q in runs[:30]:
                t0 = time.perf_counter()
                embedder.embed_query(q)
                embed_ms.append((time.perf_counter() - t0) * 1000)
            timeline_ms = []
            for _ in range(20):
                t0 = time.perf_counter()
                hub.messages.timeline(actor_id=owner.id, project_id=pid, newest_first=True, limit=50)
                timeline_ms.append((time.perf_counter() - t0) * 1000)
            contributions_ms = []
            for _ in range(5):
                t0 = time.perf_counter()
                hub.messages.contributions(actor_id=owner.id, project_id=pid)
                contributions_ms.append((time.perf_counter() - t0) * 1000)
            result = {
                "kind": "store",
                "messages": messages,
                "database": hub.engine.dialect.name,
                "vector_store": hub.memory.store_kind,
                "vectors": hub.memory.count(pid),
                "distinct_sentences_embedded": len(bases),
                "sql_ingest_msgs_per_s": round(messages / sql_s, 1),
                "vector_ingest_msgs_per_s": round(messages / vector_s, 1),
                "keyword_p50_ms": round(statistics.median(keyword_ms), 2),
                "keyword_p95_ms": round(_pct(keyword_ms, 0.95), 2),
                "vector_p50_ms": round(statistics.median(vector_ms), 2),
                "vector_p95_ms": round(_pct(vector_ms, 0.95), 2),
                "query_embed_p50_ms": round(statistics.median(embed_ms), 2),
                "search_p50_ms": round(statistics.median(search_ms), 2),
                "search_p95_ms": round(_pct(search_ms, 0.95), 2),
                "timeline_ms": round(statistics.median(timeline_ms), 2),
                "contributions_ms": round(statistics.median(contributions_ms), 2),
            }
        finally:
            hub.close()
    return result


# -- rendering ------------------------------------------------------------------------------------

_COLUMNS = [
    ("database", "backend"),
    ("messages", "messages"),
    ("ingest_msgs_per_s", "ingest msg/s"),
    ("embed_only_msgs_per_s", "embed-only msg/s"),
    ("ingest_vs_embed", "ingest / embed"),
    ("post_p95_ms", "post p95 ms"),
    ("search_p50_ms", "search p50 ms"),
    ("search_p95_ms", "search p95 ms"),
    ("timeline_ms", "timeline ms"),
    ("contributions_ms", "contributions ms"),
    ("context_p95_ms", "assistant context p95 ms"),
    ("rss_mb", "RSS MB"),
]


STORE_COLUMNS = [
    ("database", "backend"),
    ("messages", "messages"),
    ("sql_ingest_msgs_per_s", "SQL ingest msg/s"),
    ("vector_ingest_msgs_per_s", "vector ingest msg/s"),
    ("keyword_p50_ms", "keyword p50 ms"),
    ("keyword_p95_ms", "keyword p95 ms"),
    ("vector_p50_ms", "vector p50 ms"),
    ("vector_p95_ms", "vector p95 ms"),
    ("query_embed_p50_ms", "query embed p50 ms"),
    ("search_p50_ms", "search p50 ms"),
    ("search_p95_ms", "search p95 ms"),
    ("timeline_ms", "timeline ms"),
    ("contributions_ms", "contributions ms"),
]


def _label(r: dict[str, Any]) -> str:
    name = "PostgreSQL + pgvector" if r.get("database") == "postgresql" else "SQLite + local Qdrant"
    return f"{name} (stores only)" if r.get("kind") == "store" else name


def markdown_table(results: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]] = _COLUMNS) -> str:
    """A markdown table of results (sorted by backend, then size)."""
    rows = sorted(results, key=lambda r: (r.get("database", ""), r.get("messages", 0)))
    head = "| " + " | ".join(h for _, h in columns) + " |"
    sep = "|" + "|".join("---" if k == "database" else "---:" for k, _ in columns) + "|"
    body = []
    for r in rows:
        cells = []
        for k, _ in columns:
            v = r.get(k, "")
            if k == "database":
                v = _label(r)
            elif isinstance(v, int | float) and k == "messages":
                v = f"{v:,}"
            cells.append(str(v))
        body.append("| " + " | ".join(cells) + " |")
    return "\n".join([head, sep, *body])


def svg_chart(
    results: Sequence[dict[str, Any]], *, metric: str = "search_p95_ms", title: str = "search p95 (ms)"
) -> str:
    """A small line chart of `metric` against message count (log x), one line per backend."""
    width, height, left, right, top, bottom = 720, 360, 60, 270, 40, 50
    series: dict[str, list[tuple[int, float]]] = {}
    for r in results:
        if metric in r:
            series.setdefault(_label(r), []).append((int(r["messages"]), float(r[metric])))
    xs = [x for pts in series.values() for x, _ in pts] or [1000, 100000]
    ys = [y for pts in series.values() for _, y in pts] or [1.0]
    x0, x1 = math.log10(min(xs)), math.log10(max(xs))
    if x1 == x0:
        x0, x1 = x0 - 0.5, x1 + 0.5
    ymax = max(ys) * 1.15 or 1.0

    def px(x: float) -> float:
        return left + (math.log10(x) - x0) / (x1 - x0) * (width - left - right)

    def py(y: float) -> float:
        return top + (1 - y / ymax) * (height - top - bottom)

    colors = ["#2563eb", "#dc2626", "#059669", "#7c3aed"]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="22" font-size="14" font-weight="bold">{title} vs messages</text>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="#333"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="#333"/>',
    ]
    for i in range(5):
        y = ymax * i / 4
        out.append(f'<line x1="{left}" y1="{py(y):.1f}" x2="{width - right}" y2="{py(y):.1f}" stroke="#eee"/>')
        out.append(f'<text x="{left - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{y:.0f}</text>')
    for x in sorted(set(xs)):
        out.append(f'<text x="{px(x):.1f}" y="{height - bottom + 18}" text-anchor="middle">{x:,}</text>')
    out.append(
        f'<text x="{(left + width - right) / 2:.0f}" y="{height - 10}" text-anchor="middle">messages (log scale)</text>'
    )
    for n, (name, pts) in enumerate(sorted(series.items())):
        pts.sort()
        color = colors[n % len(colors)]
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for x, y in pts:
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill="{color}"/>')
            out.append(f'<text x="{px(x) + 6:.1f}" y="{py(y) - 6:.1f}" fill="{color}">{y:g}</text>')
        ly = top + 20 + n * 20
        out.append(f'<rect x="{width - right + 15}" y="{ly - 9}" width="12" height="12" fill="{color}"/>')
        out.append(f'<text x="{width - right + 32}" y="{ly + 1}">{name}</text>')
    out.append("</svg>")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m collab_core.evals.benchreport")
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("store", help="store-side figures at scale (one JSON line)")
    s.add_argument("--messages", type=int, default=100_000)
    s.add_argument("--database-url", help="PostgreSQL URL (a scratch database is made) or 'embedded'")
    r = sub.add_parser("render", help="markdown table of bench JSON files; --svg writes the chart")
    r.add_argument("results", nargs="+")
    r.add_argument("--svg", help="write the search p95 chart here")
    args = parser.parse_args(argv)
    if args.cmd == "store":
        settings = Settings.load(env_file=None)
        print(json.dumps(store_bench(settings, messages=args.messages, database_url=args.database_url)))
        return 0
    results = [json.loads(Path(p).read_text().strip().splitlines()[-1]) for p in args.results]
    bench = [x for x in results if x.get("kind") != "store"]
    store = [x for x in results if x.get("kind") == "store"]
    if bench:
        print(markdown_table(bench))
    if store:
        print()
        print(markdown_table(store, STORE_COLUMNS))
    if args.svg:
        Path(args.svg).write_text(svg_chart(results), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
