"""Date resolution table: Korean and English, week boundaries (Monday start), time zones."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from collab_core.insights.dates import resolve_due

from .util import at

# 2025-03-12 is a Wednesday.
WED = "2025-03-12 10:00"
CASES = [
    ("오늘까지 할게요", WED, date(2025, 3, 12)),
    ("오늘 중으로 드릴게요", WED, date(2025, 3, 12)),
    ("퇴근 전에 올릴게요", WED, date(2025, 3, 12)),
    ("EOD까지 PR 올릴게요", WED, date(2025, 3, 12)),
    ("오후에 볼게요", WED, date(2025, 3, 12)),
    ("내일까지 올릴게요", WED, date(2025, 3, 13)),
    ("내일 오전에 넣을게요", WED, date(2025, 3, 13)),
    ("모레 드릴게요", WED, date(2025, 3, 14)),
    ("이번 주 금요일까지 끝낼게요", WED, date(2025, 3, 14)),
    ("금요일까지 공유할게요", WED, date(2025, 3, 14)),
    ("월요일에 할게요", WED, date(2025, 3, 17)),  # past weekday -> next occurrence
    ("수요일까지", WED, date(2025, 3, 12)),  # same weekday -> today
    ("다음 주 화요일까지", WED, date(2025, 3, 18)),
    ("다음 주 금요일", "2025-03-10 09:00", date(2025, 3, 21)),
    ("다음 주 초까지", WED, date(2025, 3, 17)),
    ("다음 주까지", WED, date(2025, 3, 21)),
    ("이번 주 안에 붙일게요", WED, date(2025, 3, 14)),
    ("이번 주 안에", "2025-03-15 11:00", date(2025, 3, 15)),  # Saturday: the week's Friday has passed
    ("주말에 보내드릴게요", WED, date(2025, 3, 16)),
    ("월말까지", WED, date(2025, 3, 31)),
    ("3/14까지", WED, date(2025, 3, 14)),
    ("3월 14일까지", WED, date(2025, 3, 14)),
    ("14일까지 드릴게요", WED, date(2025, 3, 14)),
    ("10일까지", WED, date(2025, 4, 10)),  # passed day of month -> next month
    ("1/5까지", "2025-12-20 10:00", date(2026, 1, 5)),  # year rollover
    ("tomorrow", WED, date(2025, 3, 13)),
    ("I'll send it by Friday", WED, date(2025, 3, 14)),
    ("by Fri", WED, date(2025, 3, 14)),
    ("by Mon", WED, date(2025, 3, 17)),
    ("next Tuesday", WED, date(2025, 3, 18)),
    ("next Tuesday", "2025-03-10 09:00", date(2025, 3, 18)),  # Monday: next week's Tuesday, not tomorrow
    ("by Monday", WED, date(2025, 3, 17)),
    ("end of week", WED, date(2025, 3, 14)),
    ("EOW", WED, date(2025, 3, 14)),
    ("EOD", WED, date(2025, 3, 12)),
    ("by the 14th", WED, date(2025, 3, 14)),
    ("March 14", WED, date(2025, 3, 14)),
    ("14 March", WED, date(2025, 3, 14)),
    ("on 2025-04-02", WED, date(2025, 4, 2)),
    ("this weekend", WED, date(2025, 3, 16)),
    ("end of month", WED, date(2025, 3, 31)),
    ("no date here", WED, None),
    ("24/7 on call", WED, None),
    ("T+1 집계, D+2 영업일", WED, None),
]


@pytest.mark.parametrize(("text", "when", "want"), CASES)
def test_resolve_due_table(text: str, when: str, want: date | None) -> None:
    assert resolve_due(text, at=at(when), tz="Asia/Seoul") == want


def test_author_time_zone_decides_today() -> None:
    # 2025-03-13 01:00 KST is still 2025-03-12 in New York: 'tomorrow' there is the 13th
    ts = datetime(2025, 3, 13, 1, 0, tzinfo=timezone(timedelta(hours=9)))
    assert resolve_due("tomorrow", at=ts, tz="America/New_York") == date(2025, 3, 13)
    assert resolve_due("tomorrow", at=ts, tz="Asia/Seoul") == date(2025, 3, 14)
    assert resolve_due("EOD", at=ts, tz="America/New_York") == date(2025, 3, 12)


def test_unknown_zone_falls_back_to_offset() -> None:
    assert resolve_due("내일", at=at(WED), tz="Nowhere/Zone") == date(2025, 3, 13)
