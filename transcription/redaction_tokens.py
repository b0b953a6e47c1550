"""From recognised words to runs of digits: how people say numbers, and where a number stops.

Vosk writes digits as words ("eight zero zero one"), "oh" for zero, "double five", "fifty five",
"eight hundred"; typed transcripts write "800101 5009 087" or "8001-0150-09087". All of these become one
digit string per run, with a record of which words each digit came from and where the groups were.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum, auto
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # redaction.py imports this module at run time; the types only flow one way
    from transcription.redaction import RedactionRules, Word

UNITS = {
    "zero": "0", "oh": "0", "o": "0", "nought": "0", "nil": "0", "one": "1", "two": "2", "three": "3",
    "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
TEENS = {
    "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14", "fifteen": "15",
    "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19",
}  # fmt: skip
TENS = {
    "twenty": "2", "thirty": "3", "forty": "4", "fifty": "5", "sixty": "6", "seventy": "7", "eighty": "8",
    "ninety": "9",
}  # fmt: skip
MULTIPLIERS = {"double": 2, "triple": 3}
# Words the recogniser writes for a digit it misheard; trusted only between two digits.
HOMOPHONES = {"to": "2", "too": "2", "for": "4", "ate": "8"}
PUNCTUATION = ".,;:!?\"'()[]{}<>«»“”‘’-–—"  # a hyphen inside a number ("8001-0150") is kept
WRITTEN = re.compile(r"\d+(?:-\d+)*")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class Role(Enum):
    """How a token takes part in a run of digits."""

    DIGITS = auto()
    FILLER = auto()
    OTHER = auto()


@dataclass(frozen=True)
class Token:
    """One or more words read as a unit: words[first:stop] gave ``digits`` ("double five" -> "55")."""

    role: Role
    first: int
    stop: int
    start: float
    end: float
    digits: str = ""
    spoken: bool = False
    inner_bounds: tuple[int, ...] = ()  # where a hyphen split a written number: "8001-0150" -> (4,)


@dataclass(frozen=True)
class DigitRun:
    """The digits of one uninterrupted number; ``words[i]`` is the word range digits[i] came from."""

    digits: str
    words: tuple[tuple[int, int], ...]
    group_bounds: frozenset[int]


def clean(text: str) -> str:
    """A word as the rules compare it: lower case, without surrounding punctuation."""
    return text.lower().strip(PUNCTUATION)


def _written_digits(text: str) -> tuple[str, tuple[int, ...]] | None:
    """Digits and hyphen offsets of a written number; None for anything else (R1500, 1,500, 10:30, 15th)."""
    if not WRITTEN.fullmatch(text) or ISO_DATE.fullmatch(text):
        return None
    parts = text.split("-")
    offsets = [sum(len(p) for p in parts[: i + 1]) for i in range(len(parts) - 1)]
    return "".join(parts), tuple(offsets)


def _spoken_digits(text: str) -> str | None:
    """The digits of a single spoken number word, or None."""
    if text in UNITS:
        return UNITS[text]
    if text in TEENS:
        return TEENS[text]
    if text in TENS:
        return TENS[text] + "0"
    return None


def _numeric(text: str) -> bool:
    """Whether a cleaned word can be (the start of) a number."""
    return text in MULTIPLIERS or _spoken_digits(text) is not None or _written_digits(text) is not None


def _make(words: Sequence[Word], first: int, stop: int, digits: str, spoken: bool) -> Token:
    return Token(Role.DIGITS, first, stop, words[first].start, words[stop - 1].end, digits, spoken)


def _read_number(words: Sequence[Word], i: int) -> Token | None:
    """The number token starting at words[i], taking in "double", "fifty five" and "hundred"; or None."""
    text = clean(words[i].text)
    nxt = clean(words[i + 1].text) if i + 1 < len(words) else ""
    written = _written_digits(text)
    if written is not None:
        digits, bounds = written
        return Token(Role.DIGITS, i, i + 1, words[i].start, words[i].end, digits, False, bounds)
    if text in MULTIPLIERS:
        inner = _read_number(words, i + 1) if _numeric(nxt) and nxt not in MULTIPLIERS else None
        if inner is None:
            return None  # "double check"
        digits = inner.digits[0] * MULTIPLIERS[text] + inner.digits[1:]
        return _make(words, i, inner.stop, digits, inner.spoken)
    spoken = _spoken_digits(text)
    if spoken is None:
        return None
    digits, stop = spoken, i + 1
    if text in TENS and nxt in UNITS and UNITS[nxt] != "0":
        digits, stop = TENS[text] + UNITS[nxt], stop + 1  # "fifty five" is 55, not 505
    if stop < len(words) and clean(words[stop].text) == "hundred":
        digits, stop = digits + "00", stop + 1  # "eight hundred" read out in an ID is 800
    return _make(words, i, stop, digits, True)


def tokenise(words: Sequence[Word], rules: RedactionRules) -> list[Token]:
    """Group words into number, filler and other tokens, covering every word exactly once."""
    tokens: list[Token] = []
    i = 0
    while i < len(words):
        token = _read_number(words, i) or _other(words, i, tokens, rules)
        tokens.append(token)
        i = token.stop
    return tokens


def _other(words: Sequence[Word], i: int, before: list[Token], rules: RedactionRules) -> Token:
    """A non-number word: a misheard digit between two digits, a filler, or an ordinary word."""
    text = clean(words[i].text)
    after = clean(words[i + 1].text) if i + 1 < len(words) else ""
    word = words[i]
    if text in HOMOPHONES and before and before[-1].role is Role.DIGITS and _numeric(after):
        return Token(Role.DIGITS, i, i + 1, word.start, word.end, HOMOPHONES[text], True)
    role = Role.FILLER if text in rules.fillers else Role.OTHER
    return Token(role, i, i + 1, word.start, word.end)


@dataclass
class _RunBuilder:
    """Accumulates one run; mutable only inside :func:`digit_runs`."""

    digits: str = ""
    words: tuple[tuple[int, int], ...] = ()
    bounds: frozenset[int] = frozenset()
    last: Token | None = None

    def add(self, token: Token, new_group: bool) -> None:
        offset = len(self.digits)
        inner = {offset + b for b in token.inner_bounds}
        self.bounds = self.bounds | inner | ({offset} if new_group else set())
        self.digits += token.digits
        self.words += ((token.first, token.stop),) * len(token.digits)
        self.last = token

    def run(self) -> DigitRun:
        return DigitRun(self.digits, self.words, self.bounds)


def _new_group(previous: Token, token: Token, fillers: int, rules: RedactionRules) -> bool:
    """Whether a new digit group starts here: after a filler, a pause, or a space between written digits."""
    both_spoken = previous.spoken and token.spoken
    return fillers > 0 or not both_spoken or token.start - previous.end > rules.group_gap


def digit_runs(tokens: Sequence[Token], rules: RedactionRules) -> list[DigitRun]:
    """Maximal runs of digit tokens, joined across at most ``rules.max_fillers`` fillers and short pauses.

    Ordinary words end a run ("two hundred AND fifty", "R 1500"), and so does a pause longer than
    ``rules.max_gap``: two numbers said a breath apart are two numbers.
    """
    runs: list[DigitRun] = []
    builder = _RunBuilder()
    fillers = 0
    for token in tokens:
        if token.role is Role.FILLER and builder.last is not None and fillers < rules.max_fillers:
            fillers += 1
            continue
        if token.role is Role.DIGITS:
            last = builder.last
            if last is not None and token.start - last.end <= rules.max_gap:
                builder.add(token, _new_group(last, token, fillers, rules))
            else:
                runs += [builder.run()] if last is not None else []
                builder = _RunBuilder()
                builder.add(token, new_group=True)
        else:
            runs += [builder.run()] if builder.last is not None else []
            builder = _RunBuilder()
        fillers = 0
    return runs + ([builder.run()] if builder.last is not None else [])
