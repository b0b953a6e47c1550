"""Digits read out in speech: "four seven double one oh 3" -> "471103".

Agents and the IVR read reference numbers digit by digit; recognisers print
them as digit words or digits. Words that sound like digits ("for", "to",
"won", "ate") count only between other digits, where that is what they
almost always are.
"""

from __future__ import annotations

from dataclasses import dataclass

_DIGITS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_SOUNDALIKE = {"for": "4", "to": "2", "too": "2", "won": "1", "ate": "8", "tree": "3", "fife": "5"}
_REPEAT = {"double": 2, "triple": 3}


@dataclass(frozen=True, slots=True)
class DigitRun:
    """Consecutive digits read out, with the word positions they span."""

    digits: str
    first_word: int
    last_word: int


def _digits_of(word: str) -> str | None:
    if word.isdigit():
        return word
    return _DIGITS.get(word)


def digit_runs(text: str, min_length: int = 4) -> list[DigitRun]:
    """Every run of at least ``min_length`` digits read out in ``text`` (lower-case words)."""
    words = text.split()
    runs: list[DigitRun] = []
    index = 0
    while index < len(words):
        run, end = _read_run(words, index)
        if len(run) >= min_length:
            runs.append(DigitRun(run, index, end - 1))
        index = max(end, index + 1)
    return runs


def _read_run(words: list[str], start: int) -> tuple[str, int]:
    """The digits starting at ``start`` and the index after them."""
    digits, index = "", start
    while index < len(words):
        word = words[index]
        value = _digits_of(word)
        if value is None and digits and word in _SOUNDALIKE and _digit_follows(words, index):
            value = _SOUNDALIKE[word]
        if value is None and word in _REPEAT and index + 1 < len(words):
            following = _digits_of(words[index + 1])
            if following is not None and len(following) == 1:
                digits += following * _REPEAT[word]
                index += 2
                continue
        if value is None:
            break
        digits += value
        index += 1
    return digits, index


def _digit_follows(words: list[str], index: int) -> bool:
    """A sound-alike counts only between digits: "one for two" is 142, "one two for you" is 12."""
    if index + 1 >= len(words):
        return False
    following = words[index + 1]
    return _digits_of(following) is not None or following in _SOUNDALIKE
