"""Timing of the risk radar on a synthetic project: 100,000 messages, 2,000 tasks, one new message.

    python scripts/bench_risks.py [--messages N] [--tasks N]

Prints the one-off build time and the median time of `add_message` + `risks(now=...)` after a new message.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date, datetime, timedelta, timezone

from collab_core.insights.model import Member, Msg, TaskChange, TaskState
from collab_core.insights.risks import RiskRadar

WORDS = [
    "정산",
    "배치",
    "수수료",
    "환불",
    "대시보드",
    "테이블",
    "필터",
    "권한",
    "계정",
    "알림",
    "이메일",
    "스키마",
    "인덱스",
    "파서",
    "모니터링",
    "런북",
    "캘린더",
    "login",
    "api",
    "export",
    "csv",
    "auth",
    "session",
    "cache",
    "search",
    "upload",
    "report",
    "invoice",
    "billing",
    "payment",
    "webhook",
    "queue",
]
TEMPLATES = (
    "{w1} {w2} 작업 시작했어요",
    "{w1} 쪽은 내일까지 올릴게요",
    "I'm blocked on the {w1} {w2}",
    "{w1} PR merged ✅",
    "{w1} {w2} 때문에 진행이 안 돼요",
    "lunch? 🍜",
    "{w1} 해결했어요",
    "let's go with {w1} for the {w2}",
    "{w1} 금액은 VAT 포함으로 확정",
    "저는 이번 주 어려워요",
    "{w1} {w2} 리뷰 부탁드려요",
)


def synthetic(
    n_messages: int, n_tasks: int, seed: int = 7
) -> tuple[list[TaskState], list[Msg], list[Member], datetime]:
    rnd = random.Random(seed)
    tz = timezone(timedelta(hours=9))
    start = datetime(2025, 1, 1, 9, tzinfo=tz)
    members = [Member(name=f"user{i}") for i in range(20)]
    tasks = []
    for i in range(n_tasks):
        who = rnd.choice(members).name if rnd.random() > 0.1 else None
        due = date(2025, 1, 1) + timedelta(days=rnd.randint(0, 120))
        tasks.append(
            TaskState(
                id=f"t{i}",
                title=f"{rnd.choice(WORDS)} {rnd.choice(WORDS)} {rnd.choice(WORDS)} {i}",
                status=rnd.choice(("TODO", "IN_PROGRESS", "REVIEW", "DONE")),
                assignee=who,
                priority=rnd.choice(("low", "medium", "high")),
                labels=(rnd.choice(WORDS),),
                due=due,
                created_at=start,
                history=(TaskChange(ts=start, status="TODO", assignee=who, due=due),),
            )
        )
    msgs = [
        Msg(
            id=f"m{i}",
            author=rnd.choice(members).name,
            ts=start + timedelta(minutes=i),
            content=rnd.choice(TEMPLATES).format(w1=rnd.choice(WORDS), w2=rnd.choice(WORDS)),
        )
        for i in range(n_messages)
    ]
    return tasks, msgs, members, start + timedelta(minutes=n_messages + 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--tasks", type=int, default=2_000)
    args = ap.parse_args()
    tasks, msgs, members, now = synthetic(args.messages, args.tasks)
    t0 = time.perf_counter()
    radar = RiskRadar.build(tasks=tasks, messages=msgs, members=members)
    build = time.perf_counter() - t0
    times = []
    for i in range(20):
        msg = Msg(
            id=f"new{i}",
            author="user1",
            ts=now + timedelta(seconds=i),
            content="인증 키 아직 못 받아서 막혀 있어요 login api",
        )
        t1 = time.perf_counter()
        radar.add_message(msg)
        risks = radar.risks(now=now + timedelta(seconds=i))
        times.append(time.perf_counter() - t1)
    print(
        f"build {build:.1f} s for {len(msgs)} messages / {len(tasks)} tasks; "
        f"new message -> radar: median {1000 * statistics.median(times):.0f} ms, max {1000 * max(times):.0f} ms, "
        f"{len(risks)} risks"
    )


if __name__ == "__main__":
    main()
