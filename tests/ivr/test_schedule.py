"""Opening hours: weekdays, weekends, after hours, South African public holidays, time zones."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from callcentre.schedule import Schedule, ScheduleError, ScheduleStatus, holiday_dates, parse_schedule
from ivr import actions as a
from ivr import events as e
from ivr.engine import Engine
from ivr.menu_loader import load_menu

SAST = ZoneInfo("Africa/Johannesburg")
OFFICE = parse_schedule("office", {"hours": {"mon-fri": "07:30-16:00", "sat": "08:00-12:00"}})


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SAST)


@pytest.mark.parametrize(
    ("moment", "status"),
    [
        (at(2025, 3, 4, 10), ScheduleStatus.OPEN),  # a Tuesday morning
        (at(2025, 3, 4, 7, 29), ScheduleStatus.CLOSED),  # before opening
        (at(2025, 3, 4, 7, 30), ScheduleStatus.OPEN),  # opening minute
        (at(2025, 3, 4, 16, 0), ScheduleStatus.CLOSED),  # closing time is exclusive
        (at(2025, 3, 4, 20), ScheduleStatus.CLOSED),  # after hours
        (at(2025, 3, 8, 10), ScheduleStatus.OPEN),  # Saturday morning
        (at(2025, 3, 8, 12, 30), ScheduleStatus.CLOSED),  # Saturday afternoon
        (at(2025, 3, 9, 10), ScheduleStatus.CLOSED),  # Sunday: not listed, so closed
        (at(2025, 4, 18, 10), ScheduleStatus.HOLIDAY),  # Good Friday
        (at(2025, 4, 21, 10), ScheduleStatus.HOLIDAY),  # Family Day (Monday)
        (at(2025, 4, 28, 10), ScheduleStatus.HOLIDAY),  # Freedom Day observed (27 April was a Sunday)
        (at(2025, 9, 24, 10), ScheduleStatus.HOLIDAY),  # Heritage Day (a Wednesday)
        (at(2025, 12, 16, 10), ScheduleStatus.HOLIDAY),  # Day of Reconciliation
        (at(2026, 1, 1, 10), ScheduleStatus.HOLIDAY),  # New Year's Day, another year
        (at(2025, 4, 22, 10), ScheduleStatus.OPEN),  # the Tuesday after Easter is a working day
    ],
)
def test_office_hours(moment: dt.datetime, status: ScheduleStatus) -> None:
    assert OFFICE.status(moment) is status


def test_a_moment_in_another_time_zone_is_converted_first() -> None:
    utc = dt.datetime(2025, 3, 4, 6, 0, tzinfo=dt.UTC)  # 08:00 in Johannesburg
    assert OFFICE.status(utc) is ScheduleStatus.OPEN
    assert (
        OFFICE.status(dt.datetime(2025, 3, 4, 14, 30, tzinfo=dt.UTC)) is ScheduleStatus.CLOSED
    )  # 16:30 SAST


def test_a_naive_moment_is_taken_as_local_time() -> None:
    assert OFFICE.status(dt.datetime(2025, 3, 4, 10)) is ScheduleStatus.OPEN
    assert OFFICE.status(dt.datetime(2025, 3, 4, 6)) is ScheduleStatus.CLOSED


def test_holidays_come_from_the_holidays_package() -> None:
    dates = holiday_dates("ZA", None, 2025)
    assert {dt.date(2025, 3, 21), dt.date(2025, 6, 16), dt.date(2025, 8, 9), dt.date(2025, 12, 25)} <= dates
    assert dt.date(2025, 3, 4) not in dates


def test_holiday_hours_and_ignoring_holidays() -> None:
    weekend_desk = parse_schedule("desk", {"hours": {"daily": "08:00-12:00"}, "holiday_hours": "09:00-11:00"})
    assert weekend_desk.status(at(2025, 4, 18, 10)) is ScheduleStatus.OPEN
    assert weekend_desk.status(at(2025, 4, 18, 8, 30)) is ScheduleStatus.HOLIDAY
    no_holidays = parse_schedule("x", {"hours": {"mon-fri": "08:00-16:00"}, "public_holidays": False})
    assert no_holidays.status(at(2025, 4, 18, 10)) is ScheduleStatus.OPEN


def test_always_open_and_split_hours() -> None:
    always = parse_schedule("always", {"hours": {"daily": "00:00-24:00"}, "public_holidays": False})
    assert all(
        always.status(at(2025, 3, d, h)) is ScheduleStatus.OPEN for d in range(1, 8) for h in (0, 12, 23)
    )
    split = parse_schedule("split", {"hours": {"mon": "08:00-12:00, 13:00-16:00"}})
    assert split.hours[0] == ((480, 720), (780, 960))
    assert split.status(at(2025, 3, 3, 12, 30)) is ScheduleStatus.CLOSED
    assert split.status(at(2025, 3, 3, 13, 0)) is ScheduleStatus.OPEN


@pytest.mark.parametrize(
    ("spec", "field", "message"),
    [
        ({"hours": {"mon-fry": "08:00-16:00"}}, "hours.mon-fry", "bad day"),
        ({"hours": {"fri-mon": "08:00-16:00"}}, "hours.fri-mon", "backwards"),
        ({"hours": {"mon": "8-16"}}, "hours.mon", "bad time"),
        ({"hours": {"mon": "16:00-08:00"}}, "hours.mon", "end before"),
        ({"hours": {"mon": "08:00-12:00, 11:00-16:00"}}, "hours.mon", "overlap"),
        ({"hours": {"mon": 480}}, "hours.mon", "quote"),
        ({"hours": {"mon-fri": "08:00-16:00", "fri": "08:00-12:00"}}, "hours.fri", "twice"),
        ({"hours": {}}, "hours", "expected a mapping"),
        ({"hours": {"mon": "08:00-16:00"}, "timezone": "Mars/Olympus"}, "timezone", "unknown time zone"),
        ({"hours": {"mon": "08:00-16:00"}, "public_holidays": "XX"}, "public_holidays", "no public-holiday"),
        ({"hours": {"mon": "08:00-16:00"}, "opens": "08:00"}, "opens", "unknown setting"),
    ],
)
def test_bad_schedules_name_the_setting(spec: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message) as raised:
        parse_schedule("bad", spec)
    assert raised.value.field == field


# ---- the shipped menu routes `0` by its office schedule ----

ENGINE = Engine(load_menu())


def press_zero_at_main(moment: dt.datetime) -> tuple[str, tuple[a.Action, ...]]:
    state, _ = ENGINE.start(e.CallStarted("0821234567", moment))
    for event in (e.DigitsEntered("1"), e.OutagesFound(()), e.DigitsEntered("0", at=10.0)):
        state, actions = ENGINE.step(state, event)
    return state.node, actions


def test_menu_schedule_is_the_office_schedule() -> None:
    office = ENGINE.menu.schedules["office"]
    assert isinstance(office, Schedule) and office.timezone == "Africa/Johannesburg"
    assert office.public_holidays == "ZA"


def test_in_office_hours_zero_reaches_the_general_queue() -> None:
    node, actions = press_zero_at_main(at(2025, 3, 4, 10))
    assert node == "queue_general" and isinstance(actions[-1], a.Transfer)
    assert actions[-1].queue == "enquiries"


@pytest.mark.parametrize("moment", [at(2025, 3, 4, 20), at(2025, 3, 8, 10), at(2025, 3, 9, 10)])
def test_after_hours_and_at_weekends_zero_offers_a_call_back_instead(moment: dt.datetime) -> None:
    node, actions = press_zero_at_main(moment)
    assert node == "closed_general"
    assert not any(isinstance(action, a.Transfer) for action in actions)
    assert isinstance(actions[-1], a.CollectDigits)


def test_on_a_public_holiday_the_caller_hears_why_the_office_is_closed() -> None:
    node, actions = press_zero_at_main(at(2025, 4, 28, 10))  # Freedom Day, observed on a Monday
    assert node == "closed_general"
    prompts = [action.prompt for action in actions if isinstance(action, a.Play)]
    assert prompts[0] == "holiday_general"


def test_the_schedule_uses_the_time_of_the_event_not_of_the_call_start() -> None:
    # The call starts at 15:59:50; the caller presses 0 twenty seconds later, after closing time.
    node, _ = press_zero_at_main(at(2025, 3, 4, 15, 59) + dt.timedelta(seconds=50))
    assert node == "closed_general"
