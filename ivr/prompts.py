"""Prompts as 8 kHz mono 16-bit WAV: recorded per language where provided, else generated with espeak-ng.

A recording is looked up as ``<prompts_dir>/<language>/<key>.wav`` (``key`` as in
:class:`ivr.actions.Play`, e.g. ``main`` or ``request_created.2``). Without one, the prompt's text is
spoken by espeak-ng once into ``<cache>/<language>/<key>.wav`` (with a ``.sha`` sidecar: a changed
text is generated again) and converted to telephone audio (soxr resampling; ``sox`` is not needed).
espeak-ng is called with an argument list, never through a shell.

espeak-ng has no isiZulu or Sesotho voice: Sesotho falls back to Setswana (``tn``, the same
Sotho-Tswana group) and isiZulu to Swahili (``sw``, a Bantu language spelt as phonetically); both
are stop-gaps, listed as such by ``callcentre ivr prompts``, until native speakers record them.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

from ivr import menu as m

RATE = 8000
#: espeak-ng voice per menu language, and why when it is not the language's own.
VOICES: dict[str, tuple[str, str]] = {
    "en": ("en-gb", ""),
    "af": ("af", ""),
    "zu": ("sw", "espeak-ng has no isiZulu voice: Swahili used"),
    "st": ("tn", "espeak-ng has no Sesotho voice: Setswana used"),
    "xh": ("sw", "espeak-ng has no isiXhosa voice: Swahili used"),
    "tn": ("tn", ""),
}


@dataclass(frozen=True)
class PromptStatus:
    """One prompt in one language: ``recorded``, ``generated`` or ``missing`` (not generated yet)."""

    language: str
    key: str
    text: str
    status: str
    path: Path | None
    note: str = ""


def menu_prompts(menu: m.Menu) -> Iterator[tuple[str, str, str]]:
    """(language, key, text) of every recorded stretch of every prompt of ``menu``, once each."""
    seen: set[tuple[str, str]] = set()
    prompts = [menu.invalid_prompt, menu.no_input_prompt]
    for node in menu.nodes.values():
        prompts += [prompt for _, prompt in node.prompts()]
    for prompt in prompts:
        for language, segments in prompt.texts.items():
            for segment in segments:
                if isinstance(segment, m.Text) and (language, segment.key) not in seen:
                    seen.add((language, segment.key))
                    yield language, segment.key, segment.text


def to_telephone_wav(data: bytes) -> bytes:
    """A WAV file's bytes as 8 kHz mono 16-bit PCM WAV bytes."""
    with wave.open(io.BytesIO(data)) as source:
        channels, width, rate = source.getnchannels(), source.getsampwidth(), source.getframerate()
        frames = source.readframes(source.getnframes())
    if width != 2:
        raise ValueError(f"only 16-bit WAV prompts are supported, not {8 * width}-bit")
    samples = np.frombuffer(frames, dtype="<i2").reshape(-1, channels).mean(axis=1).astype(np.float32)
    if rate != RATE:
        samples = soxr.resample(samples, rate, RATE)
    pcm = np.clip(np.round(samples), -32768, 32767).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setnchannels(1)
        target.setsampwidth(2)
        target.setframerate(RATE)
        target.writeframes(pcm.tobytes())
    return out.getvalue()


def is_telephone_wav(path: Path) -> bool:
    """True when ``path`` is already 8 kHz mono 16-bit WAV."""
    with wave.open(str(path)) as w:
        return (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2)


class Prompts:
    """Finds or makes the audio of each prompt. Safe to share; generation writes files atomically."""

    def __init__(self, recorded_dir: Path | None, cache_dir: Path, espeak: str = "espeak-ng") -> None:
        self.recorded_dir = recorded_dir
        self.cache_dir = cache_dir
        self.espeak = espeak

    def recorded(self, language: str, key: str) -> Path | None:
        """The recording of a prompt, if one was provided."""
        if self.recorded_dir is None:
            return None
        path = self.recorded_dir / language / f"{key}.wav"
        return path if path.is_file() else None

    def available(self, language: str, key: str) -> Path | None:
        """A prompt's WAV without generating anything: recorded, else generated earlier (or ``None``)."""
        recorded = self.recorded(language, key)
        if recorded is not None:
            return recorded
        cached = self._cached(language, key)
        return cached if cached.is_file() else None

    def _cached(self, language: str, key: str) -> Path:
        return self.cache_dir / language / f"{key}.wav"

    def status(self, language: str, key: str, text: str) -> PromptStatus:
        """Where the prompt's audio comes from, without generating anything."""
        recorded = self.recorded(language, key)
        if recorded is not None:
            return PromptStatus(language, key, text, "recorded", recorded)
        note = VOICES.get(language, ("", f"no espeak-ng voice for {language!r}: English used"))[1]
        cached = self._cached(language, key)
        if cached.is_file() and _read(cached.with_suffix(".sha")) == _digest(language, text):
            return PromptStatus(language, key, text, "generated", cached, note)
        return PromptStatus(language, key, text, "missing", None, note)

    def path(self, language: str, key: str, text: str) -> Path:
        """The 8 kHz WAV of the prompt: the recording (converted if need be), else generated now."""
        recorded = self.recorded(language, key)
        if recorded is not None:
            if is_telephone_wav(recorded):
                return recorded
            target = self.cache_dir / "recorded" / language / f"{key}.wav"
            if not target.is_file() or target.stat().st_mtime < recorded.stat().st_mtime:
                _write(target, to_telephone_wav(recorded.read_bytes()))
            return target
        return self.speak(language, text, key)

    def speak(self, language: str, text: str, key: str = "") -> Path:
        """``text`` spoken in ``language`` (generated once, cached); ``key`` names the cached file."""
        digest = _digest(language, text)
        target = (
            self._cached(language, key) if key else self.cache_dir / language / "said" / f"{digest[:24]}.wav"
        )
        sidecar = target.with_suffix(".sha")
        if target.is_file() and (not key or _read(sidecar) == digest):
            return target
        voice = VOICES.get(language, ("en-gb", ""))[0]
        result = subprocess.run(
            [self.espeak, "-v", voice, "-s", "150", "--stdout", text],
            check=True,
            capture_output=True,
            timeout=60,
        )
        _write(target, to_telephone_wav(result.stdout))
        if key:
            _write(sidecar, digest.encode())
        return target

    def listing(self, menu: m.Menu) -> list[PromptStatus]:
        """The status of every prompt of ``menu`` in every language."""
        return [self.status(language, key, text) for language, key, text in menu_prompts(menu)]

    def generate(self, menu: m.Menu) -> list[PromptStatus]:
        """Generate every prompt of ``menu`` not recorded (once); the listing afterwards."""
        for language, key, text in menu_prompts(menu):
            self.path(language, key, text)
        return self.listing(menu)


def _digest(language: str, text: str) -> str:
    voice = VOICES.get(language, ("en-gb", ""))[0]
    return hashlib.sha256(f"{voice}\x00{text}".encode()).hexdigest()


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{id(data)}.tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
