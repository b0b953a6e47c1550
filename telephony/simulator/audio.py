"""Deterministic speech-like audio for the simulated MixMonitor recordings.

Recordings are stereo (left = caller/customer, right = agent) 8 kHz 16-bit PCM and cover only the
bridged time.  The signal is synthetic but shaped like speech: voiced syllables (a glottal pitch with
formant-weighted harmonics and a smooth envelope), pauses, speakers taking turns with the odd overlap,
and hold music on the agent channel while the caller is on hold.

The synthesiser is pluggable: :func:`render_call` takes any :data:`UtteranceSynth` (one call per
utterance), so real generated speech (e.g. espeak-ng) can replace :func:`synthetic_utterance` later.
"""

from __future__ import annotations

import math
import sys
import wave
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from random import Random

RATE = 8000


@dataclass(frozen=True)
class Voice:
    """A speaker's vocal characteristics: mean pitch (Hz) and three formant centres (Hz)."""

    name: str
    pitch: float
    formants: tuple[float, float, float]


VOICES: tuple[Voice, ...] = (
    Voice("f1", 210.0, (850.0, 1650.0, 2750.0)),
    Voice("f2", 235.0, (700.0, 1900.0, 2900.0)),
    Voice("f3", 190.0, (780.0, 1500.0, 2600.0)),
    Voice("m1", 115.0, (650.0, 1150.0, 2450.0)),
    Voice("m2", 130.0, (560.0, 1300.0, 2500.0)),
    Voice("m3", 100.0, (600.0, 1050.0, 2350.0)),
)

# (voice, seconds, rng) -> mono 16-bit samples at 8 kHz: one call per utterance (swap in real TTS here).
UtteranceSynth = Callable[[Voice, float, Random], "array[int]"]


def _formant_gain(freq: float, formants: tuple[float, float, float]) -> float:
    """Crude vocal-tract response: a resonance bump at each formant, falling with frequency."""
    gain = 0.0
    for i, f in enumerate(formants):
        bw = 90.0 + 40.0 * i
        gain += 1.0 / (1.0 + ((freq - f) / bw) ** 2) / (i + 1)
    return gain + 0.05


@lru_cache(maxsize=64)
def _syllables(voice: Voice, variant: int) -> tuple[array[int], ...]:
    """A small bank of voiced syllables for one voice (cached: tiling them keeps rendering fast)."""
    rng = Random(f"{voice.name}:{variant}")
    bank = []
    for _ in range(10):
        dur = rng.uniform(0.11, 0.26)
        n = int(dur * RATE)
        f0 = voice.pitch * rng.uniform(0.85, 1.2)
        glide = rng.uniform(-0.25, 0.2)
        shift = rng.uniform(0.85, 1.15)  # vowel colour: move all formants together
        formants = (voice.formants[0] * shift, voice.formants[1] * shift, voice.formants[2])
        harmonics = [(k, _formant_gain(f0 * k, formants)) for k in range(1, int(3400 / f0))]
        norm = 9000.0 / sum(g for _, g in harmonics)
        out = array("h", bytes(2 * n))
        phase = 0.0
        for i in range(n):
            env = math.sin(math.pi * i / n) ** 0.6
            phase += 2 * math.pi * f0 * (1 + glide * i / n) / RATE
            s = sum(g * math.sin(k * phase) for k, g in harmonics)
            out[i] = int(max(-32000.0, min(32000.0, s * norm * env)))
        bank.append(out)
    return tuple(bank)


def synthetic_utterance(voice: Voice, seconds: float, rng: Random) -> array[int]:
    """Syllables separated by short gaps, totalling about ``seconds``; deterministic given ``rng``."""
    bank = _syllables(voice, rng.randrange(2))
    out = array("h")
    target = int(seconds * RATE)
    while len(out) < target:
        out.extend(bank[rng.randrange(len(bank))])
        if rng.random() < 0.35:  # word boundary
            out.extend(bytes(2 * int(rng.uniform(0.04, 0.12) * RATE)))
    del out[target:]
    return out


@lru_cache(maxsize=1)
def _hold_music() -> array[int]:
    """Two seconds of a soft arpeggio loop (the PBX's synthetic music-on-hold file)."""
    notes = (262.0, 330.0, 392.0, 523.0)
    out = array("h", bytes(2 * 2 * RATE))
    for i in range(len(out)):
        f = notes[(i * len(notes)) // len(out)]
        out[i] = int(
            4000 * math.sin(2 * math.pi * f * i / RATE) + 1500 * math.sin(2 * math.pi * f * 1.5 * i / RATE)
        )
    return out


def _place(track: array[int], start: int, samples: array[int]) -> None:
    end = min(len(track), start + len(samples))
    if end > start:
        track[start:end] = samples[: end - start]


def _segments_to_offsets(
    bridged: list[tuple[float, float]], spans: list[tuple[float, float]]
) -> list[tuple[int, int]]:
    """Map absolute (sim-time) spans onto sample offsets of the bridged-only recording."""
    out = []
    base = 0
    for bs, be in bridged:
        for hs, he in spans:
            s, e = max(hs, bs), min(he, be)
            if e > s:
                out.append((base + int((s - bs) * RATE), base + int((e - bs) * RATE)))
        base += round((be - bs) * RATE)
    return out


def render_call(
    bridged: list[tuple[float, float]],
    holds: list[tuple[float, float]],
    seed: int | str,
    synth: UtteranceSynth = synthetic_utterance,
    utterances: list[tuple[str, float, float]] | None = None,
) -> bytes:
    """Interleaved little-endian stereo PCM for a call's bridged segments (left caller, right agent).

    ``utterances``, when given, receives ``(speaker, start, end)`` in seconds of the recording for
    every utterance placed, so a script can be laid over them.
    """
    n = sum(round((e - s) * RATE) for s, e in bridged)
    left, right = array("h", bytes(2 * n)), array("h", bytes(2 * n))
    rng = Random(seed)
    voices = {"agent": VOICES[rng.randrange(len(VOICES))], "caller": VOICES[rng.randrange(len(VOICES))]}
    hold_spans = _segments_to_offsets(bridged, holds)
    music = _hold_music()
    for hs, he in hold_spans:
        for i in range(hs, he, len(music)):
            _place(right, i, music[: he - i])
    pos, speaker = int(rng.uniform(0.2, 0.6) * RATE), "agent"  # the agent greets first
    while pos < n:
        inside = next(((hs, he) for hs, he in hold_spans if hs <= pos < he), None)
        if inside is not None:
            pos = inside[1] + int(0.3 * RATE)
            continue
        nxt = min((hs for hs, _ in hold_spans if hs > pos), default=n + RATE)
        seconds = min(rng.uniform(1.2, 4.0), (nxt - pos) / RATE - 0.1)
        if seconds < 0.3:  # not enough room before the hold starts
            pos = nxt
            continue
        utt = synth(voices[speaker], seconds, rng)
        _place(left if speaker == "caller" else right, pos, utt)
        if utterances is not None:
            utterances.append((speaker, pos / RATE, min(pos + len(utt), n) / RATE))
        gap = rng.uniform(0.15, 0.8) if rng.random() > 0.12 else -rng.uniform(0.1, 0.4)  # overlap sometimes
        pos += len(utt) + int(gap * RATE)
        speaker = "caller" if speaker == "agent" else "agent"
    stereo = array("h", bytes(4 * n))
    stereo[0::2], stereo[1::2] = left, right
    if sys.byteorder == "big":
        stereo.byteswap()
    return stereo.tobytes()


def write_wav(path: Path, pcm: bytes) -> None:
    """Write 8 kHz stereo 16-bit PCM as a WAV (44-byte header; header-only when ``pcm`` is empty)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm)
