"""Board-sync proposals: status claims, task linking, and no proposal when the board already agrees."""

from __future__ import annotations

import pytest

from collab_core.insights.board_sync import detect_proposals, status_claim

from .util import at, msg, task

CLAIMS = [
    ("PR 올렸습니다 리뷰 부탁드려요", "REVIEW"),
    ("검색 API PR is up, could someone take a look?", "REVIEW"),
    ("opened a PR for the login fix", "REVIEW"),
    ("로그인 API 배포 완료했어요", "DONE"),
    ("merged the auth PR", "DONE"),
    ("closed the ticket", "DONE"),
    ("머지했습니다 🎉", "DONE"),
    ("검색 API 작업 시작했어요", "IN_PROGRESS"),
    ("started on the export job", "IN_PROGRESS"),
    ("I'm blocked on the auth keys", None),  # a blocker is a risk, not a column
    ("PR 내일 올릴게요", None),  # future
    ("배포 완료됐나요?", None),  # question
    ("아직 시작 못 했어요", None),  # negated
    ("will merge after lunch", None),
    ("완료 알림 메일 템플릿 얘기예요", None),  # '완료' as a noun modifier
    ("배포 일정 문서 올렸어요", None),  # a document, not a PR
    ("로그인 버그 고쳤어요", "DONE"),
    ("started to feel sick lol", None),
    ("Invoice API contract is done, shared in the channel", "DONE"),
]


@pytest.mark.parametrize(("text", "want"), CLAIMS)
def test_status_claims(text: str, want: str | None) -> None:
    assert status_claim(text) == want


def _board() -> list:
    return [
        task(
            "T1",
            "로그인 API",
            "IN_PROGRESS",
            "도윤",
            [("2025-03-01 09:00", "TODO"), ("2025-03-05 10:00", "IN_PROGRESS")],
        ),
        task(
            "T2",
            "검색 결과 페이지 UI",
            "IN_PROGRESS",
            "Priya",
            [("2025-03-01 09:00", "TODO"), ("2025-03-06 10:00", "IN_PROGRESS")],
        ),
        task("T3", "Export job for invoices", "TODO", "Tom", [("2025-03-01 09:00", "TODO")]),
        task("T4", "알림 설정 화면", "DONE", "Priya", [("2025-03-01 09:00", "TODO"), ("2025-03-09 10:00", "DONE")]),
    ]


def test_chat_ahead_of_board_makes_proposals() -> None:
    msgs = [
        msg("1", "도윤", "2025-03-10 10:00", "로그인 API PR 올렸습니다 리뷰 부탁드려요"),
        msg("2", "Tom", "2025-03-10 11:00", "started on the invoice export job"),
        msg("3", "Priya", "2025-03-10 12:00", "검색 결과 페이지 UI 머지했고 스테이징 배포 완료!"),
    ]
    got = {(p.message_id, p.task_id, p.to_status) for p in detect_proposals(msgs, _board(), now=at("2025-03-10 18:00"))}
    assert got == {("1", "T1", "REVIEW"), ("2", "T3", "IN_PROGRESS"), ("3", "T2", "DONE")}


def test_no_proposal_when_board_already_moved() -> None:
    board = _board()
    board[0] = task(
        "T1",
        "로그인 API",
        "REVIEW",
        "도윤",
        [("2025-03-01 09:00", "TODO"), ("2025-03-05 10:00", "IN_PROGRESS"), ("2025-03-10 10:01", "REVIEW")],
    )
    msgs = [
        msg("1", "도윤", "2025-03-10 10:00", "로그인 API PR 올렸습니다 리뷰 부탁드려요"),  # card moved a minute later
        msg("2", "Priya", "2025-03-10 12:00", "알림 설정 화면 작업 시작했어요"),  # card already DONE: no backwards move
    ]
    assert detect_proposals(msgs, board, now=at("2025-03-10 18:00")) == []


def test_unrelated_status_chatter_links_no_task() -> None:
    msgs = [msg("1", "Tom", "2025-03-10 10:00", "CORS 에러 vite proxy로 해결하고 로컬 세팅 완료했어요")]
    assert detect_proposals(msgs, _board(), now=at("2025-03-10 18:00")) == []


def test_explicit_task_id_links() -> None:
    msgs = [msg("1", "Tom", "2025-03-10 10:00", "T3 시작했어요")]
    (p,) = detect_proposals(msgs, _board(), now=at("2025-03-10 18:00"))
    assert (p.task_id, p.to_status, p.from_status) == ("T3", "IN_PROGRESS", "TODO")


def test_one_proposal_per_task_and_target() -> None:
    msgs = [
        msg("1", "Tom", "2025-03-10 10:00", "started on the invoice export job"),
        msg("2", "Tom", "2025-03-10 15:00", "still on the export job, started the PDF part too"),
    ]
    assert len(detect_proposals(msgs, _board(), now=at("2025-03-10 18:00"))) == 1
