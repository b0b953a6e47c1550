"""Generated test audio: tones, silence, espeak-ng speech, and WAV files written byte by byte.

The WAV writer is independent of the reader under test (its own header code and its own G.711
encoders), so a round trip through both checks one against the other.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import pytest

from transcription.audio import resample_all

Pcm = npt.NDArray[np.int16]
FixtureEncoding = Literal["pcm16", "mulaw", "alaw"]
#: A stretch of audio placed at ``start`` seconds on a party's timeline.
Placed = tuple[float, Pcm]

_FORMAT_CODES = {"pcm16": 1, "alaw": 6, "mulaw": 7}
_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"


def tone(freq: float, seconds: float, rate: int, amplitude: float = 0.5) -> Pcm:
    """A sine wave at ``freq`` Hz, ``amplitude`` of full scale."""
    t = np.arange(round(seconds * rate)) / rate
    return np.round(amplitude * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def silence(seconds: float, rate: int) -> Pcm:
    """Digital silence."""
    return np.zeros(round(seconds * rate), dtype=np.int16)


def encode_mulaw(pcm: Pcm) -> npt.NDArray[np.uint8]:
    """ITU-T G.711 mu-law encoding (bias 0x84, clip 32635)."""
    x = pcm.astype(np.int32)
    magnitude = np.minimum(np.abs(x), 32635) + 0x84
    exponent = np.clip(np.floor(np.log2(magnitude)).astype(np.int32) - 7, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    sign = np.where(x < 0, 0x80, 0)
    code: npt.NDArray[np.uint8] = (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8)
    return code


def encode_alaw(pcm: Pcm) -> npt.NDArray[np.uint8]:
    """ITU-T G.711 A-law encoding (even bits inverted)."""
    x = pcm.astype(np.int32)
    magnitude = np.minimum(np.abs(x), 32767)
    exponent = np.clip(np.floor(np.log2(np.maximum(magnitude, 1))).astype(np.int32) - 7, 0, 7)
    mantissa = np.where(exponent == 0, magnitude >> 4, magnitude >> (exponent + 3)) & 0x0F
    sign = np.where(x >= 0, 0x80, 0)
    code: npt.NDArray[np.uint8] = ((sign | (exponent << 4) | mantissa) ^ 0x55).astype(np.uint8)
    return code


def write_wav(
    path: Path,
    frames: Pcm,
    rate: int,
    encoding: FixtureEncoding = "pcm16",
    *,
    extensible: bool = False,
    extra_chunks: Sequence[tuple[bytes, bytes]] = (),
) -> Path:
    """Write ``frames`` (shaped ``(n, channels)``) as a WAV, ``extra_chunks`` before the data chunk."""
    channels = frames.shape[1]
    if encoding == "pcm16":
        data = frames.astype("<i2").tobytes()
    else:
        data = (encode_mulaw if encoding == "mulaw" else encode_alaw)(frames.reshape(-1)).tobytes()
    width = 2 if encoding == "pcm16" else 1
    fmt = _fmt_chunk(_FORMAT_CODES[encoding], channels, rate, width, extensible)
    fact = [] if encoding == "pcm16" else [(b"fact", struct.pack("<I", len(frames)))]
    chunks = [(b"fmt ", fmt), *fact, *extra_chunks, (b"data", data)]
    path.write_bytes(riff(chunks))
    return path


def riff(chunks: Sequence[tuple[bytes, bytes]], form: bytes = b"WAVE") -> bytes:
    """A RIFF file of ``chunks``, each padded to an even length as the format requires."""
    body = b"".join(
        chunk_id + struct.pack("<I", len(payload)) + payload + b"\0" * (len(payload) % 2)
        for chunk_id, payload in chunks
    )
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + form + body


def _fmt_chunk(code: int, channels: int, rate: int, width: int, extensible: bool) -> bytes:
    align = channels * width
    if not extensible:
        head = struct.pack("<HHIIHH", code, channels, rate, rate * align, align, 8 * width)
        return head if code == 1 else head + struct.pack("<H", 0)
    head = struct.pack("<HHIIHH", 0xFFFE, channels, rate, rate * align, align, 8 * width)
    mask = 0x3 if channels == 2 else 0x4
    return head + struct.pack("<HHI", 22, 8 * width, mask) + struct.pack("<H", code) + _GUID_TAIL


def place(segments: Sequence[Placed], rate: int, length: int) -> Pcm:
    """One party's timeline of ``length`` samples with each segment at its start time."""
    out = np.zeros(length, dtype=np.int16)
    for start, pcm in segments:
        first = round(start * rate)
        out[first : first + len(pcm)] = pcm[: max(0, length - first)]
    return out


def stereo_call_wav(
    path: Path,
    left_segments: Sequence[Placed],
    right_segments: Sequence[Placed],
    rate: int = 8000,
    encoding: FixtureEncoding = "pcm16",
) -> Pcm:
    """A MixMonitor-style stereo recording (left caller, right agent); returns the frames written."""
    ends = [round(start * rate) + len(pcm) for start, pcm in (*left_segments, *right_segments)]
    length = max(ends, default=0)
    frames = np.stack([place(left_segments, rate, length), place(right_segments, rate, length)], axis=1)
    write_wav(path, frames, rate, encoding)
    return frames


def sparse_wav(path: Path, seconds: float, rate: int = 8000, channels: int = 2) -> Path:
    """A long PCM WAV of silence, made fast: the header, then a hole the filesystem fills with zeros."""
    data_bytes = round(seconds * rate) * channels * 2
    header = riff([(b"fmt ", _fmt_chunk(1, channels, rate, 2, False)), (b"data", b"")])
    header = header[:4] + struct.pack("<I", 36 + data_bytes) + header[8:-4] + struct.pack("<I", data_bytes)
    with path.open("wb") as file:
        file.write(header)
        file.truncate(len(header) + data_bytes)
    return path


def espeak_wav(text: str, path: Path, rate: int, voice: str = "en") -> Pcm:
    """Speak ``text`` with espeak-ng, write it as a mono PCM WAV at ``rate`` and return the samples.

    Skips the calling test if espeak-ng is not installed (CI installs it).
    """
    binary = shutil.which("espeak-ng")
    if binary is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng); needed to generate speech")
    raw = path.with_suffix(".espeak.wav")
    # Text goes in on stdin so that nothing in it can be read as an option.
    subprocess.run(
        [binary, "-v", voice, "-s", "160", "-w", str(raw), "--stdin"], input=text.encode(), check=True
    )
    with wave.open(str(raw), "rb") as speech:
        native_rate = speech.getframerate()
        samples = np.frombuffer(speech.readframes(speech.getnframes()), dtype="<i2").astype(np.int16)
    raw.unlink()
    pcm = resample_all(samples, native_rate, rate)
    write_wav(path, pcm.reshape(-1, 1), rate)
    return pcm
