"""The models the scorer uses: the newest trained version of each, trained from the shipped corpus if none.

Model files are pickles (joblib): only files this program wrote into the
configured models folder are ever loaded.
"""

from __future__ import annotations

import logging
from pathlib import Path

from qa.corpus.model import read_jsonl
from qa.ml.classifiers import (
    TrainedModel,
    default_corpus_path,
    ensure_model,
    latest_model,
    save_model,
    train_model,
)

log = logging.getLogger(__name__)
MODEL_KINDS = ("reason", "sentiment")


def ensure_models(folder: Path) -> tuple[TrainedModel, TrainedModel]:
    """The newest reason and sentiment models in ``folder``, training the missing ones first."""
    reason = ensure_model("reason", folder, default_corpus_path())
    sentiment = ensure_model("sentiment", folder, default_corpus_path())
    return reason, sentiment


def load_models(folder: Path) -> tuple[TrainedModel | None, TrainedModel | None]:
    """The newest models in ``folder``, or ``None`` for a kind never trained."""
    return latest_model(folder, "reason"), latest_model(folder, "sentiment")


def train_and_save(kind: str, folder: Path, corpus: Path | None = None) -> tuple[TrainedModel, Path]:
    """Train a new version of ``kind`` on ``corpus`` (the shipped corpus by default) and keep it."""
    calls = read_jsonl(corpus or default_corpus_path())
    model = train_model("reason" if kind == "reason" else "sentiment", calls)
    return model, save_model(model, folder)
