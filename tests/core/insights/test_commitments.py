"""Promise detection in Korean, English and mixed chat, hard negatives, and status as of `now`."""

from __future__ import annotations

from datetime import date

import pytest

from collab_core.insights.commitments import detect_commitments, promise_sentence

from .util import MEMBERS, at, msg, task

PROMISES = [
    "제가 확인해볼게요",
    "내일까지 올릴게요",
    "EOD까지 PR 올릴게요",
    "I'll send the spec by Friday",
    "will do",
    "제가 할게요",
    "그 건은 제가 맡을게요",
    "API 문서는 목요일까지 정리해서 공유드리겠습니다",
    "I will update the README tonight",
    "let me check with the vendor",
    "ok I'm going to rewrite the retry logic this week",
    "리팩터링은 다음 주 초까지 마무리할게",
    "네 제가 처리하겠습니다",
    "I can take the onboarding doc",
    "테스트 케이스 3/20까지 추가해둘게요",
    "알림 문구 수정해서 다시 올릴게요 🙏",
    "The release notes will be published tomorrow",
    "스테이징 다시 배포는 내일 합니다",
    "어제 건 농담이었고요 ㅋㅋ 런북은 내일까지 정리해둘게요",  # laughter before the promise is banter
    "Sure, PR 리뷰는 오늘 중으로 볼게요",  # mixed
    "will check and get back",  # subject dropped
]
NOT_PROMISES = [
    "제가 할까요?",  # question
    "혹시 제가 해볼까요?",
    "I'll be there in 5",  # attendance, not work
    "If I had time I'd refactor the whole thing lol",  # hypothetical
    "서버 터지면 제가 밤새 고칠게요 ㅋㅋㅋ",  # joke
    "배포 완료했어요",  # past-tense report
    "PR 올렸습니다",
    "yesterday I fixed the cache bug",
    "민지님 이거 확인해주실 수 있나요?",  # request to someone else
    "Could you send me the spec by Friday?",
    "알겠습니다!",  # acknowledgement
    "좋겠어요 ㅎㅎ",
    '"제가 할게요" 라고 하셨던 거 기억나요?',  # quoted
    "회의는 3시에 할게요",  # a plan announcement, not a promise of work
    "이 채널에서 할게요",
    "내일 다시 얘기해요",  # proposal to talk
    "we could try caching?",
    "그럼 별도 스키마로 갈게요",  # a decision, owned by the ledger
    "오늘은 먼저 들어갈게요~",  # leaving the office
    "점심 먹고 올게요",
    "네 알겠습니다 참고할게요",  # 'noted'
    "I'll think about it",
    "I'll be honest, this is messy",
]


@pytest.mark.parametrize("text", PROMISES)
def test_promises_detected(text: str) -> None:
    assert promise_sentence(text) is not None


@pytest.mark.parametrize("text", NOT_PROMISES)
def test_hard_negatives_rejected(text: str) -> None:
    assert promise_sentence(text) is None


def test_who_what_due() -> None:
    msgs = [msg("1", "하늘", "2025-03-12 10:00", "API 명세 정리는 금요일까지 제가 공유할게요")]
    (c,) = detect_commitments(msgs, [], MEMBERS, now=at("2025-03-12 11:00"))
    assert (c.person, c.due, c.status) == ("하늘", date(2025, 3, 14), "open")
    assert "API 명세" in c.what


def test_promise_kept_by_later_message_becomes_done() -> None:
    msgs = [
        msg("1", "Priya", "2025-03-10 10:00", "I'll write the webhook retry doc by Wednesday"),
        msg("2", "도윤", "2025-03-10 10:05", "thanks!"),
        msg("3", "Priya", "2025-03-11 16:00", "webhook retry doc is up: wiki/webhook-retry"),
    ]
    (c,) = detect_commitments(msgs, [], MEMBERS, now=at("2025-03-14 18:00"))
    assert c.status == "done"
    assert c.fulfilled_by == ("3",)


def test_korean_promise_kept_with_same_verb() -> None:
    msgs = [
        msg("1", "도윤", "2025-03-10 10:00", "하늘님 스테이징 DB 접근 권한 좀 주실 수 있나요?"),
        msg("2", "하늘", "2025-03-10 10:02", "넵 오늘 중으로 열어드릴게요"),
        msg("3", "하늘", "2025-03-10 11:00", "열어드렸어요"),
    ]
    (c,) = detect_commitments(msgs, [], MEMBERS, now=at("2025-03-12 18:00"))
    assert (c.message_id, c.due, c.status, c.fulfilled_by) == ("2", date(2025, 3, 10), "done", ("3",))


def test_open_past_due_is_late_and_still_open_report_is_not_done() -> None:
    msgs = [
        msg("1", "도윤", "2025-03-10 10:00", "결제 재시도 로직은 이번 주 금요일까지 끝낼게요"),
        msg("2", "도윤", "2025-03-14 15:00", "결제 재시도 로직 예외 케이스가 아직 남았어요 ㅠ"),
    ]
    (c,) = detect_commitments(msgs, [], MEMBERS, now=at("2025-03-17 09:00"))
    assert (c.due, c.status, c.fulfilled_by) == (date(2025, 3, 14), "late", ())


def test_wish_in_past_form_is_not_a_completion() -> None:
    msgs = [
        msg("1", "하늘", "2025-03-10 10:00", "온보딩 가이드 초안은 목요일까지 드릴게요"),
        msg("2", "하늘", "2025-03-12 10:00", "온보딩 가이드 초안 오늘 끝냈으면 좋겠어요"),
    ]
    (c,) = detect_commitments(msgs, [], MEMBERS, now=at("2025-03-12 12:00"))
    assert c.status == "open"


def test_someone_elses_report_does_not_close_my_promise() -> None:
    msgs = [
        msg("1", "Tom", "2025-03-10 10:00", "I'll fix the login redirect bug tomorrow"),
        msg("2", "Priya", "2025-03-11 10:00", "fixed the login redirect bug on my branch"),
    ]
    (c,) = detect_commitments(msgs, [], MEMBERS, now=at("2025-03-11 12:00"))
    assert c.status == "open"


def test_board_reaching_done_keeps_the_promise() -> None:
    t = task(
        "T-7",
        "CSV 내보내기 API",
        "DONE",
        "도윤",
        [("2025-03-01 09:00", "TODO"), ("2025-03-12 17:00", "DONE")],
    )
    msgs = [msg("1", "도윤", "2025-03-10 10:00", "CSV 내보내기 API는 수요일까지 붙일게요")]
    (c,) = detect_commitments(msgs, [t], MEMBERS, now=at("2025-03-14 09:00"))
    assert (c.status, c.task_id, c.fulfilled_by) == ("done", "T-7", ("T-7",))


def test_assistant_messages_are_not_promises() -> None:
    msgs = [msg("1", "AI", "2025-03-10 10:00", "I'll summarise the thread by Friday", role="assistant")]
    assert detect_commitments(msgs, [], MEMBERS, now=at("2025-03-11 10:00")) == []


def test_author_time_zone_for_due() -> None:
    # 12:30 on the 12th in Seoul is 23:30 on the 11th in New York (EDT): Ana's 'tomorrow' is the 12th
    msgs = [msg("1", "Ana", "2025-03-12 12:30", "I'll send the invoice export tomorrow")]
    (c,) = detect_commitments(msgs, [], MEMBERS, now=at("2025-03-12 14:00"))
    assert c.due == date(2025, 3, 12)
