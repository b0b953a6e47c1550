"""How often the automatic verdicts match the labels of a labelled corpus, per criterion.

Used by ``bench/bench_qa_accuracy.py`` (the README's accuracy table, at 0, 15
and 30 % simulated word error rate) and by the accuracy tests. The labelled
evaluation set (``qa/data/eval.jsonl``) is written with different phrasings
from the training corpus and is never used to tune phrases or thresholds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qa.corpus.model import LabelledCall, read_jsonl
from qa.matching import Mode
from qa.scorer import Scorer
from qa.transcript import CallInput, parse_transcript

DATA = Path(__file__).with_name("data")
EVAL_SET, TRAIN_SET = DATA / "eval.jsonl", DATA / "train.jsonl"


@dataclass
class CriterionAccuracy:
    """Agreement of the automatic verdicts with the labels on one criterion."""

    criterion_id: str
    correct: int = 0
    total: int = 0
    #: (label, verdict) -> count, for the errors only.
    errors: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def as_call_input(call: LabelledCall) -> CallInput:
    """A labelled call as the scorer sees it (the call type as the call record would give it)."""
    return parse_transcript(call.to_dict(), call.id, call.id)


def evaluate(calls: Sequence[LabelledCall], scorer: Scorer) -> dict[str, CriterionAccuracy]:
    """Per-criterion accuracy of ``scorer`` against the labels of ``calls``."""
    results: dict[str, CriterionAccuracy] = {}
    for call in calls:
        score = scorer.score(as_call_input(call))
        verdicts = {verdict.criterion_id: verdict.verdict for verdict in score.verdicts}
        for criterion_id, label in call.labels.items():
            row = results.setdefault(criterion_id, CriterionAccuracy(criterion_id))
            got = verdicts.get(criterion_id, "na")  # not on this call type's scorecard
            row.total += 1
            if got == label:
                row.correct += 1
            else:
                row.errors[(label, got)] = row.errors.get((label, got), 0) + 1
    return dict(sorted(results.items()))


def mistakes(
    calls: Sequence[LabelledCall], scorer: Scorer, criterion_id: str
) -> list[tuple[str, str, str, str]]:
    """(call id, label, verdict, reason) for each call where ``criterion_id`` came out wrong."""
    found: list[tuple[str, str, str, str]] = []
    for call in calls:
        label = call.labels.get(criterion_id)
        if label is None:
            continue
        verdict = scorer.score(as_call_input(call)).verdict(criterion_id)
        if verdict.verdict != label:
            found.append((call.id, label, verdict.verdict, verdict.reason))
    return found


def load_set(path: Path = EVAL_SET) -> list[LabelledCall]:
    return read_jsonl(path)


def by_mode(calls: Sequence[LabelledCall], scorers: dict[Mode, Scorer]) -> dict[str, dict[str, float]]:
    """Accuracy per criterion for each matching mode: ``{mode: {criterion: accuracy}}``."""
    table: dict[str, dict[str, float]] = defaultdict(dict)
    for mode, scorer in scorers.items():
        for criterion_id, row in evaluate(calls, scorer).items():
            table[mode][criterion_id] = row.accuracy
    return dict(table)
