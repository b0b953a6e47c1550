"""Phrase matching against learned per-criterion detectors, on the held-out evaluation set.

For each criterion: the accuracy of the phrase matcher (the scorer as it is, fuzzy), of the learned
detectors (:mod:`qa.learned`, trained on the training corpus plus copies corrupted at 15 % and 30 %
WER) and of the hybrid (learned features plus the phrase verdict), on the evaluation calls clean and
corrupted at 15 % and 30 % WER (the same corruption as ``bench_qa_accuracy``). Also the scoring speed
of each on the evaluation calls and the training time. Writes bench/results/qa_learned.json.

    python -m bench.bench_qa_learned        # about two minutes
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from qa.corpus.model import LabelledCall
from qa.evaluation import EVAL_SET, TRAIN_SET, as_call_input, load_set
from qa.learned import LearnedDetectors, phrase_verdicts, train_detectors
from qa.library import load_library
from qa.scorer import Scorer

RESULTS = Path(__file__).parent / "results"
WERS = ("0.00", "0.15", "0.30")
METHODS = ("phrase", "learned", "hybrid")
CLEAN_TARGET, NOISY_TARGET = 0.95, 0.85
Predict = Callable[[Sequence[LabelledCall]], list[dict[str, str]]]


def noisy(calls: list[LabelledCall], wer: float) -> list[LabelledCall]:
    """The evaluation calls as ``bench_qa_accuracy`` corrupts them (seed = the call's index)."""
    from qa.corpus.noise import corrupt_call

    return calls if wer == 0 else [corrupt_call(call, wer, seed=index) for index, call in enumerate(calls)]


def accuracies(calls: Sequence[LabelledCall], predicted: Sequence[dict[str, str]]) -> dict[str, float]:
    """Per criterion, the share of ``calls`` whose label was predicted ("na" when nothing was)."""
    hits: dict[str, list[int]] = {}
    for call, verdicts in zip(calls, predicted, strict=True):
        for criterion, label in call.labels.items():
            row = hits.setdefault(criterion, [0, 0])
            row[0] += verdicts.get(criterion, "na") == label
            row[1] += 1
    return {criterion: right / total for criterion, (right, total) in sorted(hits.items())}


def learned_predict(detectors: LearnedDetectors) -> Predict:
    def predict(calls: Sequence[LabelledCall]) -> list[dict[str, str]]:
        return [{k: label for k, (label, _) in p.items()} for p in detectors.predict_many(calls)]

    return predict


def speed(
    predict: Callable[[Sequence[LabelledCall]], object], calls: Sequence[LabelledCall], repeats: int = 3
) -> float:
    """Calls scored per second (best of ``repeats`` batches of all ``calls``)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        predict(calls)
        best = min(best, time.perf_counter() - start)
    return len(calls) / best


def run(train: list[LabelledCall], calls: list[LabelledCall]) -> dict[str, Any]:
    """The comparison: accuracy per method, WER and criterion, speeds and training times."""
    scorer = Scorer(load_library())
    predictors: dict[str, Predict] = {"phrase": lambda batch: phrase_verdicts(batch, scorer)}
    training: dict[str, float] = {}
    for method in ("learned", "hybrid"):
        start = time.perf_counter()
        detectors = train_detectors(train, hybrid=method == "hybrid", scorer=scorer)
        training[method] = time.perf_counter() - start
        predictors[method] = learned_predict(detectors)
    table: dict[str, dict[str, dict[str, float]]] = {method: {} for method in METHODS}
    for wer in WERS:
        batch = noisy(calls, float(wer))
        for method, predict in predictors.items():
            table[method][wer] = accuracies(batch, predict(batch))
    inputs_per_s = speed(lambda batch: [as_call_input(call) for call in batch], calls)
    return {
        "calls": len(calls),
        "train_calls": len(train),
        "accuracy": table,
        "calls_per_s": {method: speed(predict, calls) for method, predict in predictors.items()},
        "parse_calls_per_s": inputs_per_s,
        "train_seconds": training,
    }


def winner(row: dict[str, list[float]]) -> str:
    """The method with the best mean accuracy over the three WERs (ties: the simpler method)."""
    return max(METHODS, key=lambda method: (round(sum(row[method]) / 3, 4), -METHODS.index(method)))


def print_table(results: dict[str, Any]) -> None:
    table = results["accuracy"]
    head = "  ".join(f"{m + ' ' + w[2:] + '%':>11}" for m in METHODS for w in WERS)
    print(f"{'criterion':20} {head}  best")
    for criterion in sorted(table["phrase"]["0.00"]):
        row = {m: [table[m][w][criterion] for w in WERS] for m in METHODS}
        cells = "  ".join(f"{value:11.1%}" for m in METHODS for value in row[m])
        print(f"{criterion:20} {cells}  {winner(row)}")
    means = "  ".join(f"{sum(table[m][w].values()) / len(table[m][w]):11.1%}" for m in METHODS for w in WERS)
    print(f"{'mean':20} {means}")
    speeds = ", ".join(f"{m} {v:.0f}" for m, v in results["calls_per_s"].items())
    print(f"calls/s on the evaluation calls: {speeds} (parsing alone {results['parse_calls_per_s']:.0f})")
    print(", ".join(f"{m} trained in {s:.0f} s" for m, s in results["train_seconds"].items()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--eval", type=Path, default=EVAL_SET)
    args = parser.parse_args()
    results = run(load_set(TRAIN_SET), load_set(args.eval))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "qa_learned.json").write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    print(f"written {RESULTS / 'qa_learned.json'} ({results['calls']} evaluation calls)")


if __name__ == "__main__":
    main()
