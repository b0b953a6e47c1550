"""Which stretches of a digit string are personal numbers: SA ID, card, municipal and bank account.

Pure functions over a string of digits plus the offsets where the speaker (or the writer) grouped them.
The caller maps the returned digit offsets back to words; nothing here knows about words or audio.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

ID_LENGTH = 13
CARD_LENGTHS = range(19, 12, -1)  # longest first, so a 16-digit card is not cut to a 13-digit one
CARD_IIN_FIRST_DIGITS = frozenset("23456")  # Mastercard 2/5, Amex 3, Visa 4, Discover/Maestro 6


class RedactionKind(StrEnum):
    """What a redacted span held; the value is what the dashboard and the database store."""

    ID_NUMBER = "id_number"
    CARD_NUMBER = "card_number"
    MUNICIPAL_ACCOUNT = "municipal_account"
    BANK_ACCOUNT = "bank_account"


@dataclass(frozen=True)
class DigitMatch:
    """One personal number found at digits[lo:hi] of a run."""

    kind: RedactionKind
    lo: int
    hi: int


@dataclass(frozen=True)
class AccountPatterns:
    """Compiled account patterns, tried (after ID and card numbers) in this order."""

    municipal: re.Pattern[str]
    bank: re.Pattern[str]


def luhn_valid(digits: str) -> bool:
    """True when the last digit is the Luhn check digit of the others (SA IDs and card numbers use it).

    >>> luhn_valid("4111111111111111"), luhn_valid("4111111111111112")
    (True, False)
    """
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return len(digits) > 1 and total % 10 == 0


def _valid_birth_date(yymmdd: str) -> bool:
    """The YYMMDD is a real date in some century; 2000 is a leap year, so 29 Feb is accepted for YY=00."""
    # The century is not in the number; 20YY has the same leap years as 19YY except 2000, so 29 Feb of
    # YY=00 is accepted: wrongly accepting one day is better than leaving a real ID unredacted.
    year = 2000 + int(yymmdd[:2])
    try:
        date(year, int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError:
        return False
    return True


def is_sa_id_number(digits: str) -> bool:
    """A South African ID number: YYMMDD SSSS C A Z, real birth date, citizenship 0-2, Luhn check digit.

    >>> is_sa_id_number("8001015009087"), is_sa_id_number("8013015009087")
    (True, False)
    """
    return (
        len(digits) == ID_LENGTH
        and digits.isdigit()
        and _valid_birth_date(digits[:6])
        and digits[10] in "012"
        and luhn_valid(digits)
    )


def is_card_number(digits: str) -> bool:
    """A payment card number: 13-19 digits, a plausible first IIN digit, and a valid Luhn check digit."""
    return 13 <= len(digits) <= 19 and digits[0] in CARD_IIN_FIRST_DIGITS and luhn_valid(digits)


def _windows(lo: int, hi: int, lengths: range | tuple[int, ...]) -> Iterator[tuple[int, int]]:
    """Every window of the given lengths inside [lo, hi): leftmost first, then longest first."""
    for start in range(lo, hi):
        for length in lengths:
            if start + length <= hi:
                yield start, start + length


def _strong_match(digits: str, lo: int, hi: int, bounds: frozenset[int], aligned: bool) -> DigitMatch | None:
    """The first ID (then card) number in digits[lo:hi]; with ``aligned``, only windows on group boundaries.

    An ID number's date, citizenship digit and check digit together pass by chance about once in a hundred
    windows, so unaligned windows are tried too (an ID read out with no pause before the next digits), after
    aligned ones. A card has only its check digit: one window in ten passes, so cards must be whole groups.
    """
    checks = (
        (RedactionKind.ID_NUMBER, (ID_LENGTH,), is_sa_id_number, aligned),
        (RedactionKind.CARD_NUMBER, CARD_LENGTHS, is_card_number, True),
    )
    for kind, lengths, check, must_align in checks:
        for start, end in _windows(lo, hi, lengths):
            if must_align and (start not in bounds or end not in bounds):
                continue
            if check(digits[start:end]):
                return DigitMatch(kind, start, end)
    return None


def _account_match(
    digits: str, lo: int, hi: int, bounds: frozenset[int], patterns: AccountPatterns
) -> DigitMatch | None:
    """The first account number made of whole digit groups in digits[lo:hi].

    Account patterns have no check digit, so a window must start and end where the speaker paused or the
    writer put a space: otherwise any 16-digit string would contain a "9-11 digit bank account".
    """
    cuts = sorted(b for b in bounds if lo <= b <= hi)
    checks = (
        (RedactionKind.MUNICIPAL_ACCOUNT, patterns.municipal),
        (RedactionKind.BANK_ACCOUNT, patterns.bank),
    )
    for kind, pattern in checks:
        for i, start in enumerate(cuts):
            for end in reversed(cuts[i + 1 :]):
                if pattern.fullmatch(digits[start:end]):
                    return DigitMatch(kind, start, end)
    return None


def _best_match(
    digits: str, lo: int, hi: int, bounds: frozenset[int], patterns: AccountPatterns
) -> DigitMatch | None:
    """The best match in digits[lo:hi]: ID or card on group boundaries, then anywhere, then accounts."""
    return (
        _strong_match(digits, lo, hi, bounds, aligned=True)
        or _strong_match(digits, lo, hi, bounds, aligned=False)
        or _account_match(digits, lo, hi, bounds, patterns)
    )


def find_matches(digits: str, group_bounds: frozenset[int], patterns: AccountPatterns) -> list[DigitMatch]:
    """All non-overlapping personal numbers in one run of digits, in order.

    ``group_bounds`` are the offsets where one digit group ends and the next begins (0 and len(digits) are
    always included). The best match is taken first and the digits either side are searched again, so an ID
    number followed by an account number in one breath yields both.
    """
    bounds = group_bounds | {0, len(digits)}
    found: list[DigitMatch] = []
    pending = [(0, len(digits))]
    while pending:
        lo, hi = pending.pop()
        match = _best_match(digits, lo, hi, bounds, patterns)
        if match is None:
            continue
        found.append(match)
        # A match's edges become group boundaries so the leftovers can still be matched as whole groups.
        bounds = bounds | {match.lo, match.hi}
        pending += [(lo, match.lo), (match.hi, hi)]
    return sorted(found, key=lambda m: m.lo)
