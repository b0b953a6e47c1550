"""The dialer's rules as values: calling window (with public holidays), attempt limits, retries.

Built from the ``[dialer]`` settings (:class:`callcentre.settings_dialer.DialerSettings`) and a
campaign's overrides. The window reuses :class:`callcentre.schedule.Schedule` (the IVR's opening
hours), so days, hours and holidays are written and validated the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import holidays

from callcentre.schedule import Schedule, ScheduleError, parse_schedule
from callcentre.settings_dialer import DialerSettings

#: Results that are retried, and the default minutes before a retry.
RETRY_RESULTS = ("busy", "no_answer", "congestion", "failed", "unknown")
LIMIT_KEYS = ("max_per_day", "max_per_number_per_day", "max_per_campaign", "min_gap_minutes")
#: The ``[dialer]`` setting behind each field of the window's schedule (the rest is ``dialer.window``).
WINDOW_SETTINGS = {
    "timezone": "dialer.timezone",
    "public_holidays": "dialer.holidays_country",
    "subdivision": "dialer.holidays_subdivision",
}


class RulesError(ValueError):
    """A rule that cannot be understood; the message names the setting."""


@dataclass(frozen=True, slots=True)
class DialRules:
    """Everything the compliance check needs besides the clock and the account's history."""

    window: Schedule
    max_per_day: int = 3
    max_per_number_per_day: int = 2
    max_per_campaign: int = 10
    min_gap_minutes: int = 60
    retry_minutes: Mapping[str, int] = field(default_factory=dict)

    def retry_after(self, result: str) -> int:
        """Minutes to wait after ``result`` (at least the minimum gap)."""
        return max(self.retry_minutes.get(result, self.min_gap_minutes), self.min_gap_minutes)


def parse_window(text: str, country: str, subdivision: str, timezone: str) -> Schedule:
    """``"mon-fri 08:00-20:00; sat 09:00-13:00; sun closed"`` as a :class:`Schedule`."""
    hours: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        days, _, spans = part.partition(" ")
        if not spans.strip():
            raise RulesError(f"dialer.window: {part!r}: expected 'days HH:MM-HH:MM' or 'days closed'")
        if days in hours:  # a mapping would silently keep only the last
            raise RulesError(f"dialer.window: {days!r} is given twice")
        hours[days] = spans.strip()
    if not hours:
        raise RulesError("dialer.window: no days given")
    spec: dict[str, Any] = {"hours": hours, "timezone": timezone, "public_holidays": country or False}
    if subdivision:
        spec["subdivision"] = subdivision
    try:
        window = parse_schedule("calling window", spec)
    except ScheduleError as error:
        raise _window_error(error, country, subdivision) from None
    if not any(window.hours.values()):  # every refusal would find no retry time: all exhausted
        raise RulesError("dialer.window: every day is closed; give some day calling hours")
    return window


def _window_error(error: ScheduleError, country: str, subdivision: str) -> RulesError:
    """The schedule's complaint, naming the ``[dialer]`` setting it is really about."""
    if error.field == "public_holidays" and subdivision and _has_calendar(country):
        return RulesError(f"dialer.holidays_subdivision: {country!r} has no subdivision {subdivision!r}")
    if error.field in WINDOW_SETTINGS:
        return RulesError(f"{WINDOW_SETTINGS[error.field]}: {error}")
    return RulesError(f"dialer.window ({error.field}): {error}")


def _has_calendar(country: str) -> bool:
    try:
        holidays.country_holidays(country)
    except NotImplementedError:  # the holidays package's "no such country"
        return False
    return True


def parse_retry(text: str, setting: str = "dialer.retry_minutes") -> dict[str, int]:
    """``"busy:30, no_answer:120"`` as ``{"busy": 30, "no_answer": 120}``; errors name ``setting``."""
    out: dict[str, int] = {}
    for item in filter(None, (i.strip() for i in text.split(","))):
        name, colon, minutes = item.partition(":")
        name = name.strip()
        if not colon or name not in RETRY_RESULTS or not minutes.strip().isdecimal():
            raise RulesError(
                f"{setting}: {item!r}: expected result:minutes, result one of " + ", ".join(RETRY_RESULTS)
            )
        out[name] = int(minutes)
    return out


def _retry_mapping(value: Any, setting: str) -> dict[str, int]:
    """A campaign's ``retry_minutes``: ``"busy:20"`` text or a ``{"busy": 20}`` mapping."""
    if isinstance(value, str):
        return parse_retry(value, setting)
    if not isinstance(value, Mapping):
        raise RulesError(f"{setting}: expected 'result:minutes, ...' or a mapping, got {value!r}")
    for name, minutes in value.items():
        if name not in RETRY_RESULTS:
            raise RulesError(f"{setting}: unknown result {name!r} (one of {', '.join(RETRY_RESULTS)})")
        _whole(f"{setting}.{name}", minutes)
    return dict(value)


def _whole(setting: str, value: Any) -> int:
    """``value`` when it is a whole number >= 0; else an error naming ``setting``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise RulesError(f"{setting}: expected a whole number >= 0, got {value!r}")
    return value


def rules_from_settings(settings: DialerSettings, overrides: Mapping[str, Any] | None = None) -> DialRules:
    """The rules of a campaign: the settings, then the campaign's ``rules`` overrides."""
    window = parse_window(
        settings.window, settings.holidays_country, settings.holidays_subdivision, settings.timezone
    )
    limits = {key: _whole(f"dialer.{key}", getattr(settings, key)) for key in LIMIT_KEYS}
    rules = DialRules(window=window, retry_minutes=parse_retry(settings.retry_minutes), **limits)
    return apply_overrides(rules, overrides or {})


def apply_overrides(rules: DialRules, overrides: Mapping[str, Any]) -> DialRules:
    """``rules`` with a campaign's limits and retry minutes replaced; unknown keys are errors."""
    changes: dict[str, Any] = {}
    for key, value in overrides.items():
        if key in LIMIT_KEYS:
            changes[key] = _whole(f"campaign rule {key}", value)
        elif key == "retry_minutes":
            changes[key] = {**rules.retry_minutes, **_retry_mapping(value, "campaign rule retry_minutes")}
        else:
            raise RulesError(
                f"campaign rule {key!r}: unknown (one of {', '.join(LIMIT_KEYS)}, retry_minutes)"
            )
    return replace(rules, **changes)
