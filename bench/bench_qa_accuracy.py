"""QA scoring accuracy: automatic verdicts against the labels of the held-out evaluation set.

The evaluation set (``qa/data/eval.jsonl``) is written with different phrasings from the training
corpus the phrase lists were developed on. Each call is scored clean and with simulated recognition
errors (substitutions, deletions, insertions) at 15 % and 30 % word error rate: as shipped (the
learned detectors for the criteria in ``qa.learned_criteria``, phrases for the rest) and, for
comparison, phrases alone (fuzzy matching) and exact whole-word matching. Also the call-reason and
sentiment models (trained on the training corpus) on the same calls. Targets: every criterion
>= 95 % clean and >= 85 % at 30 % WER; call reason >= 90 %. Writes bench/results/qa_accuracy.json and .png.

    python -m bench.bench_qa_accuracy        # about three minutes
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from callcentre.settings import QaSettings
from qa.corpus.model import LabelledCall
from qa.corpus.noise import corrupt_call
from qa.evaluation import EVAL_SET, TRAIN_SET, evaluate, load_set
from qa.learned import train_detectors
from qa.learned_scoring import LearnedVerdicts
from qa.library import load_library
from qa.ml.classifiers import accuracy, train_model
from qa.scorer import Scorer

RESULTS = Path(__file__).parent / "results"
WERS = (0.0, 0.15, 0.30)
CLEAN_TARGET, NOISY_TARGET, REASON_TARGET = 0.95, 0.85, 0.90


def noisy(calls: list[LabelledCall], wer: float) -> list[LabelledCall]:
    return calls if wer == 0 else [corrupt_call(call, wer, seed=index) for index, call in enumerate(calls)]


def criteria_table(
    calls: list[LabelledCall], train: list[LabelledCall]
) -> dict[str, dict[str, dict[str, float]]]:
    """{configuration: {wer: {criterion: accuracy}}}: as shipped, phrases only (fuzzy), exact words."""
    library = load_library()
    phrases = Scorer(library)
    detectors = train_detectors(train, hybrid=True, scorer=phrases)
    learned = LearnedVerdicts(detectors, QaSettings().learned_criteria_list(), "bench")
    scorers = {
        "shipped": Scorer(library, learned=learned),
        "fuzzy": phrases,
        "exact": Scorer(library, mode="exact"),
    }
    return {
        name: {f"{wer:.2f}": _accuracy(calls, wer, scorer) for wer in WERS}
        for name, scorer in scorers.items()
    }


def _accuracy(calls: list[LabelledCall], wer: float, scorer: Scorer) -> dict[str, float]:
    return {criterion: row.accuracy for criterion, row in evaluate(noisy(calls, wer), scorer).items()}


def models_table(train: list[LabelledCall], calls: list[LabelledCall]) -> dict[str, dict[str, float]]:
    """{model: {wer: accuracy}} plus the cross-validated accuracy on the training corpus."""
    table: dict[str, dict[str, float]] = {}
    for kind in ("reason", "sentiment"):
        model = train_model(kind, train)
        table[kind] = {f"{wer:.2f}": accuracy(model, noisy(calls, wer)) for wer in WERS}
        table[kind]["cv_train"] = model.cv_accuracy
    return table


def print_table(results: dict[str, Any]) -> None:
    table = results["criteria"]
    shipped, fuzzy, exact = table["shipped"], table["fuzzy"], table["exact"]
    head = f"{'criterion':22} {'clean':>7} {'15% WER':>8} {'30% WER':>8}"
    print(f"{head}   phrases only 0/30 %   exact words 0/30 %")
    for criterion in sorted(shipped["0.00"]):
        row = [shipped[w][criterion] for w in ("0.00", "0.15", "0.30")]
        miss = " *" if row[0] < CLEAN_TARGET or row[2] < NOISY_TARGET else ""
        print(
            f"{criterion:22} {row[0]:7.1%} {row[1]:8.1%} {row[2]:8.1%}   "
            f"{fuzzy['0.00'][criterion]:7.1%} {fuzzy['0.30'][criterion]:7.1%}     "
            f"{exact['0.00'][criterion]:7.1%} {exact['0.30'][criterion]:7.1%}{miss}"
        )
    for kind, row in results["models"].items():
        figures = f"{row['0.00']:7.1%} {row['0.15']:8.1%} {row['0.30']:8.1%}"
        print(f"model {kind:16} {figures}   (cross-validated on train {row['cv_train']:.1%})")


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fuzzy = results["criteria"]["shipped"]
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
    axis.set_title("QA criteria on the held-out evaluation set (as shipped)")
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
    results = {
        "calls": len(calls),
        "criteria": criteria_table(calls, train),
        "models": models_table(train, calls),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "qa_accuracy.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, RESULTS / "qa_accuracy.png")
    print_table(results)
    print(f"written {RESULTS / 'qa_accuracy.json'} and qa_accuracy.png ({len(calls)} evaluation calls)")


if __name__ == "__main__":
    main()
