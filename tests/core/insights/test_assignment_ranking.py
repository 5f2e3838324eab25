"""Assignment suggestions: the expert first unless overloaded, then the next best with capacity; declines."""

from __future__ import annotations

from collab_core.insights.assignment import suggest_assignees

from .risk_builders import MEMBERS, NOW, day, msg, task

HISTORY = [
    task("e1", "환불 취소 정산 차감", assignee="준호", status="DONE", labels=("backend",)),
    task("e2", "부분취소 환불 처리", assignee="준호", status="DONE", labels=("backend",)),
    task("e3", "PG 파일 파서", assignee="Daniel", status="DONE", labels=("backend",)),
    task("e4", "요약 카드 UI", assignee="민지", status="DONE", labels=("frontend",)),
    task("e5", "Dashboard design", assignee="Emily", status="DONE", labels=("design",)),
]
NEW = task("n1", "환불 초과 시 음수 정산금 이월", assignee=None, priority="high", labels=("backend",), due=day(3))


def load(person, n, high=True):
    return [
        task(
            f"{person}{i}",
            f"Other work {i}",
            assignee=person,
            status="IN_PROGRESS",
            priority="high" if high else "low",
            due=day(1 + i % 5),
        )
        for i in range(n)
    ]


def ranked(tasks, messages=(), **kw):
    return suggest_assignees(task=NEW, tasks=[*tasks, NEW], messages=list(messages), members=MEMBERS, now=NOW, **kw)


def test_expert_ranks_first_with_a_reason():
    top = ranked(HISTORY)
    assert top[0].person == "준호" and len(top) == 3
    assert "similar" in top[0].reason and top[0].task_id == "n1"
    assert top[0].score >= top[1].score >= top[2].score


def test_overloaded_expert_drops_below_the_next_best_with_capacity():
    top = ranked(HISTORY + load("준호", 5))
    assert top[0].person == "Daniel"  # the other backend person
    expert = next(s for s in top if s.person == "준호") if any(s.person == "준호" for s in top) else None
    if expert is not None:
        assert "expert, but has 5 high-priority tasks" in expert.reason


def test_some_load_does_not_outweigh_expertise():
    assert ranked(HISTORY + load("준호", 2, high=False))[0].person == "준호"


def test_decline_in_chat_lowers_the_rank():
    top = ranked(HISTORY + load("준호", 1), [msg("준호", "저는 이번 주 어려워요 ㅠ", 1)])
    assert top[0].person == "Daniel"


def test_chat_discussion_counts_as_expertise():
    messages = [msg("Emily", "환불 초과 때 음수 정산금은 다음 날로 이월하면 될 것 같아요", 2)]
    top = suggest_assignees(task=NEW, tasks=[NEW], messages=messages, members=MEMBERS, now=NOW, k=5)
    people = [s.person for s in top]
    assert people[0] == "Emily"  # discussing this very problem outweighs a matching skill tag
    assert "discussed" in top[people.index("Emily")].reason


def test_promise_in_chat_ranks_first():
    top = ranked(HISTORY, [msg("민지", "음수 정산금 이월은 제가 정리해둘게요", 1)])
    assert top[0].person == "민지" and "offered" in top[0].reason


def test_k_limits_the_list():
    assert len(ranked(HISTORY, k=1)) == 1
