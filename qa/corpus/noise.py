"""Simulated speech-recognition errors: corrupt a transcript to a chosen word error rate (WER).

A recogniser's errors are substitutions, deletions and insertions of words; on call-centre audio
roughly 60 % of them are substitutions, 25 % deletions and 15 % insertions. Each reference word
is independently substituted (probability ``0.60 * wer``) or deleted (``0.25 * wer``), and after
each a word is inserted with probability ``0.15 * wer``, so the expected number of edits is
``wer`` times the number of words. A substitute is, where the vocabulary has one, a word that
looks and sounds alike (rapidfuzz similarity: "water" -> "later", "rand" -> "hand"), as a
recogniser confuses near-homophones; an insertion is a short word ("a", "and", "uh"), as
recognisers insert fillers and function words.

The WER measured afterwards (word-level Levenshtein distance over reference length) is close to
``wer`` but slightly below it at high rates, because an adjacent deletion and insertion align as
one substitution.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from qa.corpus.model import LabelledCall

__all__ = ["COMMON_WORDS", "ERROR_MIX", "corrupt_call", "corrupt_text"]

#: Shares of substitutions, deletions and insertions among recognition errors.
ERROR_MIX = (0.60, 0.25, 0.15)
#: Candidates closer than this (rapidfuzz ratio, 0-100) count as sound-alikes.
_SIMILAR = 55.0
_NEIGHBOURS = 6

_COMMON_TEXT = """
a about after again all also am an and any are as at back be because been before being but by call
came can car card case cash cat check city come could cut day dear did do does done door down each
eight end even ever every eye far fast few find fine five for form four free from full gave get give
go good got had hand has have he hear her here him his hold home hot how i if in into is it its just
keep kind know last late later let life light like line little long look lot made make man many may
me mean men might mind more most much must my name near need never new next nice night nine no not
now number of off oh okay old on once one only or other our out over paid part pay people phone
place plan point power put rain rate read right road room said same saw say see seven she should
show side since six so some soon still stop street such sure take talk tell ten than that the their
them then there these they thing think this those three through time to told too town tree true try
two uh um under up us use very wait walk want was water way we week well went were what when where
which while who why will with word work would yeah year yes yet you your
"""
#: Everyday English words a recogniser's vocabulary holds besides those of the call itself.
COMMON_WORDS: tuple[str, ...] = tuple(_COMMON_TEXT.split())


class _Corrupter:
    """Draws errors for one vocabulary, remembering each word's sound-alikes."""

    def __init__(self, vocabulary: Sequence[str], rng: random.Random):
        self.vocabulary = sorted(set(vocabulary))
        if len(self.vocabulary) < 2:
            raise ValueError("the vocabulary must hold at least two distinct words")
        self.short = [word for word in self.vocabulary if len(word) <= 3] or self.vocabulary
        self.rng = rng
        self._near: dict[str, list[str]] = {}

    def substitute(self, word: str) -> str:
        """A different word, a sound-alike when the vocabulary has one."""
        near = self._near.get(word)
        if near is None:
            found = process.extract(
                word, self.vocabulary, scorer=fuzz.ratio, limit=_NEIGHBOURS + 1, score_cutoff=_SIMILAR
            )
            near = self._near[word] = [candidate for candidate, _, _ in found if candidate != word]
        if near:
            return self.rng.choice(near)
        while (other := self.rng.choice(self.vocabulary)) == word:
            pass
        return other

    def corrupt(self, text: str, wer: float) -> str:
        """``text`` with substitutions, deletions and insertions at the rate ``wer``."""
        substitute, delete, insert = (share * wer for share in ERROR_MIX)
        out: list[str] = []
        for word in text.split():
            draw = self.rng.random()
            if draw < substitute:
                out.append(self.substitute(word))
            elif draw >= substitute + delete:
                out.append(word)
            if self.rng.random() < insert:
                out.append(self.rng.choice(self.short))
        return " ".join(out)


def _check_rate(wer: float) -> None:
    if not 0.0 <= wer <= 1.0:
        raise ValueError(f"word error rate {wer} is not between 0 and 1")


def corrupt_text(text: str, wer: float, rng: random.Random, vocabulary: Sequence[str]) -> str:
    """``text`` (lower-case words) as a recogniser with word error rate ``wer`` might return it.

    Substitutes are drawn from ``vocabulary`` (at least two distinct words), preferring words
    similar to the one replaced; ``rng`` makes the result reproducible.
    """
    _check_rate(wer)
    return _Corrupter(vocabulary, rng).corrupt(text, wer)


def corrupt_call(
    call: LabelledCall, wer: float, seed: int, *, vocabulary: Sequence[str] | None = None
) -> LabelledCall:
    """A copy of ``call`` whose turns' text carries recognition errors at the rate ``wer``.

    Labels, speakers and times are unchanged. The vocabulary defaults to the call's own words
    plus :data:`COMMON_WORDS`; the same ``seed`` always gives the same result.
    """
    _check_rate(wer)
    if vocabulary is None:
        vocabulary = [*COMMON_WORDS, *(word for turn in call.turns for word in turn.text.split())]
    corrupter = _Corrupter(vocabulary, random.Random(seed))
    turns = tuple(dataclasses.replace(turn, text=corrupter.corrupt(turn.text, wer)) for turn in call.turns)
    return dataclasses.replace(call, turns=turns)
