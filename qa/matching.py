"""Find a party's phrases in a call, tolerant of recognition errors, with where they were said.

The turns of one party inside a time window are joined into one text; each
phrase is aligned against it with rapidfuzz's ``partial_ratio_alignment``
(the best-matching stretch of the text, scored 0-100 by edit distance). One
alignment over a whole call is much cheaper than one per turn, and the
alignment's offset maps back to the turn, and roughly to the second, where the
words were said. ``exact`` mode (whole-word substring) is kept to measure what
fuzzy matching buys (see ``bench/bench_qa_accuracy.py``).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from qa.scorecard import PhraseSet
from qa.scorecard_loader import AGENT_TOKEN
from qa.transcript import CallInput, Turn, normalise_text

Mode = Literal["fuzzy", "exact"]
_JOIN = " / "
#: Phrases this short are matched almost exactly: one wrong letter would turn "sorry" into "story".
_SHORT = 12


@dataclass(frozen=True, slots=True)
class Match:
    """A phrase found in a turn: what matched, how well, and when."""

    phrase: str
    similarity: float
    turn: Turn
    text: str
    start: float
    end: float

    def evidence(self) -> dict[str, object]:
        return {
            "speaker": self.turn.speaker,
            "start": round(self.start, 2),
            "end": round(self.end, 2),
            "text": self.text,
            "phrase": self.phrase,
            "similarity": round(self.similarity, 1),
        }


@dataclass(frozen=True, slots=True)
class _Document:
    text: str
    offsets: list[int]
    turns: list[Turn]
    words: frozenset[str] = frozenset()

    def locate(self, begin: int, end: int, phrase: str, similarity: float) -> Match:
        index = max(0, bisect_right(self.offsets, begin) - 1)
        last = max(0, bisect_right(self.offsets, max(begin, end - 1)) - 1)
        if last != index:  # the alignment crosses into the next turn: keep the turn holding more of it
            boundary = self.offsets[last]
            if end - boundary > boundary - begin:
                index, begin = last, boundary
        turn = self.turns[index]
        origin = self.offsets[index]
        length = max(1, len(turn.text))
        low, high = max(0, begin - origin), min(length, max(begin - origin + 1, end - origin))
        # Widen to whole words so the evidence reads as the party said it.
        low = turn.text.rfind(" ", 0, low) + 1
        space = turn.text.find(" ", high)
        high = length if space < 0 else space
        span = turn.end - turn.start
        return Match(
            phrase,
            similarity,
            turn,
            turn.text[low:high],
            turn.start + span * low / length,
            turn.start + span * high / length,
        )


class CallText:
    """The words of one call, searchable by party and time window; results are cached per call."""

    def __init__(self, call: CallInput, mode: Mode = "fuzzy") -> None:
        self.call = call
        self.mode = mode
        self.duration = max(call.duration, max((turn.end for turn in call.turns), default=0.0))
        self.agent_name = first_name(call.agent)
        self._personal: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._documents: dict[
            tuple[str, float | None, float | None, float | None, float | None], _Document
        ] = {}
        self._found: dict[tuple[object, ...], Match | None] = {}

    def find(
        self, phrases: PhraseSet, *, before: float | None = None, after: float | None = None
    ) -> list[Match] | None:
        """The best match of the phrases (and one of each ``also`` group), or ``None`` if one is missing.

        ``before``/``after`` keep to turns that start before / end after that second.
        """
        document = self._document(phrases, before, after)
        best = self._best(document, phrases.phrases, phrases.min_similarity)
        if best is None:
            return None
        found = [best]
        for group in phrases.also:
            match = self._best(document, group, phrases.min_similarity)
            if match is None:
                return None
            found.append(match)
        return found

    def find_all(self, phrases: PhraseSet) -> list[Match]:
        """Every phrase that matches, each at its best place (for rules that list every offence)."""
        document = self._document(phrases, None, None)
        found = (self._align(document, p, phrases.min_similarity) for p in self.phrases(phrases.phrases))
        return sorted((match for match in found if match is not None), key=lambda match: match.start)

    def first(self, phrases: PhraseSet) -> Match | None:
        """The earliest place any of the phrases was said (for order rules)."""
        document = self._document(phrases, None, None)
        earliest: Match | None = None
        for phrase in self.phrases(phrases.phrases):
            match = self._align(document, phrase, phrases.min_similarity)
            while match is not None:
                if earliest is None or match.start < earliest.start:
                    earliest = match
                prefix = _Document(
                    document.text[: _offset_of(document, match)], document.offsets, document.turns
                )
                match = self._align(prefix, phrase, phrases.min_similarity, cache=False)
        return earliest

    def phrases(self, phrases: tuple[str, ...]) -> tuple[str, ...]:
        """The phrases with ``{agent}`` filled in with this call's agent (left out if it is unknown)."""
        resolved = self._personal.get(phrases)
        if resolved is None:
            resolved = tuple(
                phrase.replace(AGENT_TOKEN, self.agent_name) if AGENT_TOKEN in phrase else phrase
                for phrase in phrases
                if self.agent_name or AGENT_TOKEN not in phrase
            )
            self._personal[phrases] = resolved
        return resolved

    def _document(self, phrases: PhraseSet, before: float | None, after: float | None) -> _Document:
        key = (phrases.speaker, phrases.first_seconds, phrases.last_seconds, before, after)
        document = self._documents.get(key)
        if document is None:
            turns = [turn for turn in self.call.turns if turn.speaker == phrases.speaker]
            if phrases.first_seconds is not None:
                turns = [turn for turn in turns if turn.start <= phrases.first_seconds]
            if phrases.last_seconds is not None:
                turns = [turn for turn in turns if turn.end >= self.duration - phrases.last_seconds]
            if before is not None:
                turns = [turn for turn in turns if turn.start < before]
            if after is not None:
                turns = [turn for turn in turns if turn.end > after]
            offsets, position = [], 0
            for turn in turns:
                offsets.append(position)
                position += len(turn.text) + len(_JOIN)
            text = _JOIN.join(turn.text for turn in turns)
            document = _Document(text, offsets, turns, frozenset(word[:4] for word in text.split()))
            self._documents[key] = document
        return document

    def _best(self, document: _Document, phrases: tuple[str, ...], minimum: float) -> Match | None:
        best: Match | None = None
        for phrase in self.phrases(phrases):
            match = self._align(document, phrase, minimum)
            if match is not None and (best is None or match.similarity > best.similarity):
                best = match
                if match.similarity >= 100:
                    break
        return best

    def _align(self, document: _Document, phrase: str, minimum: float, cache: bool = True) -> Match | None:
        key = (id(document), len(document.text), phrase, minimum)
        if cache and key in self._found:
            return self._found[key]
        match = self._search(document, phrase, minimum)
        if cache:
            self._found[key] = match
        return match

    def _search(self, document: _Document, phrase: str, minimum: float) -> Match | None:
        if not document.text:
            return None
        if self.mode == "exact":
            begin = f" {document.text} ".find(f" {phrase} ")
            return None if begin < 0 else document.locate(begin, begin + len(phrase), phrase, 100.0)
        if document.words and not _may_match(phrase, document.words):
            return None
        cutoff = max(minimum, 92.0) if len(phrase) < _SHORT else minimum
        return self._fuzzy(document, 0, len(document.text), phrase, cutoff, tries=3)

    def _fuzzy(
        self, document: _Document, low: int, high: int, phrase: str, cutoff: float, tries: int
    ) -> Match | None:
        """The best match in ``document.text[low:high]`` whose negation agrees with the phrase's.

        "i can help you" is not "i can't help you", and "we will not take you to court" is not a
        threat: a match that differs from the phrase in negation is refused, and the text on either
        side of it is searched instead.
        """
        if tries == 0 or high - low < 2:
            return None
        alignment = fuzz.partial_ratio_alignment(phrase, document.text[low:high], score_cutoff=cutoff)
        if alignment is None or alignment.score < cutoff:
            return None
        begin, end = low + alignment.dest_start, low + alignment.dest_end
        match = document.locate(begin, end, phrase, alignment.score)
        if _negated(phrase.split()) == _negated(_context(match)):
            return match
        before = self._fuzzy(document, low, begin, phrase, cutoff, tries - 1)
        return before or self._fuzzy(document, end, high, phrase, cutoff, tries - 1)


_NEGATIONS = frozenset(
    {
        "not",
        "no",
        "never",
        "don't",
        "can't",
        "cannot",
        "won't",
        "isn't",
        "wasn't",
        "didn't",
        "doesn't",
        "shouldn't",
        "wouldn't",
        "couldn't",
        "nobody",
        "nothing",
        "neither",
        "nor",
        "aren't",
        "haven't",
        "hasn't",
    }
)


def _may_match(phrase: str, stems: frozenset[str]) -> bool:
    """False when no word of 3+ letters of the phrase begins like any word said: no alignment can then
    reach the cutoff, so it is not tried (``stems`` holds the first four letters of each word said).

    With every such word of a phrase misrecognised beyond its first letters, the phrase is too far from
    the text to match anyway. Phrases of short words only are always aligned.
    """
    keys = [word[:4] for word in phrase.split() if len(word) >= 3]
    return not keys or any(key in stems for key in keys)


def _negated(words: list[str]) -> bool:
    return any(word in _NEGATIONS for word in words)


def _context(match: Match) -> list[str]:
    """The matched words and the two before them in the turn (where a "not" would sit)."""
    position = match.turn.text.find(match.text)
    before = match.turn.text[: max(0, position)].split()[-2:]
    return [*before, *match.text.split()]


def first_name(agent: str | None) -> str:
    """``"Thandi Mokoena"`` -> ``"thandi"``; a channel name such as ``PJSIP/1001`` gives no name."""
    words = normalise_text(agent or "").split()
    return words[0] if words and words[0].isalpha() and "/" not in (agent or "") else ""


def _offset_of(document: _Document, match: Match) -> int:
    """Where ``match``'s turn starts in the document (the next search looks only before it)."""
    index = document.turns.index(match.turn)
    return document.offsets[index] + document.turns[index].text.find(match.text)
