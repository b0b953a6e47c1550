"""Call-reason and customer-sentiment models for QA scoring (scikit-learn).

See :mod:`qa.ml.classifiers` for training, versioned model files and predictions, and
:mod:`qa.ml.features` for what the models read.
"""

from qa.ml.classifiers import (
    ModelError,
    Prediction,
    TrainedModel,
    accuracy,
    default_corpus_path,
    ensure_model,
    eval_corpus_path,
    latest_model,
    load_model,
    save_model,
    train_model,
)
from qa.ml.features import KINDS, Kind

__all__ = [
    "KINDS",
    "Kind",
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
