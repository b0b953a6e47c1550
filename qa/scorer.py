"""Score calls: pick the call type and the scorecard, judge every criterion, add the model predictions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from qa.call_type import CLASSIFIER, DEFAULT, REASON_TYPES, RECORD, call_type_from_record
from qa.library import Library
from qa.matching import Mode
from qa.scoring import MIN_WORDS, score_call, unscorable
from qa.transcript import CallInput
from qa.verdict import HUMAN_REVIEW, Prediction, ScoreResult

if TYPE_CHECKING:
    from qa.learned_scoring import LearnedVerdicts


class TextModel(Protocol):
    """A trained text classifier (see :mod:`qa.ml.classifiers`)."""

    @property
    def version(self) -> str:
        """The model's version, stored with each prediction."""

    def predict_many(self, calls: Sequence[Sequence[tuple[str, str]]]) -> Sequence[Any]:
        """For each call's (speaker, text) turns, an object with ``label`` and ``confidence``."""


class Scorer:
    """Scores calls with a library of scorecards and, when trained, the reason and sentiment models."""

    def __init__(
        self,
        library: Library,
        *,
        reason_model: TextModel | None = None,
        sentiment_model: TextModel | None = None,
        queue_types: Mapping[str, str] | None = None,
        mode: Mode = "fuzzy",
        min_words: int = MIN_WORDS,
        learned: LearnedVerdicts | None = None,
    ) -> None:
        self.library = library
        self.reason_model = reason_model
        self.sentiment_model = sentiment_model
        self.queue_types = dict(queue_types or {})
        self.mode = mode
        self.min_words = min_words
        self.learned = learned

    def score(self, call: CallInput, scorecard_name: str | None = None) -> ScoreResult:
        """Score ``call`` (with the named scorecard, or the one its call type picks)."""
        return self.score_many([call], scorecard_name)[0]

    def score_many(self, calls: Sequence[CallInput], scorecard_name: str | None = None) -> list[ScoreResult]:
        """Score several calls; the models read them in one batch (much faster than one by one)."""
        blocked = [unscorable(call, self.min_words) for call in calls]
        usable = [call for call, why in zip(calls, blocked, strict=True) if why is None]
        reasons = dict(
            zip((c.call_id for c in usable), _predict_many(self.reason_model, usable), strict=True)
        )
        moods = dict(
            zip((c.call_id for c in usable), _predict_many(self.sentiment_model, usable), strict=True)
        )
        results = []
        for call, why in zip(calls, blocked, strict=True):
            if why is not None and why[0] == HUMAN_REVIEW:
                results.append(ScoreResult(call.call_id, "", HUMAN_REVIEW, why[1], call_type=call.call_type))
                continue
            result = self._judge(call, reasons.get(call.call_id), scorecard_name)
            result.sentiment = moods.get(call.call_id)
            results.append(result)
        if self.learned is not None:
            self.learned.apply(calls, results, self.library)
        return results

    def _judge(self, call: CallInput, reason: Prediction | None, scorecard_name: str | None) -> ScoreResult:
        call_type, source = self._call_type(call, reason)
        scorecard = (
            self.library.get(scorecard_name)
            if scorecard_name
            else self.library.for_call(call.direction, call_type)
        )
        if scorecard is None:
            result = ScoreResult(call.call_id, "", HUMAN_REVIEW, call_type=call_type)
            result.reason = f"no scorecard for {call.direction} calls of type {call_type or 'unknown'}"
        else:
            result = score_call(
                call, scorecard, call_type=call_type, mode=self.mode, min_words=self.min_words
            )
        result.call_type, result.call_type_source = call_type, source
        result.reason_prediction = reason
        return result

    def _call_type(self, call: CallInput, reason: Prediction | None) -> tuple[str | None, str | None]:
        from_record = call_type_from_record(call, self.queue_types)
        if from_record is not None:
            return from_record, RECORD
        if reason is not None:
            return REASON_TYPES.get(reason.label, "general"), CLASSIFIER
        if call.direction == "inbound":
            return "general", DEFAULT  # no record, no model: the general inbound standards still apply
        return None, None


def _predict_many(model: TextModel | None, calls: Sequence[CallInput]) -> list[Prediction | None]:
    if model is None or not calls:
        return [None] * len(calls)
    batch = [[(turn.speaker, turn.text) for turn in call.turns] for call in calls]
    return [Prediction(str(p.label), float(p.confidence), model.version) for p in model.predict_many(batch)]
