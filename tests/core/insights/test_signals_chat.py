"""Chat signals: blocked statements (who is blocked, on which task), resolutions, done/started talk, promises."""

from __future__ import annotations

from collab_core.insights.signals import ChatSignals, is_promise

from .risk_builders import MEMBERS, msg, task

TASKS = [
    task("a1", "결제 인증 키 연동", assignee="Daniel", status="IN_PROGRESS", labels=("backend",)),
    task("a2", "정산 내역 테이블 필터", assignee="민지", status="IN_PROGRESS", labels=("frontend",)),
    task("a3", "/settlements 조회 API", assignee="Daniel", status="IN_PROGRESS", labels=("backend", "api")),
    task("a4", "Hold notice modal", assignee="Emily", status="TODO", labels=("design",)),
]


def signals(*messages):
    return ChatSignals(tasks=TASKS, members=MEMBERS).add_all(list(messages))


def test_korean_blocked_statement_blocks_the_speaker_on_the_matching_task():
    s = signals(msg("Daniel", "인증 키 아직 못 받아서 막혀 있어요"))
    [b] = s.open_blockers()
    assert (b.person, b.task_id) == ("Daniel", "a1")


def test_english_blocked_statement():
    s = signals(msg("Emily", "I'm blocked on the hold notice modal until legal replies"))
    [b] = s.open_blockers()
    assert (b.person, b.task_id) == ("Emily", "a4")


def test_waiting_on_counts_as_blocked():
    s = signals(msg("Daniel", "still waiting on the auth keys (인증 키) from the vendor"))
    assert [b.person for b in s.open_blockers()] == ["Daniel"]


def test_person_named_as_cause_is_not_the_blocked_one():
    s = signals(msg("민지", "테이블 필터는 Daniel님 API 파라미터가 확정이 안 돼서 더 못 나가고 있어요"))
    [b] = s.open_blockers()
    assert b.person == "민지" and b.task_id == "a2"


def test_person_named_as_blocked_is_the_blocked_one():
    s = signals(msg("서연", "민지님이 API 때문에 테이블 필터 작업이 막혀 있어요"))
    [b] = s.open_blockers()
    assert b.person == "민지"


def test_later_resolution_clears_the_blocker():
    s = signals(
        msg("Daniel", "인증 키 아직 못 받아서 막혀 있어요", days_ago=3),
        msg("Daniel", "인증 키 받았어요! 이제 진행합니다", 1),
    )
    assert s.open_blockers() == []


def test_blocked_and_resolved_in_one_message_is_no_blocker():
    s = signals(msg("민지", "CORS 때문에 오전 내내 막혀 있었는데 proxy 설정으로 해결했어요"))
    assert s.open_blockers() == []


def test_unblocked_in_english():
    s = signals(msg("Daniel", "stuck on the auth keys", 3), msg("Daniel", "keys finally arrived, unblocked now", 1))
    assert s.open_blockers() == []


def test_hypotheticals_and_questions_are_not_blockers():
    s = signals(msg("서연", "막히면 바로 말해주세요"), msg("서연", "Daniel님 아직 인증 키 때문에 막혀 있어요?"))
    assert s.open_blockers() == []


def test_done_in_chat_and_started():
    s = signals(
        msg("민지", "테이블 필터 작업 시작했어요", 3),
        msg("Daniel", "/settlements API merged ✅ it's live on staging", 1),
    )
    assert s.by_task["a2"].started and s.by_task["a3"].done is not None


def test_future_done_is_not_done():
    s = signals(
        msg("Daniel", "/settlements API will be merged tomorrow"), msg("Daniel", "조회 API 내일 끝날 것 같아요")
    )
    assert s.by_task["a3"].done is None


def test_explicit_task_id_is_a_mention():
    s = signals(msg("서연", "이거 보드에 올렸어요 (a4)"))
    assert s.by_task["a4"].mentions


def test_promises():
    assert is_promise("내일까지 정리해둘게요")
    assert is_promise("I'll send the spec by Friday")
    assert not is_promise("제가 해볼까요?")
    assert not is_promise("어제 정리했어요")


def test_negated_and_routine_waits_are_not_blockers():
    s = signals(
        msg("Daniel", "not blocked on the auth keys anymore, all good"),
        msg("민지", "테이블 필터 PR 올렸고 리뷰 기다리고 있어요"),
        msg("Daniel", "/settlements API is up, waiting for review"),
    )
    assert s.open_blockers() == []


def test_plain_english_done():
    s = signals(msg("Daniel", "/settlements API is done, deployed to staging"))
    assert s.by_task["a3"].done is not None


def test_reply_promise_attaches_to_the_task_just_asked_about():
    s = signals(msg("서연", "who can take the hold notice modal (a4)?", 1, 10), msg("Emily", "I can take it", 1, 11))
    assert [p for p, _, _ in s.by_task["a4"].promises] == ["Emily"]


def test_conditional_blockers_are_not_blockers_but_a_real_one_with_a_condition_is():
    s = signals(
        msg("Dana", "if the CI runners die again we'd be stuck, fine for now"), msg("서연", "막히면 바로 말해주세요")
    )
    assert s.open_blockers() == []
    s = signals(msg("Daniel", "인증 키 나오면 바로 할 수 있는데 지금은 막혀 있어요"))
    assert [b.person for b in s.open_blockers()] == ["Daniel"]


def test_numeric_task_ids_are_named_with_a_hash():
    s = ChatSignals(tasks=[task("12", "Payment retries", assignee="Daniel")], members=MEMBERS)
    s.add(msg("Daniel", "#12 merged ✅"))
    assert s.by_task["12"].done is not None and s.by_task["12"].mentions


def test_declines_absences_and_sole_knowledge_phrasings():
    s = signals(
        msg("준호", "저는 이번 주 어려워요"),
        msg("Daniel", "I'm swamped, can't this week"),
        msg("Emily", "I'm out next week"),
        msg("서연", "Daniel is the only one who knows the API keys setup"),
        msg("민지", "그건 준호님밖에 모르는 부분이에요"),
        msg("민지", "저만 그래요?"),
    )
    assert [p for p, *_ in s.declines] == ["준호", "Daniel"]
    assert [p for p, *_ in s.absences] == ["Emily"]
    assert [p for p, *_ in s.exclusive] == ["Daniel", "준호"]
