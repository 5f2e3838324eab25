"""Due-date resolution for Korean and English expressions, relative to a message's own time and time zone.

`resolve_due(text, at=..., tz=...)` returns the calendar date (in the author's zone) an expression such as
'내일까지', '이번 주 금요일', 'by Fri', 'EOD', '3/14', '14일', '주말' points at, or None when the text names
no future date. Weeks start on Monday. A bare weekday means its next occurrence (today counts when it is that
day); 'this week'/'이번 주' without a day means that week's Friday (the working week's end), '주말'/'weekend'
its Sunday, 'next week' the next week's Friday ('다음 주 초'/'early next week' its Monday). Absolute dates
without a year take the message's year (next year when that lands more than half a year back); a bare day
of month ('14일', '14th') that has passed means next month.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

KO_WEEKDAYS = "월화수목금토일"
EN_WEEKDAYS = {
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "wed": 2,
    "weds": 2,
    "wednesday": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
    "sun": 6,
    "sunday": 6,
}
EN_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m} | {
    m.lower(): i for i, m in enumerate(calendar.month_name) if m
}

_EN_WD = "|".join(sorted(EN_WEEKDAYS, key=len, reverse=True))
_EN_MON = "|".join(sorted(EN_MONTHS, key=len, reverse=True))

# Each rule: (compiled pattern, resolver(match, today) -> date | None). Order matters: absolute dates first,
# then week-qualified weekdays before bare weekdays, then week/month spans, then day words.
_ISO = re.compile(r"\b(20\d\d)-(\d{1,2})-(\d{1,2})\b", re.A)
_MD_SLASH = re.compile(r"(?<![\d/.])(\d{1,2})/(\d{1,2})(?![\d/])")
_KO_MD = re.compile(r"(\d{1,2})\s*월\s*(\d{1,2})\s*일")
_EN_MD = re.compile(rf"\b({_EN_MON})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b", re.I | re.A)
_EN_DM = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_EN_MON})\b", re.I | re.A)
_KO_DAY = re.compile(r"(?<![\d월/])(\d{1,2})\s*일(?:까지|에|날|\b|[^가-힣]|$)")
_EN_DAY = re.compile(r"\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b", re.I | re.A)

_KO_WEEK_WD = re.compile(r"(이번\s*주|금주|다음\s*주|담주|다다음\s*주|지난\s*주)\s*([월화수목금토일])(?:요일)?")
_KO_WD = re.compile(r"(?<![가-힣])([월화수목금토일])요일|\(([월화수목금토일])\)")
_EN_WEEK_WD = re.compile(rf"\b(this|next|coming)\s+({_EN_WD})\b", re.I | re.A)
_EN_WD_RE = re.compile(rf"\b({_EN_WD})\b\.?", re.I | re.A)

_KO_NEXT_WEEK_EARLY = re.compile(r"(다음\s*주|담주)\s*초")
_KO_NEXT_WEEK = re.compile(r"(다음\s*주|담주)(?:\s*(?:안에|안으로|중|중에|중으로|까지|말))?")
_KO_THIS_WEEK = re.compile(r"(이번\s*주|금주)(?:\s*(?:안에|안으로|중|중에|중으로|까지|내|말))?")
_KO_WEEKEND = re.compile(r"주말")
_KO_MONTH_END = re.compile(r"월말|이번\s*달\s*(?:말|안에|까지)")
_EN_NEXT_WEEK_EARLY = re.compile(r"\bearly\s+next\s+week\b", re.I | re.A)
_EN_NEXT_WEEK = re.compile(r"\b(?:next\s+week|end\s+of\s+next\s+week)\b", re.I | re.A)
_EN_THIS_WEEK = re.compile(r"\b(?:end\s+of\s+(?:the\s+)?week|eow|this\s+week|by\s+the\s+weekend)\b", re.I | re.A)
_EN_WEEKEND = re.compile(r"\b(?:this\s+)?weekend\b", re.I | re.A)
_EN_MONTH_END = re.compile(r"\b(?:end\s+of\s+(?:the\s+)?month|eom|this\s+month)\b", re.I | re.A)

_DAY_AFTER = re.compile(r"모레|글피|\bday\s+after\s+tomorrow\b", re.I | re.A)
_TOMORROW = re.compile(r"내일|낼\s|\btomorrow\b|\btmrw\b|\btmr\b", re.I | re.A)
_TODAY = re.compile(
    r"오늘|금일|퇴근\s*전|\beod\b|\bcob\b|\btoday\b|\btonight\b|\bthis\s+(?:afternoon|evening|morning)\b"
    r"|\blater\s+today\b|\bafter\s+(?:lunch|standup|the\s+meeting)\b|점심\s*(?:먹고|이후|후에?)|"
    r"(?<![가-힣])(?:오후|오전\s*중|이따|저녁)(?:에|까지|중)?(?![가-힣])",
    re.I | re.A,
)


def local_today(at: datetime, tz: str) -> date:
    """The calendar date of `at` in the author's time zone."""
    try:
        zone = ZoneInfo(tz)
    except Exception:  # unknown zone name: fall back to the timestamp's own offset
        return at.date()
    return at.astimezone(zone).date()


def week_monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def next_weekday(today: date, wd: int) -> date:
    """The next date with weekday `wd` on or after `today`."""
    return today + timedelta(days=(wd - today.weekday()) % 7)


def _absolute(year: int, month: int, day: int, today: date) -> date | None:
    try:
        d = date(year, month, day)
    except ValueError:
        return None
    if (today - d).days > 183:
        try:
            d = date(year + 1, month, day)
        except ValueError:
            return None
    return d


def _day_of_month(day: int, today: date) -> date | None:
    if not 1 <= day <= 31:
        return None
    y, m = today.year, today.month
    for _ in range(3):
        if day <= calendar.monthrange(y, m)[1]:
            d = date(y, m, day)
            if d >= today:
                return d
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return None


def _week_offset(word: str) -> int:
    word = re.sub(r"\s", "", word.lower())
    if word in ("다다음주",):
        return 2
    if word in ("다음주", "담주", "next"):
        return 1
    if word in ("지난주",):
        return -1
    return 0


def resolve_due(text: str, *, at: datetime, tz: str = "Asia/Seoul") -> date | None:
    """The date a due expression in `text` names, relative to `at` in zone `tz`; None when there is none."""
    today = local_today(at, tz)
    monday = week_monday(today)

    if m := _ISO.search(text):
        return _absolute(int(m[1]), int(m[2]), int(m[3]), today)
    if m := _KO_MD.search(text):
        return _absolute(today.year, int(m[1]), int(m[2]), today)
    if m := _MD_SLASH.search(text):
        d = _absolute(today.year, int(m[1]), int(m[2]), today)
        if d:
            return d
    if m := _EN_MD.search(text):
        return _absolute(today.year, EN_MONTHS[m[1].lower()], int(m[2]), today)
    if m := _EN_DM.search(text):
        return _absolute(today.year, EN_MONTHS[m[2].lower()], int(m[1]), today)

    if m := _KO_WEEK_WD.search(text):
        off = _week_offset(m[1])
        return monday + timedelta(days=7 * off + KO_WEEKDAYS.index(m[2]))
    if m := _EN_WEEK_WD.search(text):
        wd = EN_WEEKDAYS[m[2].lower()]
        if m[1].lower() == "next":
            return monday + timedelta(days=7 + wd)
        return next_weekday(today, wd)
    if m := _KO_WD.search(text):
        return next_weekday(today, KO_WEEKDAYS.index(m[1] or m[2]))
    if m := _EN_WD_RE.search(text):
        word = m[1].lower()
        # 'sat'/'sun'/'wed' etc. are also plain words; accept the short forms only when written as a day.
        if (
            len(word) > 3
            or m[1][0].isupper()
            or re.search(rf"\b(?:by|on|until|till|due)\s+{word}\b", text, re.I | re.A)
        ):
            return next_weekday(today, EN_WEEKDAYS[word])

    if _KO_NEXT_WEEK_EARLY.search(text) or _EN_NEXT_WEEK_EARLY.search(text):
        return monday + timedelta(days=7)
    if _KO_WEEKEND.search(text) or _EN_WEEKEND.search(text):
        return monday + timedelta(days=6)
    if _KO_NEXT_WEEK.search(text) or _EN_NEXT_WEEK.search(text):
        return monday + timedelta(days=11)
    if _KO_THIS_WEEK.search(text) or _EN_THIS_WEEK.search(text):
        return max(today, monday + timedelta(days=4))
    if _KO_MONTH_END.search(text) or _EN_MONTH_END.search(text):
        return date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])

    if _DAY_AFTER.search(text):
        return today + timedelta(days=2)
    if _TOMORROW.search(text):
        return today + timedelta(days=1)
    if _TODAY.search(text):
        return today

    if m := _KO_DAY.search(text):
        return _day_of_month(int(m[1]), today)
    if m := _EN_DAY.search(text):
        return _day_of_month(int(m[1]), today)
    return None
