"""Project isolation: two projects with near-identical content. Search, timeline, export and the
assistant's context for a user of one never include the other, and every read of the other project
looks exactly like a project that does not exist (NotFoundError)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from collab_core.errors import NotFoundError
from collab_core.hub import Hub
from collab_core.models import Project, User
from collab_core.ops.backup import export_backup
from collab_core.settings import Settings

# Near-identical conversations; only the marker words (ALPHA / BRAVO) and small details differ.
SCRIPT = [
    ("lead", "배포 일정은 금요일 오후 {hour}시로 확정합니다 ({marker} release)"),
    ("dev", "The deploy checklist for {marker} is in the shared drive"),
    ("lead", "로고 시안은 {marker} 팀 디자이너가 목요일까지 올려 주세요"),
    ("dev", "일정 변경 있으면 바로 알려 주세요 — {marker} budget is 3{hour}00 USD"),
]


@dataclass
class Side:
    project: Project
    lead: User
    dev: User
    message_ids: set[int]
    marker: str


@dataclass
class Pair:
    hub: Hub
    a: Side
    b: Side
    both: User  # a member of both projects


def _side(hub: Hub, name: str, marker: str, hour: int, both: User) -> Side:
    lead = hub.accounts.create_user(username=f"{name}_lead", display_name=f"{marker.title()} Lead")
    dev = hub.accounts.create_user(username=f"{name}_dev", display_name=f"{marker.title()} Dev")
    project = hub.accounts.create_project(actor_id=lead.id, name=f"Launch {marker} ({name})")
    hub.accounts.set_member(actor_id=lead.id, project_id=project.id, user_id=dev.id, role="member")
    hub.accounts.set_member(actor_id=lead.id, project_id=project.id, user_id=both.id, role="viewer")
    who = {"lead": lead, "dev": dev}
    ids = set()
    for role, text in SCRIPT:
        m = hub.messages.post(
            actor_id=who[role].id, project_id=project.id, content=text.format(marker=marker, hour=hour)
        )
        ids.add(m.id)
    task = hub.tasks.create_task(actor_id=dev.id, project_id=project.id, title=f"{marker} 랜딩 페이지 배포")
    ids.update(m.id for m in hub.messages.latest(actor_id=None, project_id=project.id, limit=50))
    meeting = hub.meetings.start(actor_id=lead.id, project_id=project.id, title=f"{marker} 주간 회의")
    hub.meetings.add_decision(actor_id=lead.id, meeting_id=meeting.id, text=f"{marker} 배포는 금요일")
    assert task.project_id == project.id
    ids.update(m.id for m in hub.messages.latest(actor_id=None, project_id=project.id, limit=50))
    return Side(project, lead, dev, ids, marker)


_pairs = itertools.count(1)


def _pair(hub: Hub) -> Pair:
    n = next(_pairs)
    both = hub.accounts.create_user(username=f"both{n}", display_name="Both Sides")
    a = _side(hub, f"alpha{n}", "ALPHA", 3, both)
    b = _side(hub, f"bravo{n}", "BRAVO", 4, both)
    assert not (a.message_ids & b.message_ids)
    return Pair(hub, a, b, both)


@pytest.fixture(scope="module")
def shared_hub(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[Hub]:
    """One hub for the module; the read-only tests share one pair of projects."""
    settings = Settings.load(env_file=None, data_dir=tmp_path_factory.mktemp("iso") / "data", database_url="")
    h = Hub.open(settings, embedder=embedder)
    yield h
    h.close()


@pytest.fixture(scope="module")
def pair(shared_hub: Hub) -> Pair:
    """Read-only tests only: nothing may change these two projects."""
    return _pair(shared_hub)


@pytest.fixture
def fresh_pair(shared_hub: Hub) -> Pair:
    """For tests that write (ask, remove a member)."""
    return _pair(shared_hub)


QUERIES = ["배포 일정", "일정", "deploy checklist", "로고 시안", "budget", "금요일 오후", "BRAVO", "ALPHA"]


@pytest.mark.parametrize("query", QUERIES)
def test_search_never_crosses_projects(pair: Pair, query: str) -> None:
    hub = pair.hub
    for side, other in ((pair.a, pair.b), (pair.b, pair.a)):
        for user in (side.dev, pair.both):
            hits = hub.search.search(actor_id=user.id, project_id=side.project.id, query=query, limit=50)
            assert {h.message.project_id for h in hits} <= {side.project.id}
            assert not {h.message.id for h in hits} & other.message_ids
            assert all(other.marker not in h.message.content for h in hits)
    # The semantic side on its own: a project's collection holds only its own messages.
    for side, other in ((pair.a, pair.b), (pair.b, pair.a)):
        sem = hub.memory.search(side.project.id, query, limit=100)
        assert not {h.message_id for h in sem} & other.message_ids


def test_the_shared_marker_word_is_found_only_in_its_own_project(pair: Pair) -> None:
    hub = pair.hub
    hits = hub.search.search(actor_id=pair.a.dev.id, project_id=pair.a.project.id, query="BRAVO", limit=50)
    assert all("BRAVO" not in h.message.content for h in hits)
    hits = hub.search.search(actor_id=pair.b.dev.id, project_id=pair.b.project.id, query="BRAVO release", limit=5)
    assert hits and "BRAVO" in hits[0].message.content


def test_timeline_and_every_read_stay_in_the_project(pair: Pair) -> None:
    hub, a, b = pair.hub, pair.a, pair.b
    page = hub.messages.timeline(actor_id=a.dev.id, project_id=a.project.id, limit=500)
    assert {m.id for m in page.items} == a.message_ids
    assert all("BRAVO" not in m.content for m in page.items)
    assert {m.id for m in hub.messages.latest(actor_id=pair.both.id, project_id=b.project.id, limit=500)} == (
        b.message_ids
    )
    any_b = next(iter(b.message_ids))
    reads: list[Callable[[], Any]] = [
        lambda: hub.messages.timeline(actor_id=a.dev.id, project_id=b.project.id),
        lambda: hub.messages.latest(actor_id=a.dev.id, project_id=b.project.id),
        lambda: hub.messages.get(actor_id=a.dev.id, message_id=any_b),
        lambda: hub.messages.around(actor_id=a.dev.id, message_id=any_b),
        lambda: hub.messages.group_by_author(actor_id=a.dev.id, project_id=b.project.id),
        lambda: hub.messages.contributions(actor_id=a.dev.id, project_id=b.project.id),
        lambda: hub.search.search(actor_id=a.dev.id, project_id=b.project.id, query="배포"),
        lambda: hub.accounts.get_project(actor_id=a.dev.id, project_id=b.project.id),
        lambda: hub.accounts.list_members(actor_id=a.dev.id, project_id=b.project.id),
        lambda: hub.tasks.list_tasks(actor_id=a.dev.id, project_id=b.project.id),
        lambda: hub.meetings.list_meetings(actor_id=a.dev.id, project_id=b.project.id),
        lambda: export_backup(hub, actor_id=a.dev.id, project_ids=[b.project.id]),
        lambda: hub.assistant.build_context(actor_id=a.dev.id, project_id=b.project.id, question="배포 일정?"),
    ]
    for read in reads:
        with pytest.raises(NotFoundError) as err:
            read()
        # The same answer as for a project id that does not exist at all.
        assert "does not exist" in str(err.value)
    assert [p.id for p in hub.accounts.list_projects(user_id=a.dev.id)] == [a.project.id]


def test_export_contains_only_member_projects(pair: Pair) -> None:
    hub, a = pair.hub, pair.a
    data = export_backup(hub, actor_id=a.dev.id)
    assert [p["name"] for p in data["projects"]] == [a.project.name]
    raw = json.dumps(data, ensure_ascii=False)
    assert "BRAVO" not in raw and "bravo" not in raw
    both = export_backup(hub, actor_id=pair.both.id)
    assert sorted(p["name"] for p in both["projects"]) == sorted([a.project.name, pair.b.project.name])


@pytest.mark.parametrize(
    "question", ["배포 일정은 언제야?", "What is the deploy checklist and budget?", "로고 시안 누가 해?"]
)
def test_assistant_context_never_includes_the_other_project(pair: Pair, question: str) -> None:
    hub = pair.hub
    for side, other in ((pair.a, pair.b), (pair.b, pair.a)):
        ctx = hub.assistant.build_context(actor_id=side.dev.id, project_id=side.project.id, question=question)
        assert ctx.messages, "the context should find this project's own messages"
        assert ctx.message_ids <= side.message_ids
        assert other.marker not in ctx.text
        assert other.lead.display_name not in ctx.text and other.dev.display_name not in ctx.text


def test_assistant_answer_for_a_member_of_both_uses_only_the_asked_project(fresh_pair: Pair) -> None:
    pair = fresh_pair
    hub, a, b = pair.hub, pair.a, pair.b
    answer = hub.assistant.ask(actor_id=a.dev.id, project_id=a.project.id, question="@ai 배포 일정은 언제야?")
    assert "BRAVO" not in answer.text
    assert all(c.message_id in a.message_ids for c in answer.citations)
    assert answer.message.project_id == a.project.id
    assert not {m.id for m in hub.messages.latest(actor_id=b.dev.id, project_id=b.project.id, limit=500)} - (
        b.message_ids
    )


def test_removed_member_loses_access_immediately(fresh_pair: Pair) -> None:
    pair = fresh_pair
    hub, a, b = pair.hub, pair.a, pair.b
    hub.accounts.remove_member(actor_id=a.lead.id, project_id=a.project.id, user_id=pair.both.id)
    with pytest.raises(NotFoundError):
        hub.messages.timeline(actor_id=pair.both.id, project_id=a.project.id)
    with pytest.raises(NotFoundError):
        hub.search.search(actor_id=pair.both.id, project_id=a.project.id, query="배포")
    assert [p.id for p in hub.accounts.list_projects(user_id=pair.both.id)] == [b.project.id]
