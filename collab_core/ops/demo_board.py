"""The demo's task board and weekly stand-up, as the tutorial team lived them (listed in demo.DEMO_PARTS).

The rows go in through the backup sections (stable ids, so loading the demo twice adds nothing)
and every event is imported as the system message the live services would have posted, at the
time it happened, so the timeline, search and the assistant see the demo board like a real one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from collab_core.chat.message_values import ImportItem
from collab_core.store.engine import write_tx
from collab_core.store.schema import meetings, messages, tasks
from collab_core.work.backup_sections import restore_meetings, restore_tasks
from collab_core.work.meeting_values import structured_recap
from collab_core.work.task_events import describe_event

NAMES = {"alice": "Alice", "bob": "Bob", "carol": "Carol", "david": "David"}
MEETING_ID = "demo-standup-1"
MEETING_TITLE = "주간 스탠드업 / Weekly stand-up"

# key, title, creator, assignee, (day, "HH:MM") created, due day, priority, labels, moves [(day, "HH:MM", who, status)],
# comments [(day, "HH:MM", who, text)], from the stand-up?
TASKS: list[dict[str, Any]] = [
    {
        "key": "wireframe",
        "title": "와이어프레임 (Figma) / Wireframe",
        "description": "히어로 → 기능 3칸 그리드 → 고객 후기 → 가격표 → CTA",
        "creator": "bob",
        "assignee": "bob",
        "created": (0, "09:05"),
        "due": 0,
        "priority": "high",
        "labels": ["design"],
        "moves": [(0, "09:06", "bob", "IN_PROGRESS"), (0, "14:30", "bob", "DONE")],
    },
    {
        "key": "copy",
        "title": "히어로 섹션 카피 A/B / Hero copy",
        "description": "초안 두 가지 버전",
        "creator": "carol",
        "assignee": "carol",
        "created": (0, "09:07"),
        "due": 1,
        "labels": ["copy"],
        "moves": [(0, "09:08", "carol", "IN_PROGRESS"), (0, "15:12", "carol", "REVIEW"), (0, "15:20", "alice", "DONE")],
        "comments": [(0, "15:20", "alice", "A안이 제품을 더 잘 설명해요. A안으로 가죠!")],
    },
    {
        "key": "css",
        "title": "반응형 CSS + 빌드 파이프라인 / Responsive CSS",
        "description": "Mobile first, breakpoints at 640px and 1024px.",
        "creator": "david",
        "assignee": "david",
        "created": (0, "09:10"),
        "due": 3,
        "labels": ["frontend"],
        "moves": [(0, "09:11", "david", "IN_PROGRESS"), (3, "10:12", "david", "REVIEW")],
    },
    {
        "key": "logo",
        "title": "로고 디자인 시안 3개 / Logo design",
        "description": "금요일까지 시안 3개",
        "creator": "alice",
        "assignee": "bob",
        "created": (0, "09:15"),
        "due": 4,
        "priority": "high",
        "labels": ["design", "brand"],
        "moves": [(1, "09:00", "bob", "IN_PROGRESS"), (2, "09:20", "bob", "REVIEW"), (2, "09:40", "alice", "DONE")],
        "comments": [(2, "09:40", "alice", "2번(말풍선 + 체크 모양)으로 확정합니다.")],
    },
    # The stand-up's action items.
    {
        "key": "screenshots",
        "title": "기능 소개 스크린샷 3장 / Feature screenshots",
        "description": "chat, timeline, dashboard — 2x export",
        "creator": "alice",
        "assignee": "david",
        "created": (1, "09:47"),
        "due": 1,
        "labels": ["assets"],
        "meeting": True,
        "moves": [(1, "11:34", "david", "IN_PROGRESS"), (1, "16:45", "david", "DONE")],
    },
    {
        "key": "pricing-fix",
        "title": "가격표 모바일 레이아웃 수정 (<400px) / Pricing table fix",
        "creator": "alice",
        "assignee": "david",
        "created": (1, "09:48"),
        "due": 3,
        "priority": "high",
        "labels": ["frontend", "bug"],
        "meeting": True,
        "moves": [(2, "13:05", "david", "IN_PROGRESS"), (3, "10:12", "david", "DONE")],
    },
    {
        "key": "qa-checklist",
        "title": "QA 체크리스트 작성 / QA checklist",
        "creator": "alice",
        "assignee": "alice",
        "created": (1, "09:49"),
        "due": 3,
        "labels": ["qa"],
        "meeting": True,
        "moves": [(3, "09:30", "alice", "IN_PROGRESS"), (3, "13:50", "alice", "DONE")],
    },
    {
        "key": "logo-files",
        "title": "로고 최종 파일 전달 (SVG/PNG) / Final logo files",
        "creator": "alice",
        "assignee": "bob",
        "created": (1, "09:49"),
        "due": 4,
        "labels": ["design", "brand"],
        "meeting": True,
        "moves": [],
    },
]

MEETING: dict[str, Any] = {
    "start": (1, "09:30"),
    "end": (1, "09:50"),
    "attendees": ["alice", "bob", "carol", "david"],
    "agenda": [
        ("alice", "이번 주 목표: 랜딩 페이지 금요일 오픈", "히어로 → 기능 소개 → 가격표 → 푸터 순서"),
        ("bob", "와이어프레임 리뷰 & 로고 시안 진행 상황", "로고 시안 3개는 금요일까지"),
        ("carol", "히어로 카피 A/B 결정, 가격표 문구", ""),
        ("david", "Responsive CSS, build pipeline, screenshots", "Pricing table breaks below 400px"),
    ],
    "decisions": [
        (1, "09:40", "alice", '히어로 카피는 A안("팀의 모든 대화를 기억하는 협업 공간")으로 확정'),
        (1, "09:44", "alice", "QA는 목요일 오후 2시 시작, 배포는 금요일 오전 11시"),
    ],
    "notes": "컬러 팔레트는 내일 확정. 스크린샷은 2x(retina)로 export.",
}


def load_board(hub: Any, project_id: int, base: datetime) -> dict[str, Any]:
    """Add the demo tasks and stand-up to the demo project; returns what was added."""

    def at(day: int, hhmm: str) -> datetime:
        hh, mm = (int(x) for x in hhmm.split(":"))
        return base + timedelta(days=day, hours=hh, minutes=mm)

    def iso(day: int, hhmm: str) -> str:
        return at(day, hhmm).isoformat()

    due = lambda day: (base + timedelta(days=day)).date().isoformat()  # noqa: E731
    task_rows = []
    posts: list[tuple[str, datetime, str, str, str]] = []  # (external id, when, author, text, task key)
    for t in TASKS:
        detail = {
            "assignee": NAMES[t["assignee"]],
            "due_date": due(t["due"]),
            "priority": t.get("priority", "normal"),
            "labels": t["labels"],
            "meeting": MEETING_TITLE if t.get("meeting") else None,
        }
        events = [{"actor": t["creator"], "event": "created", "to": "TODO", "detail": detail, "at": iso(*t["created"])}]
        text = describe_event(
            NAMES[t["creator"]], t["title"], "created", None, "TODO", {**detail, "description": t.get("description")}
        )
        posts.append((f"demo-task-{t['key']}-0", at(*t["created"]), t["creator"], text, t["key"]))
        status = "TODO"
        for n, (day, hhmm, who, to) in enumerate(t["moves"], start=1):
            events.append({"actor": who, "event": "moved", "from": status, "to": to, "at": iso(day, hhmm)})
            text = describe_event(NAMES[who], t["title"], "moved", status, to, None)
            posts.append((f"demo-task-{t['key']}-{n}", at(day, hhmm), who, text, t["key"]))
            status = to
        comments = []
        for n, (day, hhmm, who, body) in enumerate(t.get("comments", []), start=1):
            comments.append({"author": who, "content": body, "at": iso(day, hhmm)})
            events.append({"actor": who, "event": "commented", "at": iso(day, hhmm)})
            text = describe_event(NAMES[who], t["title"], "commented", None, None, None) + f": {body}"
            posts.append((f"demo-task-{t['key']}-c{n}", at(day, hhmm), who, text, t["key"]))
        last = max([t["created"], *[(d, h) for d, h, *_ in t["moves"]]], key=lambda x: at(*x))
        task_rows.append(
            {
                "id": f"demo-task-{t['key']}",
                "title": t["title"],
                "description": t.get("description", ""),
                "status": status,
                "assignee": t["assignee"],
                "due_date": due(t["due"]),
                "priority": t.get("priority", "normal"),
                "labels": t["labels"],
                "created_by": t["creator"],
                "created_at": iso(*t["created"]),
                "updated_at": iso(*last),
                "events": events,
                "comments": comments,
            }
        )
    m = MEETING
    from_meeting = [t for t in TASKS if t.get("meeting")]
    meeting_row = {
        "id": MEETING_ID,
        "title": MEETING_TITLE,
        "status": "ended",
        "started_by": "alice",
        "started_at": iso(*m["start"]),
        "ended_at": iso(*m["end"]),
        "notes": m["notes"],
        "decisions": [{"text": text, "at": iso(d, h), "by_name": NAMES[who]} for d, h, who, text in m["decisions"]],
        "attendees": m["attendees"],
        "agenda": [
            {"position": i, "presenter": who, "topic": topic, "details": details}
            for i, (who, topic, details) in enumerate(m["agenda"], start=1)
        ],
        "action_items": [
            {
                "title": t["title"],
                "assignee": t["assignee"],
                "due_date": due(t["due"]),
                "task": f"demo-task-{t['key']}",
                "created_at": iso(*t["created"]),
            }
            for t in from_meeting
        ],
        "tasks": [f"demo-task-{t['key']}" for t in from_meeting],
    }
    start = at(*m["start"])
    attendees = ", ".join(sorted(NAMES[u] for u in m["attendees"]))
    posts.append(
        (
            "demo-meeting-1-start",
            start,
            "alice",
            f"Alice started the meeting '{MEETING_TITLE}' (attendees: {attendees})",
            "",
        )
    )
    for i, (who, topic, details) in enumerate(m["agenda"], start=1):
        text = f"Alice added to the agenda of '{MEETING_TITLE}': {i}. {topic} (presenter: {NAMES[who]})"
        text += f" — {details}" if details else ""
        posts.append((f"demo-meeting-1-agenda-{i}", start + timedelta(minutes=i), "alice", text, ""))
    for i, (day, hhmm, who, text) in enumerate(m["decisions"], start=1):
        posts.append(
            (
                f"demo-meeting-1-decision-{i}",
                at(day, hhmm),
                who,
                f"{NAMES[who]} recorded a decision in '{MEETING_TITLE}': {text}",
                "",
            )
        )

    with write_tx(hub.engine) as conn:
        tasks_added = restore_tasks(hub.accounts, conn, project_id, task_rows)
        meetings_added = restore_meetings(hub.accounts, conn, project_id, [meeting_row])
        task_ids = dict(
            conn.execute(
                select(tasks.c.external_id, tasks.c.id).where(
                    tasks.c.project_id == project_id, tasks.c.external_id.like("demo-task-%")
                )
            ).all()
        )
        meeting_id = conn.execute(
            select(meetings.c.id).where(meetings.c.project_id == project_id, meetings.c.external_id == MEETING_ID)
        ).scalar_one()
    items = []
    for ext, when, who, text, key in posts:
        is_task = bool(key)
        meta = {"task_id": task_ids[f"demo-task-{key}"]} if is_task else {"meeting_id": meeting_id}
        items.append(
            ImportItem(
                author=who,
                content=text,
                created_at=when,
                role="system",
                kind="task" if is_task else "meeting",
                external_id=ext,
                meta=meta,
            )
        )
    items.sort(key=lambda it: it.created_at)
    result = hub.messages.import_items(project_id=project_id, items=items)

    # The summary is the structured recap of the restored meeting, saved like MeetingService.end does.
    meeting = hub.meetings.get(actor_id=None, meeting_id=meeting_id)
    if meeting.summary is None:
        recap = structured_recap(
            meeting, utc_offset_min=int(base.utcoffset().total_seconds() // 60) if base.tzinfo else 0
        )
        hub.messages.import_items(
            project_id=project_id,
            items=[
                ImportItem(
                    author="alice",
                    content=f"Alice ended the meeting '{MEETING_TITLE}'. Summary:\n{recap}",
                    created_at=at(*m["end"]),
                    role="system",
                    kind="meeting",
                    external_id="demo-meeting-1-summary",
                    meta={"meeting_id": meeting_id, "event": "ended", "summary_source": "recap"},
                )
            ],
        )
        with write_tx(hub.engine) as conn:
            summary_id = conn.execute(
                select(messages.c.id).where(
                    messages.c.project_id == project_id, messages.c.external_id == "demo-meeting-1-summary"
                )
            ).scalar_one_or_none()
            conn.execute(
                update(meetings).where(meetings.c.id == meeting_id).values(summary=recap, summary_message_id=summary_id)
            )
    return {"tasks": tasks_added, "meetings": meetings_added, "board_messages": result.added}
