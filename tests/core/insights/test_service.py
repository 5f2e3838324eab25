"""InsightService on a real database: chat -> stored commitments, decisions, proposals and risks; the
people's answers (apply, dismiss, acknowledge, snooze, assign) go through the normal services with roles."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from collab_core.errors import PermissionDeniedError, ValidationError
from collab_core.hub import Hub
from collab_core.ops.backup import export_backup, restore_backup
from collab_core.settings import Settings
from collab_core.store.engine import write_tx
from collab_core.store.schema import task_events, tasks


@pytest.fixture
def ins(hub):
    hub.insights.background = False  # the test drives each refresh with its own clock
    return hub.insights


def _task(team, title, *, assignee="member", status="IN_PROGRESS", priority="high", due=None, days_old=3):
    hub = team.hub
    owner = team.users["owner"].id
    t = hub.tasks.create_task(
        actor_id=owner,
        project_id=team.pid,
        title=title,
        assignee_id=team.users[assignee].id if assignee else None,
        priority=priority,
        due_date=due,
    )
    if status != "TODO":
        hub.tasks.move_task(actor_id=owner, task_id=t.id, status=status)
    # An existing board: the card and its history are from days ago, not from the minute of the message.
    old = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=days_old)
    with write_tx(hub.engine) as conn:
        conn.execute(update(tasks).where(tasks.c.id == t.id).values(created_at=old, updated_at=old))
        conn.execute(update(task_events).where(task_events.c.task_id == t.id).values(created_at=old))
    return t


def _now(hours: float = 0.0) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


def test_review_claim_becomes_a_proposal_applied_through_the_board(hub, team, ins):
    t = _task(team, "로그인 API")
    team.post("member", "로그인 API PR 올렸어요, 리뷰 부탁해요")
    ins.refresh(project_id=team.pid, now=_now())
    [p] = ins.proposals(actor_id=team.users["viewer"].id, project_id=team.pid)
    assert (p.task_id, p.from_status, p.to_status, p.author) == (t.id, "IN_PROGRESS", "REVIEW", "Team Member")
    with pytest.raises(PermissionDeniedError):
        ins.apply_proposal(actor_id=team.users["viewer"].id, proposal_id=p.id)
    assert hub.tasks.get_task(actor_id=None, task_id=t.id).status == "IN_PROGRESS"
    moved = ins.apply_proposal(actor_id=team.users["admin"].id, proposal_id=p.id)
    assert moved.status == "REVIEW"
    last = hub.tasks.history(actor_id=None, task_id=t.id)[-1]
    assert (last.event, last.to_status, last.actor_id) == ("moved", "REVIEW", team.users["admin"].id)
    ins.refresh(project_id=team.pid, now=_now())
    assert ins.proposals(actor_id=None, project_id=team.pid) == []
    assert [q.state for q in ins.proposals(actor_id=None, project_id=team.pid, state=None)] == ["applied"]


def test_dismissed_proposal_does_not_come_back_even_after_rebuild(hub, team, ins):
    _task(team, "Billing export")
    team.post("member", "Billing export is done ✅ merged to main")
    ins.refresh(project_id=team.pid, now=_now())
    [p] = ins.proposals(actor_id=None, project_id=team.pid)
    assert p.to_status == "DONE"
    with pytest.raises(PermissionDeniedError):
        ins.dismiss_proposal(actor_id=team.users["viewer"].id, proposal_id=p.id)
    ins.dismiss_proposal(actor_id=team.users["member"].id, proposal_id=p.id)
    ins.refresh(project_id=team.pid, now=_now())
    ins.rebuild(project_id=team.pid, now=_now())
    assert ins.proposals(actor_id=None, project_id=team.pid) == []
    assert [q.state for q in ins.proposals(actor_id=None, project_id=team.pid, state=None)] == ["dismissed"]


def test_blocked_risk_notifies_the_blocked_person_once_and_snooze_acknowledge(hub, team, ins):
    _task(team, "Payment webhook", due=(_now(24 * 2)).date())
    member = team.users["member"]
    before = hub.mentions.unread_count(user_id=member.id)
    team.post("member", "payment webhook 작업 sandbox 키 아직 못 받아서 막혀 있어요")
    ins.refresh(project_id=team.pid, now=_now())
    [risk] = [r for r in ins.risks(actor_id=None, project_id=team.pid) if r.kind == "blocked"]
    assert (risk.severity, risk.person, risk.user_id) == ("high", "Team Member", member.id)
    assert risk.message_ids  # the evidence is the message that said it
    for _ in range(3):  # recomputations do not notify again
        ins.refresh(project_id=team.pid, now=_now())
    inbox = hub.mentions.inbox(user_id=member.id)
    assert hub.mentions.unread_count(user_id=member.id) == before + 1
    assert "Payment webhook" in inbox[0].content and "막혀" in inbox[0].content
    # The radar and its notices are not evidence: the detectors never read the notice.
    assert len([r for r in ins.risks(actor_id=None, project_id=team.pid) if r.kind == "blocked"]) == 1

    with pytest.raises(PermissionDeniedError):
        ins.snooze_risk(actor_id=team.users["viewer"].id, risk_id=risk.id, days=2)
    ins.snooze_risk(actor_id=member.id, risk_id=risk.id, days=2, now=_now())
    ins.refresh(project_id=team.pid, now=_now(1))
    assert risk.id not in [r.id for r in ins.risks(actor_id=None, project_id=team.pid, now=_now(1))]
    assert risk.id in [r.id for r in ins.risks(actor_id=None, project_id=team.pid, now=_now(49))]
    ins.acknowledge_risk(actor_id=member.id, risk_id=risk.id)
    ins.refresh(project_id=team.pid, now=_now(49))
    assert [r.state for r in ins.risks(actor_id=None, project_id=team.pid, states=("acknowledged",))] == [
        "acknowledged"
    ]
    assert hub.mentions.unread_count(user_id=member.id) == before + 1

    team.post("member", "막혔던 payment webhook 해결했어요, 키 받았어요")
    ins.refresh(project_id=team.pid, now=_now(49))
    assert [r.kind for r in ins.risks(actor_id=None, project_id=team.pid, states=("open", "acknowledged"))] == []


def test_promise_kept_later_and_the_record(hub, team, ins):
    team.post("member", "I'll send the API spec to Team Owner by tomorrow")
    team.post("admin", "제가 금요일까지 로그 정리해서 공유할게요")
    ins.refresh(project_id=team.pid, now=_now())
    mine = ins.commitments(actor_id=team.users["member"].id, project_id=team.pid, user_id=team.users["member"].id)
    assert [c.status for c in mine] == ["open"] and mine[0].due is not None
    team.post("member", "Sent the API spec to Team Owner ✅")
    ins.refresh(project_id=team.pid, now=_now())
    [kept] = ins.commitments(actor_id=None, project_id=team.pid, user_id=team.users["member"].id)
    assert kept.status == "done" and kept.evidence
    record = {r.person: r for r in ins.commitment_record(actor_id=None, project_id=team.pid, now=_now())}
    assert (record["Team Member"].made, record["Team Member"].kept, record["Team Member"].kept_on_time) == (1, 1, 1)
    assert (record["Team Admin"].made, record["Team Admin"].open) == (1, 1)
    later = _now(24 * 10)
    late = ins.commitment_record(actor_id=None, project_id=team.pid, now=later)
    assert {r.person: r.late for r in late}["Team Admin"] == 1
    csv = ins.commitments_csv(actor_id=None, project_id=team.pid).decode("utf-8-sig")
    assert "API spec" in csv and "로그 정리" in csv


def test_later_decision_supersedes_the_earlier_and_both_stay(hub, team, ins):
    first = team.post("owner", "정기 점검은 매주 화요일 새벽 2시에 하는 걸로 하죠")
    team.post("member", "좋아요 👍")
    second = team.post("owner", "정기 점검 시간은 수요일 새벽 4시로 변경합니다. 트래픽이 화요일에 더 많아서요")
    ins.refresh(project_id=team.pid, now=_now())
    ledger = {d.message_id: d for d in ins.decisions(actor_id=None, project_id=team.pid)}
    assert set(ledger) == {first.id, second.id}
    assert ledger[first.id].superseded_by == second.id and ledger[second.id].standing
    standing = ins.decisions(actor_id=None, project_id=team.pid, standing_only=True)
    assert [d.message_id for d in standing] == [second.id]


def test_suggestions_and_one_click_assign_with_roles(hub, team, ins):
    done = _task(team, "CSV export of invoices", assignee="admin", status="DONE")
    assert done.id
    team.post("admin", "invoice CSV export 쪽은 제가 인코딩까지 다 맞춰 봤어요")
    new = hub.tasks.create_task(
        actor_id=team.users["owner"].id, project_id=team.pid, title="CSV export of payouts", priority="high"
    )
    ranked = ins.suggest_assignees(actor_id=team.users["viewer"].id, task_id=new.id, now=_now())
    assert 1 <= len(ranked) <= 3 and ranked[0].person == "Team Admin" and ranked[0].reason
    with pytest.raises(PermissionDeniedError):
        ins.assign(actor_id=team.users["viewer"].id, task_id=new.id, user_id=ranked[0].user_id)
    assigned = ins.assign(actor_id=team.users["member"].id, task_id=new.id, user_id=ranked[0].user_id)
    assert assigned.assignee == "Team Admin"
    assert hub.tasks.history(actor_id=None, task_id=new.id)[-1].event == "reassigned"


def test_radar_settings_are_per_project_admin_only_and_checked(hub, team, ins):
    with pytest.raises(PermissionDeniedError):
        ins.set_risk_settings(actor_id=team.users["member"].id, project_id=team.pid, stalled_days=2)
    with pytest.raises(ValidationError):
        ins.set_risk_settings(actor_id=team.users["admin"].id, project_id=team.pid, stalled_days=0)
    with pytest.raises(ValidationError):
        ins.set_risk_settings(actor_id=team.users["admin"].id, project_id=team.pid, nonsense=3)
    ins.set_risk_settings(actor_id=team.users["admin"].id, project_id=team.pid, stalled_days=2, overload_limit=5)
    got = ins.risk_settings(project_id=team.pid)
    assert (got.stalled_days, got.overload_limit, got.due_soon_days) == (2, 5, 3)


def test_backup_round_trip_keeps_every_insight_and_the_answers(hub, team, ins, tmp_path, embedder):
    _task(team, "로그인 API")
    team.post("member", "로그인 API PR 올렸어요, 리뷰 부탁해요")
    team.post("member", "I'm blocked on the 로그인 API")
    team.post("owner", "그럼 인증은 JWT로 확정")
    team.post("admin", "I'll write the runbook by Friday")
    ins.set_risk_settings(actor_id=None, project_id=team.pid, stalled_days=4)
    ins.refresh(project_id=team.pid, now=_now())
    [p] = ins.proposals(actor_id=None, project_id=team.pid)
    ins.dismiss_proposal(actor_id=None, proposal_id=p.id)
    risk = ins.risks(actor_id=None, project_id=team.pid)[0]
    ins.acknowledge_risk(actor_id=None, risk_id=risk.id)
    data = export_backup(hub, actor_id=None)
    assert data["counts"]["insights"] == len(data["projects"][0]["insights"]) >= 5

    def view(h, pid):
        i = h.insights
        return (
            [(c.person, c.what, c.due, c.status) for c in i.commitments(actor_id=None, project_id=pid)],
            [(d.person, d.text) for d in i.decisions(actor_id=None, project_id=pid)],
            [(q.task_title, q.to_status, q.state) for q in i.proposals(actor_id=None, project_id=pid, state=None)],
            [(r.key, r.state) for r in i.risks(actor_id=None, project_id=pid, states=("open", "acknowledged"))],
            i.risk_settings(project_id=pid),
        )

    before = view(hub, team.pid)
    other = Hub.open(Settings.load(env_file=None, data_dir=tmp_path / "restored"), embedder=embedder)
    try:
        other.insights.background = False
        report = restore_backup(other, json.dumps(data), actor_id=None)
        assert report["insights_added"] == len(data["projects"][0]["insights"])
        pid = other.accounts.find_project("Team").id
        assert view(other, pid) == before
        assert restore_backup(other, json.dumps(data), actor_id=None)["insights_added"] == 0
    finally:
        other.close()


def test_outsider_reads_nothing(hub, team, ins):
    from collab_core.errors import NotFoundError

    with pytest.raises(NotFoundError):
        ins.risks(actor_id=team.outsider.id, project_id=team.pid)
    with pytest.raises(NotFoundError):
        ins.commitments(actor_id=team.outsider.id, project_id=team.pid)
