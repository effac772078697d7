"""Office hours: open/closed from config/handoff.yml, the texts told to visitors, env override."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sedorum.handoff.hours import ALWAYS_OPEN_ENV, Schedule, load_schedule, office_hours_text, office_status

LONDON = ZoneInfo("Europe/London")
# 2025-06-02 is a Monday (British Summer Time, UTC+1).
MONDAY_NOON = datetime(2025, 6, 2, 12, 0, tzinfo=LONDON)
MONDAY_EARLY = datetime(2025, 6, 2, 6, 30, tzinfo=LONDON)
FRIDAY_LATE = datetime(2025, 6, 6, 21, 15, tzinfo=LONDON)
TUESDAY_LATE = datetime(2025, 6, 3, 20, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def schedule_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test states the override it wants; none inherits one from the shell."""
    monkeypatch.delenv(ALWAYS_OPEN_ENV, raising=False)


def test_project_config_describes_weekday_hours_in_uk_time() -> None:
    schedule = load_schedule()
    assert office_hours_text(schedule) == "Monday to Friday, 8:00 to 20:00 (UK time)"
    assert schedule.typical_wait_minutes > 0


def test_open_during_office_hours() -> None:
    status = office_status(MONDAY_NOON)
    assert status.open is True
    assert status.wait_minutes == load_schedule().typical_wait_minutes
    assert status.next_open_text == "now"


def test_closed_before_opening_says_today() -> None:
    status = office_status(MONDAY_EARLY)
    assert status.open is False
    assert status.next_open_text == "today at 8:00 (UK time)"
    assert status.wait_minutes == 90 + load_schedule().typical_wait_minutes


def test_closing_time_is_exclusive_and_says_tomorrow() -> None:
    status = office_status(TUESDAY_LATE)
    assert status.open is False
    assert status.next_open_text == "tomorrow at 8:00 (UK time)"


def test_friday_night_points_to_monday() -> None:
    status = office_status(FRIDAY_LATE)
    assert status.open is False
    assert status.next_open_text == "on Monday at 8:00 (UK time)"
    assert status.next_open == datetime(2025, 6, 9, 8, 0, tzinfo=LONDON)


def test_time_given_in_another_zone_is_converted() -> None:
    # 11:30 UTC is 12:30 in London in June: open.
    assert office_status(datetime(2025, 6, 2, 11, 30, tzinfo=ZoneInfo("UTC"))).open is True
    # 07:30 UTC is 08:30 in London in June, but 07:30 in January (GMT): closed then.
    assert office_status(datetime(2025, 1, 6, 7, 30, tzinfo=ZoneInfo("UTC"))).open is False


def test_env_forces_open(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALWAYS_OPEN_ENV, "1")
    status = office_status(FRIDAY_LATE)
    assert status.open is True and status.next_open_text == "now"


def test_env_forces_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALWAYS_OPEN_ENV, "0")
    status = office_status(MONDAY_NOON)
    assert status.open is False
    assert status.next_open_text == "tomorrow at 8:00 (UK time)"
    assert status.office_hours_text == "Monday to Friday, 8:00 to 20:00 (UK time)"


def test_grouping_of_days_and_split_ranges() -> None:
    schedule = Schedule.from_mapping(
        {
            "timezone": "Europe/Berlin",
            "timezone_label": "Berlin time",
            "office_hours": {
                "monday": ["09:00-12:00", "13:00-17:00"],
                "tuesday": ["09:00-12:00", "13:00-17:00"],
                "wednesday": "closed",
                "thursday": ["10:00-16:00"],
                "friday": ["10:00-16:00"],
                "saturday": ["10:00-13:00"],
            },
        }
    )
    assert office_hours_text(schedule) == (
        "Monday and Tuesday, 9:00 to 12:00 and 13:00 to 17:00; Thursday and Friday, 10:00 to 16:00; "
        "Saturday, 10:00 to 13:00 (Berlin time)"
    )
    lunch = datetime(2025, 6, 2, 12, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    status = office_status(lunch, schedule)
    assert status.open is False and status.next_open_text == "today at 13:00 (Berlin time)"


def test_never_open_schedule_still_answers() -> None:
    schedule = Schedule.from_mapping({"timezone": "UTC", "office_hours": {}})
    status = office_status(MONDAY_NOON, schedule)
    assert status.open is False and status.next_open is None
    assert status.office_hours_text


@pytest.mark.parametrize(
    "bad",
    [
        {"office_hours": {"funday": ["09:00-10:00"]}},
        {"office_hours": {"monday": ["10:00-09:00"]}},
        {"office_hours": {"monday": 9}},  # a number, not "09:00-17:00"
        {"office_hours": {"monday": True}},  # YAML's "yes"
    ],
)
def test_invalid_config_is_rejected(bad: dict) -> None:
    with pytest.raises(ValueError):
        Schedule.from_mapping(bad)


def test_config_path_can_be_overridden(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "handoff.yml"
    config.write_text("timezone: UTC\ntimezone_label: UTC\noffice_hours:\n  sunday: ['00:00-23:59']\n")
    monkeypatch.setenv("SEDORUM_HANDOFF_CONFIG", str(config))
    assert office_hours_text(load_schedule()) == "Sunday, 0:00 to 23:59 (UTC)"
