"""Outgoing webhooks against a real local HTTP receiver: success, retry, unreachable, never blocking."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from collab_core.errors import PermissionDeniedError, ValidationError
from collab_core.ops.diagnostics import diagnose
from collab_core.store.engine import write_tx


class Receiver:
    """A Slack-like endpoint on 127.0.0.1 that answers with scripted status codes (then 200)."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.gate: threading.Event | None = None  # when set up, answers wait until it opens
        self.received: list[dict] = []
        self.hits = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.hits += 1
                if receiver.gate is not None:
                    receiver.gate.wait(timeout=30)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if status == 200:
                    receiver.received.append(json.loads(body))
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"boom")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T000/B000"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    """The local receiver lives on 127.0.0.1: these tests allow private targets, as an operator can."""
    from dataclasses import replace

    return replace(settings, webhook_allow_private=True)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_task_assigned_is_delivered(hub, team, receiver):
    owner, member = team.users["owner"], team.users["member"]
    hub.notifier.set_webhook(actor_id=team.users["admin"].id, project_id=team.pid, url=receiver.url)
    t = hub.tasks.create_task(
        actor_id=owner.id, project_id=team.pid, title="Logo design", assignee_id=member.id, due_date="2030-05-10"
    )
    assert hub.notifier.flush(timeout=10)
    assert receiver.received == [{"text": "[Team] Team Owner assigned 'Logo design' to Team Member (due 2030-05-10)"}]
    hub.tasks.reassign(actor_id=member.id, task_id=t.id, assignee_id=team.users["admin"].id)
    hub.tasks.move_task(actor_id=member.id, task_id=t.id, status="DONE")  # a move is not a notification
    assert hub.notifier.flush(timeout=10)
    assert receiver.received[1:] == [
        {"text": "[Team] Team Member assigned 'Logo design' to Team Admin (due 2030-05-10)"}
    ]
    [d2, d1] = hub.notifier.deliveries(actor_id=owner.id, project_id=team.pid)
    assert (d1.event, d1.status, d1.attempts, d1.last_error) == ("task_assigned", "delivered", 1, None)
    assert d2.status == "delivered"


def test_server_error_then_retry_succeeds(hub, team, receiver):
    receiver.statuses = [500]
    hub.notifier.set_webhook(actor_id=None, project_id=team.pid, url=receiver.url)
    team.post("member", "@team_admin 배포 체크리스트 확인 부탁해요")
    assert hub.notifier.flush(timeout=10)
    assert receiver.hits == 2
    assert receiver.received == [
        {"text": "[Team] Team Member mentioned Team Admin: @team_admin 배포 체크리스트 확인 부탁해요"}
    ]
    [d] = hub.notifier.deliveries(actor_id=None, project_id=team.pid)
    assert (d.event, d.status, d.attempts) == ("mention", "delivered", 2)


def test_unreachable_webhook_is_recorded_and_the_action_is_not_lost(hub, team):
    url = f"http://127.0.0.1:{free_port()}/hook"
    hub.notifier.set_webhook(actor_id=None, project_id=team.pid, url=url)
    t = hub.tasks.create_task(
        actor_id=team.users["owner"].id, project_id=team.pid, title="Hero copy", assignee_id=team.users["member"].id
    )
    assert hub.notifier.flush(timeout=15)
    [d] = hub.notifier.deliveries(actor_id=None, project_id=team.pid)
    assert (d.status, d.attempts) == ("failed", hub.notifier.max_attempts)
    assert "ConnectError" in d.last_error
    # The action and its memory message are there.
    assert hub.tasks.get_task(actor_id=None, task_id=t.id).title == "Hero copy"
    assert hub.messages.latest(actor_id=None, project_id=team.pid)[-1].content.startswith(
        "Team Owner created task 'Hero copy'"
    )
    check = next(c for c in diagnose(hub).checks if c.name == "webhooks")
    assert check.status == "warn" and "1 failed" in check.detail and "ConnectError" in check.detail


def test_client_errors_are_not_retried(hub, team, receiver):
    receiver.statuses = [404]
    hub.notifier.set_webhook(actor_id=None, project_id=team.pid, url=receiver.url)
    hub.notifier.send_test(actor_id=team.users["admin"].id, project_id=team.pid)
    assert hub.notifier.flush(timeout=10)
    [d] = hub.notifier.deliveries(actor_id=None, project_id=team.pid)
    assert (d.status, d.attempts, receiver.hits) == ("failed", 1, 1)
    assert d.last_error.startswith("HTTP 404")


def test_a_hanging_webhook_never_blocks_the_action(hub, team, receiver):
    receiver.gate = threading.Event()  # the receiver holds every request until the test opens the gate
    hub.notifier.set_webhook(actor_id=None, project_id=team.pid, url=receiver.url)
    for i in range(3):
        hub.tasks.create_task(
            actor_id=team.users["owner"].id, project_id=team.pid, title=f"t{i}", assignee_id=team.users["member"].id
        )
    # All three actions returned while no webhook call had been answered.
    assert receiver.received == []
    assert len(hub.tasks.list_tasks(actor_id=None, project_id=team.pid)) == 3
    receiver.gate.set()
    assert hub.notifier.flush(timeout=30)
    # A request that timed out on our side is retried, so the receiver may see it twice (at least once).
    assert sorted({r["text"].split("'")[1] for r in receiver.received}) == ["t0", "t1", "t2"]
    assert {d.status for d in hub.notifier.deliveries(actor_id=None, project_id=team.pid)} == {"delivered"}


def test_meeting_summary_is_delivered(hub, team, receiver):
    hub.notifier.set_webhook(actor_id=None, project_id=team.pid, url=receiver.url)
    m = hub.meetings.start(actor_id=team.users["member"].id, project_id=team.pid, title="Stand-up")
    hub.meetings.add_agenda_item(actor_id=team.users["member"].id, meeting_id=m.id, topic="QA 일정")
    hub.meetings.end(actor_id=team.users["member"].id, meeting_id=m.id)
    assert hub.notifier.flush(timeout=10)
    [payload] = receiver.received
    assert payload["text"].startswith("[Team] Team Member ended 'Stand-up'.\nMeeting recap (회의 요약): Stand-up")
    assert "1. QA 일정" in payload["text"]


def test_no_webhook_no_deliveries_and_rolled_back_actions_send_nothing(hub, team, receiver):
    hub.tasks.create_task(
        actor_id=team.users["owner"].id, project_id=team.pid, title="quiet", assignee_id=team.users["member"].id
    )
    assert hub.notifier.deliveries(actor_id=None, project_id=team.pid) == []
    hub.notifier.set_webhook(actor_id=None, project_id=team.pid, url=receiver.url)
    with pytest.raises(RuntimeError), write_tx(hub.engine) as conn:
        hub.notifier.enqueue(conn, project_id=team.pid, event="mention", text="never committed")
        raise RuntimeError("the action failed")
    assert hub.notifier.flush(timeout=20)
    assert receiver.hits == 0 and hub.notifier.deliveries(actor_id=None, project_id=team.pid) == []


def test_webhook_settings_are_admin_only_and_validated(hub, team, receiver):
    with pytest.raises(PermissionDeniedError):
        hub.notifier.set_webhook(actor_id=team.users["member"].id, project_id=team.pid, url=receiver.url)
    with pytest.raises(PermissionDeniedError):
        hub.notifier.get_webhook(actor_id=team.users["member"].id, project_id=team.pid)
    for bad in ("ftp://example.com/x", "hooks.slack.com/services/x", "http://", "http://exa mple.com"):
        with pytest.raises(ValidationError, match="http"):
            hub.notifier.set_webhook(actor_id=team.users["admin"].id, project_id=team.pid, url=bad)
    hub.notifier.set_webhook(actor_id=team.users["admin"].id, project_id=team.pid, url=f"  {receiver.url} ")
    assert hub.notifier.get_webhook(actor_id=team.users["owner"].id, project_id=team.pid) == receiver.url
    hub.notifier.set_webhook(actor_id=team.users["admin"].id, project_id=team.pid, url="")
    assert hub.notifier.get_webhook(actor_id=None, project_id=team.pid) is None
    check = next(c for c in diagnose(hub).checks if c.name == "webhooks")
    assert check.status == "ok"
