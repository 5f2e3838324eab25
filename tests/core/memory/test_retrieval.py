"""Query understanding in hybrid search: named people, stated dates, conversation context, Korean particles."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from collab_core.chat.message_values import ImportItem
from collab_core.memory.query import mentioned_people, parse_dates
from collab_core.memory.text import query_terms

KST = timezone(timedelta(hours=9))

# Several people talk about the same topics on different days, so only the person or the date in the
# question can tell the right message apart.
CHAT = [
    ("Minji", "2026-03-05T10:00", "배포 일정은 다음 주 수요일로 잡을게요."),
    ("Daniel", "2026-03-06T11:00", "I think the deploy should wait until the SSL fix is merged."),
    ("Emily", "2026-03-09T15:00", "Usability test day 1: three of four participants missed the limit link."),
    ("Jiwoo", "2026-03-10T09:00", "사용성 테스트 결과 보니까 한도 변경 링크를 다시 디자인해야겠어요."),
    ("Minji", "2026-03-11T10:00", "[블로커] 보안팀 승인 전까지 운영 DB 접근이 막혀 있어요."),
    ("Hyunwoo", "2026-03-12T14:00", "[블로커] 스테이징 서버 인증서가 만료됐어요."),
    ("Daniel", "2026-03-17T10:00", "[blocker] On iOS the confirm screen jumps when the keyboard closes."),
    ("Jiwoo", "2026-03-18T09:30", "[블로커] 디자인 QA 일정이 데모 전날과 겹쳐요."),
    ("Jiwoo", "2026-03-18T16:00", "When is the weekly design review again?"),
    ("Minji", "2026-03-18T16:02", "Thursdays at 4, room B."),
    ("Emily", "2026-03-19T09:00", "Recruiting for round two starts next month."),
]


def _load(hub, team) -> dict[str, str]:
    items = [
        ImportItem(author=a, content=c, created_at=datetime.fromisoformat(ts).replace(tzinfo=KST), external_id=f"r{i}")
        for i, (a, ts, c) in enumerate(CHAT)
    ]
    hub.messages.import_items(project_id=team.pid, items=items)
    return {f"r{i}": c for i, (_, _, c) in enumerate(CHAT)}


def _search(hub, team, query, limit=5):
    return hub.search.search(actor_id=None, project_id=team.pid, query=query, limit=limit)


def _ids(hits):
    return [h.message.external_id for h in hits]


def test_question_naming_a_person_ranks_their_message_first(hub, team):
    _load(hub, team)
    hits = _search(hub, team, "What did Emily say about the usability test?")
    assert hits[0].message.author == "Emily"
    # A Korean particle attached to a Latin name, and a name written in Hangul, work the same way.
    assert _search(hub, team, "Daniel이 배포에 대해 뭐라고 했어?")[0].message.author == "Daniel"
    assert _search(hub, team, "에밀리가 사용성 테스트에 대해 뭐라고 했어?")[0].message.author == "Emily"


def test_after_a_date_restricts_to_later_messages(hub, team):
    _load(hub, team)
    hits = _search(hub, team, "3월 16일 이후에 새로 생긴 블로커 뭐 있었어?", limit=10)
    assert hits, "the later blockers must be found"
    assert all(h.message.created_at.date() >= date(2026, 3, 16) for h in hits)
    assert {"r6", "r7"} <= set(_ids(hits))
    english = _search(hub, team, "Which blockers came up after March 16?", limit=10)
    assert english and all(h.message.created_at.date() >= date(2026, 3, 16) for h in english)


def test_a_named_day_ranks_that_days_message_first(hub, team):
    _load(hub, team)
    hits = _search(hub, team, "What was said about blockers on March 12?")
    assert hits[0].message.external_id == "r5"


def test_the_reply_to_a_matching_question_is_found(hub, team):
    _load(hub, team)
    # The short reply shares no words with the question; it comes up because it follows the match.
    hits = _search(hub, team, "When is the weekly design review?", limit=3)
    assert "r9" in _ids(hits), "the answer is the reply right after the matching question"
    reply = next(h for h in hits if h.message.external_id == "r9")
    assert reply.sources and set(reply.sources) <= {"keyword", "semantic"}


def test_korean_particles_and_question_words_do_not_become_search_terms():
    assert query_terms("송금 확인 화면에서 계좌번호 어떻게 표시하기로 했어요?") == [
        "송금",
        "확인",
        "화면",
        "계좌",
        "좌번",
        "번호",
        "표시",
    ]
    assert query_terms("Daniel이 배포를") == ["daniel", "배포"]
    assert "시도" in query_terms("재시도 횟수")  # a noun ending in a particle-like syllable stays whole


def test_dates_and_people_in_questions_are_understood():
    ref = date(2026, 3, 24)
    on = parse_dates("What did the team decide on March 5?", ref)
    assert (on.start, on.end, on.strict) == (date(2026, 3, 5), date(2026, 3, 5), False)
    after = parse_dates("3월 16일 이후 블로커", ref)
    assert (after.start, after.end, after.strict) == (date(2026, 3, 16), None, True)
    before = parse_dates("decisions before 3/10", ref)
    assert before.end == date(2026, 3, 9) and before.strict
    assert parse_dates("what happened last week", ref).start == date(2026, 3, 16)
    assert parse_dates("When did Melanie go camping in July?", ref).start == date(2025, 7, 1)
    assert parse_dates("Who owns the onboarding flow?", ref) is None
    names = {"Emily": 1, "Daniel": 2, "Hyunwoo": 3, "민지": 4}
    assert mentioned_people("에밀리가 뭐라고 했어?", names) == {1}
    assert mentioned_people("현우님 의견은?", names) == {3}
    assert mentioned_people("민지가 정한 것", names) == {4}
    assert mentioned_people("데모 범위 어떻게 확정됐어?", names) == set()
