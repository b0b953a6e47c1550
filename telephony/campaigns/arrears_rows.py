"""One row of the billing system's arrears export, read and checked (see :mod:`.importer`).

Columns (header names as :func:`~telephony.campaigns.sheets.header_key` normalises them):

* ``account_number`` (or ``account``, ``account_no``): required, at most 32 characters;
* ``holder`` (or ``account_holder``, ``name``): required, at most 128 characters;
* numbers: a ``phones`` column holding several separated by ``;``, ``,``, ``/`` or ``|``, and/or
  ``phone``, ``phone2``, ``phone_3``... (also ``mobile``, ``cell``, ``telephone``), in that order;
* ``arrears`` (or ``arrears_amount``, ``amount``): rand, see :mod:`.sheets` for the formats;
* ``days_in_arrears`` (or ``days``): a whole number;
* optional: ``language`` (a code such as ``en``/``zu``/``af``, or the language's name; default
  ``en``), ``ward`` (or ``area``), ``timezone`` (an IANA zone; default the dialer's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telephony.campaigns import sheets
from telephony.campaigns.phones import e164_or_reason
from telephony.campaigns.sheets import Cell, ImportFileError, Sheet

ACCOUNT_NAMES = ("account_number", "account", "account_no", "acc_no", "accountnumber")
HOLDER_NAMES = ("holder", "account_holder", "name", "accountholder")
ARREARS_NAMES = ("arrears", "arrears_amount", "amount_in_arrears", "amount")
DAYS_NAMES = ("days_in_arrears", "days", "arrears_days", "daysinarrears")
MULTI_PHONE_NAMES = ("phones", "phone_numbers", "numbers")
_SINGLE_PHONE = re.compile(r"(?:phone|phone_number|mobile|cell|cellphone|cell_phone|telephone|tel)(?:_?\d+)?")
_SPLIT = re.compile(r"[;,/|]")
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,4})?")
#: South Africa's official languages by name, for exports that name them instead of coding them.
LANGUAGE_NAMES = {
    "english": "en",
    "afrikaans": "af",
    "zulu": "zu",
    "isizulu": "zu",
    "xhosa": "xh",
    "isixhosa": "xh",
    "sotho": "st",
    "sesotho": "st",
    "tswana": "tn",
    "setswana": "tn",
    "pedi": "nso",
    "sepedi": "nso",
    "northern sotho": "nso",
    "tsonga": "ts",
    "xitsonga": "ts",
    "swati": "ss",
    "siswati": "ss",
    "venda": "ve",
    "tshivenda": "ve",
    "ndebele": "nr",
    "isindebele": "nr",
}


@dataclass(frozen=True, slots=True)
class Columns:
    """Where each field is in the sheet's rows (``None``: the column is absent)."""

    #: Cells a row must have (shorter rows are padded with empty cells).
    width: int
    account: int
    holder: int
    arrears: int
    days: int
    #: ``(header name, index, holds several numbers)`` in header order.
    phones: tuple[tuple[str, int, bool], ...]
    language: int | None = None
    ward: int | None = None
    timezone: int | None = None


@dataclass(slots=True)
class ArrearsRow:
    """A row that can be imported, with any warnings (a number refused while others were kept)."""

    number: int
    account: str
    holder: str
    arrears_cents: int
    days: int
    language: str
    ward: str | None
    timezone: str
    phones: list[str]
    warnings: list[str] = field(default_factory=list)


def find_columns(sheet: Sheet) -> Columns:
    """The sheet's columns; :class:`ImportFileError` naming every required column the header lacks."""
    found = {
        "account_number": sheet.column(*ACCOUNT_NAMES),
        "holder": sheet.column(*HOLDER_NAMES),
        "arrears": sheet.column(*ARREARS_NAMES),
        "days_in_arrears": sheet.column(*DAYS_NAMES),
    }
    phones = tuple(
        (name, index, name in MULTI_PHONE_NAMES)
        for index, name in enumerate(sheet.header)
        if name in MULTI_PHONE_NAMES or _SINGLE_PHONE.fullmatch(name)
    )
    missing = [name for name, index in found.items() if index is None]
    if not phones:
        missing.append("phones (or phone, phone2...)")
    if missing:
        raise ImportFileError(f"header (row 1) lacks {', '.join(missing)}")
    account, holder, arrears, days = (index for index in found.values() if index is not None)
    return Columns(
        len(sheet.header),
        account,
        holder,
        arrears,
        days,
        phones,
        language=sheet.column("language", "lang"),
        ward=sheet.column("ward", "area", "suburb"),
        timezone=sheet.column("timezone", "time_zone", "tz"),
    )


def read_row(
    number: int, cells: list[Cell], columns: Columns, region: str, default_timezone: str
) -> ArrearsRow:
    """Check one row; ``ValueError`` with the reason when it cannot be imported."""
    if len(cells) < columns.width:
        cells = cells + [None] * (columns.width - len(cells))
    text = sheets.text
    account = sheets.account_number(cells[columns.account])
    holder = text(cells[columns.holder])
    if not holder:
        raise ValueError("no account holder")
    if len(holder) > 128:
        raise ValueError("account holder is longer than 128 characters")
    arrears = sheets.cents(cells[columns.arrears], "arrears")
    days = sheets.whole_number(cells[columns.days], "days in arrears")
    phones, warnings = _phones(cells, columns.phones, region)
    ward = text(cells[columns.ward]) or None if columns.ward is not None else None
    if ward is not None and len(ward) > 64:
        raise ValueError("ward/area is longer than 64 characters")
    code = language(text(cells[columns.language])) if columns.language is not None else "en"
    zone = text(cells[columns.timezone]) if columns.timezone is not None else ""
    return ArrearsRow(
        number,
        account,
        holder,
        arrears,
        days,
        code,
        ward,
        timezone(zone, default_timezone) if zone else default_timezone,
        phones,
        warnings,
    )


def _phones(
    cells: list[Cell], columns: tuple[tuple[str, int, bool], ...], region: str
) -> tuple[list[str], list[str]]:
    """The row's valid numbers (E.164, in order, each once) and a reason for each refused one."""
    numbers: list[str] = []
    refused: list[str] = []
    for name, index, several in columns:
        raw = sheets.text(cells[index])
        for part in _SPLIT.split(raw) if several else (raw,):
            number, reason = e164_or_reason(part, region)
            if number is None:
                if reason:
                    refused.append(f"{name}: {reason}")
            elif number not in numbers:
                numbers.append(number)
    if not numbers:
        raise ValueError("no valid phone number" + (f" ({'; '.join(refused)})" if refused else ""))
    return numbers, [f"number refused, the others imported: {reason}" for reason in refused]


@lru_cache(maxsize=256)
def language(raw: str) -> str:
    """A language code (``en``, ``zu``, ``nso``...) from a code or an official language's name."""
    value = raw.strip().lower()
    if not value:
        return "en"
    value = LANGUAGE_NAMES.get(value, value)
    if not _LANGUAGE_CODE.fullmatch(value) or len(value) > 8:
        raise ValueError(f"language {raw!r} is not a language code (en, af, zu, xh...)")
    return value


def timezone(raw: str, default: str) -> str:
    """An IANA time zone name (``default`` when empty); ``ValueError`` when there is no such zone."""
    if not raw:
        return default
    if not _zone_exists(raw):
        raise ValueError(f"time zone {raw!r} does not exist (e.g. Africa/Johannesburg)")
    return raw


@lru_cache(maxsize=256)
def _zone_exists(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return len(name) <= 64
