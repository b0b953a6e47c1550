"""Call-reason and customer-sentiment classifiers: training, cross-validation, versioned files.

::

    model = ensure_model("reason", models_dir)          # newest saved model, else train and save
    model.predict([("agent", "good morning ..."), ("customer", "there is no water ...")])
    # Prediction(label='water', confidence=0.93)

A model is a scikit-learn pipeline (TF-IDF features, see :mod:`qa.ml.features`, and a logistic
regression) plus metadata: its version ``<kind>-<UTC time>-<digest of the training data>``, its
labels, its stratified k-fold cross-validated accuracy and the scikit-learn version it was made
with. :func:`save_model` writes ``<version>.joblib`` and a ``<version>.json`` sidecar and never
overwrites an existing version.

Security: a ``.joblib`` file is a pickle, and loading a pickle runs whatever code it names. Load
only model files this program wrote, from the models directory it owns (keep that directory
writable by this service alone). :func:`load_model` checks the file against the SHA-256 its
sidecar recorded, which catches a truncated or swapped file, but it is no defence against someone
who can write to the directory.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from qa.corpus.model import LabelledCall, read_jsonl
from qa.ml.features import KINDS, Kind, call_document, document, make_features, target

__all__ = [
    "ModelError",
    "Prediction",
    "TrainedModel",
    "accuracy",
    "default_corpus_path",
    "ensure_model",
    "eval_corpus_path",
    "latest_model",
    "load_model",
    "save_model",
    "train_model",
]

Turns = Sequence[tuple[str, str]]


class ModelError(RuntimeError):
    """A model file that is missing, altered or of the wrong kind."""


@dataclass(frozen=True)
class Prediction:
    """A predicted label and the model's probability for it (0-1)."""

    label: str
    confidence: float


@dataclass(frozen=True)
class TrainedModel:
    """A fitted classifier of one kind with the facts needed to trust and reproduce it."""

    kind: Kind
    version: str
    labels: tuple[str, ...]
    cv_accuracy: float
    cv_std: float
    n_train: int
    sklearn_version: str
    created: str
    pipeline: Pipeline = field(repr=False, compare=False)

    def predict(self, turns: Turns) -> Prediction:
        """The label for one call given as (speaker, text) turns, speaker "agent" or "customer"."""
        return self.predict_many([turns])[0]

    def predict_many(self, calls: Sequence[Turns]) -> list[Prediction]:
        """Labels for many calls at once (one vectorisation for the whole batch)."""
        if not calls:
            return []
        probabilities = self.pipeline.predict_proba([document(turns, self.kind) for turns in calls])
        classes = self.pipeline.classes_
        best = np.argmax(probabilities, axis=1)
        return [
            Prediction(str(classes[i]), float(row[i])) for i, row in zip(best, probabilities, strict=True)
        ]

    def metadata(self) -> dict[str, Any]:
        """The sidecar's content: everything but the pipeline."""
        return {
            "kind": self.kind,
            "version": self.version,
            "labels": list(self.labels),
            "cv_accuracy": self.cv_accuracy,
            "cv_std": self.cv_std,
            "n_train": self.n_train,
            "sklearn_version": self.sklearn_version,
            "created": self.created,
        }


def _pipeline() -> Pipeline:
    """Features and a multinomial logistic regression (which gives class probabilities).

    Classes are weighted by inverse frequency: payment arrangements (every outbound call) would
    otherwise outnumber each fault type several times over and soak up the doubtful calls.
    """
    classifier = LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced")
    return Pipeline([("features", make_features()), ("classifier", classifier)])


def _digest(kind: Kind, documents: Sequence[str], labels: Sequence[str]) -> str:
    """Eight hex digits identifying the training data."""
    sha = hashlib.sha256(kind.encode())
    for text, label in zip(documents, labels, strict=True):
        sha.update(f"\0{label}\0{text}".encode())
    return sha.hexdigest()[:8]


def _folds(labels: Sequence[str], folds: int) -> StratifiedKFold:
    """Stratified shuffled folds; a ValueError if some label is too rare for ``folds`` folds."""
    counts = {label: labels.count(label) for label in set(labels)}
    if folds < 2 or len(counts) < 2 or min(counts.values()) < folds:
        raise ValueError(f"cannot cross-validate {folds} folds over label counts {counts}")
    return StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)


def train_model(kind: Kind, calls: Sequence[LabelledCall], *, folds: int = 5) -> TrainedModel:
    """Fit a ``kind`` ("reason" or "sentiment") classifier on ``calls``, with its k-fold CV accuracy."""
    if kind not in KINDS:
        raise ValueError(f"unknown model kind {kind!r}; choose one of {', '.join(KINDS)}")
    documents = [call_document(call, kind) for call in calls]
    labels = [target(call, kind) for call in calls]
    # One thread: at this size the solver's OpenMP threads only contend (5-50x slower on a busy host).
    with threadpool_limits(limits=1):
        scores = cross_val_score(_pipeline(), documents, labels, cv=_folds(labels, folds), scoring="accuracy")
        pipeline = _pipeline().fit(documents, labels)
    now = datetime.now(UTC)
    return TrainedModel(
        kind=kind,
        version=f"{kind}-{now:%Y%m%dT%H%M%S}-{_digest(kind, documents, labels)}",
        labels=tuple(str(label) for label in pipeline.classes_),
        cv_accuracy=float(np.mean(scores)),
        cv_std=float(np.std(scores)),
        n_train=len(calls),
        sklearn_version=sklearn.__version__,
        created=now.isoformat(),
        pipeline=pipeline,
    )


def accuracy(model: TrainedModel, calls: Sequence[LabelledCall]) -> float:
    """The share of ``calls`` whose label ``model`` predicts correctly."""
    predictions = model.predict_many([call.speaker_turns() for call in calls])
    hits = sum(p.label == target(call, model.kind) for p, call in zip(predictions, calls, strict=True))
    return hits / len(calls) if calls else 0.0


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_model(model: TrainedModel, directory: Path | str) -> Path:
    """Write ``<version>.joblib`` and its ``<version>.json`` sidecar; return the joblib path.

    Raises FileExistsError if that version was saved already: versions are never overwritten.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{model.version}.joblib"
    sidecar = path.with_suffix(".json")
    if sidecar.exists():
        raise FileExistsError(f"model version {model.version} already exists in {directory}")
    with path.open("xb") as out:
        joblib.dump(model.pipeline, out)
    metadata = {**model.metadata(), "file": path.name, "sha256": _sha256(path)}
    with sidecar.open("x", encoding="utf-8") as out:
        json.dump(metadata, out, indent=2)
    return path


def load_model(path: Path | str) -> TrainedModel:
    """Load a model saved by :func:`save_model` (its .joblib or .json path).

    Only load files this program wrote (see the module's security note). Raises
    :class:`ModelError` if the sidecar is missing or the file's checksum does not match it.
    """
    joblib_path = Path(path).with_suffix(".joblib")
    sidecar = joblib_path.with_suffix(".json")
    try:
        metadata = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{sidecar}: cannot read the model's sidecar: {exc}") from exc
    if not joblib_path.exists() or _sha256(joblib_path) != metadata.get("sha256"):
        raise ModelError(f"{joblib_path} is missing or does not match the checksum in {sidecar.name}")
    if metadata["sklearn_version"] != sklearn.__version__:
        warnings.warn(
            f"{joblib_path.name} was made with scikit-learn {metadata['sklearn_version']}, "
            f"this is {sklearn.__version__}; retrain if its predictions look wrong",
            stacklevel=2,
        )
    pipeline = joblib.load(joblib_path)
    if not isinstance(pipeline, Pipeline):
        raise ModelError(f"{joblib_path} does not hold a scikit-learn pipeline")
    fields = ("kind", "version", "cv_accuracy", "cv_std", "n_train", "sklearn_version", "created")
    return TrainedModel(
        **{name: metadata[name] for name in fields}, labels=tuple(metadata["labels"]), pipeline=pipeline
    )


def latest_model(directory: Path | str, kind: Kind) -> TrainedModel | None:
    """The most recently trained ``kind`` model saved in ``directory``, or None if there is none."""
    sidecars = []
    for sidecar in Path(directory).glob(f"{kind}-*.json"):
        metadata = json.loads(sidecar.read_text(encoding="utf-8"))
        if metadata.get("kind") == kind:
            sidecars.append((str(metadata["created"]), str(metadata["version"]), sidecar))
    return load_model(max(sidecars)[2]) if sidecars else None


def default_corpus_path() -> Path:
    """The training corpus shipped with the package (qa/data/train.jsonl)."""
    return Path(str(resources.files("qa").joinpath("data", "train.jsonl")))


def eval_corpus_path() -> Path:
    """The evaluation corpus shipped with the package (qa/data/eval.jsonl), worded differently."""
    return Path(str(resources.files("qa").joinpath("data", "eval.jsonl")))


def ensure_model(kind: Kind, directory: Path | str, corpus_path: Path | str | None = None) -> TrainedModel:
    """The newest saved ``kind`` model; if there is none, train one on the corpus and save it."""
    model = latest_model(directory, kind)
    if model is None:
        model = train_model(kind, read_jsonl(corpus_path or default_corpus_path()))
        save_model(model, directory)
    return model
