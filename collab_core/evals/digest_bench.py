"""Digest bench: one scheduled digest run for M members across P projects over an N-message database.

The rows are written with bulk SQL (the digest reads only SQL, never the memory index), a tenth of
the messages mention someone, every member has tasks (some due, some moved) and each project had a
meeting with a decision and action items. The figure is the wall time of DigestService.run_due, the
same call the worker and `digest --now` make, with inbox delivery (no SMTP).
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from collab_core.hub import open_outbox
from collab_core.settings import Settings
from collab_core.store.schema import (
    action_items,
    meetings,
    memberships,
    mentions,
    messages,
    projects,
    task_events,
    tasks,
    users,
)


def run_digest_bench(
    settings: Settings, *, members: int = 1000, project_count: int = 50, message_count: int = 100_000
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="digest-bench-") as tmp:
        from dataclasses import replace

        s = replace(settings, data_dir=Path(tmp), database_url="", smtp_url="")
        out = open_outbox(s)
        try:
            return _run(out, members, project_count, message_count)
        finally:
            out.close()


def _run(out: Any, members: int, project_count: int, message_count: int) -> dict[str, Any]:
    rng = random.Random(7)
    slot = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)  # 09:00 Seoul today
    window_start = slot - timedelta(days=1)
    t_load = time.perf_counter()
    per_project = max(1, members // project_count)
    with out.engine.begin() as conn:
        conn.execute(
            users.insert(),
            [
                {
                    "id": i + 1,
                    "username": f"u{i}",
                    "username_key": f"u{i}",
                    "display_name": f"User {i}",
                    "is_system_admin": False,
                    "disabled": False,
                    "created_at": window_start,
                }
                for i in range(members)
            ],
        )
        conn.execute(
            projects.insert(),
            [
                {"id": p + 1, "name": f"P{p}", "name_key": f"p{p}", "description": "", "created_at": window_start}
                for p in range(project_count)
            ],
        )
        member_of = {p + 1: [p * per_project + k + 1 for k in range(per_project)] for p in range(project_count)}
        conn.execute(
            memberships.insert(),
            [
                {"project_id": p, "user_id": u, "role": "member", "joined_at": window_start}
                for p, us in member_of.items()
                for u in us
            ],
        )
        rows, ment = [], []
        for i in range(message_count):
            p = i % project_count + 1
            at = slot - timedelta(seconds=rng.randint(1, 30 * 86400))
            author = rng.choice(member_of[p])
            rows.append(
                {
                    "id": i + 1,
                    "project_id": p,
                    "author_id": author,
                    "role": "user",
                    "kind": "chat",
                    "content": f"message {i} about the release",
                    "char_count": 26,
                    "created_at": at.replace(tzinfo=None),
                    "tz_offset_min": 540,
                    "index_state": "indexed",
                }
            )
            if i % 10 == 0:
                ment.append(
                    {
                        "project_id": p,
                        "message_id": i + 1,
                        "user_id": rng.choice(member_of[p]),
                        "created_at": at.replace(tzinfo=None),
                    }
                )
        for k in range(0, len(rows), 5000):
            conn.execute(messages.insert(), rows[k : k + 5000])
        conn.execute(mentions.insert(), ment)
        task_rows, events, meeting_rows, items = [], [], [], []
        tid = 0
        for p, us in member_of.items():
            for u in us:
                for j in range(3):
                    tid += 1
                    task_rows.append(
                        {
                            "id": tid,
                            "project_id": p,
                            "title": f"Task {tid}",
                            "description": "",
                            "status": "TODO",
                            "assignee_id": u,
                            "due_date": (slot + timedelta(days=j - 1)).date(),
                            "priority": "normal",
                            "labels": [],
                            "created_by": u,
                            "created_at": window_start.replace(tzinfo=None),
                            "updated_at": window_start.replace(tzinfo=None),
                        }
                    )
                    events.append(
                        {
                            "task_id": tid,
                            "project_id": p,
                            "actor_id": u,
                            "event": "moved",
                            "from_status": "TODO",
                            "to_status": "IN_PROGRESS",
                            "created_at": (slot - timedelta(hours=j + 1)).replace(tzinfo=None),
                        }
                    )
            ended = (slot - timedelta(hours=3)).replace(tzinfo=None)
            meeting_rows.append(
                {
                    "id": p,
                    "project_id": p,
                    "title": f"Weekly {p}",
                    "status": "ended",
                    "started_by": us[0],
                    "started_at": ended - timedelta(hours=1),
                    "ended_at": ended,
                    "notes": "",
                    "decisions": [{"text": "Ship on Friday", "at": ended.isoformat()}],
                }
            )
            items += [
                {"meeting_id": p, "title": f"Follow up {u}", "assignee_id": u, "created_at": ended} for u in us[:5]
            ]
        conn.execute(tasks.insert(), task_rows)
        conn.execute(task_events.insert(), events)
        conn.execute(meetings.insert(), meeting_rows)
        conn.execute(action_items.insert(), items)
    load_s = time.perf_counter() - t_load
    start = time.perf_counter()
    report = out.digests.run_due(now=slot + timedelta(minutes=1))
    run_s = time.perf_counter() - start
    again = time.perf_counter()
    second = out.digests.run_due(now=slot + timedelta(minutes=2))
    idle_s = time.perf_counter() - again
    return {
        "members": members,
        "projects": project_count,
        "messages": message_count,
        "load_s": round(load_s, 2),
        "digest_run_s": round(run_s, 2),
        "digests_made": report.made,
        "empty": report.empty,
        "deliveries": report.deliveries,
        "idle_pass_s": round(idle_s, 3),
        "idle_pass_made": second.made,
        "target_s": 30,
    }
