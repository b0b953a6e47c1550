"""Money as people in the call centre read it: integer cents shown as ``R 1 234.50``."""

from __future__ import annotations


def rand(cents: int | None) -> str:
    """``cents`` as rand with a space between thousands (``R 1 234.50``; ``-R 5.00``); ``""`` for None."""
    if cents is None:
        return ""
    whole, part = divmod(abs(int(cents)), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}R {whole:,}.{part:02d}".replace(",", " ")


def cents(rands: float | str) -> int:
    """An amount in rand (``1234.5``, ``"1 234,50"``) as whole cents; ``ValueError`` if not a number."""
    text = str(rands).replace(" ", "").replace("\u00a0", "").removeprefix("R")
    text = text.replace(",", "") if "." in text else text.replace(",", ".")
    try:
        value = round(float(text) * 100)
    except (ValueError, OverflowError):
        raise ValueError(f"{rands!r} is not an amount in rand") from None
    return int(value)
