"""Reading the billing system's exports: CSV or Excel rows, headers, amounts, account numbers, dates.

Rows are numbered as a spreadsheet shows them (the header is row 1); blank rows are skipped.
Header names are matched case-insensitively, with spaces, hyphens and underscores alike
(``Account Number``, ``account-number`` and ``ACCOUNT_NUMBER`` are one column).

Amounts are rand (``1234.50``, ``R 1 234,50``, ``1,234.50``): spaces and a leading ``R``/``ZAR``
are ignored; with both ``.`` and ``,`` the last one is the decimal mark; with only one kind, a mark
followed by one or two final digits is the decimal mark and marks followed by groups of three
digits are thousands separators (an amount in rand never has three decimals, so ``1,234`` and
``1.234`` are R1 234). More than two decimals, or anything else, is refused with the reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import cast

#: What one cell can hold (CSV gives text; Excel gives numbers and dates too).
Cell = str | int | float | dt.datetime | dt.date | None
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009'")
_GROUPED = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
_SIMPLE = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,2})?")
_PLAIN = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[ T]00:00(?::00)?)?")


class ImportFileError(ValueError):
    """The file cannot be read at all (missing, not CSV/Excel, no header or a required column lacking)."""


@dataclass
class Sheet:
    """An open export: its normalised header and an iterator of ``(row number, cells)``.

    The file closes when ``rows`` is exhausted; call :meth:`close` when stopping before that.
    """

    header: list[str]
    rows: Iterator[tuple[int, list[Cell]]]
    close: Callable[[], None]

    def column(self, *names: str) -> int | None:
        """The index of the first header cell named one of ``names`` (normalised), else ``None``."""
        for name in names:
            if name in self.header:
                return self.header.index(name)
        return None


def header_key(name: object) -> str:
    """``" Account-Number "`` -> ``account_number``."""
    return re.sub(r"[\s_\-]+", "_", str(name or "").strip().lower()).strip("_")


def open_sheet(path: Path) -> Sheet:
    """Open a CSV (UTF-8, with or without BOM) or an ``.xlsx`` (first sheet) export.

    Raises :class:`ImportFileError` when it cannot be read or has no header row.
    """
    try:
        if path.suffix.lower() in EXCEL_SUFFIXES:
            return _excel(path)
        return _csv(path)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ImportFileError(f"{path}: cannot be read: {exc}") from None


def _csv(path: Path) -> Sheet:
    handle = path.open(newline="", encoding="utf-8-sig")
    reader = csv.reader(handle)
    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error):
        handle.close()
        raise
    if not header:
        handle.close()
        raise ImportFileError(f"{path}: empty file (no header row)")

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        number = 1
        with handle:
            try:
                for number, row in enumerate(reader, start=2):
                    if "".join(row).strip():
                        yield number, cast(list[Cell], row)  # not copied: a list of text is one of cells
            except (UnicodeDecodeError, csv.Error) as exc:
                raise ImportFileError(f"{path}: cannot be read after row {number}: {exc}") from None

    return Sheet([header_key(name) for name in header], rows(), handle.close)


def _excel(path: Path) -> Sheet:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError, InvalidFileException...
        raise ImportFileError(f"{path}: not a readable .xlsx workbook: {exc}") from None
    found = book.active.iter_rows(values_only=True) if book.active is not None else iter(())
    header = next(found, None)
    if not header or not any(cell is not None for cell in header):
        book.close()
        raise ImportFileError(f"{path}: empty sheet (no header row)")

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        try:
            for number, row in enumerate(found, start=2):
                if any(cell is not None and str(cell).strip() for cell in row):
                    yield number, list(row)
        finally:
            book.close()

    return Sheet([header_key(name) for name in header], rows(), book.close)


def count_rows(path: Path) -> int | None:
    """About how many data rows the file has (for a progress bar); ``None`` when unknown."""
    try:
        if path.suffix.lower() in EXCEL_SUFFIXES:
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True)
            rows = book.active.max_row if book.active is not None else None
            book.close()
            return max(rows - 1, 0) if rows else None
        with path.open("rb") as handle:
            return max(sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1, 0)
    except Exception:
        return None


def text(cell: Cell) -> str:
    """A cell as trimmed text (an Excel whole number without ``.0``)."""
    if type(cell) is str:
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def account_number(cell: Cell) -> str:
    """An account number as the billing system keys it: trimmed, inner spaces removed, max 32."""
    number = text(cell).translate(_SPACES)
    if not number:
        raise ValueError("no account number")
    if len(number) > 32:
        raise ValueError(f"account number {number!r} is longer than 32 characters")
    return number


def cents(cell: Cell, what: str = "amount") -> int:
    """An amount in rand (see the module's rules) as integer cents; ``ValueError`` naming ``what``."""
    if isinstance(cell, bool):
        raise ValueError(f"{what} {cell!r} is not an amount")
    if isinstance(cell, int):
        return cell * 100
    if isinstance(cell, float):
        value = Decimal(repr(cell)) * 100
        if not value.is_finite() or abs(value - value.to_integral_value()) > Decimal("0.0001"):
            raise ValueError(f"{what} {cell!r} is not an amount in rand and cents")
        return int(value.to_integral_value())
    raw = text(cell)
    if _SIMPLE.fullmatch(raw):  # the usual "1234.50": no Decimal needed
        whole, _, fraction = raw.partition(".")
        return int(whole) * 100 + int(fraction.ljust(2, "0") if fraction else "0")
    if not raw:
        raise ValueError(f"no {what}")
    try:
        value = Decimal(_plain_amount(raw))
    except ValueError:
        raise ValueError(f"{what} {raw!r} is not an amount in rand") from None
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"{what} {raw!r} has more than two decimals")
    return int(value * 100)


def _plain_amount(raw: str) -> str:
    """``"R -1 234,50"`` -> ``"-1234.50"``; ``ValueError`` when it is not an amount."""
    body = raw.translate(_SPACES)
    sign = "-" if body.startswith("-") else ""
    body = body.lstrip("+-")
    for currency in ("ZAR", "R"):
        if body.upper().startswith(currency):
            body = body[len(currency) :]
            break
    if body.startswith("-") and not sign:
        sign, body = "-", body[1:]
    if "." in body and "," in body:
        mark = "." if body.rfind(".") > body.rfind(",") else ","
        whole, _, fraction = body.rpartition(mark)
        plain = _ungroup(whole) + "." + fraction
    else:
        mark = "." if "." in body else ","
        single = body.count(mark) == 1 and len(body) - body.index(mark) - 1 in (1, 2)
        plain = body.replace(mark, ".") if single else _ungroup(body)
    if not _PLAIN.fullmatch(plain):
        raise ValueError(raw)
    return sign + plain


def _ungroup(whole: str) -> str:
    """``"1,234,567"`` -> ``"1234567"``: separators must split groups of three digits."""
    if whole.isascii() and whole.isdigit():
        return whole
    if not _GROUPED.fullmatch(whole) or ("." in whole and "," in whole):
        raise ValueError(whole)
    return whole.replace(".", "").replace(",", "")


def whole_number(cell: Cell, what: str) -> int:
    """A non-negative whole number (days in arrears); ``ValueError`` naming ``what``."""
    raw = text(cell)
    if not raw:
        raise ValueError(f"no {what}")
    if not (raw.isascii() and raw.isdigit()):
        raise ValueError(f"{what} {raw!r} is not a whole number of zero or more")
    return int(raw)


def day(cell: Cell, what: str) -> dt.date:
    """A date: ``YYYY-MM-DD`` text or an Excel date; ``ValueError`` naming ``what``."""
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    raw = text(cell)
    if not raw:
        raise ValueError(f"no {what}")
    match = _DATE.fullmatch(raw)
    try:
        if match is None:
            raise ValueError(raw)
        return dt.date.fromisoformat(match[1])
    except ValueError:
        raise ValueError(f"{what} {raw!r} is not a date (YYYY-MM-DD)") from None
