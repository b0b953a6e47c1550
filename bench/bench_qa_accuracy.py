"""QA scoring accuracy: automatic verdicts against the labels of the held-out evaluation set.

The evaluation set (``qa/data/eval.jsonl``) is written with different phrasings from the training
corpus the phrase lists were developed on. Each call is scored clean and with simulated recognition
errors (substitutions, deletions, insertions) at 15 % and 30 % word error rate, with the fuzzy
matcher and, for comparison, exact whole-word matching. Also the call-reason and sentiment models
(trained on the training corpus) on the same calls. Targets: every criterion >= 95 % clean and
>= 85 % at 30 % WER; call reason >= 90 %. Writes bench/results/qa_accuracy.json and .png.

    python -m bench.bench_qa_accuracy        # about a minute
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from qa.corpus.model import LabelledCall
from qa.corpus.noise import corrupt_call
from qa.evaluation import EVAL_SET, TRAIN_SET, evaluate, load_set
from qa.library import load_library
from qa.matching import Mode
from qa.ml.classifiers import accuracy, train_model
from qa.scorer import Scorer

RESULTS = Path(__file__).parent / "results"
WERS = (0.0, 0.15, 0.30)
CLEAN_TARGET, NOISY_TARGET, REASON_TARGET = 0.95, 0.85, 0.90


def noisy(calls: list[LabelledCall], wer: float) -> list[LabelledCall]:
    return calls if wer == 0 else [corrupt_call(call, wer, seed=index) for index, call in enumerate(calls)]


def criteria_table(calls: list[LabelledCall]) -> dict[str, dict[str, dict[str, float]]]:
    """{mode: {wer: {criterion: accuracy}}}."""
    library = load_library()
    table: dict[str, dict[str, dict[str, float]]] = {}
    for mode in ("fuzzy", "exact"):
        scorer = Scorer(library, mode=mode_of(mode))
        table[mode] = {
            f"{wer:.2f}": {c: row.accuracy for c, row in evaluate(noisy(calls, wer), scorer).items()}
            for wer in WERS
        }
    return table


def mode_of(name: str) -> Mode:
    return "exact" if name == "exact" else "fuzzy"


def models_table(train: list[LabelledCall], calls: list[LabelledCall]) -> dict[str, dict[str, float]]:
    """{model: {wer: accuracy}} plus the cross-validated accuracy on the training corpus."""
    table: dict[str, dict[str, float]] = {}
    for kind in ("reason", "sentiment"):
        model = train_model(kind, train)
        table[kind] = {f"{wer:.2f}": accuracy(model, noisy(calls, wer)) for wer in WERS}
        table[kind]["cv_train"] = model.cv_accuracy
    return table


def print_table(results: dict[str, Any]) -> None:
    fuzzy, exact = results["criteria"]["fuzzy"], results["criteria"]["exact"]
    print(
        f"{'criterion':22} {'clean':>7} {'15% WER':>8} {'30% WER':>8}   {'exact clean':>11} {'exact 30%':>9}"
    )
    for criterion in sorted(fuzzy["0.00"]):
        row = [fuzzy[w][criterion] for w in ("0.00", "0.15", "0.30")]
        miss = " *" if row[0] < CLEAN_TARGET or row[2] < NOISY_TARGET else ""
        print(
            f"{criterion:22} {row[0]:7.1%} {row[1]:8.1%} {row[2]:8.1%}   "
            f"{exact['0.00'][criterion]:11.1%} {exact['0.30'][criterion]:9.1%}{miss}"
        )
    for kind, row in results["models"].items():
        print(
            f"model {kind:16} {row['0.00']:7.1%} {row['0.15']:8.1%} {row['0.30']:8.1%}   (cv on train {row['cv_train']:.1%})"
        )


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fuzzy = results["criteria"]["fuzzy"]
    criteria = sorted(fuzzy["0.00"])
    figure, axis = plt.subplots(figsize=(11, 4.8))
    width = 0.27
    for offset, wer in enumerate(("0.00", "0.15", "0.30")):
        xs = [i + (offset - 1) * width for i in range(len(criteria))]
        axis.bar(xs, [fuzzy[wer][c] * 100 for c in criteria], width, label=f"{float(wer):.0%} WER")
    axis.axhline(CLEAN_TARGET * 100, color="green", linestyle="--", linewidth=1, label="target clean 95 %")
    axis.axhline(NOISY_TARGET * 100, color="red", linestyle=":", linewidth=1, label="target 30 % WER 85 %")
    axis.set_xticks(range(len(criteria)), criteria, rotation=45, ha="right")
    axis.set_ylim(0, 102)
    axis.set_ylabel("verdicts matching the label (%)")
    axis.set_title("QA criteria on the held-out evaluation set (fuzzy matching)")
    axis.legend(loc="lower left", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--eval", type=Path, default=EVAL_SET)
    args = parser.parse_args()
    calls, train = load_set(args.eval), load_set(TRAIN_SET)
    results = {"calls": len(calls), "criteria": criteria_table(calls), "models": models_table(train, calls)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "qa_accuracy.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, RESULTS / "qa_accuracy.png")
    print_table(results)
    print(f"written {RESULTS / 'qa_accuracy.json'} and qa_accuracy.png ({len(calls)} evaluation calls)")


if __name__ == "__main__":
    main()
