"""Service-request reference numbers, and the check digits the IVR validates keyed-in numbers with.

A reference is nine digits: eight that encode a sequence number, then a Damm check digit. Damm's
check digit detects every single-digit error and every transposition of two adjacent digits, so a
caller who mistypes a reference is told so at once instead of hearing "unknown reference".

The eight digits are an affine permutation of the sequence number (never starting with 0, so the
reference reads the same when a spreadsheet drops leading zeros): distinct sequence numbers give
distinct references, yet consecutive requests do not get consecutive, guessable references.

    >>> make_reference(1)
    '181328444'
    >>> is_valid_reference('181 328 444'), is_valid_reference('811328444')
    (True, False)
    >>> reading_groups('181328444')
    ('181', '328', '444')
"""

from __future__ import annotations

REFERENCE_LENGTH = 9
GROUP_SIZE = 3
_BODY_LOW = 10_000_000  # eight digits, the first never 0
_BODY_SPAN = 90_000_000
_MULTIPLIER = 62_742_373  # odd, not a multiple of 3 or 5: coprime to 2^7 * 3^2 * 5^7
_OFFSET = 35_390_471
CAPACITY = _BODY_SPAN

# Damm's totally anti-symmetric quasigroup of order 10 (Damm, 2004).
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def _damm_interim(digits: str) -> int:
    interim = 0
    for char in digits:
        interim = _DAMM[interim][ord(char) - 48]
    return interim


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def damm_check_digit(digits: str) -> str:
    """The Damm check digit to append to ``digits`` (a non-empty string of ASCII digits)."""
    if not _is_digits(digits):
        raise ValueError(f"not a string of digits: {digits!r}")
    return str(_damm_interim(digits))


def damm_valid(digits: str) -> bool:
    """True when ``digits`` (check digit last) passes the Damm check."""
    return len(digits) >= 2 and _is_digits(digits) and _damm_interim(digits) == 0


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` (check digit last) passes the Luhn (mod 10) check, as ID and meter numbers use."""
    if len(digits) < 2 or not _is_digits(digits):
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def luhn_check_digit(digits: str) -> str:
    """The Luhn check digit to append to ``digits``."""
    for candidate in "0123456789":
        if luhn_valid(digits + candidate):
            return candidate
    raise ValueError(f"not a string of digits: {digits!r}")


def normalise(reference: str) -> str:
    """``reference`` without the spaces and hyphens people write it with."""
    return reference.replace(" ", "").replace("-", "")


def make_reference(sequence: int) -> str:
    """The reference of the ``sequence``-th service request (0 <= sequence < CAPACITY): one per sequence."""
    if not 0 <= sequence < CAPACITY:
        raise ValueError(f"sequence {sequence} outside 0..{CAPACITY - 1}")
    body = str(_BODY_LOW + (sequence * _MULTIPLIER + _OFFSET) % _BODY_SPAN)
    return body + damm_check_digit(body)


def is_valid_reference(reference: str) -> bool:
    """True for a well-formed reference: nine digits (spaces/hyphens ignored), first not 0, Damm check ok."""
    digits = normalise(reference)
    return len(digits) == REFERENCE_LENGTH and digits[0] != "0" and damm_valid(digits)


def reading_groups(reference: str) -> tuple[str, ...]:
    """The reference split into groups of three, the way the IVR and agents read it back."""
    digits = normalise(reference)
    return tuple(digits[i : i + GROUP_SIZE] for i in range(0, len(digits), GROUP_SIZE))


def format_reference(reference: str) -> str:
    """The reference as printed for people: ``181 328 444``."""
    return " ".join(reading_groups(reference))
