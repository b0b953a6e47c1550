"""Prompts: recorded ones used (converted to 8 kHz), the rest generated once with espeak-ng."""

from __future__ import annotations

import io
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from ivr.menu_loader import load_menu
from ivr.prompts import Prompts, is_telephone_wav, menu_prompts, to_telephone_wav

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


def _wav(rate: int, channels: int, seconds: float = 0.5) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    tone = (np.sin(2 * np.pi * 440 * t) * 8000).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.repeat(tone, channels).tobytes())
    return out.getvalue()


def test_conversion_gives_8khz_mono_16_bit_of_the_same_length() -> None:
    with wave.open(io.BytesIO(to_telephone_wav(_wav(44100, 2)))) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
        assert w.getnframes() == 4000


def test_every_prompt_of_the_menu_in_every_language_is_listed() -> None:
    listed = list(menu_prompts(load_menu()))
    keys = {(language, key) for language, key, _ in listed}
    assert len(keys) == len(listed)
    assert {
        ("en", "language"),
        ("zu", "language"),
        ("st", "invalid"),
        ("af", "main"),
        ("en", "request_created.1"),
    } <= keys


@needs_espeak
def test_a_prompt_is_generated_once_and_again_only_when_its_text_changes(tmp_path: Path) -> None:
    prompts = Prompts(None, tmp_path / "cache")
    first = prompts.path("st", "greeting", "Dumela")
    assert is_telephone_wav(first) and prompts.status("st", "greeting", "Dumela").status == "generated"
    stamp = first.stat().st_mtime_ns
    assert prompts.path("st", "greeting", "Dumela").stat().st_mtime_ns == stamp  # cached
    assert prompts.status("st", "greeting", "Dumela hape").status == "missing"
    prompts.path("st", "greeting", "Dumela hape")
    assert first.stat().st_mtime_ns != stamp
    assert "Setswana" in prompts.status("st", "greeting", "Dumela hape").note


def test_a_recorded_prompt_wins_and_is_converted_for_the_telephone(tmp_path: Path) -> None:
    (tmp_path / "rec" / "af").mkdir(parents=True)
    (tmp_path / "rec" / "af" / "main.wav").write_bytes(_wav(16000, 1))
    prompts = Prompts(tmp_path / "rec", tmp_path / "cache", espeak="/nonexistent/espeak")
    assert prompts.status("af", "main", "Hoofkieslys").status == "recorded"
    path = prompts.path("af", "main", "Hoofkieslys")
    assert is_telephone_wav(path) and path.is_relative_to(tmp_path / "cache")
