"""Decision ledger: decisions vs proposals/questions/restatements, meeting notes, supersession."""

from __future__ import annotations

import pytest

from collab_core.insights.decisions import decision_texts, detect_decisions

from .util import msg

DECISIONS = [
    "그럼 A안으로 확정",
    "let's go with Postgres",
    "배포는 금요일 오전 11시로 합시다",
    "결제 모듈은 v2로 결정했어요",
    "We decided to drop IE11 support",
    "로그 보관은 90일로 가죠",
    "ok, going with option B",
    "인증은 JWT 쓰는 걸로 해요",
    "API 버전은 v2로 통일하기로 했습니다",
    "Tom and I agreed: retries back off exponentially up to 5 tries",
    "Sure — 캐시는 Redis로 갑시다",  # mixed
    "이 부분은 A안으로 가시죠",
    "Change of plan: invoices are generated hourly from now on",
]
NOT_DECISIONS = [
    "A안으로 하는 건 어때요?",  # proposal
    "how about Redis for the cache?",
    "Postgres로 할까요?",  # question
    "3/5 결정대로 CSV만이에요",  # restatement
    "as decided, CSV only",
    "배포 일정은 다음 주에 다시 논의해요",  # deferral
    "we should probably go with Kafka?",
    "A안 좋네요",
    "B안은 어떨까요",
    "이번 주 목표: 배치 시간 확정, 수수료 로직",  # '확정' as a goal noun
]


@pytest.mark.parametrize("text", DECISIONS)
def test_decisions_detected(text: str) -> None:
    assert decision_texts(text)


@pytest.mark.parametrize("text", NOT_DECISIONS)
def test_non_decisions_rejected(text: str) -> None:
    assert decision_texts(text) == []


def test_meeting_note_items_are_separate_decisions() -> None:
    note = "📌 주간 회의 결정사항\n1) 로그인은 OAuth만 지원\n2) 다크 모드는 v2로\n3) 알림 설정 화면은 다음 회의에서 다시 판단"
    assert decision_texts(note) == ["로그인은 OAuth만 지원", "다크 모드는 v2로"]


def test_later_decision_on_same_subject_supersedes() -> None:
    msgs = [
        msg("1", "하늘", "2025-03-03 10:00", "정기 점검은 매주 화요일 새벽 2시에 하는 걸로 하죠"),
        msg("2", "도윤", "2025-03-04 10:00", "로그 보관 기간은 90일로 갑시다"),
        msg(
            "3",
            "하늘",
            "2025-03-10 10:00",
            "정기 점검 시간은 수요일 새벽 4시로 변경합니다. 트래픽이 화요일에 더 많아서요",
        ),
    ]
    decs = detect_decisions(msgs)
    assert [(d.message_id, d.superseded_by) for d in decs] == [("1", "3"), ("2", None), ("3", None)]


def test_english_supersession_by_strong_overlap() -> None:
    msgs = [
        msg("1", "Tom", "2025-03-03 10:00", "let's go with Postgres for the audit log store"),
        msg(
            "2",
            "Priya",
            "2025-03-07 10:00",
            "Final call after the load test: we'll go with ClickHouse for the audit log store",
        ),
    ]
    decs = detect_decisions(msgs)
    assert decs[0].superseded_by == "2"
    assert decs[1].superseded_by is None


def test_acknowledgement_right_after_is_not_a_new_decision() -> None:
    msgs = [
        msg("1", "Priya", "2025-03-03 10:00", "Tom and I agreed: failed rows go into a quarantine table"),
        msg("2", "Tom", "2025-03-03 10:02", "ok quarantine table로 갑시다"),
    ]
    assert [d.message_id for d in detect_decisions(msgs)] == ["1"]


def test_unrelated_decisions_do_not_supersede() -> None:
    msgs = [
        msg("1", "하늘", "2025-03-03 10:00", "모바일은 v2로 미룰게요"),
        msg("2", "도윤", "2025-03-05 10:00", "결제 수단은 카드만 지원하기로 했어요"),
    ]
    assert all(d.superseded_by is None for d in detect_decisions(msgs))


def test_similarity_callable_links_paraphrases() -> None:
    msgs = [
        msg("1", "Tom", "2025-03-03 10:00", "let's go with weekly releases"),
        msg("2", "Priya", "2025-03-09 10:00", "we decided: ship every other Thursday"),
    ]
    assert detect_decisions(msgs)[0].superseded_by is None
    decs = detect_decisions(msgs, similar=lambda a, b: 0.9)
    assert decs[0].superseded_by == "2"


def test_assistant_recaps_are_not_decisions() -> None:
    msgs = [msg("1", "AI", "2025-03-03 10:00", "Recap: the team decided to use Postgres.", role="assistant")]
    assert detect_decisions(msgs) == []
