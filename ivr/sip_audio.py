"""Audio for the SIP endpoint: prompts as pyVoIP wants them (8-bit unsigned PCM, 8 kHz, mono).

pyVoIP's ``write_audio`` takes 8-bit unsigned linear PCM at 8 kHz (it encodes G.711 itself). Our
prompts are 16-bit WAVs: :func:`wav_to_u8` converts them (resampling with soxr when a WAV is not at
8 kHz). Where no recorded or generated prompt exists, :class:`TonePrompts` makes audio of its own:
each prompt is a soft 440 Hz tone as long as the text would take to say, and each digit of
``SayDigits`` / ``SayAmount`` is that key's DTMF tone pair, so what was read back can be decoded
from the RTP audio (:func:`decode_digits`). Every piece is padded to whole 20 ms packets.
"""

from __future__ import annotations

import socket
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from ivr import actions as a

RATE = 8000
FRAME = 160  # samples (bytes, at 8 bits) per 20 ms RTP packet
SILENCE = b"\x80"  # 8-bit unsigned PCM zero
DTMF_ROWS = (697.0, 770.0, 852.0, 941.0)
DTMF_COLS = (1209.0, 1336.0, 1477.0, 1633.0)
DTMF_KEYS = ("123A", "456B", "789C", "*0#D")
#: Where each key sits in the DTMF grid: key -> (row frequency, column frequency).
DTMF_PAIRS = {
    key: (DTMF_ROWS[r], DTMF_COLS[c]) for r, row in enumerate(DTMF_KEYS) for c, key in enumerate(row)
}
Samples = npt.NDArray[np.float64]


def pad(audio: bytes) -> bytes:
    """``audio`` padded with silence to a whole number of 20 ms packets."""
    return audio + SILENCE * (-len(audio) % FRAME)


def to_u8(samples: Samples) -> bytes:
    """Float samples in [-1, 1] as 8-bit unsigned PCM."""
    clipped = np.clip(samples, -1.0, 1.0)
    return np.round(clipped * 127.0 + 128.0).astype(np.uint8).tobytes()


def u8_to_pcm16(audio: bytes) -> bytes:
    """8-bit unsigned PCM (what pyVoIP's ``read_audio`` returns) as 16-bit little-endian PCM."""
    values = (np.frombuffer(audio, dtype=np.uint8).astype(np.int16) - 128) << 8
    return values.astype("<i2").tobytes()


def wav_to_u8(path: Path) -> bytes:
    """A mono or stereo 16-bit WAV as 8 kHz 8-bit unsigned PCM (first channel; resampled if needed)."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 16-bit PCM, got {8 * wav.getsampwidth()}-bit")
        channels, rate = wav.getnchannels(), wav.getframerate()
        frames = wav.readframes(wav.getnframes())
    samples = np.frombuffer(frames, dtype="<i2")[::channels].astype(np.float64) / 32768.0
    if rate != RATE:
        import soxr

        samples = np.asarray(soxr.resample(samples, rate, RATE), dtype=np.float64)
    return pad(to_u8(samples))


def tone(freqs: tuple[float, ...], seconds: float, level: float) -> Samples:
    """A sum of sine tones, each at ``level`` (fraction of full scale)."""
    t = np.arange(round(seconds * RATE)) / RATE
    return np.asarray(sum(level * np.sin(2 * np.pi * f * t) for f in freqs), dtype=np.float64)


def write_wav(path: Path, pcm16: bytes, rate: int = RATE) -> None:
    """Write mono 16-bit PCM as a WAV file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm16)


class PromptAudio(Protocol):
    """Audio for prompts, as 8 kHz 8-bit unsigned PCM padded to 20 ms packets."""

    def prompt(self, action: a.Play) -> bytes:
        """A recorded (or generated) prompt."""
        ...

    def digit(self, digit: str, language: str) -> bytes:
        """One digit, said on its own."""
        ...

    def pause(self) -> bytes:
        """The pause between digit groups."""
        ...


@dataclass(frozen=True)
class TonePrompts:
    """Generated audio: prompts as a soft tone as long as the text; digits as their DTMF tone pair."""

    seconds_per_char: float = 1 / 14  # about the pace of speech
    min_prompt: float = 0.2
    max_prompt: float = 12.0
    digit_seconds: float = 0.1
    digit_gap: float = 0.06
    group_pause: float = 0.2

    def prompt(self, action: a.Play) -> bytes:
        """A 440 Hz tone at -18 dBFS lasting about as long as ``action.text`` takes to say."""
        length = min(self.max_prompt, max(self.min_prompt, len(action.text) * self.seconds_per_char))
        return pad(to_u8(tone((440.0,), length, 0.12))) + SILENCE * FRAME * 3

    def digit(self, digit: str, language: str) -> bytes:
        """The digit's DTMF pair (each tone at -8 dBFS), then a short gap."""
        if digit not in DTMF_PAIRS:
            return b""
        sound = to_u8(tone(DTMF_PAIRS[digit], self.digit_seconds, 0.4))
        return pad(sound + SILENCE * int(self.digit_gap * RATE))

    def pause(self) -> bytes:
        """Silence between digit groups."""
        return pad(SILENCE * int(self.group_pause * RATE))


@dataclass(frozen=True)
class WavPrompts:
    """Recorded or generated WAVs, found by ``lookup(prompt, language)``; missing ones from ``fallback``.

    Digits are looked up as prompts ``digits/<d>``; the WAVs are converted once and kept.
    """

    lookup: Callable[[str, str], Path | None]
    fallback: PromptAudio
    cache: dict[tuple[str, str], bytes]

    def _wav(self, prompt: str, language: str) -> bytes | None:
        key = (prompt, language)
        if key not in self.cache:
            path = self.lookup(prompt, language)
            self.cache[key] = wav_to_u8(path) if path is not None and path.is_file() else b""
        return self.cache[key] or None

    def prompt(self, action: a.Play) -> bytes:
        """The WAV of ``action.prompt`` in its language, or the fallback's audio."""
        return self._wav(action.prompt, action.language) or self.fallback.prompt(action)

    def digit(self, digit: str, language: str) -> bytes:
        """The WAV ``digits/<digit>``, or the fallback's audio."""
        return self._wav(f"digits/{digit}", language) or self.fallback.digit(digit, language)

    def pause(self) -> bytes:
        """The fallback's pause."""
        return self.fallback.pause()


def render(action: a.Play | a.SayDigits | a.SayAmount, source: PromptAudio) -> bytes:
    """The audio of one prompt action."""
    if isinstance(action, a.Play):
        return source.prompt(action)
    if isinstance(action, a.SayDigits):
        pieces: list[bytes] = []
        for index, digit in enumerate(action.digits, start=1):
            pieces.append(source.digit(digit, action.language))
            if action.group and index % action.group == 0 and index < len(action.digits):
                pieces.append(source.pause())
        return b"".join(pieces)
    rands, cents = divmod(abs(action.cents), 100)
    return (
        render(a.SayDigits(str(rands), action.language), source)
        + source.pause()
        + render(a.SayDigits(f"{cents:02d}", action.language), source)
    )


def ulaw_to_float(payload: bytes) -> Samples:
    """G.711 mu-law bytes as float samples in [-1, 1] (to check what was sent)."""
    u = ~np.frombuffer(payload, dtype=np.uint8)
    sign = u & 0x80
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    magnitude = ((mantissa.astype(np.int32) << 3) + 0x84) << exponent
    values = np.where(sign != 0, 0x84 - magnitude, magnitude - 0x84)
    return values.astype(np.float64) / 32768.0


def _power(segment: Samples, freq: float) -> float:
    n = np.arange(len(segment))
    return float(abs(np.dot(segment, np.exp(-2j * np.pi * freq * n / RATE))) ** 2)


def decode_digits(samples: Samples, level: float = 0.2, min_seconds: float = 0.04) -> str:
    """The DTMF digits in ``samples``: loud stretches (20 ms RMS above ``level``) decoded by Goertzel."""
    frames = len(samples) // FRAME
    loud = [float(np.sqrt(np.mean(samples[i * FRAME : (i + 1) * FRAME] ** 2))) > level for i in range(frames)]
    digits, start = [], None
    for i, flag in enumerate([*loud, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            segment = samples[start * FRAME : i * FRAME]
            if len(segment) >= min_seconds * RATE:
                row = max(DTMF_ROWS, key=lambda f: _power(segment, f))
                col = max(DTMF_COLS, key=lambda f: _power(segment, f))
                digits.append(DTMF_KEYS[DTMF_ROWS.index(row)][DTMF_COLS.index(col)])
            start = None
    return "".join(digits)


def rms(u8: bytes) -> float:
    """The RMS level of 8-bit unsigned PCM, as a fraction of full scale."""
    values = (np.frombuffer(u8, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    return float(np.sqrt(np.mean(values**2)))


class RtpTap:
    """Wraps a pyVoIP RTP socket: timestamps what is sent, notes when something is received."""

    def __init__(self, sock: socket.socket, capture: bool) -> None:
        self._sock = sock
        self.capture = capture
        self.sent: list[float] = []
        self.payloads: list[bytes] = []
        self.last_rx = time.monotonic()

    def sendto(self, data: bytes, address: tuple[str, int]) -> int:
        self.sent.append(time.monotonic())
        if self.capture:
            self.payloads.append(bytes(data[12:]))
        return self._sock.sendto(data, address)

    def recv(self, size: int) -> bytes:
        data = self._sock.recv(size)  # BlockingIOError when nothing waits: passes through
        self.last_rx = time.monotonic()
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def lateness(self, late: float = 0.020) -> tuple[int, int, float]:
        """(packets, packets sent more than ``late`` after predecessor + 20 ms, largest gap in s)."""
        gaps = [later - earlier for earlier, later in zip(self.sent, self.sent[1:], strict=False)]
        return len(self.sent), sum(1 for gap in gaps if gap > FRAME / RATE + late), max(gaps, default=0.0)
