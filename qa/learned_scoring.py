"""Learned verdicts in the scorer: for chosen criteria, a trained model has the last word.

Measured on the held-out evaluation set (``bench/bench_qa_learned.py``), a per-criterion classifier
trained on the corpus with simulated recognition errors, reading the phrase matcher's verdict as one
more feature (the *hybrid*), beats the phrase lists alone on most criteria, most of all on noisy text.
For the criteria named in the setting ``qa.learned_criteria`` the model's verdict replaces the
phrase verdict; the reason says both, and the evidence stays the phrase evidence when the two agree,
else the agent turn that pushed the model hardest. Criteria the model was not trained on (a
municipality's own scorecards) keep their phrase verdicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qa.learned import LearnedDetectors, views
from qa.library import Library
from qa.matching import first_name
from qa.scoring import total
from qa.transcript import AGENT, CallInput
from qa.verdict import SCORED, ScoreResult, Verdict


class LearnedVerdicts:
    """Applies a trained :class:`~qa.learned.LearnedDetectors` to scored calls."""

    def __init__(self, detectors: LearnedDetectors, criteria: Sequence[str], version: str) -> None:
        self.detectors = detectors
        self.criteria = frozenset(criteria)
        self.version = version

    def apply(self, calls: Sequence[CallInput], results: Sequence[ScoreResult], library: Library) -> None:
        """Replace the chosen criteria's verdicts of the scored calls with the model's, and re-total."""
        pairs = [
            (call, result) for call, result in zip(calls, results, strict=True) if result.status == SCORED
        ]
        if not pairs:
            return
        call_views = [self._views(call, result) for call, result in pairs]
        phrase = [{v.criterion_id: v.verdict for v in result.verdicts} for _, result in pairs]
        predicted = self.detectors.predict_views(
            call_views, [call.direction for call, _ in pairs], phrase if self.detectors.hybrid else None
        )
        for (call, result), labels in zip(pairs, predicted, strict=True):
            scorecard = library.scorecards.get(result.scorecard)
            if scorecard is None:
                continue
            for index, verdict in enumerate(result.verdicts):
                criterion = scorecard.criterion(verdict.criterion_id)
                applies = criterion.applies.reason_not(result.call_type, call.direction, call.queue) is None
                if verdict.criterion_id in self.criteria and verdict.criterion_id in labels and applies:
                    label, confidence = labels[verdict.criterion_id]
                    result.verdicts[index] = self._verdict(call, verdict, label, confidence)
            total(result, scorecard)

    def _views(self, call: CallInput, result: ScoreResult) -> dict[str, str]:
        turns = [(turn.speaker, turn.text, turn.start, turn.end) for turn in call.turns]
        return views(
            turns,
            first_name(call.agent),
            call.direction,
            result.call_type,
            bool(call.holds),
            bool(call.reference),
        )

    def _verdict(self, call: CallInput, phrase: Verdict, label: str, confidence: float) -> Verdict:
        if label == phrase.verdict:
            reason = f"{phrase.reason} (model agrees, {confidence:.0%} sure)"
            return Verdict(phrase.criterion_id, label, reason, phrase.evidence)
        reason = (
            f"model {self.version} says {label} ({confidence:.0%} sure); the phrases alone: {phrase.reason}"
        )
        turns = [turn for turn in call.turns if turn.speaker == AGENT]
        index = self.detectors.pushing_turn([turn.text for turn in turns], phrase.criterion_id, label)
        evidence: list[dict[str, Any]] = []
        if index is not None:
            turn = turns[index]
            evidence.append(
                {
                    "speaker": AGENT,
                    "start": turn.start,
                    "end": turn.end,
                    "text": turn.text,
                    "model": self.version,
                }
            )
        return Verdict(phrase.criterion_id, label, reason, tuple(evidence))
