"""The compliance check before every dial, by example and against an independent oracle.

The examples walk each rule (Consumer Protection Act window, South African public holidays, the
account's own time zone, attempt limits, minimum gap, call-back, do-not-call, account status). The
property tests compare :func:`check` and :func:`next_window_open` with a re-statement of the rules
written here from ``holidays`` and ``zoneinfo`` directly, over any instant of several years.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TypeVar
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from callcentre.settings_dialer import DialerSettings
from telephony.campaigns.compliance import DialFacts, check, next_window_open
from telephony.campaigns.rules import DialRules, rules_from_settings

SAST = ZoneInfo("Africa/Johannesburg")
LONDON = ZoneInfo("Europe/London")
AUCKLAND = ZoneInfo("Pacific/Auckland")
UTC = dt.UTC
RULES = rules_from_settings(DialerSettings())
NEVER = {"account_status", "wrong_number", "dnc", "campaign_limit"}


def at(year: int, month: int, day: int, hour: int, minute: int = 0, zone: ZoneInfo = SAST) -> dt.datetime:
    """A wall-clock moment in ``zone`` (South Africa unless told)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone)


def facts(**changes: object) -> DialFacts:
    """An active account in Johannesburg, never dialled, with one clean number; ``changes`` applied."""
    clean = DialFacts(
        account_status="active",
        phone_status="active",
        on_dnc=False,
        timezone="Africa/Johannesburg",
        attempts_total=0,
        account_day=None,
        account_today=0,
        number_day=None,
        number_today=0,
        last_attempt_at=None,
    )
    return dataclasses.replace(clean, **changes)  # type: ignore[arg-type]


# --- the calling window ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "allowed", "retry_at"),
    [
        (at(2025, 3, 9, 10), False, at(2025, 3, 10, 8)),  # Sunday: closed all day
        (at(2025, 3, 8, 8, 59), False, at(2025, 3, 8, 9)),  # Saturday before 09:00
        (at(2025, 3, 8, 9, 0), True, None),
        (at(2025, 3, 8, 12, 59), True, None),
        (at(2025, 3, 8, 13, 0), False, at(2025, 3, 10, 8)),  # Saturday from 13:00: Monday 08:00
        (at(2025, 3, 4, 7, 59), False, at(2025, 3, 4, 8)),  # Tuesday before 08:00
        (at(2025, 3, 4, 8, 0), True, None),
        (at(2025, 3, 4, 19, 59), True, None),
        (at(2025, 3, 4, 20, 0), False, at(2025, 3, 5, 8)),  # Tuesday from 20:00: Wednesday 08:00
    ],
)
def test_the_consumer_protection_act_window(
    moment: dt.datetime, allowed: bool, retry_at: dt.datetime | None
) -> None:
    decision = check(facts(), RULES, moment.astimezone(UTC))
    assert decision.allowed is allowed
    assert decision.rule == ("ok" if allowed else "window")
    assert decision.retry_at == retry_at
    if not allowed:
        assert "outside the calling window" in decision.reason


@pytest.mark.parametrize(
    ("moment", "retry_at"),
    [
        (at(2025, 12, 16, 10), at(2025, 12, 17, 8)),  # Day of Reconciliation (a Tuesday)
        (at(2025, 9, 24, 10), at(2025, 9, 25, 8)),  # Heritage Day (a Wednesday)
        (at(2025, 4, 28, 10), at(2025, 4, 29, 8)),  # Freedom Day observed: 27 April was a Sunday
        (at(2025, 4, 18, 10), at(2025, 4, 19, 9)),  # Good Friday: next is Saturday's window
        (at(2025, 12, 25, 10), at(2025, 12, 27, 9)),  # Christmas and the Day of Goodwill
    ],
)
def test_no_calls_on_south_african_public_holidays(moment: dt.datetime, retry_at: dt.datetime) -> None:
    decision = check(facts(), RULES, moment)
    assert (decision.allowed, decision.rule) == (False, "holiday")
    assert decision.reason == f"{moment.date()} is a public holiday"
    assert decision.retry_at == retry_at


def test_the_holiday_rule_is_configurable() -> None:
    no_holidays = rules_from_settings(DialerSettings(holidays_country=""))
    assert check(facts(), no_holidays, at(2025, 12, 16, 10)).allowed
    everyday = rules_from_settings(DialerSettings(window="daily 07:00-21:00"))
    assert check(facts(), everyday, at(2025, 3, 9, 20, 30)).allowed  # a Sunday evening
    assert check(facts(), everyday, at(2025, 12, 16, 10)).rule == "holiday"


def test_an_account_in_london_is_judged_in_london_time() -> None:
    london = facts(timezone="Europe/London")
    early = at(2025, 3, 4, 7, 30, LONDON)  # 09:30 in Johannesburg
    refused = check(london, RULES, early)
    assert (refused.allowed, refused.rule) == (False, "window")
    assert "Tue 07:30 Europe/London" in refused.reason
    assert refused.retry_at == at(2025, 3, 4, 8, 0, LONDON)
    assert check(facts(), RULES, early).allowed  # the same instant is fine in Johannesburg
    summer_evening = at(2025, 7, 1, 19, 30, LONDON)  # 20:30 in Johannesburg (BST is UTC+1)
    assert check(london, RULES, summer_evening).allowed
    assert check(facts(), RULES, summer_evening).rule == "window"


def test_a_holiday_is_the_accounts_local_date() -> None:
    auckland = facts(timezone="Pacific/Auckland")
    tuesday_morning = at(2025, 12, 16, 9, 0, AUCKLAND)  # Monday 22:00 in Johannesburg
    assert check(auckland, RULES, tuesday_morning).rule == "holiday"
    assert check(facts(), RULES, tuesday_morning).rule == "window"
    wednesday_morning = at(2025, 12, 17, 9, 0, AUCKLAND)  # the 16th, 22:00, in Johannesburg
    assert check(auckland, RULES, wednesday_morning).allowed
    assert check(facts(), RULES, wednesday_morning).rule == "holiday"


# --- attempt limits, gap, call-back -----------------------------------------------------------------


def test_the_daily_limit_counts_today_only_and_waits_for_the_next_window() -> None:
    evening = at(2025, 3, 4, 19)
    three_today = facts(account_day="2025-03-04", account_today=3)
    decision = check(three_today, RULES, evening)
    assert (decision.allowed, decision.rule) == (False, "daily_limit")
    assert decision.reason == "3 dials today reach the daily limit of 3"
    assert decision.retry_at == at(2025, 3, 5, 8)
    assert check(facts(account_day="2025-03-04", account_today=2), RULES, evening).allowed
    assert check(facts(account_day="2025-03-03", account_today=3), RULES, evening).allowed
    friday = check(facts(account_day="2025-03-07", account_today=3), RULES, at(2025, 3, 7, 10))
    assert friday.retry_at == at(2025, 3, 8, 9)  # Saturday's window


def test_daily_limits_reset_at_the_accounts_local_midnight() -> None:
    auckland = {"timezone": "Pacific/Auckland"}
    morning = at(2025, 3, 5, 8, 30, AUCKLAND)  # still the 4th in UTC and in Johannesburg
    yesterday = facts(account_day="2025-03-04", account_today=3, **auckland)
    assert check(yesterday, RULES, morning).allowed
    today = facts(account_day="2025-03-05", account_today=3, **auckland)
    decision = check(today, RULES, morning)
    assert decision.rule == "daily_limit"
    assert decision.retry_at == at(2025, 3, 6, 8, 0, AUCKLAND)
    number = facts(number_day="2025-03-05", number_today=2, **auckland)
    assert check(number, RULES, morning).rule == "number_daily_limit"
    assert check(facts(number_day="2025-03-04", number_today=2, **auckland), RULES, morning).allowed


def test_the_per_number_daily_limit() -> None:
    noon = at(2025, 3, 4, 12)
    decision = check(facts(number_day="2025-03-04", number_today=2), RULES, noon)
    assert (decision.allowed, decision.rule) == (False, "number_daily_limit")
    assert decision.retry_at == at(2025, 3, 5, 8)
    assert check(facts(number_day="2025-03-04", number_today=1), RULES, noon).allowed
    assert (
        check(
            facts(number_day="2025-03-04", number_today=1),
            dataclasses.replace(RULES, max_per_number_per_day=1),
            noon,
        ).rule
        == "number_daily_limit"
    )


def test_the_minimum_gap_between_dials_to_an_account() -> None:
    noon = at(2025, 3, 4, 12)
    decision = check(facts(last_attempt_at=noon - dt.timedelta(minutes=59)), RULES, noon)
    assert (decision.allowed, decision.rule) == (False, "min_gap")
    assert decision.reason == "last dial 59 min ago; the minimum gap is 60 min"
    assert decision.retry_at == noon + dt.timedelta(minutes=1)
    assert check(facts(last_attempt_at=noon - dt.timedelta(minutes=60)), RULES, noon).allowed


def test_a_callback_time_is_respected() -> None:
    noon = at(2025, 3, 4, 12)
    later = noon + dt.timedelta(hours=3)
    decision = check(facts(callback_at=later), RULES, noon)
    assert (decision.allowed, decision.rule, decision.retry_at) == (False, "callback", later)
    assert check(facts(callback_at=noon), RULES, noon).allowed


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"on_dnc": True}, "dnc"),
        ({"account_status": "dispute"}, "account_status"),
        ({"account_status": "paid"}, "account_status"),
        ({"account_status": "exhausted"}, "account_status"),
        ({"phone_status": "wrong_number"}, "wrong_number"),
        ({"attempts_total": 10}, "campaign_limit"),
    ],
)
def test_what_time_never_cures(changes: dict[str, object], rule: str) -> None:
    for moment in (at(2025, 3, 4, 12), at(2025, 3, 9, 12), at(2025, 12, 16, 12)):  # open, Sunday, holiday
        decision = check(facts(**changes), RULES, moment)
        assert (decision.allowed, decision.rule, decision.retry_at) == (False, rule, None)
    assert check(facts(attempts_total=9), RULES, at(2025, 3, 4, 12)).allowed


def test_refusal_reasons_read_well() -> None:
    noon = at(2025, 3, 4, 12)
    assert check(facts(account_status="paid"), RULES, noon).reason == "account is paid, not active"
    assert check(facts(phone_status="wrong_number"), RULES, noon).reason == "number is marked wrong number"
    assert check(facts(on_dnc=True), RULES, noon).reason == "number is on the do-not-call list"
    limit = check(facts(attempts_total=12), RULES, noon).reason
    assert limit == "12 dials reach the campaign's limit of 10"


# --- next_window_open -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("after", "opens"),
    [
        (at(2025, 3, 7, 20, 0), at(2025, 3, 8, 9, 0)),  # Friday 20:00 -> Saturday 09:00
        (at(2025, 3, 8, 13, 0), at(2025, 3, 10, 8, 0)),  # Saturday 13:00 -> Monday 08:00
        (at(2025, 4, 26, 13, 0), at(2025, 4, 29, 8, 0)),  # ... unless Monday is a holiday (Freedom Day)
        (at(2025, 4, 17, 20, 0), at(2025, 4, 19, 9, 0)),  # Thursday before Good Friday
        (at(2025, 12, 24, 20, 0), at(2025, 12, 27, 9, 0)),  # Christmas Eve evening
        (at(2025, 3, 4, 3, 15), at(2025, 3, 4, 8, 0)),  # small hours: the same morning
        (at(2025, 3, 4, 10, 17), at(2025, 3, 4, 10, 17)),  # inside: at once
    ],
)
def test_next_window_open(after: dt.datetime, opens: dt.datetime) -> None:
    assert next_window_open(RULES.window, after) == opens


def test_next_window_open_keeps_seconds_inside_and_rounds_up_outside() -> None:
    inside = at(2025, 3, 4, 19, 59).replace(second=30, microsecond=5)
    assert next_window_open(RULES.window, inside) == inside
    before = at(2025, 3, 4, 7, 59).replace(second=30)
    assert next_window_open(RULES.window, before) == at(2025, 3, 4, 8, 0)


def test_next_window_open_in_another_zone_and_when_it_never_opens() -> None:
    london = rules_from_settings(DialerSettings(timezone="Europe/London")).window
    assert next_window_open(london, at(2025, 3, 7, 21, 0)) == at(2025, 3, 7, 19, 0, LONDON)  # still open
    assert next_window_open(london, at(2025, 3, 7, 22, 0)) == at(2025, 3, 8, 9, 0, LONDON)
    closed = dataclasses.replace(RULES.window, hours={})  # the settings refuse such a window
    assert next_window_open(closed, at(2025, 3, 4, 12)) is None


# --- the independent oracle ---------------------------------------------------------------------------

ZONES = (
    "Africa/Johannesburg",
    "Europe/London",
    "America/New_York",
    "America/Santiago",
    "America/St_Johns",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Pacific/Kiritimati",
    "UTC",
)
ZA_HOLIDAYS = holidays.country_holidays("ZA", years=range(2023, 2031))
T = TypeVar("T")
FIRST, LAST = dt.date(2024, 1, 1), dt.date(2029, 12, 31)
EDGES = [dt.time(h, m) for h, m in ((7, 59), (8, 0), (8, 59), (9, 0), (12, 59), (13, 0), (19, 59), (20, 0))]


def cpa_open(local: dt.datetime) -> bool:
    """The Consumer Protection Act window, restated: Mon-Fri 08-20, Sat 09-13, never Sun or holidays."""
    if local.date() in ZA_HOLIDAYS or local.weekday() == 6:
        return False
    opens, closes = (dt.time(9), dt.time(13)) if local.weekday() == 5 else (dt.time(8), dt.time(20))
    return opens <= local.time() < closes


def broken_rules(f: DialFacts, rules: DialRules, now: dt.datetime) -> set[str]:
    """Every rule the facts break at ``now``, by the letter of the rules."""
    local = now.astimezone(ZoneInfo(f.timezone))
    today = local.date().isoformat()

    def dials_today(day: str | None, count: int) -> int:
        return count if day == today else 0

    gap = dt.timedelta(minutes=rules.min_gap_minutes)
    tests = {
        "account_status": f.account_status != "active",
        "wrong_number": f.phone_status != "active",
        "dnc": f.on_dnc,
        "campaign_limit": f.attempts_total >= rules.max_per_campaign,
        "holiday": local.date() in ZA_HOLIDAYS,
        "window": not cpa_open(local),
        "daily_limit": dials_today(f.account_day, f.account_today) >= rules.max_per_day,
        "number_daily_limit": dials_today(f.number_day, f.number_today) >= rules.max_per_number_per_day,
        "min_gap": f.last_attempt_at is not None and now - f.last_attempt_at < gap,
        "callback": f.callback_at is not None and now < f.callback_at,
    }
    return {rule for rule, broken in tests.items() if broken}


@st.composite
def instants(draw: st.DrawFn) -> dt.datetime:
    """Any instant 2024-2029, often a holiday or a minute either side of the window's edges."""
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))
    holiday_days = sorted(d for d in ZA_HOLIDAYS if FIRST <= d <= LAST)
    day = draw(st.one_of(st.dates(FIRST, LAST), st.dates(FIRST, LAST), st.sampled_from(holiday_days)))
    clock = draw(st.one_of(st.times(), st.sampled_from(EDGES), st.times(dt.time(8), dt.time(20))))
    local = dt.datetime.combine(day, clock, zone).replace(fold=draw(st.integers(0, 1)))
    return local.astimezone(UTC)


def mostly(usual: T, *others: T) -> st.SearchStrategy[T]:
    """``usual`` nine times in ten, else one of ``others``."""
    return st.sampled_from([usual] * 9 * len(others) + list(others))


@st.composite
def cases(draw: st.DrawFn) -> tuple[DialFacts, DialRules, dt.datetime]:
    """A clock, facts around it (days and times relative to it) and limits."""
    now = draw(instants())
    zone = draw(st.sampled_from(ZONES))
    local_day = now.astimezone(ZoneInfo(zone)).date()
    near_days = [local_day + dt.timedelta(days=offset) for offset in (-1, 0, 1)]
    days = st.sampled_from([None, *(day.isoformat() for day in near_days)])
    seconds = st.integers(-300 * 60, 300 * 60)
    minutes = seconds.map(lambda s: now + dt.timedelta(seconds=s))
    found = DialFacts(
        account_status=draw(mostly("active", "dispute", "paid", "done", "exhausted")),
        phone_status=draw(mostly("active", "wrong_number")),
        on_dnc=draw(mostly(False, True)),
        timezone=zone,
        attempts_total=draw(st.integers(0, 12)),
        account_day=draw(days),
        account_today=draw(st.integers(0, 4)),
        number_day=draw(days),
        number_today=draw(st.integers(0, 3)),
        last_attempt_at=draw(
            st.none() | st.none() | seconds.map(lambda s: now - dt.timedelta(seconds=abs(s)))
        ),
        callback_at=draw(st.none() | st.none() | minutes),
    )
    limits = dataclasses.replace(
        RULES,
        max_per_day=draw(st.integers(0, 4)),
        max_per_number_per_day=draw(st.integers(0, 3)),
        max_per_campaign=draw(mostly(13, 1, 10)),
        min_gap_minutes=draw(st.sampled_from([0, 1, 30, 60, 180])),
    )
    return found, limits, now


@settings(max_examples=1000, deadline=None)
@given(cases())
def test_check_allows_exactly_when_the_oracle_does(case: tuple[DialFacts, DialRules, dt.datetime]) -> None:
    found, limits, now = case
    broken = broken_rules(found, limits, now)
    decision = check(found, limits, now)
    event(decision.rule)
    assert decision.allowed == (not broken), (decision, broken)
    if not decision.allowed:
        assert decision.rule in broken
        assert (decision.rule in NEVER) == bool(broken & NEVER)  # what never passes is said first
        assert (decision.retry_at is None) == (decision.rule in NEVER)
        assert decision.retry_at is None or decision.retry_at > now


WINDOWS = {zone: rules_from_settings(DialerSettings(timezone=zone)).window for zone in ZONES}


@settings(max_examples=300, deadline=None)
@given(instants(), st.sampled_from(ZONES))
def test_next_window_open_is_the_first_open_moment(after: dt.datetime, zone: str) -> None:
    opens = next_window_open(WINDOWS[zone], after)
    assert opens is not None and opens >= after
    tz = ZoneInfo(zone)
    assert cpa_open(opens.astimezone(tz))
    # The window changes only on whole local minutes, so ``after`` and every minute boundary
    # before ``opens`` cover every earlier instant.
    moment = after
    while moment < opens:
        assert not cpa_open(moment.astimezone(tz)), moment
        moment = (moment + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
