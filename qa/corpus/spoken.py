"""Numbers, amounts, dates and digit strings as a speech recogniser writes them: lower-case words.

>>> number_words(2450)
'two thousand four hundred and fifty'
>>> rand_words(2400)
'two thousand four hundred rand'
>>> digit_words("4710")
'four seven one zero'
>>> date_words(25, 3)
'the twenty fifth of march'
"""

from __future__ import annotations

__all__ = ["MONTHS", "date_words", "digit_words", "number_words", "ordinal_words", "rand_words", "year_words"]

_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINAL_UNITS = [
    "zeroth",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
]
_ORDINAL_TENS = ["_", "_", "twentieth", "thirtieth"]
MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]


def _below_hundred(n: int) -> str:
    """0..99 in words."""
    if n < 20:
        return _UNITS[n]
    tens, unit = divmod(n, 10)
    return _TENS[tens] + (f" {_UNITS[unit]}" if unit else "")


def _below_thousand(n: int) -> str:
    """0..999 in words, British style: "four hundred and fifty"."""
    hundreds, rest = divmod(n, 100)
    if not hundreds:
        return _below_hundred(rest)
    head = f"{_UNITS[hundreds]} hundred"
    return head + (f" and {_below_hundred(rest)}" if rest else "")


def number_words(n: int) -> str:
    """A whole number 0..999 999 999 in words."""
    if not 0 <= n < 1_000_000_000:
        raise ValueError(f"{n} is out of range")
    parts = []
    for size, name in ((1_000_000, "million"), (1000, "thousand")):
        chunk, n = divmod(n, size)
        if chunk:
            parts.append(f"{_below_thousand(chunk)} {name}")
    if n or not parts:
        parts.append(("and " if parts and n < 100 else "") + _below_thousand(n))
    return " ".join(parts)


def rand_words(amount: int) -> str:
    """An amount of rand in words: "two thousand four hundred rand"."""
    return f"{number_words(amount)} rand"


def digit_words(digits: str) -> str:
    """A digit string read one digit at a time: "4710" -> "four seven one zero"."""
    if not digits.isdigit():
        raise ValueError(f"{digits!r} is not a string of digits")
    return " ".join(_UNITS[int(digit)] for digit in digits)


def ordinal_words(n: int) -> str:
    """1..31 as an ordinal: "twenty fifth"."""
    if not 1 <= n <= 31:
        raise ValueError(f"{n} is not a day of the month")
    if n < 20:
        return _ORDINAL_UNITS[n]
    tens, unit = divmod(n, 10)
    return f"{_TENS[tens]} {_ORDINAL_UNITS[unit]}" if unit else _ORDINAL_TENS[tens]


def date_words(day: int, month: int) -> str:
    """A day and month as spoken: "the twenty fifth of march"."""
    return f"the {ordinal_words(day)} of {MONTHS[month - 1]}"


def year_words(year: int) -> str:
    """A year as spoken: 1985 -> "nineteen eighty five", 2003 -> "two thousand and three"."""
    century, rest = divmod(year, 100)
    if century == 20 and rest < 10:
        return number_words(year)
    return f"{_below_hundred(century)} {_below_hundred(rest) if rest else 'hundred'}"
