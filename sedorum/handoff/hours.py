"""Office hours of the support team, from config/handoff.yml.

Why: a visitor handed to a person must be told roughly when someone will answer, and outside
office hours when to expect a reply to the contact details they leave. The schedule is
configuration (it changes without code); SEDORUM_OFFICE_HOURS_ALWAYS_OPEN=1 forces "open" and
=0 forces "closed", so tests and demos do not depend on the clock.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ALWAYS_OPEN_ENV = "SEDORUM_OFFICE_HOURS_ALWAYS_OPEN"
CONFIG_ENV = "SEDORUM_HANDOFF_CONFIG"


@dataclass(frozen=True)
class OfficeStatus:
    """What the assistant tells a visitor who is waiting for a person."""

    open: bool
    wait_minutes: int  # open: the typical wait; closed: minutes until opening plus that wait
    office_hours_text: str  # "Monday to Friday, 8:00 to 20:00 (UK time)"
    next_open_text: str  # "now", "today at 8:00 (UK time)", "tomorrow at 8:00 (UK time)", "on Monday at ..."
    next_open: datetime | None = None  # aware, in the office's time zone; None if never open


@dataclass(frozen=True)
class Schedule:
    timezone: ZoneInfo
    timezone_label: str
    typical_wait_minutes: int
    days: tuple[tuple[tuple[time, time], ...], ...]  # Monday first; each a tuple of (start, end)

    @classmethod
    def from_mapping(cls, data: dict) -> Schedule:
        tz_name = str(data.get("timezone") or "UTC")
        hours = data.get("office_hours") or {}
        unknown = set(hours) - set(DAYS)
        if unknown:
            raise ValueError(f"office_hours: unknown day(s) {sorted(unknown)}")
        return cls(
            timezone=ZoneInfo(tz_name),
            timezone_label=str(data.get("timezone_label") or tz_name),
            typical_wait_minutes=int(data.get("typical_wait_minutes", 10)),
            days=tuple(_parse_day(hours.get(day, "closed")) for day in DAYS),
        )


def _parse_day(value: object) -> tuple[tuple[time, time], ...]:
    if value in (None, "closed", False, []):
        return ()
    # A day is a string or a YAML list of strings ("09:00-13:00"); anything else is refused.
    if isinstance(value, str):
        ranges: list[object] = [value]
    elif isinstance(value, list):
        ranges = list(value)
    else:
        raise ValueError(f"office hours {value!r}: expected 'HH:MM-HH:MM', a list of them, or closed")
    parsed = []
    for item in ranges:
        start_text, _, end_text = str(item).partition("-")
        start, end = time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip())
        if end <= start:
            raise ValueError(f"office hours range {item!r} must end after it starts")
        parsed.append((start, end))
    return tuple(sorted(parsed))


def config_path() -> Path:
    from sedorum.settings import PROJECT_ROOT

    return Path(os.environ.get(CONFIG_ENV, "").strip() or PROJECT_ROOT / "config" / "handoff.yml")


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> Schedule:
    return Schedule.from_mapping(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def load_schedule(path: Path | None = None) -> Schedule:
    """The schedule from config (re-read when the file changes)."""
    path = path or config_path()
    return _load(path, path.stat().st_mtime)


def office_status(now: datetime | None = None, schedule: Schedule | None = None) -> OfficeStatus:
    """Whether staff are in now, how long a visitor waits, and when they are in next."""
    schedule = schedule or load_schedule()
    local_now = (now or datetime.now(schedule.timezone)).astimezone(schedule.timezone)
    forced = os.environ.get(ALWAYS_OPEN_ENV, "").strip()
    is_open = forced == "1" or (forced != "0" and _is_open(schedule, local_now))
    hours_text = office_hours_text(schedule)
    if is_open:
        return OfficeStatus(True, schedule.typical_wait_minutes, hours_text, "now", local_now)
    opening = _next_opening(schedule, local_now)
    if opening is None:
        return OfficeStatus(False, 0, hours_text, "when the team is next available", None)
    minutes = int((opening - local_now).total_seconds() // 60) + schedule.typical_wait_minutes
    return OfficeStatus(False, minutes, hours_text, _when_text(schedule, local_now, opening), opening)


def _is_open(schedule: Schedule, local_now: datetime) -> bool:
    moment = local_now.time()
    return any(start <= moment < end for start, end in schedule.days[local_now.weekday()])


def _next_opening(schedule: Schedule, local_now: datetime) -> datetime | None:
    """The first start of a range strictly after now (the current range is skipped when forced shut)."""
    for offset in range(8):
        day = (local_now + timedelta(days=offset)).date()
        for start, _ in schedule.days[day.weekday()]:
            candidate = datetime.combine(day, start, tzinfo=schedule.timezone)
            if candidate > local_now:
                return candidate
    return None


def _clock(value: time) -> str:
    return f"{value.hour}:{value.minute:02d}"


def _when_text(schedule: Schedule, local_now: datetime, opening: datetime) -> str:
    days_ahead = (opening.date() - local_now.date()).days
    if days_ahead == 0:
        day = "today"
    elif days_ahead == 1:
        day = "tomorrow"
    else:
        day = f"on {DAYS[opening.weekday()].capitalize()}"
    return f"{day} at {_clock(opening.time())} ({schedule.timezone_label})"


def office_hours_text(schedule: Schedule) -> str:
    """Consecutive days with the same hours grouped: "Monday to Friday, 8:00 to 20:00 (UK time)"."""
    groups: list[tuple[int, int, tuple[tuple[time, time], ...]]] = []
    for index, ranges in enumerate(schedule.days):
        if groups and groups[-1][2] == ranges and groups[-1][1] == index - 1:
            groups[-1] = (groups[-1][0], index, ranges)
        else:
            groups.append((index, index, ranges))
    parts = []
    for first, last, ranges in groups:
        if not ranges:
            continue
        days = DAYS[first].capitalize()
        if last == first + 1:
            days += f" and {DAYS[last].capitalize()}"
        elif last > first:
            days += f" to {DAYS[last].capitalize()}"
        times = " and ".join(f"{_clock(start)} to {_clock(end)}" for start, end in ranges)
        parts.append(f"{days}, {times}")
    if not parts:
        return "by email only (no office hours are set)"
    return f"{'; '.join(parts)} ({schedule.timezone_label})"
