"""QA scoring speed: calls scored per second on 5-minute transcripts, single process.

Transcripts are built from the labelled corpus (a call's opening and closing around the middle
turns of other calls, until it lasts five minutes: about 700 words in 70 turns), imported into a
database like any transcript, then in the same run:

* load: reading the transcripts and call facts back from the database (the baseline);
* score: judging every criterion (phrases, and the learned detectors where configured) and running
  the call-reason and sentiment models on loaded calls, as shipped;
* load + score: what ``callcentre score`` does per call.

Target: >= 200 calls/s scored. Writes bench/results/qa_speed.json and .png.

    python -m bench.bench_qa [--calls 1000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from callcentre.db import make_engine
from callcentre.schema import upgrade
from callcentre.settings import QaSettings
from qa.corpus.model import LabelledCall, Turn
from qa.evaluation import TRAIN_SET, as_call_input, load_set
from qa.learned import train_detectors
from qa.learned_scoring import LearnedVerdicts
from qa.library import load_library
from qa.ml.classifiers import train_model
from qa.scorer import Scorer
from qa.store import import_transcript, load_call_inputs

RESULTS = Path(__file__).parent / "results"
TARGET = 200.0
#: Calls scored together, as ``callcentre score`` does: the models read a batch at once.
BATCH = 200
MINUTES = 5.0


def five_minutes(
    base: LabelledCall, others: list[LabelledCall], rng: random.Random, index: int
) -> LabelledCall:
    """``base`` stretched to five minutes with the middle turns of other calls (times shifted)."""
    opening, closing = list(base.turns[:3]), list(base.turns[-3:])
    turns, clock = list(opening), opening[-1].end
    while clock < MINUTES * 60 - 30:
        donor = rng.choice(others).turns[3:-3]
        for turn in donor:
            length = turn.end - turn.start
            turns.append(dataclasses.replace(turn, start=clock + 0.6, end=clock + 0.6 + length))
            clock += 0.6 + length
    for turn in closing:
        length = turn.end - turn.start
        turns.append(dataclasses.replace(turn, start=clock + 0.6, end=clock + 0.6 + length))
        clock += 0.6 + length
    return dataclasses.replace(base, id=f"bench-{index:06d}", turns=tuple(Turn(*_fields(t)) for t in turns))


def _fields(turn: Turn) -> tuple[Any, ...]:
    return (turn.speaker, turn.text, turn.start, turn.end)


def populate(engine: Engine, calls: list[LabelledCall]) -> None:
    with engine.begin() as connection:
        for call in calls:
            import_transcript(connection, as_call_input(call), "bench")


def timed_load(engine: Engine, ids: list[str], batch: int = 200) -> tuple[float, list[Any]]:
    started, loaded = time.perf_counter(), []
    with engine.connect() as connection:
        for first in range(0, len(ids), batch):
            loaded += list(load_call_inputs(connection, ids[first : first + batch]).values())
    return time.perf_counter() - started, loaded


def shipped_scorer(corpus: list[LabelledCall]) -> Scorer:
    """The scorer as ``callcentre`` builds it: phrases, the learned detectors, reason and sentiment."""
    library = load_library()
    detectors = train_detectors(corpus, hybrid=True, scorer=Scorer(library))
    return Scorer(
        library,
        reason_model=train_model("reason", corpus),
        sentiment_model=train_model("sentiment", corpus),
        learned=LearnedVerdicts(detectors, QaSettings().learned_criteria_list(), "bench"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--database-url", help="Default: a SQLite file in a temporary folder.")
    args = parser.parse_args()
    corpus = load_set(TRAIN_SET)
    rng = random.Random(7)
    calls = [five_minutes(rng.choice(corpus), corpus, rng, i) for i in range(args.calls)]
    words = sum(len(t.text.split()) for c in calls for t in c.turns) / len(calls)
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(args.database_url or f"sqlite:///{folder}/bench.db")
        upgrade(engine)
        populate(engine, calls)
        scorer = shipped_scorer(corpus)
        ids = [call.id for call in calls]
        load_seconds, loaded = timed_load(engine, ids)
        started = time.perf_counter()
        for first in range(0, len(loaded), BATCH):
            scorer.score_many(loaded[first : first + BATCH])
        score_seconds = time.perf_counter() - started
        engine.dispose()
    results: dict[str, Any] = {
        "calls": len(calls),
        "words_per_call": round(words),
        "turns_per_call": round(sum(len(c.turns) for c in calls) / len(calls)),
        "load_calls_per_s": len(calls) / load_seconds,
        "score_calls_per_s": len(calls) / score_seconds,
        "load_and_score_calls_per_s": len(calls) / (load_seconds + score_seconds),
        "score_time_vs_load_time": score_seconds / load_seconds,
        "database": "sqlite" if not args.database_url else args.database_url.split(":")[0],
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "qa_speed.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, RESULTS / "qa_speed.png")
    print(json.dumps(results, indent=2))
    verdict = "met" if results["score_calls_per_s"] >= TARGET else "NOT met"
    print(f"target {TARGET:.0f} calls/s scored: {verdict}")


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = ["load only\n(baseline)", "score only", "load + score"]
    values = [results[k] for k in ("load_calls_per_s", "score_calls_per_s", "load_and_score_calls_per_s")]
    figure, axis = plt.subplots(figsize=(6, 3.6))
    axis.bar(labels, values, color=["#888", "#2a7", "#27a"])
    axis.axhline(TARGET, color="red", linestyle="--", linewidth=1, label=f"target {TARGET:.0f}/s")
    axis.set_ylabel("5-minute calls per second")
    axis.set_title(f"QA scoring, one process ({results['words_per_call']} words/call)")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
