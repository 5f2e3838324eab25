"""Every risk kind, positive and negative, on small hand-built projects with a fixed clock."""

from __future__ import annotations

from collab_core.insights.model import Decision, TaskChange
from collab_core.insights.risks import RiskRadar, RiskSettings, compute_risks

from .risk_builders import MEMBERS, NOW, at, day, msg, task


def kinds(tasks, messages=(), **kw):
    return {
        (r.kind, r.task_id, r.person)
        for r in compute_risks(tasks=tasks, messages=list(messages), members=MEMBERS, now=NOW, **kw)
    }


def of(kind, tasks, messages=(), **kw):
    return [
        r for r in compute_risks(tasks=tasks, messages=list(messages), members=MEMBERS, now=NOW, **kw) if r.kind == kind
    ]


def test_overdue_and_not_when_done_on_board_or_in_chat():
    late = task("o1", "Login API", status="IN_PROGRESS", due=day(-3), priority="high")
    done = task("o2", "CSV export", status="DONE", due=day(-3))
    said_done = task("o3", "SSO session", status="IN_PROGRESS", assignee="Daniel", due=day(-4))
    risks = of(
        "overdue", [late, done, said_done], [msg("Daniel", "SSO session works on staging, closing this one out ✅", 2)]
    )
    assert [(r.task_id, r.severity) for r in risks] == [("o1", "high")]
    assert risks[0].evidence[0] == "o1" and risks[0].params["days_late"] == 3 and risks[0].reason


def test_due_today_is_not_overdue():
    assert not of("overdue", [task("o1", "Login API", status="IN_PROGRESS", due=day(0))])


def test_due_soon_no_progress():
    idle = task("d1", "CSV export API", due=day(2), priority="high")
    started = task("d2", "Onboarding guide", assignee="서연", due=day(2))
    far = task("d3", "Calendar view", assignee="민지", due=day(10))
    messages = [msg("서연", "온보딩 가이드 작성 시작했어요 (d2)", 1)]
    assert [r.task_id for r in of("due_soon_no_progress", [idle, started, far], messages)] == ["d1"]


def test_stalled_after_configurable_days_and_not_when_mentioned():
    quiet = task(
        "s1", "Batch failure alerts", status="IN_PROGRESS", changes=(TaskChange(ts=at(8), status="IN_PROGRESS"),)
    )
    talked = task(
        "s2",
        "Partition tuning",
        assignee="Daniel",
        status="IN_PROGRESS",
        changes=(TaskChange(ts=at(8), status="IN_PROGRESS"),),
    )
    messages = [msg("Daniel", "partition tuning: index is in, still measuring", 1)]
    assert [r.task_id for r in of("stalled", [quiet, talked], messages)] == ["s1"]
    assert not of("stalled", [quiet], settings=RiskSettings(stalled_days=10))


def test_blocked_shown_until_resolved():
    t = task("b1", "결제 인증 키 연동", assignee="Daniel", status="IN_PROGRESS", priority="high", due=day(2))
    blocked = msg("Daniel", "인증 키 아직 못 받아서 막혀 있어요", 2)
    [r] = of("blocked", [t], [blocked])
    assert (r.task_id, r.person, r.severity, r.evidence) == ("b1", "Daniel", "high", (blocked.id,))
    assert not of("blocked", [t], [blocked, msg("Daniel", "인증 키 받았어요, 해결!", 1)])


def test_blocked_person_is_not_the_one_merely_named():
    t = task("b2", "정산 내역 테이블 필터", assignee="민지", status="IN_PROGRESS")
    [r] = of("blocked", [t], [msg("민지", "필터는 Daniel님 API 파라미터가 확정이 안 돼서 못 나가고 있어요", 1)])
    assert r.person == "민지"


def test_blocker_cleared_when_board_says_done():
    t = task("b3", "Auth keys", assignee="Daniel", status="DONE")
    assert not of("blocked", [t], [msg("Daniel", "I'm blocked on the auth keys", 2)])


def test_unowned_high_priority_only_and_not_when_promised():
    orphan = task("u1", "Settlement email", assignee=None, priority="high", due=day(2))
    medium = task("u2", "Empty state screen", assignee=None, priority="medium", due=day(2))
    promised = task("u3", "Airflow runbook", assignee=None, priority="high", due=day(1))
    messages = [msg("Daniel", "I'll write the airflow runbook today", 1)]
    assert [r.task_id for r in of("unowned", [orphan, medium, promised], messages)] == ["u1"]


def test_promise_withdrawn_by_a_decline_leaves_it_unowned():
    t = task("u4", "음수 정산금 이월 처리", assignee=None, priority="high", due=day(2))
    messages = [
        msg("준호", "음수 정산금 이월 처리는 제가 볼게요", 3),
        msg("준호", "이번 주는 진짜 힘들 것 같아요 ㅠ", 1),
    ]
    assert [r.task_id for r in of("unowned", [t], messages)] == ["u4"]


def test_unowned_respects_given_commitments():
    from collab_core.insights.model import Commitment

    t = task("u5", "Settlement email", assignee=None, priority="high", due=day(2))
    c = Commitment(message_id="x1", person="Daniel", what="settlement email", made_at=at(1), task_id="u5")
    assert not of("unowned", [t], commitments=[c])


def test_overloaded_beyond_limit():
    heavy = [task(f"h{i}", f"Backend piece {i}", priority="high", due=day(i)) for i in range(4)]
    light = [task(f"l{i}", f"Frontend piece {i}", assignee="민지", priority="high", due=day(i)) for i in range(3)]
    later = [task("x9", "Far away", assignee="민지", priority="high", due=day(30))]
    [r] = of("overloaded", heavy + light + later)
    assert (r.person, r.task_id) == ("준호", None) and set(r.evidence) >= {"h0", "h1", "h2", "h3"}
    assert not of("overloaded", heavy, settings=RiskSettings(overload_limit=4))


def test_deadline_slipping_twice_not_once():
    twice = task(
        "p1",
        "Settlements API",
        due=day(1),
        changes=(TaskChange(ts=at(5), due=day(-3)), TaskChange(ts=at(2), due=day(1))),
    )
    once = task("p2", "Parser", due=day(1), changes=(TaskChange(ts=at(2), due=day(1)),))
    assert [r.task_id for r in of("deadline_slipping", [twice, once])] == ["p1"]


def test_decision_conflict_from_chat():
    messages = [
        msg("서연", "📌 회의 결정사항\n1) 대시보드 금액은 전부 VAT 포함 기준\n2) 다운로드는 CSV만", 6),
        msg("준호", "API 응답 금액은 VAT 제외로 내려주기로 했어요", 3),
    ]
    [r] = of("decision_conflict", [], messages)
    assert set(r.evidence) >= {messages[0].id, messages[1].id}


def test_announced_change_is_a_supersession_not_a_conflict():
    messages = [
        msg("서연", "금액은 VAT 포함으로 확정", 6),
        msg("서연", "회계팀 요청으로 VAT 제외로 변경하기로 했어요", 3),
    ]
    assert not of("decision_conflict", [], messages)


def test_decision_conflict_from_the_ledger_honours_supersession():
    a = Decision(message_id="d1", person="서연", text="Amounts are VAT-inclusive", decided_at=at(6))
    b = Decision(message_id="d2", person="준호", text="API amounts excl. VAT", decided_at=at(3))
    assert of("decision_conflict", [], decisions=[a, b])
    superseded = Decision(
        message_id="d1", person="서연", text="Amounts are VAT-inclusive", decided_at=at(6), superseded_by="d2"
    )
    assert not of("decision_conflict", [], decisions=[superseded, b])


def test_single_point_of_knowledge_when_chat_says_only_one_person_knows():
    recon = task(
        "k1",
        "Reconciliation script",
        assignee="Daniel",
        status="IN_PROGRESS",
        priority="high",
        labels=("data",),
        due=day(1),
    )
    shared = task("k2", "Parser", assignee="준호", status="IN_PROGRESS", labels=("backend",))
    messages = [msg("준호", "reconciliation script? only Daniel knows it, I never touched it", 1)]
    [r] = of("single_point_of_knowledge", [recon, shared], messages)
    assert (r.person, r.task_id) == ("Daniel", "k1")


def test_single_point_of_knowledge_when_the_sole_worker_will_be_away():
    t = task(
        "k3", "Airflow DAGs", assignee="Daniel", status="IN_PROGRESS", priority="high", labels=("infra",), due=day(2)
    )
    assert not of("single_point_of_knowledge", [t])
    [r] = of("single_point_of_knowledge", [t], [msg("Daniel", "heads up: I'm on vacation Thu-Fri", 1)])
    assert r.person == "Daniel" and r.params["away"]


def test_absence_without_sole_area_is_no_risk():
    a = task("k4", "Airflow DAGs", assignee="Daniel", status="IN_PROGRESS", labels=("infra",))
    b = task("k5", "Airflow alerts", assignee="준호", status="DONE", labels=("infra",))
    assert not of("single_point_of_knowledge", [a, b], [msg("Daniel", "I'm on vacation Thu-Fri", 1)])


def test_incremental_radar_matches_full_computation():
    t = task("i1", "결제 인증 키 연동", assignee="Daniel", status="IN_PROGRESS", priority="high", due=day(2))
    first = [msg("서연", "오늘 스탠드업 10시!", 2)]
    radar = RiskRadar.build(tasks=[t], messages=first, members=MEMBERS)
    assert not [r for r in radar.risks(now=NOW) if r.kind == "blocked"]
    new = msg("Daniel", "인증 키 아직 못 받아서 막혀 있어요", 1)
    radar.add_message(new)
    assert {r.key for r in radar.risks(now=NOW)} == {
        r.key for r in compute_risks(tasks=[t], messages=[*first, new], members=MEMBERS, now=NOW)
    }
    assert "blocked:i1" in {r.key for r in radar.risks(now=NOW)}


def test_messages_after_now_are_ignored():
    t = task("f1", "Auth keys", assignee="Daniel", status="IN_PROGRESS")
    assert not of("blocked", [t], [msg("Daniel", "I'm blocked on the auth keys", -1)])


def test_radar_follows_board_changes():
    t = task("j1", "Login API", status="IN_PROGRESS", due=day(-2), priority="high")
    radar = RiskRadar.build(tasks=[t], messages=[], members=MEMBERS)
    assert "overdue:j1" in {r.key for r in radar.risks(now=NOW)}
    radar.set_tasks([task("j1", "Login API", status="DONE", due=day(-2), priority="high")])
    assert not radar.risks(now=NOW)
    blocked = msg("Daniel", "I'm blocked on the payment retries", 1)
    radar.add_message(blocked)
    radar.set_tasks([t, task("j2", "Payment retries", assignee="Daniel", status="IN_PROGRESS")], messages=[blocked])
    assert "blocked:j2" in {r.key for r in radar.risks(now=NOW)}
