"""The learned per-criterion detectors on disk: versioned, checksummed, trained once from the corpus.

Like the reason and sentiment models (:mod:`qa.ml.classifiers`), a file is a pickle (joblib) with
a JSON sidecar holding its SHA-256; only files this program wrote into its models folder are loaded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import warnings
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import joblib
import sklearn

from qa.corpus.model import read_jsonl
from qa.learned import LearnedDetectors, train_detectors
from qa.ml.classifiers import ModelError, default_corpus_path
from qa.scorer import Scorer

log = logging.getLogger(__name__)
PREFIX = "detectors-"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_detectors(detectors: LearnedDetectors, folder: Path, corpus: Path) -> str:
    """Write a new version (never overwriting); return its version name."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    version = f"{PREFIX}{stamp}-{_sha256(corpus)[:8]}"
    path = folder / f"{version}.joblib"
    with path.open("xb") as out:
        joblib.dump(replace(detectors, scorer=None), out)
    sidecar = {
        "version": version,
        "file": path.name,
        "sha256": _sha256(path),
        "sklearn_version": sklearn.__version__,
        "hybrid": detectors.hybrid,
        "criteria": sorted(detectors.models),
        "corpus": corpus.name,
        "created": stamp,
    }
    path.with_suffix(".json").write_text(json.dumps(sidecar, indent=2), encoding="utf-8")
    return version


def load_detectors(path: Path) -> tuple[LearnedDetectors, str]:
    """A saved version and its name; :class:`ModelError` if the file does not match its checksum."""
    try:
        sidecar = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: cannot read the sidecar: {exc}") from exc
    if not path.exists() or _sha256(path) != sidecar.get("sha256"):
        raise ModelError(f"{path} is missing or does not match the checksum in its sidecar")
    if sidecar.get("sklearn_version") != sklearn.__version__:
        warnings.warn(
            f"{path.name} was made with another scikit-learn; retrain with `callcentre qa train`",
            stacklevel=2,
        )
    detectors = joblib.load(path)
    if not isinstance(detectors, LearnedDetectors):
        raise ModelError(f"{path} does not hold learned detectors")
    return detectors, str(sidecar["version"])


def latest_detectors(folder: Path) -> tuple[LearnedDetectors, str] | None:
    """The newest saved version in ``folder``, or ``None``."""
    paths = sorted(folder.glob(f"{PREFIX}*.joblib")) if folder.exists() else []
    return load_detectors(paths[-1]) if paths else None


def train_and_save_detectors(
    folder: Path, phrase_scorer: Scorer, corpus: Path | None = None
) -> tuple[LearnedDetectors, str]:
    """Train the hybrid detectors on ``corpus`` (with noisy copies) and keep them (about a minute)."""
    corpus = corpus or default_corpus_path()
    log.info("training the learned QA detectors from %s (once; about a minute)", corpus.name)
    detectors = train_detectors(read_jsonl(corpus), hybrid=True, scorer=phrase_scorer)
    return detectors, save_detectors(detectors, folder, corpus)


def ensure_detectors(folder: Path, phrase_scorer: Scorer) -> tuple[LearnedDetectors, str]:
    """The newest saved detectors, training and saving them first if there are none."""
    return latest_detectors(folder) or train_and_save_detectors(folder, phrase_scorer)
