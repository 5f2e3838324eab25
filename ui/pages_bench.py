"""Page rerun timings of the Streamlit app (server side), measured with AppTest on generated data.

    python -m ui.pages_bench --messages 10000            # chat, timeline, contributions, search
    python -m ui.pages_bench --messages 100000 --members 200 --pages contributions
    python -m ui.pages_bench --messages 10000 --json     # one JSON line (collab_core's `bench` can run this)

A temporary data dir gets one project with N messages from M members spread over months (Korean and
English text, working-hour timestamps). SQL rows and keyword terms go in through the normal import;
the semantic index gets real e5 vectors of the message templates (embedding every message would
take minutes and measure the embedder, not the pages). Each page is run once to warm up, then
`--runs` times; the JSON reports min / median / p95 of the whole AppTest rerun and of the page's own
timed section, plus the chat's live-update fragment body.

This module imports streamlit and drives app_pages/, so it lives with the app, not in collab_core.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LIMITS_MS = {"rerun_10k": 300.0, "fragment_10k": 50.0, "contributions_100k": 1000.0}

_KO = [
    "오늘 배포 일정 다시 확인 부탁드려요",
    "QA 결과 공유합니다. 모바일에서 버튼이 잘려요",
    "회의록 정리해서 올렸어요",
    "디자인 시안 {n}번이 제일 좋아 보여요",
    "API 응답 속도가 느려서 캐시를 추가했습니다",
    "다음 스프린트 목표를 정해야 해요",
    "로그인 오류 재현됐어요. 원인 찾는 중입니다",
    "고객 피드백 {n}건 정리했습니다",
    "랜딩 페이지 카피 수정본 확인해 주세요",
    "테스트 커버리지가 {n}%까지 올라갔어요",
    "내일 오전 10시에 회고 미팅 어때요?",
    "빌드 파이프라인이 다시 초록색입니다 🎉",
    "가격표 문구를 다듬었어요",
    "데이터베이스 마이그레이션 끝났습니다",
    "검색 결과 정확도가 좋아졌어요",
]
_EN = [
    "Deployed build {n} to staging, please check",
    "The pricing table breaks below 400px on mobile",
    "Can someone review PR #{n}?",
    "Meeting notes are in the shared drive",
    "Fixed the flaky login test",
    "Customer asked about SSO support again",
    "Latency p95 is down to {n} ms after the cache change",
    "Let's move the retro to Friday",
    "Updated the onboarding docs with screenshots",
    "Release checklist is done, waiting for QA",
    "The color palette is final: #3B82F6 / #EF4444 / #10B981",
    "Hero image crop is fixed on mobile",
    "I'll pair with you on the search ranking tomorrow",
    "Backups ran fine last night",
    "Who owns the analytics dashboard?",
]
TEMPLATES = _KO + _EN


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "min_ms": round(ordered[0], 1),
        "median_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(p95, 1),
    }


def generate(hub: Any, *, messages: int, members: int, semantic: bool = True, seed: int = 7) -> tuple[int, int]:
    """A project with `messages` messages by `members` people; returns (viewer user id, project id)."""
    from collab_core.chat.message_values import ImportItem, passage_text
    from collab_core.memory.index import IndexItem

    rng = random.Random(seed)
    viewer = hub.accounts.create_user(username="bench_viewer", display_name="Bench Viewer")
    project = hub.accounts.create_project(actor_id=viewer.id, name=f"Bench {messages}")
    names = [f"member{i:03d}" for i in range(members)]
    # A few people write most messages, as in real teams.
    weights = [1.0 / (i + 1) ** 0.8 for i in range(members)]
    days = max(30, messages // 60)
    now = datetime.now(UTC).replace(microsecond=0)
    items: list[ImportItem] = []
    template_of: list[int] = []
    for i in range(messages):
        k = rng.randrange(len(TEMPLATES))
        at = now - timedelta(days=rng.random() * days)
        at = at.replace(hour=(rng.choice((0, 1, 2, 3, 4, 5, 6, 7, 8, 9)) + rng.choice((0, 0, 1, 23))) % 24)
        items.append(
            ImportItem(
                author=rng.choices(names, weights)[0],
                content=TEMPLATES[k].format(n=rng.randrange(1, 500)),
                created_at=min(at, now),
                kind=rng.choices(("chat", "task", "meeting"), (90, 7, 3))[0],
                external_id=f"bench-{i}",
            )
        )
        template_of.append(k)
    hub.messages.import_items(project_id=project.id, items=items, index=False)
    for name in names:
        user = hub.accounts.find_user(name)
        if user is not None:
            hub.accounts.set_member(actor_id=viewer.id, project_id=project.id, user_id=user.id, role="member")
    if not semantic:
        return viewer.id, project.id
    # Semantic side: real vectors of the templates, one point per message.
    vectors = hub.embedder.embed_passages([passage_text("member", t) for t in TEMPLATES])
    rows = hub.messages.timeline(actor_id=None, project_id=project.id, offset=0, limit=1)
    total = rows.total
    offset = 0
    while offset < total:
        page = hub.messages.timeline(actor_id=None, project_id=project.id, offset=offset, limit=500)
        batch = [
            IndexItem(
                project_id=project.id,
                message_id=m.id,
                author=m.author,
                role=m.role,
                kind=m.kind,
                text=passage_text(m.author, m.content),
                created_at=m.created_at,
            )
            for m in page.items
        ]
        keys = [int(m.external_id.split("-")[1]) for m in page.items]
        hub.memory.add_batch(batch, vectors=vectors[[template_of[k] for k in keys]])
        offset += len(page.items)
    return viewer.id, project.id


Setup = Callable[[Any], None]


def _variants(pages: set[str]) -> list[tuple[str, str, Setup | None]]:
    def text_filter(at: Any) -> None:
        at.text_input(key="timeline_text").set_value("배포")

    def by_author(at: Any) -> None:
        at.segmented_control(key="timeline_view").set_value("by_author")

    def query(at: Any) -> None:
        at.text_input(key="search_query").set_value("배포 일정")

    every = [
        ("chat", "chat", None),
        ("timeline", "timeline", None),
        ("timeline_text_filter", "timeline", text_filter),
        ("timeline_by_author", "timeline", by_author),
        ("contributions", "contributions", None),
        ("search", "search", query),
    ]
    return [v for v in every if v[1] in pages]


def measure(
    user_id: int, project_id: int, *, pages: set[str], runs: int, lang: str = "ko"
) -> dict[str, dict[str, float]]:
    """Warm up each page variant, then time `runs` reruns (whole AppTest run and in-page sections)."""
    from streamlit.testing.v1 import AppTest

    from deps import get_hub

    token = get_hub().sessions.start(user_id=user_id).token  # pages check the sign-in on every run
    out: dict[str, dict[str, float]] = {}
    for name, page, setup in _variants(pages):
        at = AppTest.from_file(str(ROOT / "app_pages" / f"{page}.py"), default_timeout=120)
        at.session_state["auth_user_id"] = user_id
        at.session_state["auth_token"] = token
        at.session_state["active_project_id"] = project_id
        at.session_state["ui_lang"] = lang
        at.run()
        if setup is not None:
            setup(at)
            at.run()
        if at.exception:
            raise RuntimeError(f"{name}: {at.exception[0].message}")
        walls: list[float] = []
        sections: dict[str, list[float]] = {}
        for _ in range(runs):
            started = time.perf_counter()
            at.run()
            walls.append((time.perf_counter() - started) * 1000.0)
            for key, ms in at.session_state["perf_ms"].items():
                sections.setdefault(key, []).append(ms)
        out[name] = {"rerun": _percentiles(walls), **{k: _percentiles(v) for k, v in sections.items()}}
    return out


def run_app_bench(
    *, messages: int = 10_000, members: int | None = None, runs: int = 15, pages: set[str] | None = None
) -> dict[str, Any]:
    """Build the data in a temporary dir, time the pages, and judge them against the targets."""
    os.environ.setdefault("MEM0_TELEMETRY", "False")
    pages = pages or {"chat", "timeline", "contributions", "search"}
    members = members or (12 if messages <= 20_000 else 200)
    # tmpfs when there is one: the local vector store commits every point separately, which on a
    # real disk turns generating 10k points into minutes of fsyncs. Reads (what we time) are served
    # from the page cache either way.
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(prefix="collab-bench-app-", dir=shm if shm.is_dir() else None) as tmp:
        os.environ["COLLAB_DATA_DIR"] = str(Path(tmp) / "data")
        sys.path.insert(0, str(ROOT))
        from deps import get_hub

        get_hub.clear()
        hub = get_hub()
        try:
            started = time.perf_counter()
            user_id, project_id = generate(hub, messages=messages, members=members, semantic="search" in pages)
            setup_s = time.perf_counter() - started
            timings = measure(user_id, project_id, pages=pages, runs=runs)
        finally:
            hub.close()
            get_hub.clear()
    checks: dict[str, bool] = {}
    if messages <= 10_000:
        for name, t in timings.items():
            checks[f"{name}_rerun_p95<=300ms"] = t["rerun"]["p95_ms"] <= LIMITS_MS["rerun_10k"]
        if "chat" in timings:
            checks["chat_live_fragment_p95<=50ms"] = timings["chat"]["chat.live"]["p95_ms"] <= LIMITS_MS["fragment_10k"]
    if messages >= 100_000 and "contributions" in timings:
        checks["contributions_rerun_p95<=1000ms"] = (
            timings["contributions"]["rerun"]["p95_ms"] <= LIMITS_MS["contributions_100k"]
        )
    return {
        "bench": "app_pages",
        "messages": messages,
        "members": members,
        "runs": runs,
        "setup_s": round(setup_s, 1),
        "pages": timings,
        "checks": checks,
        "ok": all(checks.values()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=None, help="default 12 (<= 20k messages) or 200")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--pages", default="chat,timeline,contributions,search", help="comma separated")
    parser.add_argument("--json", action="store_true", help="print only one JSON line")
    args = parser.parse_args(argv)
    from streamlit import logger as st_logger

    st_logger.set_log_level("error")  # AppTest outside `streamlit run` warns on every call
    result = run_app_bench(
        messages=args.messages,
        members=args.members,
        runs=args.runs,
        pages={p.strip() for p in args.pages.split(",") if p.strip()},
    )
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"{result['messages']:,} messages, {result['members']} members (setup {result['setup_s']} s)")
        for name, t in result["pages"].items():
            parts = ", ".join(f"{k} p50 {v['median_ms']} / p95 {v['p95_ms']} ms" for k, v in t.items())
            print(f"  {name:<22} {parts}")
        for check, ok in result["checks"].items():
            print(f"  {'ok  ' if ok else 'FAIL'} {check}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
