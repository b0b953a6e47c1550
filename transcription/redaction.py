"""POPIA redaction of transcripts: ID, card and account numbers, spoken or written (issue #3).

Pure functions. :func:`redact_words` takes one speaker's recognised words and returns the words with each
personal number replaced by one placeholder word, plus the spans so the audio can be silenced
(:mod:`transcription.redact_audio`) and the dashboard can mark them. :func:`redact_text` does the same for
plain text.

>>> words = [Word(w, 0.4 * i, 0.4 * i + 0.3) for i, w in enumerate("my account is 50012345 thanks".split())]
>>> redacted, spans = redact_words(words)
>>> [w.text for w in redacted], str(spans[0].kind)
(['my', 'account', 'is', '[MUNICIPAL ACCOUNT]', 'thanks'], 'municipal_account')
>>> redact_text("ID 800101 5009 087, ref 45127")[0]
'ID [ID NUMBER], ref 45127'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from transcription.redaction_patterns import AccountPatterns, RedactionKind, find_matches
from transcription.redaction_tokens import PUNCTUATION, digit_runs, tokenise

__all__ = [
    "InvalidRedactionRules",
    "RedactedSpan",
    "RedactionKind",
    "RedactionRules",
    "Word",
    "redact_text",
    "redact_words",
]

DEFAULT_FILLERS = frozenset({"uh", "um", "er", "erm", "ah", "hmm", "mm", "is", "it's", "its"})
DEFAULT_PLACEHOLDERS: Mapping[RedactionKind, str] = MappingProxyType(
    {
        RedactionKind.ID_NUMBER: "[ID NUMBER]",
        RedactionKind.CARD_NUMBER: "[CARD NUMBER]",
        RedactionKind.MUNICIPAL_ACCOUNT: "[MUNICIPAL ACCOUNT]",
        RedactionKind.BANK_ACCOUNT: "[BANK ACCOUNT]",
    }
)


class InvalidRedactionRules(ValueError):
    """A municipality's redaction settings cannot be used; the message says which one and why."""


@dataclass(frozen=True)
class Word:
    """One recognised word of one speaker, with its times in seconds from the start of the recording."""

    text: str
    start: float
    end: float
    conf: float = 1.0


@dataclass(frozen=True)
class RedactedSpan:
    """One redacted personal number.

    For :func:`redact_words`, ``start``/``end`` are seconds and ``word_index_start``/``word_index_end`` are
    the half-open range of *input* word indices replaced. For :func:`redact_text`, times are 0 and the two
    indices are the half-open character range of the input text.
    """

    kind: RedactionKind
    start: float
    end: float
    word_index_start: int
    word_index_end: int


@dataclass(frozen=True)
class RedactionRules:
    """What counts as a personal number, and how far apart its digits may be; set per municipality.

    The account patterns are regular expressions that must match a whole run of digit groups (ID and card
    numbers are recognised by their check digits and need no setting).
    """

    municipal_account: str = r"5\d{7,9}"
    bank_account: str = r"\d{9,11}"
    max_gap: float = 1.5  # seconds between digits of one number; a longer pause starts a new number
    group_gap: float = 0.5  # a pause this long between spoken digits marks a group ("800101 ... 5009")
    max_fillers: int = 2  # "it's uh" between groups is tolerated, a sentence is not
    fillers: frozenset[str] = DEFAULT_FILLERS
    placeholders: Mapping[RedactionKind, str] = field(default_factory=lambda: DEFAULT_PLACEHOLDERS)

    def __post_init__(self) -> None:
        """Refuse bad settings when they are loaded rather than on the first call that needs them."""
        self.patterns()
        missing = set(RedactionKind) - set(self.placeholders)
        if missing:
            raise InvalidRedactionRules(f"no placeholder for {sorted(missing)}")
        if self.max_gap < 0 or self.group_gap < 0 or self.max_fillers < 0:
            raise InvalidRedactionRules("max_gap, group_gap and max_fillers must not be negative")

    def patterns(self) -> AccountPatterns:
        """The account patterns compiled; raises :class:`InvalidRedactionRules` naming a bad one."""
        return AccountPatterns(_compile("municipal_account", self.municipal_account),
                               _compile("bank_account", self.bank_account))  # fmt: skip


def _compile(name: str, pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as error:
        raise InvalidRedactionRules(
            f"{name} pattern {pattern!r} is not a regular expression: {error}"
        ) from None


def find_personal_numbers(
    words: Sequence[Word], rules: RedactionRules
) -> list[tuple[RedactionKind, int, int]]:
    """The (kind, first word, stop word) of every personal number in ``words``, in order, not overlapping."""
    patterns = rules.patterns()
    found: list[tuple[RedactionKind, int, int]] = []
    for run in digit_runs(tokenise(words, rules), rules):
        for match in find_matches(run.digits, run.group_bounds, patterns):
            kind, first, stop = match.kind, run.words[match.lo][0], run.words[match.hi - 1][1]
            if found and first < found[-1][2]:
                # Two numbers shared a word ("double five" ending one and starting the next): one
                # placeholder covers both rather than leaving half a word behind.
                kind, first, _ = found.pop()
            found.append((kind, first, stop))
    return found


def redact_words(
    words: Sequence[Word], rules: RedactionRules | None = None
) -> tuple[list[Word], list[RedactedSpan]]:
    """Replace each personal number in ``words`` by one placeholder word spanning its first to last word.

    Returns the new word list (never longer than the input) and one :class:`RedactedSpan` per placeholder.
    """
    rules = rules or RedactionRules()
    out: list[Word] = []
    spans: list[RedactedSpan] = []
    cursor = 0
    for kind, first, stop in find_personal_numbers(words, rules):
        out += words[cursor:first]
        run = words[first:stop]
        # The lowest confidence in the run, so a doubtful redaction still looks doubtful downstream.
        out.append(Word(rules.placeholders[kind], run[0].start, run[-1].end, min(w.conf for w in run)))
        spans.append(RedactedSpan(kind, run[0].start, run[-1].end, first, stop))
        cursor = stop
    return out + list(words[cursor:]), spans


def _text_words(text: str) -> tuple[list[Word], list[tuple[int, int]]]:
    """Whitespace-separated words without surrounding punctuation, and their character ranges."""
    words: list[Word] = []
    offsets: list[tuple[int, int]] = []
    for match in re.finditer(r"\S+", text):
        raw = match.group()
        core = raw.strip(PUNCTUATION)
        if not core:
            continue  # a lone dash or comma between digit groups must not split the number
        begin = match.start() + len(raw) - len(raw.lstrip(PUNCTUATION))
        words.append(Word(core, 0.0, 0.0))
        offsets.append((begin, begin + len(core)))
    return words, offsets


def redact_text(text: str, rules: RedactionRules | None = None) -> tuple[str, list[RedactedSpan]]:
    """Redact plain text; spans carry the input's character offsets (half-open) and times of 0."""
    rules = rules or RedactionRules()
    words, offsets = _text_words(text)
    pieces: list[str] = []
    spans: list[RedactedSpan] = []
    cursor = 0
    for kind, first, stop in find_personal_numbers(words, rules):
        begin, end = offsets[first][0], offsets[stop - 1][1]
        pieces += [text[cursor:begin], rules.placeholders[kind]]
        spans.append(RedactedSpan(kind, 0.0, 0.0, begin, end))
        cursor = end
    return "".join([*pieces, text[cursor:]]), spans
