"""Learned per-criterion detectors (qa.learned): train on part of the corpus, beat chance on the rest."""

from __future__ import annotations

from collections import Counter

import pytest

from qa.corpus.model import CRITERIA, LabelledCall
from qa.evaluation import TRAIN_SET, load_set
from qa.learned import LearnedDetectors, call_views, train_detectors


@pytest.fixture(scope="module")
def split() -> tuple[list[LabelledCall], list[LabelledCall]]:
    calls = load_set(TRAIN_SET)
    return calls[:300], calls[300:420]


@pytest.fixture(scope="module")
def detectors(split: tuple[list[LabelledCall], list[LabelledCall]]) -> LearnedDetectors:
    return train_detectors(split[0], wers=(0.3,))


def _accuracy_and_majority(
    detectors: LearnedDetectors, calls: list[LabelledCall], criterion: str
) -> tuple[float, float]:
    labelled = [call for call in calls if criterion in call.labels]
    predictions = detectors.predict_many(labelled)
    right = sum(
        p[criterion][0] == call.labels[criterion] for p, call in zip(predictions, labelled, strict=True)
    )
    majority = Counter(call.labels[criterion] for call in labelled).most_common(1)[0][1]
    return right / len(labelled), majority / len(labelled)


@pytest.mark.parametrize("criterion", ["greeting", "reference_given", "turnaround"])
def test_beats_the_majority_label_on_held_out_calls(
    detectors: LearnedDetectors, split: tuple[list[LabelledCall], list[LabelledCall]], criterion: str
) -> None:
    accuracy, majority = _accuracy_and_majority(detectors, split[1], criterion)
    assert accuracy > majority
    assert accuracy >= 0.8


def test_predictions_cover_the_direction_with_a_confidence(
    detectors: LearnedDetectors, split: tuple[list[LabelledCall], list[LabelledCall]]
) -> None:
    for call in split[1][:20]:
        predicted = detectors.predict(call)
        assert set(predicted) <= set(CRITERIA[call.direction])
        assert "greeting" in predicted
        for label, confidence in predicted.values():
            assert label in ("pass", "fail", "na")
            assert 0.0 <= confidence <= 1.0


def test_evidence_is_an_agent_turn_for_a_pass(
    detectors: LearnedDetectors, split: tuple[list[LabelledCall], list[LabelledCall]]
) -> None:
    call = next(c for c in split[1] if detectors.predict(c)["greeting"][0] == "pass")
    turn = detectors.evidence(call, "greeting")
    assert turn is not None and turn.speaker == "agent" and turn in call.turns


def test_views_hide_the_agent_name_and_keep_parties_apart(
    split: tuple[list[LabelledCall], list[LabelledCall]],
) -> None:
    call = next(
        c for c in split[0] if any(c.agent in t.text.split() for t in c.turns if t.speaker == "agent")
    )
    views = call_views(call)
    assert "agentname" in views["agent"].split()
    assert call.agent not in views["agent"].split()
    assert views["meta"].startswith(f"dir_{call.direction} type_{call.call_type}")


def test_predict_many_of_nothing_is_nothing(detectors: LearnedDetectors) -> None:
    assert detectors.predict_many([]) == []
