"""Phone numbers to E.164 (``+27821234567``) with the ``phonenumbers`` library, or a reason why not.

:func:`to_e164` reads a number as the billing export writes it (``082 123 4567``, ``+27 82 123
4567``, ``0027821234567``, ``(021) 555-0100``) in the default region (``settings.phone_region``)
and raises :class:`PhoneError` saying why a number is refused: not a number, too short, too long,
no such country code, or not a valid number of its country. A valid number of another country
(``+44...``) is accepted: it is a real number, and whether it may be dialled is the dial plan's
business. One rule is added to the library's: a number shorter than the region's fixed-line numbers
is refused as too short (:func:`subscriber_length`: ``082 123`` is a ZA service number, and on an
arrears list a truncated one).

Speed (an import reads ~200,000 numbers): ``phonenumbers.parse`` plus ``is_valid_number`` takes
~35 µs a number. The common shapes, national (``0`` + significant number) and international
(``+`` + country code + significant number), skip the parser: the significant number is checked
against the same metadata patterns ``is_valid_number`` uses (:class:`_Plan`, built once per
region), several times faster. Anything else, and every number the fast path does not accept,
goes through the library itself, so the fast path can only say yes where the library says yes
(``tests/campaigns/test_phones.py`` checks the two agree). Results are memoised (an LRU cache).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumberDesc, ValidationResult

DEFAULT_REGION = "ZA"
#: Characters people put inside numbers; dropped before the fast path looks at the digits.
_PUNCTUATION = str.maketrans("", "", " \t-.()/\u00a0\u202f")
#: The descriptions ``is_valid_number`` tries after the general one (any match makes it valid).
_TYPE_DESCS = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)


class PhoneError(ValueError):
    """A number that cannot be read as a phone number; the message says why."""


@dataclass(frozen=True, slots=True)
class _Plan:
    """A region's numbering plan from the library's metadata: what ``is_valid_number`` checks.

    ``valid_by_length`` holds, for each length the general description allows, one pattern: the
    general description (as a look-ahead) and the union of the number types (premium, toll-free,
    ..., fixed line, mobile) allowing that length. A number is valid when it matches all of it.
    """

    country_code: str
    #: The national (trunk) prefix when parsing it is a plain strip (``0`` in ZA); else ``None``.
    national_prefix: str | None
    valid_by_length: dict[int, re.Pattern[str]]
    #: See :func:`subscriber_length`.
    min_length: int

    def is_valid(self, national: str) -> bool:
        pattern = self.valid_by_length.get(len(national))
        return (
            len(national) >= self.min_length
            and pattern is not None
            and pattern.fullmatch(national) is not None
        )

    def significant(self, digits: str) -> str | None:
        """The national significant number of a plain national or ``+cc`` number, else ``None``."""
        if digits.startswith("+"):
            if not digits.startswith(self.country_code, 1):
                return None
            rest = digits[1 + len(self.country_code) :]
            # "+27 0 82..." (a trunk prefix after the country code) is left to the library.
            return None if self.national_prefix and rest.startswith(self.national_prefix) else rest
        if self.national_prefix and digits.startswith(self.national_prefix):
            return digits[len(self.national_prefix) :]
        return None


@lru_cache(maxsize=16)
def _plan(region: str) -> _Plan | None:
    metadata = PhoneMetadata.metadata_for_region(region, None)
    if metadata is None or metadata.country_code is None:
        return None
    general: PhoneNumberDesc | None = metadata.general_desc
    if general is None or not general.national_number_pattern or not general.possible_length:
        return None
    prefix = metadata.national_prefix
    simple = (
        prefix is not None
        and prefix.isdigit()
        and metadata.national_prefix_for_parsing in (None, prefix)
        and metadata.national_prefix_transform_rule is None
    )
    descs = [getattr(metadata, name) for name in _TYPE_DESCS]
    by_length: dict[int, re.Pattern[str]] = {}
    for length in general.possible_length:
        patterns = [
            f"(?:{d.national_number_pattern})"
            for d in descs
            if d is not None
            and d.national_number_pattern
            and (not d.possible_length or length in d.possible_length)
        ]
        if patterns:
            union = "|".join(patterns)
            by_length[length] = re.compile(rf"(?=(?:{general.national_number_pattern})\Z)(?:{union})")
    return _Plan(
        str(metadata.country_code),
        prefix if simple else None,
        by_length,
        subscriber_length(metadata),
    )


def subscriber_length(metadata: PhoneMetadata) -> int:
    """The fewest digits of a subscriber's number in the region (its fixed-line numbers' shortest).

    ``phonenumbers`` also calls valid the short service numbers some regions have (in ZA
    ``8[1-4]`` followed by 3 to 7 digits: ``082 123`` is a valid "mobile"); a collection list holds
    subscribers' numbers, and such a number there is a truncated one, so it is refused as too short.
    """
    for desc in (metadata.fixed_line, metadata.general_desc):
        if desc is not None and desc.possible_length:
            return min(desc.possible_length)
    return 0


def to_e164(raw: str, region: str = DEFAULT_REGION) -> str:
    """``raw`` as E.164 (``+27821234567``), read in ``region`` when it has no ``+``.

    Raises :class:`PhoneError` (a ``ValueError``) with the reason when it is not a valid number.
    """
    number, reason = e164_or_reason(raw, region)
    if number is None:
        raise PhoneError(reason or "no number")
    return number


def e164_or_reason(raw: str, region: str = DEFAULT_REGION) -> tuple[str | None, str]:
    """``(E.164, "")``, or ``(None, why not)``; ``(None, "")`` when ``raw`` is blank (no exception:
    an import checks hundreds of thousands of numbers)."""
    return _normalise(raw.strip(), region)


@lru_cache(maxsize=1 << 14)
def _normalise(text: str, region: str) -> tuple[str | None, str]:
    if not text:
        return None, ""
    plan = _plan(region.upper())
    if plan is not None:
        digits = text.translate(_PUNCTUATION)
        national = plan.significant(digits) if digits.isascii() and digits[1:].isdigit() else None
        if national and plan.is_valid(national):
            return f"+{plan.country_code}{national}", ""
    return _with_library(text, region)


def _with_library(text: str, region: str) -> tuple[str | None, str]:
    try:
        parsed = phonenumbers.parse(text, region.upper())
    except NumberParseException as exc:
        return None, f"{text!r} {_PARSE_REASONS.get(exc.error_type, 'is not a phone number')}"
    possible = phonenumbers.is_possible_number_with_reason(parsed)
    if possible in _LENGTH_REASONS:
        return None, f"{text!r} {_LENGTH_REASONS[possible]}"
    where = phonenumbers.region_code_for_country_code(parsed.country_code or 0)
    metadata = PhoneMetadata.metadata_for_region(where, None)
    if metadata is not None and len(str(parsed.national_number)) < subscriber_length(metadata):
        return None, f"{text!r} is too short"
    if not phonenumbers.is_valid_number(parsed):
        return None, f"{text!r} is not a valid {where} number"
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), ""


_PARSE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: "has no valid country code",
    NumberParseException.NOT_A_NUMBER: "is not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "is too short",
    NumberParseException.TOO_SHORT_NSN: "is too short",
    NumberParseException.TOO_LONG: "is too long",
}
_LENGTH_REASONS = {
    ValidationResult.TOO_SHORT: "is too short",
    ValidationResult.TOO_LONG: "is too long",
    ValidationResult.INVALID_LENGTH: "has the wrong number of digits",
    ValidationResult.INVALID_COUNTRY_CODE: "has no valid country code",
}
