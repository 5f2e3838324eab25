"""Summaries (all time, date range, since the last visit) and action items (schema-validated, retried
once, never half-applied, accepted into tasks) through the real client against the fake LLM server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from collab_core.assistant.values import ActionItem
from collab_core.chat.message_values import ImportItem
from collab_core.errors import LLMOutputError, PermissionDeniedError
from collab_core.hub import Hub
from collab_core.settings import Settings
from collab_core.store.engine import write_tx
from collab_core.store.schema import memberships
from tests.conftest import Team
from tests.fake_llm import FakeLLM, Reply

KST = timezone(timedelta(hours=9))


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        yield server


@pytest.fixture
def ai_hub(settings: Settings, embedder, fake: FakeLLM) -> Iterator[Hub]:
    s = replace(settings, openai_base_url=fake.url, openai_api_key="sk-test", llm_max_retries=0, llm_timeout_s=2.0)
    h = Hub.open(s, embedder=embedder)
    yield h
    h.close()


def sprint(hub: Hub, team: Team) -> dict[str, int]:
    """Three days of chat by the team's members (external ids d1..d5); returns external id -> message id."""
    chat = [
        ("team_admin", datetime(2025, 3, 2, 10, 0, tzinfo=KST), "Kickoff: scope is home, transfer and onboarding."),
        ("team_member", datetime(2025, 3, 2, 11, 0, tzinfo=KST), "I'll draft the onboarding wireframes by 3/6."),
        ("team_admin", datetime(2025, 3, 3, 9, 0, tzinfo=KST), "Decided: main colour is #1E5EFF."),
        ("team_member", datetime(2025, 3, 4, 15, 0, tzinfo=KST), "Can someone book the usability lab for next week?"),
        ("team_admin", datetime(2025, 3, 4, 16, 0, tzinfo=KST), "The demo moved to 3/25 because of the audit."),
    ]
    items = [ImportItem(author=a, content=c, created_at=t, external_id=f"d{i + 1}") for i, (a, t, c) in enumerate(chat)]
    hub.messages.import_items(project_id=team.pid, items=items)
    page = hub.messages.timeline(actor_id=None, project_id=team.pid, limit=50)
    return {m.external_id: m.id for m in page.items}


def context_ids(fake: FakeLLM) -> set[int]:
    data = fake.requests[-1]["messages"][1]["content"]
    return {int(line.split(" ", 1)[0][1:]) for line in data.splitlines() if line.startswith("#")}


def test_summary_all_time_cites_messages_and_drops_invalid_ids(ai_hub, fake):
    team = Team(ai_hub)
    ids = sprint(ai_hub, team)
    fake.script(
        Reply(text=f"- Scope: home, transfer, onboarding [#{ids['d1']}]\n- Demo moved to 3/25 [#{ids['d5']}][#424242]")
    )
    s = ai_hub.assistant.summarize(actor_id=team.users["member"].id, project_id=team.pid, language="en")
    assert s.generated and s.message_count == 5 and s.used_messages == 5
    assert [c.message_id for c in s.citations] == [ids["d1"], ids["d5"]] and s.invalid_citations == ("424242",)
    assert "[#424242]" not in s.text
    assert context_ids(fake) == set(ids.values())
    assert "Answer in English" in fake.requests[-1]["messages"][0]["content"]


def test_summary_of_a_date_range_only_shows_that_range(ai_hub, fake):
    team = Team(ai_hub)
    ids = sprint(ai_hub, team)
    fake.script(Reply(text="요약"))
    s = ai_hub.assistant.summarize(
        actor_id=None, project_id=team.pid, start=date(2025, 3, 3), end=date(2025, 3, 4), language="ko"
    )
    assert s.message_count == 3
    assert context_ids(fake) == {ids["d3"], ids["d4"], ids["d5"]}
    assert "Korean" in fake.requests[-1]["messages"][0]["content"]


def test_summary_since_my_last_visit(ai_hub, fake):
    team = Team(ai_hub)
    sprint(ai_hub, team)
    member = team.users["member"]
    assert ai_hub.assistant.record_visit(actor_id=member.id, project_id=team.pid) is None  # the first visit
    assert ai_hub.assistant.last_visit(actor_id=member.id, project_id=team.pid) is None
    new = team.post("admin", "New: the build freeze is Thursday 18:00.")
    # Back an hour later: "since my last visit" starts where the first visit ended.
    later = datetime.now(UTC) + timedelta(hours=1)
    visit = ai_hub.visits.record(user_id=member.id, project_id=team.pid, now=later)
    seen = ai_hub.assistant.last_visit(actor_id=member.id, project_id=team.pid)
    assert seen is not None and seen.tzinfo is UTC and seen == visit.since < new.created_at
    fake.script(Reply(text=f"Build freeze Thursday [#{new.id}]."))
    s = ai_hub.assistant.summarize(actor_id=member.id, project_id=team.pid, since_last_visit=True)
    assert s.message_count == 1 and context_ids(fake) == {new.id}
    assert [c.message_id for c in s.citations] == [new.id]


def test_summary_without_llm_is_an_overview_that_says_generation_is_off(hub):
    team = Team(hub)
    ids = sprint(hub, team)
    s = hub.assistant.summarize(actor_id=None, project_id=team.pid)
    assert not s.generated and "generation is off" in s.text and "OPENAI_API_KEY" in s.text
    assert "5 messages" in s.text and "Team Admin 3" in s.text
    assert f"[#{ids['d3']}]" in s.text and f"[#{ids['d5']}]" in s.text  # decisions and changes are listed


def test_nothing_new_since_last_visit(hub):
    team = Team(hub)
    sprint(hub, team)
    member = team.users["member"]
    with write_tx(hub.engine) as conn:
        conn.execute(
            memberships.update()
            .where(memberships.c.user_id == member.id, memberships.c.project_id == team.pid)
            .values(last_seen_at=datetime(2031, 1, 1))
        )
    s = hub.assistant.summarize(actor_id=member.id, project_id=team.pid, since_last_visit=True)
    assert s.message_count == 0 and s.text.startswith("No new messages since 2031-01-01")


# -- action items ---------------------------------------------------------------------------------


def good_items(ids: dict[str, int]) -> str:
    return json.dumps(
        {
            "items": [
                {
                    "title": "Draft onboarding wireframes",
                    "owner": "Team Member",
                    "due_date": "2030-03-06",
                    "source_message_ids": [ids["d2"]],
                },
                {"title": "Book the usability lab", "owner": None, "due_date": None, "source_message_ids": [ids["d4"]]},
            ]
        }
    )


def test_action_items_are_validated_and_owner_is_resolved(ai_hub, fake):
    team = Team(ai_hub)
    ids = sprint(ai_hub, team)
    fake.script(Reply(text=good_items(ids)))
    result = ai_hub.assistant.extract_action_items(actor_id=team.users["member"].id, project_id=team.pid)
    assert result.generated and result.attempts == 1 and result.message_count == 5
    first, second = result.items
    assert first == ActionItem(
        "Draft onboarding wireframes", "Team Member", team.users["member"].id, date(2030, 3, 6), (ids["d2"],)
    )
    assert second.owner is None and second.owner_id is None and second.due_date is None
    assert fake.requests[-1]["response_format"] == {"type": "json_object"}


def test_invalid_output_is_retried_once_with_the_errors(ai_hub, fake):
    team = Team(ai_hub)
    ids = sprint(ai_hub, team)
    bad = {"items": [{"title": "Book lab", "owner": None, "due_date": "next week", "source_message_ids": [99999]}]}
    fake.script(Reply(text=json.dumps(bad)), Reply(text=good_items(ids)))
    result = ai_hub.assistant.extract_action_items(actor_id=None, project_id=team.pid)
    assert result.attempts == 2 and len(result.items) == 2
    retry = fake.requests[-1]["messages"]
    assert retry[-2]["role"] == "assistant" and retry[-1]["role"] == "user"
    assert "due_date" in retry[-1]["content"] and "invalid" in retry[-1]["content"]


def test_invalid_twice_is_reported_and_nothing_is_applied(ai_hub, fake):
    team = Team(ai_hub)
    ids = sprint(ai_hub, team)
    half = {
        "items": [
            {"title": "Fine item", "owner": None, "due_date": None, "source_message_ids": [ids["d2"]]},
            {"title": "Broken", "owner": None, "due_date": "2030-02-30", "source_message_ids": [ids["d4"]]},
        ]
    }
    fake.script(Reply(text="not json at all"), Reply(text=json.dumps(half)))
    with pytest.raises(LLMOutputError, match="invalid action items twice, so nothing was applied") as err:
        ai_hub.assistant.extract_action_items(actor_id=None, project_id=team.pid)
    assert "2030-02-30" in str(err.value)
    assert ai_hub.tasks.list_tasks(actor_id=None, project_id=team.pid) == []


def test_accepting_items_creates_tasks_linked_to_their_message(ai_hub, fake):
    team = Team(ai_hub)
    ids = sprint(ai_hub, team)
    fake.script(Reply(text=good_items(ids)))
    member = team.users["member"]
    result = ai_hub.assistant.extract_action_items(actor_id=member.id, project_id=team.pid)
    tasks = ai_hub.assistant.accept_action_items(actor_id=member.id, project_id=team.pid, items=result.items)
    assert [(t.title, t.assignee, t.due_date, t.source_message_id) for t in tasks] == [
        ("Draft onboarding wireframes", "Team Member", date(2030, 3, 6), ids["d2"]),
        ("Book the usability lab", None, None, ids["d4"]),
    ]
    assert len(ai_hub.tasks.list_tasks(actor_id=member.id, project_id=team.pid)) == 2


def test_viewer_cannot_accept_and_no_task_is_created(hub):
    team = Team(hub)
    ids = sprint(hub, team)
    items = [ActionItem("Book the lab", None, None, None, (ids["d4"],))]
    with pytest.raises(PermissionDeniedError):
        hub.assistant.accept_action_items(actor_id=team.users["viewer"].id, project_id=team.pid, items=items)
    assert hub.tasks.list_tasks(actor_id=None, project_id=team.pid) == []


def test_action_items_without_llm_come_from_commitments_in_chat(hub):
    team = Team(hub)
    ids = sprint(hub, team)
    result = hub.assistant.extract_action_items(actor_id=None, project_id=team.pid)
    assert not result.generated
    by_source = {it.source_message_ids[0]: it for it in result.items}
    assert set(by_source) == {ids["d2"], ids["d4"]}
    assert by_source[ids["d2"]].owner == "Team Member" and by_source[ids["d2"]].due_date == date(2025, 3, 6)
