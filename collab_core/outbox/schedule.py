"""Digest schedules: off, daily at HH:MM or weekly on a weekday at HH:MM, in a person's own time zone.

Pure functions over an injected `now`; the scheduled moments are computed in the zone's local time
(zoneinfo), so a schedule keeps its wall-clock time across DST changes where a zone has them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from collab_core.errors import ValidationError

MODES = ("off", "daily", "weekly")
# How far back a first digest (or one after a long stop of every worker) reaches.
MAX_LOOKBACK = {"daily": timedelta(days=2), "weekly": timedelta(days=8)}


@dataclass(frozen=True)
class Schedule:
    """When a digest is due: mode, local minute of the day, weekday (Monday = 0) and time zone."""

    mode: str = "daily"
    minute: int = 9 * 60
    weekday: int = 0
    timezone: str = "Asia/Seoul"

    @property
    def hhmm(self) -> str:
        return f"{self.minute // 60:02d}:{self.minute % 60:02d}"


def zone(name: str) -> ZoneInfo:
    """The IANA zone, or a ValidationError naming the bad value."""
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            f"Unknown time zone {name!r}.", hint="Use an IANA name such as Asia/Seoul or Europe/Berlin."
        ) from exc


def known_zones() -> list[str]:
    """Every IANA zone name this machine knows, sorted."""
    return sorted(available_timezones())


def parse_hhmm(value: object) -> int:
    """'HH:MM' (24 h) -> minutes after midnight."""
    text = str(value or "").strip()
    parts = text.split(":")
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        h, m = int(parts[0]), int(parts[1])
        if 0 <= h < 24 and 0 <= m < 60:
            return h * 60 + m
    raise ValidationError(f"{text!r} is not a time of day.", hint="Use HH:MM, for example 09:00 or 18:30.")


def make_schedule(*, mode: str, at: str | int = "09:00", weekday: int = 0, timezone: str = "Asia/Seoul") -> Schedule:
    """A validated schedule."""
    if mode not in MODES:
        raise ValidationError(f"Unknown digest schedule {mode!r}.", hint="Use off, daily or weekly.")
    minute = at if isinstance(at, int) else parse_hhmm(at)
    if not 0 <= minute < 24 * 60:
        raise ValidationError("The digest time must be within the day.", hint="Use HH:MM.")
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise ValidationError("The weekday must be 0 (Monday) to 6 (Sunday).")
    zone(timezone)
    return Schedule(mode=mode, minute=minute, weekday=weekday, timezone=timezone)


def _local(day: date, minute: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)


def latest_slot(schedule: Schedule, now: datetime) -> datetime | None:
    """The newest scheduled moment at or before `now` (aware UTC); None when the schedule is off."""
    if schedule.mode == "off":
        return None
    tz = zone(schedule.timezone)
    local_now = now.astimezone(tz)
    day = local_now.date()
    for back in range(0, 8):
        d = day - timedelta(days=back)
        if schedule.mode == "weekly" and d.weekday() != schedule.weekday:
            continue
        slot = _local(d, schedule.minute, tz)
        if slot <= local_now:
            return slot.astimezone(UTC)
    return None  # unreachable for valid schedules


def previous_slot(schedule: Schedule, slot: datetime) -> datetime:
    """The scheduled moment before `slot` (one day or one week earlier in local time)."""
    tz = zone(schedule.timezone)
    local = slot.astimezone(tz)
    step = 7 if schedule.mode == "weekly" else 1
    return _local(local.date() - timedelta(days=step), schedule.minute, tz).astimezone(UTC)
