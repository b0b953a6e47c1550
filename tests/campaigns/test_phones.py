"""Phone numbers to E.164: the formats of a billing export, the reasons a number is refused, and
the fast path agreeing with the ``phonenumbers`` library number for number."""

from __future__ import annotations

import random
import time

import phonenumbers
import pytest

from telephony.campaigns.phones import PhoneError, e164_or_reason, to_e164


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("082 123 4567", "+27821234567"),
        ("0821234567", "+27821234567"),
        ("+27 82 123 4567", "+27821234567"),
        ("+27821234567", "+27821234567"),
        ("0027821234567", "+27821234567"),
        ("27821234567", "+27821234567"),
        ("+27 (0)82 123 4567", "+27821234567"),
        ("(021) 555-0100", "+27215550100"),
        ("021.555.0100", "+27215550100"),
        ("  011 123 4567 ", "+27111234567"),
        ("0800 123 456", "+27800123456"),
        ("821234567", "+27821234567"),  # Excel dropped the leading zero
        ("+44 20 7946 0958", "+442079460958"),  # a valid foreign number is a number
    ],
)
def test_formats_of_the_export_become_e164(raw: str, expected: str) -> None:
    assert to_e164(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("abc", "'abc' is not a phone number"),
        ("123", "'123' is too short"),
        ("082123456789", "'082123456789' is too long"),
        ("082 123", "'082 123' is too short"),  # valid for phonenumbers: a ZA short service number
        ("0821 2345", "'0821 2345' is too short"),
        ("+999 123 4567", "'+999 123 4567' has no valid country code"),
        ("021 555 01001", "'021 555 01001' is not a valid ZA number"),
        ("", "no number"),
    ],
)
def test_a_refused_number_says_why(raw: str, reason: str) -> None:
    with pytest.raises(PhoneError) as caught:
        to_e164(raw)
    assert str(caught.value) == reason
    assert isinstance(caught.value, ValueError)


def test_the_region_reads_national_numbers() -> None:
    assert to_e164("020 7946 0958", region="GB") == "+442079460958"
    assert to_e164("020 7946 0958", region="gb") == "+442079460958"
    with pytest.raises(PhoneError, match="'099 1234 5678' is not a valid GB number"):
        to_e164("099 1234 5678", region="GB")
    with pytest.raises(PhoneError, match="'020 7946 09' is too short"):
        to_e164("020 7946 09", region="GB")


def test_blank_is_no_number_without_an_exception() -> None:
    assert e164_or_reason("   ") == (None, "")
    assert e164_or_reason("082 123") == (None, "'082 123' is too short")
    assert e164_or_reason("0821234567") == ("+27821234567", "")


def _shapes(rng: random.Random, count: int) -> list[str]:
    prefixes = ["0", "+27", "0027", "+270", "", "27", " 0", "+44", "00"]
    return [
        rng.choice(prefixes)
        + "".join(rng.choice("0123456789") for _ in range(rng.choice([5, 7, 8, 9, 9, 9, 10, 11])))
        for _ in range(count)
    ]


def _subscriber_long(parsed: phonenumbers.PhoneNumber) -> bool:
    """At least as long as the shortest fixed-line number of its region (short codes refused)."""
    region = phonenumbers.region_code_for_number(parsed) or ""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.fixed_line is None:  # non-geographic (+800, +808...)
        return True
    return len(phonenumbers.national_significant_number(parsed)) >= min(metadata.fixed_line.possible_length)


def test_every_answer_is_the_librarys() -> None:
    """Random numbers of every shape: accepted exactly when phonenumbers says valid (and the number
    is not shorter than a fixed-line one), with the library's E.164."""
    rng = random.Random(7)
    accepted = 0
    for raw in _shapes(rng, 20_000):
        try:
            parsed = phonenumbers.parse(raw, "ZA")
            valid = phonenumbers.is_valid_number(parsed) and _subscriber_long(parsed)
        except phonenumbers.NumberParseException:
            valid = False
        number, reason = e164_or_reason(raw)
        if valid:
            assert number == phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), raw
            accepted += 1
        else:
            assert number is None and reason, raw
    assert accepted > 2_000  # the sample exercises the accepting path too


def test_ten_thousand_distinct_numbers_take_well_under_a_second() -> None:
    rng = random.Random(3)
    numbers = [f"0{rng.choice('678')}{rng.randrange(10**7, 10**8)}" for _ in range(10_000)]
    started = time.perf_counter()
    for raw in numbers:
        e164_or_reason(raw)
    assert time.perf_counter() - started < 1.0
