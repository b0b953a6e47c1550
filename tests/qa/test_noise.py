"""Simulated recognition errors: the measured word error rate, the error mix, reproducibility."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from qa.corpus.model import LabelledCall, read_jsonl
from qa.corpus.noise import COMMON_WORDS, corrupt_call, corrupt_text
from qa.ml import eval_corpus_path

WORDS = st.text(alphabet="abcdefgh", min_size=1, max_size=6)


@pytest.fixture(scope="module")
def calls() -> list[LabelledCall]:
    """The evaluation corpus: 400 calls, about 90 000 words."""
    return read_jsonl(eval_corpus_path())


def word_edits(
    reference: list[LabelledCall], hypothesis: list[LabelledCall]
) -> tuple[int, int, Counter[str]]:
    """Word-level edit distance, reference word count and the edit kinds, over whole corpora."""
    distance = words = 0
    kinds: Counter[str] = Counter()
    for ref_call, hyp_call in zip(reference, hypothesis, strict=True):
        for ref_turn, hyp_turn in zip(ref_call.turns, hyp_call.turns, strict=True):
            ref, hyp = ref_turn.text.split(), hyp_turn.text.split()
            distance += Levenshtein.distance(ref, hyp)
            words += len(ref)
            kinds.update(op.tag for op in Levenshtein.editops(ref, hyp))
    return distance, words, kinds


@pytest.mark.parametrize("wer", [0.05, 0.15, 0.30])
def test_measured_word_error_rate_is_the_asked_rate(calls: list[LabelledCall], wer: float) -> None:
    noisy = [corrupt_call(call, wer, seed) for seed, call in enumerate(calls)]
    distance, words, _ = word_edits(calls, noisy)
    assert words > 50_000
    assert distance / words == pytest.approx(wer, abs=0.03)


def test_errors_are_mostly_substitutions_like_a_real_recogniser(calls: list[LabelledCall]) -> None:
    noisy = [corrupt_call(call, 0.15, seed) for seed, call in enumerate(calls)]
    _, _, kinds = word_edits(calls, noisy)
    total = sum(kinds.values())
    assert kinds["replace"] / total == pytest.approx(0.60, abs=0.06)
    assert kinds["delete"] / total == pytest.approx(0.25, abs=0.05)
    assert kinds["insert"] / total == pytest.approx(0.15, abs=0.05)


def test_same_seed_same_output_and_labels_times_unchanged(calls: list[LabelledCall]) -> None:
    call = calls[0]
    noisy = corrupt_call(call, 0.3, seed=7)
    assert noisy == corrupt_call(call, 0.3, seed=7)
    assert noisy.turns != corrupt_call(call, 0.3, seed=8).turns
    assert noisy.turns != call.turns
    assert dataclasses.replace(noisy, turns=call.turns) == call
    assert [(t.speaker, t.start, t.end) for t in noisy.turns] == [
        (t.speaker, t.start, t.end) for t in call.turns
    ]
    assert corrupt_call(call, 0.0, seed=7) == call


def test_substitutes_are_sound_alikes_when_the_vocabulary_has_them() -> None:
    vocabulary = ["water", "waiter", "banana", "xylophone", "mattress", "a"]  # "a": the only short word
    rng = random.Random(3)
    outputs = Counter(
        word for _ in range(300) for word in corrupt_text("water", 1.0, rng, vocabulary).split()
    )
    assert set(outputs) == {"water", "waiter", "a"}  # kept, substituted by its sound-alike, inserted
    assert outputs["waiter"] == pytest.approx(300 * 0.60, abs=30)


def test_any_vocabulary_word_substitutes_when_none_is_similar() -> None:
    rng = random.Random(1)
    for _ in range(50):
        text = corrupt_text("zzz", 1.0, rng, ["zzz", "banana"])
        assert set(text.split()) <= {"zzz", "banana"}
    assert "banana" in corrupt_text("zzz " * 40, 0.5, rng, ["zzz", "banana"])


def test_insertions_prefer_short_words() -> None:
    rng = random.Random(5)
    text = corrupt_text("hello " * 2000, 0.5, rng, COMMON_WORDS)
    inserted = [word for word in text.split() if word != "hello" and len(word) <= 3]
    assert len(inserted) > 50


def test_bad_arguments() -> None:
    rng = random.Random(0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        corrupt_text("a b", 1.5, rng, ["a", "b"])
    with pytest.raises(ValueError, match="two distinct words"):
        corrupt_text("a b", 0.1, rng, ["a", "a"])


@given(st.lists(WORDS, min_size=1, max_size=30), st.floats(0.0, 1.0), st.integers(0, 2**32))
def test_output_holds_only_input_and_vocabulary_words(words: list[str], wer: float, seed: int) -> None:
    text = " ".join(words)
    vocabulary = ["ab", "cd", "efg", "hhh"]
    out = corrupt_text(text, wer, random.Random(seed), vocabulary)
    assert set(out.split()) <= set(words) | set(vocabulary)
    assert out == corrupt_text(text, wer, random.Random(seed), vocabulary)
    if wer == 0.0:
        assert out == text
