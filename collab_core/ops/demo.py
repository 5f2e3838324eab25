"""The demo project: the landing-page team from the Korean tutorial this project grew from."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from collab_core.chat.message_values import ImportItem
from collab_core.errors import ConflictError
from collab_core.hub import Hub
from collab_core.ops.demo_board import load_board
from collab_core.store.engine import utcnow, write_tx
from collab_core.store.schema import memberships, users

KST = timezone(timedelta(hours=9))

MEMBERS = [
    ("alice", "Alice", "owner"),
    ("bob", "Bob", "admin"),
    ("carol", "Carol", "member"),
    ("david", "David", "member"),
]

# (day offset, "HH:MM", author, text)
SCRIPT: list[tuple[int, str, str, str]] = [
    (
        0,
        "09:02",
        "Alice",
        "안녕하세요 여러분! 이번 주 목표는 새 랜딩 페이지 오픈입니다 🚀 히어로 섹션, 기능 소개, 가격표, 푸터 순서로 갑니다.",
    ),
    (0, "09:05", "Bob", "좋아요. 와이어프레임은 제가 오늘 오후까지 Figma에 올릴게요."),
    (0, "09:07", "Carol", "히어로 섹션 카피는 제가 맡을게요. 초안 두 가지 버전으로 준비하겠습니다."),
    (
        0,
        "09:10",
        "David",
        "I'll handle the responsive CSS and the build pipeline. Mobile first, breakpoints at 640px and 1024px.",
    ),
    (0, "09:15", "Alice", "로고는 Bob이 디자인해 주세요. 금요일까지 시안 3개 부탁해요."),
    (0, "14:30", "Bob", "와이어프레임 업로드했습니다: 히어로 → 기능 3칸 그리드 → 고객 후기 → 가격표 → CTA 순서예요."),
    (
        0,
        "15:12",
        "Carol",
        '히어로 카피 초안 A: "팀의 모든 대화를 기억하는 협업 공간" / 초안 B: "회의는 짧게, 기록은 완벽하게"',
    ),
    (0, "15:20", "Alice", "A안이 제품을 더 잘 설명하는 것 같아요. A안으로 가죠!"),
    (
        1,
        "10:01",
        "David",
        "Color palette proposal: primary #3B82F6 (blue), accent #EF4444 (red) for alerts only, success #10B981 (green).",
    ),
    (1, "10:05", "Bob", "#3B82F6 좋네요. 버튼이랑 링크는 primary로 통일하고, 빨간색은 에러 메시지에만 쓰죠."),
    (1, "10:09", "Alice", "컬러 팔레트 확정: #3B82F6 / #EF4444 / #10B981. 디자인 시스템 문서에 반영해 주세요."),
    (1, "11:30", "Carol", "기능 소개 섹션 스크린샷이 필요해요. 앱 화면 캡처 3장 누가 찍어줄 수 있나요?"),
    (1, "11:34", "David", "I can take the screenshots this afternoon — chat, timeline and the dashboard."),
    (1, "16:45", "David", "Screenshots are in the shared drive (/assets/screens). Exported at 2x for retina."),
    (2, "09:20", "Bob", "로고 시안 3개 올렸어요. 개인적으로는 2번(말풍선 + 체크 모양)이 제일 좋아요."),
    (2, "09:40", "Alice", "저도 2번이요! 로고는 2번으로 확정합니다."),
    (
        2,
        "13:05",
        "David",
        "Responsive CSS is done for the hero and features grid. The pricing table still breaks below 400px.",
    ),
    (2, "13:30", "Carol", "가격표 문구도 다듬었어요. 무료 / 팀 / 엔터프라이즈 3단계로 정리했습니다."),
    (3, "10:00", "Alice", "QA 일정 공유합니다: 목요일 오후 2시부터 QA 시작, 금요일 오전 11시 배포 예정이에요."),
    (3, "10:12", "David", "Pricing table fix is merged. QA can start Thursday 2pm as planned."),
    (3, "15:00", "Bob", "QA 중 발견: 모바일에서 히어로 이미지가 잘려요. David 확인 부탁해요."),
    (3, "15:40", "David", "Fixed the hero image crop on mobile (object-fit: cover + focal point). Please re-check."),
    (4, "11:05", "Alice", "배포 완료! 🎉 모두 수고 많으셨어요. 다음 주 월요일에 회고 미팅 해요."),
]

# The features' parts of the demo, in order: fn(hub, project_id, base) -> dict (the task board and stand-up).
DEMO_PARTS = (load_board,)


DEMO_NAME = "Landing Page Team"


def demo_start(now: datetime | None = None) -> datetime:
    """Midnight (KST) of the demo's first day, so that its last message lies just behind now.

    The script spans five days; its last day is today when its last message's time has passed,
    otherwise yesterday. So the demo's week is always the current one and the dashboard looks alive.
    """
    now = (now or datetime.now(KST)).astimezone(KST)
    last_day, last_time = SCRIPT[-1][0], SCRIPT[-1][1]
    hh, mm = (int(x) for x in last_time.split(":"))
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    base = today - timedelta(days=last_day)
    if base + timedelta(days=last_day, hours=hh, minutes=mm) > now:
        base -= timedelta(days=1)
    return base


def demo_name_for(hub: Hub, *, user_id: int, username: str) -> str:
    """The demo project name a user may load: the default one unless it is someone else's project.

    load_demo(owner_id=...) makes the user an owner of the project with that name, so it must never
    be a project the user does not already own: then the user's own demo name is used.
    """
    owned = {p.name for p in hub.accounts.list_projects(user_id=user_id) if p.role == "owner"}
    for name in (DEMO_NAME, f"{DEMO_NAME} ({username})"):
        if name in owned or hub.accounts.find_project(name) is None:
            return name
    raise ConflictError(f"A project named '{DEMO_NAME} ({username})' already exists.")


def load_demo(
    hub: Hub,
    *,
    project_name: str = DEMO_NAME,
    start: datetime | None = None,
    owner_id: int | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Create the demo project and its members and import the conversation (idempotent).

    With owner_id (the app's "load demo" button), that user joins as owner so they can see it. The
    conversation is dated relative to now (demo_start) unless start is given.
    """
    project = hub.accounts.find_project(project_name) or hub.accounts.create_project(
        actor_id=None, name=project_name, description="랜딩 페이지 제작 팀 데모 / Landing page team demo"
    )
    base = start.replace(hour=0, minute=0, second=0, microsecond=0) if start else demo_start(now)
    with write_tx(hub.engine) as conn:
        for username, display, role in MEMBERS:
            uid = hub.accounts.ensure_user(conn, username)
            conn.execute(
                memberships.delete().where(memberships.c.project_id == project.id, memberships.c.user_id == uid)
            )
            conn.execute(memberships.insert().values(project_id=project.id, user_id=uid, role=role, joined_at=utcnow()))
            # Only the demo's own password-less accounts get renamed; a real account keeps its name.
            conn.execute(
                users.update().where(users.c.id == uid, users.c.password_hash.is_(None)).values(display_name=display)
            )
        if owner_id is not None:
            conn.execute(
                memberships.delete().where(memberships.c.project_id == project.id, memberships.c.user_id == owner_id)
            )
            conn.execute(
                memberships.insert().values(project_id=project.id, user_id=owner_id, role="owner", joined_at=utcnow())
            )
    items = []
    for i, (day, hhmm, author, text) in enumerate(SCRIPT):
        hh, mm = (int(x) for x in hhmm.split(":"))
        ts = base + timedelta(days=day, hours=hh, minutes=mm)
        items.append(ImportItem(author=author.lower(), content=text, created_at=ts, external_id=f"demo-{i + 1:03d}"))
    result = hub.messages.import_items(project_id=project.id, items=items)
    extra: dict[str, Any] = {}
    for hook in DEMO_PARTS:
        extra.update(hook(hub, project.id, base) or {})
    return {"project": project_name, "project_id": project.id, "messages": result.added, **extra}


def set_demo_logins(hub: Hub, *, password: str) -> list[str]:
    """Give the demo's people (alice, bob, carol, david) a password so one can look at the demo as them.

    The operator's command (`demo --logins`); accounts that sign in with SSO are left alone.
    Returns the usernames that got the password.
    """
    done = []
    for username, _display, _role in MEMBERS:
        user = hub.accounts.find_user(username)
        if user is None:
            continue
        try:
            hub.auth.set_password(actor_id=None, user_id=user.id, password=password)
        except ConflictError:  # an SSO account: its password lives with the identity provider
            continue
        done.append(username)
    return done
