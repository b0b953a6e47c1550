"""The dialer's rules from the ``[dialer]`` settings and a campaign's overrides; errors name the setting."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callcentre.settings import SettingsError, load_settings
from callcentre.settings_dialer import DialerSettings
from telephony.campaigns.rules import (
    RETRY_RESULTS,
    DialRules,
    RulesError,
    apply_overrides,
    parse_retry,
    parse_window,
    rules_from_settings,
)

MON, FRI, SAT, SUN = 0, 4, 5, 6


def rules(**settings: Any) -> DialRules:
    """The rules built from the default settings with ``settings`` changed."""
    return rules_from_settings(dataclasses.replace(DialerSettings(), **settings))


def test_defaults_are_the_consumer_protection_act_window_in_johannesburg() -> None:
    default = rules()
    window = default.window
    assert window.timezone == "Africa/Johannesburg"
    assert window.public_holidays == "ZA"
    assert all(window.hours[day] == ((8 * 60, 20 * 60),) for day in range(MON, FRI + 1))
    assert window.hours[SAT] == ((9 * 60, 13 * 60),)
    assert window.hours.get(SUN, ()) == ()
    assert window.holiday_hours == ()
    limits = (default.max_per_day, default.max_per_number_per_day, default.max_per_campaign)
    assert limits == (3, 2, 10)
    assert default.min_gap_minutes == 60
    assert default.retry_minutes == {
        "busy": 30,
        "no_answer": 120,
        "congestion": 15,
        "failed": 10,
        "unknown": 60,
    }


def test_a_configured_window_zone_and_country() -> None:
    custom = rules(
        window="mon 07:00-09:00, 17:00-19:00; tue-thu 10:00-12:00; sat closed",
        timezone="Europe/London",
        holidays_country="GB",
        holidays_subdivision="SCT",
    )
    assert custom.window.hours[MON] == ((7 * 60, 9 * 60), (17 * 60, 19 * 60))
    assert custom.window.hours[2] == ((10 * 60, 12 * 60),)
    assert custom.window.hours.get(FRI, ()) == ()  # not named: closed
    assert custom.window.hours[SAT] == ()
    assert (custom.window.timezone, custom.window.public_holidays) == ("Europe/London", "GB")
    assert custom.window.subdivision == "SCT"


def test_an_empty_country_switches_the_holiday_rule_off() -> None:
    assert rules(holidays_country="").window.public_holidays is None


def test_retry_minutes_parse_and_never_undercut_the_minimum_gap() -> None:
    assert parse_retry(" busy:5 ,no_answer: 240,") == {"busy": 5, "no_answer": 240}
    assert parse_retry("") == {}
    custom = rules(retry_minutes="busy:5, no_answer:240", min_gap_minutes=45)
    assert custom.retry_after("busy") == 45  # 5 minutes would break the minimum gap
    assert custom.retry_after("no_answer") == 240
    assert custom.retry_after("failed") == 45  # not named: the minimum gap


def test_campaign_overrides_replace_limits_and_merge_retry_minutes() -> None:
    base = rules()
    changed = apply_overrides(base, {"max_per_day": 2, "min_gap_minutes": 0, "retry_minutes": {"busy": 90}})
    assert (changed.max_per_day, changed.min_gap_minutes) == (2, 0)
    assert changed.max_per_number_per_day == base.max_per_number_per_day
    assert changed.retry_minutes["busy"] == 90
    assert changed.retry_minutes["no_answer"] == 120  # kept from the settings
    as_text = apply_overrides(base, {"retry_minutes": "congestion:1"})
    assert as_text.retry_minutes["congestion"] == 1
    assert apply_overrides(base, {}) == base
    assert rules_from_settings(DialerSettings(), {"max_per_campaign": 4}).max_per_campaign == 4


def test_the_dialer_section_is_read_from_the_settings_file(tmp_path: Any) -> None:
    path = tmp_path / "callcentre.toml"
    path.write_text('[dialer]\nwindow = "mon-fri 09:00-17:00"\nmax_per_day = 1\ntimezone = "UTC"\n')
    settings = load_settings(path, env={})
    loaded = rules_from_settings(settings.dialer)
    assert loaded.window.hours[MON] == ((9 * 60, 17 * 60),)
    assert (loaded.max_per_day, loaded.window.timezone) == (1, "UTC")
    path.write_text('[dialer]\nmax_per_day = "many"\n')
    with pytest.raises(SettingsError, match=r"dialer\.max_per_day"):
        load_settings(path, env={})


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"window": ""}, r"^dialer\.window: no days given"),
        ({"window": "sun closed"}, r"^dialer\.window: every day is closed"),
        ({"window": "mon-sun closed"}, r"^dialer\.window: every day is closed"),
        ({"window": "mon-fri"}, r"^dialer\.window: 'mon-fri': expected 'days HH:MM-HH:MM'"),
        ({"window": "mon-fry 08:00-20:00"}, r"^dialer\.window \(hours\.mon-fry\): bad day 'mon-fry'"),
        ({"window": "fri-mon 08:00-20:00"}, r"^dialer\.window \(hours\.fri-mon\): .*runs backwards"),
        ({"window": "mon-fri 8-20"}, r"^dialer\.window \(hours\.mon-fri\): bad time '8'"),
        ({"window": "mon-fri 08:00-25:00"}, r"^dialer\.window \(hours\.mon-fri\): bad time '25:00'"),
        ({"window": "mon-fri 08:60-20:00"}, r"^dialer\.window \(hours\.mon-fri\): bad time '08:60'"),
        ({"window": "mon 20:00-08:00"}, r"^dialer\.window \(hours\.mon\): .*end before they start"),
        ({"window": "mon 08:00-12:00, 11:00-13:00"}, r"^dialer\.window \(hours\.mon\): .*overlap"),
        ({"window": "mon-fri 08:00-20:00; fri 09:00-10:00"}, r"^dialer\.window .*fri is given twice"),
        (
            {"window": "mon-fri 08:00-20:00; mon-fri 09:00-10:00"},
            r"^dialer\.window: 'mon-fri' is given twice",
        ),
        ({"timezone": "Mars/Olympus_Mons"}, r"^dialer\.timezone: unknown time zone 'Mars/Olympus_Mons'"),
        ({"holidays_country": "XX"}, r"^dialer\.holidays_country: no public-holiday calendar for 'XX'"),
        ({"holidays_subdivision": "ZZ"}, r"^dialer\.holidays_subdivision: 'ZA' has no subdivision 'ZZ'"),
        ({"retry_minutes": "busy:soon"}, r"^dialer\.retry_minutes: 'busy:soon': expected result:minutes"),
        ({"retry_minutes": "engaged:30"}, r"^dialer\.retry_minutes: 'engaged:30'.*one of busy, no_answer"),
        ({"retry_minutes": "busy 30"}, r"^dialer\.retry_minutes: 'busy 30'"),
        ({"retry_minutes": "busy:-5"}, r"^dialer\.retry_minutes: 'busy:-5'"),
        ({"retry_minutes": "busy:²"}, r"^dialer\.retry_minutes: 'busy:²'"),
        ({"max_per_day": -1}, r"^dialer\.max_per_day: expected a whole number >= 0, got -1"),
        ({"max_per_number_per_day": -2}, r"^dialer\.max_per_number_per_day: .*got -2"),
        ({"max_per_campaign": -3}, r"^dialer\.max_per_campaign: .*got -3"),
        ({"min_gap_minutes": -4}, r"^dialer\.min_gap_minutes: .*got -4"),
    ],
)
def test_broken_settings_are_errors_naming_the_setting(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(RulesError, match=message):
        rules(**settings)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"max_per_day": -1}, r"^campaign rule max_per_day: expected a whole number >= 0, got -1"),
        ({"max_per_day": "3"}, r"^campaign rule max_per_day: .*got '3'"),
        ({"max_per_campaign": True}, r"^campaign rule max_per_campaign: .*got True"),
        ({"min_gap_minutes": 1.5}, r"^campaign rule min_gap_minutes: .*got 1\.5"),
        ({"max_per_hour": 1}, r"^campaign rule 'max_per_hour': unknown \(one of max_per_day"),
        ({"retry_minutes": "busy:soon"}, r"^campaign rule retry_minutes: 'busy:soon'"),
        ({"retry_minutes": {"engaged": 5}}, r"^campaign rule retry_minutes: unknown result 'engaged'"),
        ({"retry_minutes": {"busy": "5"}}, r"^campaign rule retry_minutes\.busy: .*got '5'"),
        ({"retry_minutes": {"busy": -5}}, r"^campaign rule retry_minutes\.busy: .*got -5"),
        ({"retry_minutes": 30}, r"^campaign rule retry_minutes: expected 'result:minutes, \.\.\.'"),
    ],
)
def test_broken_campaign_overrides_are_errors_naming_the_rule(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(RulesError, match=message):
        apply_overrides(rules(), overrides)


@given(st.text(alphabet=st.sampled_from("busy_noaner:,0123456789²٣ -x"), max_size=40))
def test_retry_text_parses_or_fails_naming_the_setting(text: str) -> None:
    try:
        parsed = parse_retry(text)
    except RulesError as error:
        assert str(error).startswith("dialer.retry_minutes: ")
    else:
        assert set(parsed) <= set(RETRY_RESULTS)
        assert all(isinstance(minutes, int) and minutes >= 0 for minutes in parsed.values())


@given(st.text(alphabet=st.sampled_from("monfritusawedhdaly-;:0123456789 ,closed"), max_size=50))
def test_window_text_parses_or_fails_naming_the_setting(text: str) -> None:
    try:
        window = parse_window(text, "ZA", "", "Africa/Johannesburg")
    except RulesError as error:
        assert str(error).startswith("dialer.window")
    else:
        for intervals in window.hours.values():
            assert all(0 <= start < end <= 24 * 60 for start, end in intervals)
