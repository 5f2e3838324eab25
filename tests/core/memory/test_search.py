"""Hybrid search: Korean two-syllable keywords, English, cross-lingual, filters, isolation."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from collab_core.chat.message_values import ImportItem
from collab_core.models import TimeFilter

KST = timezone(timedelta(hours=9))

CHAT = [
    ("Minji", "다음 주 배포 일정은 수요일 오후로 확정했어요."),
    ("Daniel", "The staging server is down again because of the SSL certificate."),
    ("Jiwoo", "폰트는 Pretendard로 가기로 했습니다. 가독성이 제일 좋아서요."),
    ("Emily", "I'll run the usability tests with eight participants next Tuesday."),
    ("Hyunwoo", "이체 한도 조회 API가 너무 느려서 캐시를 추가했어요."),
    ("Minji", "점심 메뉴 추천 받습니다 🍜"),
    ("Daniel", "Deploying the hotfix for the login crash now."),
    ("Jiwoo", "회식은 금요일 저녁 7시에 강남에서 해요!"),
]


def _load(hub, pid):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=KST)
    items = [
        ImportItem(author=a, content=c, created_at=start + timedelta(days=i), external_id=f"c{i}")
        for i, (a, c) in enumerate(CHAT)
    ]
    hub.messages.import_items(project_id=pid, items=items)


def _ids(hits):
    return [h.message.external_id for h in hits]


def test_two_syllable_korean_keyword_is_found_first(hub, team):
    _load(hub, team.pid)
    for word, expected in [("배포", "c0"), ("폰트", "c2"), ("회식", "c7"), ("캐시", "c4")]:
        hits = hub.search.search(actor_id=team.users["viewer"].id, project_id=team.pid, query=word, limit=3)
        assert _ids(hits)[0] == expected, word
        assert "keyword" in hits[0].sources


def test_english_keywords_are_stemmed(hub, team):
    _load(hub, team.pid)
    hits = hub.search.search(actor_id=None, project_id=team.pid, query="certificates", limit=3)
    assert _ids(hits)[0] == "c1"
    assert "keyword" in hits[0].sources


def test_cross_lingual_question_finds_korean_message(hub, team):
    _load(hub, team.pid)
    hits = hub.search.search(actor_id=None, project_id=team.pid, query="Which typeface did we choose?", limit=3)
    assert "c2" in _ids(hits)
    found = next(h for h in hits if h.message.external_id == "c2")
    assert "semantic" in found.sources


def test_other_language_answer_outranks_same_language_word_matches(hub, team):
    # The English question shares words (total, budget, now, extra, approval) with six English
    # messages that do not answer it; the answer is Korean and only the semantic side can see it.
    chat = [
        ("Minji", "예산 관련 좋은 소식! 본부에서 200만원 추가 승인해줘서 이제 총 1,000만원입니다"),
        ("Daniel", "The total count of open tickets is now 42."),
        ("Emily", "Approval flow for the login screen is now in review."),
        ("Daniel", "The budget spreadsheet template now has an extra tab for notes."),
        ("Emily", "Total page views doubled after the approval banner went live."),
        ("Jiwoo", "The budget meeting room is booked for Thursday, extra chairs now."),
        ("Hyunwoo", "Extra logging is now on for the transfer API."),
        ("Jiwoo", "로그인 화면 시안 업데이트했어요"),
    ]
    start = datetime(2026, 3, 2, 9, 0, tzinfo=KST)
    items = [
        ImportItem(author=a, content=c, created_at=start + timedelta(hours=i), external_id=f"b{i}")
        for i, (a, c) in enumerate(chat)
    ]
    hub.messages.import_items(project_id=team.pid, items=items)
    hits = hub.search.search(
        actor_id=None, project_id=team.pid, query="What's the total budget now after the extra approval?", limit=5
    )
    assert _ids(hits)[0] == "b0"
    assert hits[0].sources == ("semantic",)


def test_hits_carry_author_time_score_and_sources(hub, team):
    _load(hub, team.pid)
    hit = hub.search.search(actor_id=None, project_id=team.pid, query="SSL 인증서 staging", limit=1)[0]
    assert hit.message.author == "Daniel"
    assert hit.message.created_at == datetime(2026, 3, 3, 9, 0, tzinfo=KST)
    assert hit.score > 0
    assert set(hit.sources) <= {"keyword", "semantic"} and hit.sources


def test_filters_restrict_results(hub, team):
    _load(hub, team.pid)
    daniel = hub.accounts.find_user("Daniel").id
    hits = hub.search.search(
        actor_id=None, project_id=team.pid, query="deploy 배포", filters=TimeFilter(author_ids=(daniel,))
    )
    assert hits and {h.message.author for h in hits} == {"Daniel"}
    dated = hub.search.search(
        actor_id=None,
        project_id=team.pid,
        query="배포",
        filters=TimeFilter(start=date(2026, 3, 8), end=date(2026, 3, 9)),
    )
    assert _ids(dated) == ["c6", "c7"] or set(_ids(dated)) == {"c6", "c7"}
    assert (
        hub.search.search(actor_id=None, project_id=team.pid, query="배포", filters=TimeFilter(kinds=("meeting",)))
        == []
    )


def test_two_projects_never_see_each_others_messages(hub):
    from tests.conftest import Team

    a, b = Team(hub, "Alpha"), Team(hub, "Beta")
    _load(hub, a.pid)
    _load(hub, b.pid)
    secret = a.post("member", "알파 팀 전용: 배포 비밀 코드는 ZEBRA-42")
    b.post("member", "베타 팀 전용: 배포 비밀 코드는 LION-7")
    for query in ("배포 비밀 코드", "secret deploy code", "ZEBRA-42"):
        hits_b = hub.search.search(actor_id=b.users["member"].id, project_id=b.pid, query=query, limit=50)
        assert all(h.message.project_id == b.pid for h in hits_b)
        assert secret.id not in [h.message.id for h in hits_b]
    timeline_b = hub.messages.timeline(actor_id=b.users["viewer"].id, project_id=b.pid, limit=500)
    assert all(m.project_id == b.pid for m in timeline_b.items)
    assert hub.memory.count(a.pid) == hub.memory.count(b.pid) == len(CHAT) + 1


def test_empty_query_returns_nothing(hub, team):
    _load(hub, team.pid)
    assert hub.search.search(actor_id=None, project_id=team.pid, query="   ") == []
