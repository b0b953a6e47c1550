"""The compliance check made before every dial: pure, from the clock, the rules and the history.

:func:`check` answers allowed or refused with the rule that decided and a reason a supervisor can
read, and — for a refusal that passes with time — the earliest moment worth trying again. The
dialer logs every answer (``dial_decisions``) and dials only on ``allowed``. Checks run in a fixed
order: what never passes (account status, wrong number, do-not-call, campaign limit) before what
passes with time (public holiday, calling window, daily limits, minimum gap, a call-back time).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import lru_cache
from zoneinfo import ZoneInfo

from callcentre.schedule import Schedule, ScheduleStatus
from telephony.campaigns.rules import DialRules

#: How far ahead :func:`next_window_open` looks (a fortnight covers any run of holidays).
LOOKAHEAD_DAYS = 15


@dataclass(frozen=True, slots=True)
class DialFacts:
    """What is known about one account and one of its numbers at the moment of the check."""

    account_status: str
    phone_status: str
    on_dnc: bool
    timezone: str
    attempts_total: int
    account_day: str | None
    account_today: int
    number_day: str | None
    number_today: int
    last_attempt_at: dt.datetime | None
    callback_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer: ``rule`` is ``ok`` when allowed; ``retry_at`` is ``None`` when time won't help."""

    allowed: bool
    rule: str
    reason: str
    retry_at: dt.datetime | None = None


ALLOWED = Decision(True, "ok", "within the calling window and every limit")


def check(facts: DialFacts, rules: DialRules, now: dt.datetime) -> Decision:
    """May this number of this account be dialled at ``now`` (timezone-aware)?"""
    return _never(facts, rules) or _by_time(facts, rules, now) or ALLOWED


def _never(facts: DialFacts, rules: DialRules) -> Decision | None:
    if facts.account_status != "active":
        return Decision(False, "account_status", f"account is {facts.account_status}, not active")
    if facts.phone_status != "active":
        return Decision(False, "wrong_number", f"number is marked {facts.phone_status.replace('_', ' ')}")
    if facts.on_dnc:
        return Decision(False, "dnc", "number is on the do-not-call list")
    if facts.attempts_total >= rules.max_per_campaign:
        return Decision(
            False,
            "campaign_limit",
            f"{facts.attempts_total} dials reach the campaign's limit of {rules.max_per_campaign}",
        )
    return None


def _by_time(facts: DialFacts, rules: DialRules, now: dt.datetime) -> Decision | None:
    window = _in_zone(rules.window, facts.timezone)
    local = now.astimezone(_zone(facts.timezone))
    if window.is_holiday(local.date()):
        return Decision(
            False, "holiday", f"{local.date()} is a public holiday", next_window_open(window, now)
        )
    if window.status(now) is not ScheduleStatus.OPEN:
        when = local.strftime("%a %H:%M")
        return Decision(
            False,
            "window",
            f"{when} {facts.timezone} is outside the calling window",
            next_window_open(window, now),
        )
    today = local.date().isoformat()
    account_today = facts.account_today if facts.account_day == today else 0
    if account_today >= rules.max_per_day:
        return Decision(
            False,
            "daily_limit",
            f"{account_today} dials today reach the daily limit of {rules.max_per_day}",
            next_window_open(window, _next_midnight(local)),
        )
    number_today = facts.number_today if facts.number_day == today else 0
    if number_today >= rules.max_per_number_per_day:
        return Decision(
            False,
            "number_daily_limit",
            f"{number_today} dials to this number today reach the limit of {rules.max_per_number_per_day}",
            next_window_open(window, _next_midnight(local)),
        )
    gap = dt.timedelta(minutes=rules.min_gap_minutes)
    if facts.last_attempt_at is not None and now - facts.last_attempt_at < gap:
        return Decision(
            False,
            "min_gap",
            f"last dial {_minutes(now - facts.last_attempt_at)} ago; the minimum gap is "
            f"{rules.min_gap_minutes} min",
            facts.last_attempt_at + gap,
        )
    if facts.callback_at is not None and now < facts.callback_at:
        return Decision(
            False, "callback", "the account holder asked to be called back later", facts.callback_at
        )
    return None


def next_window_open(window: Schedule, after: dt.datetime) -> dt.datetime | None:
    """The first moment at or after ``after`` inside the window (``None`` within the look-ahead)."""
    zone = _zone(window.timezone)
    local = after.astimezone(zone)
    for offset in range(LOOKAHEAD_DAYS):
        day = local.date() + dt.timedelta(days=offset)
        if window.is_holiday(day):
            continue
        floor = local.hour * 60 + local.minute if offset == 0 else 0
        for start, end in window.hours.get(day.weekday(), ()):
            if end > floor:
                minute = max(start, floor)
                moment = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), zone)
                return max(moment, after) if offset == 0 and minute == floor else moment
    return None


def _next_midnight(local: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), local.tzinfo)


def _minutes(delta: dt.timedelta) -> str:
    return f"{int(delta.total_seconds() // 60)} min"


def _in_zone(window: Schedule, timezone: str) -> Schedule:
    """The window judged in the account's zone (the settings' zone is only the default)."""
    return window if window.timezone == timezone else replace(window, timezone=timezone)


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
