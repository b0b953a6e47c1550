"""Silence redacted spans in a recording, so a personal number cannot be heard on playback (POPIA).

The sample arithmetic is pure (:func:`sample_ranges`, :func:`silence_block`); :func:`silence_spans` only
streams a PCM16 WAV through them, block by block, so a long call never has to fit in memory.
"""

from __future__ import annotations

import math
import os
import stat
import tempfile
import wave
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

BLOCK_FRAMES = 64 * 1024
PCM16_BYTES = 2


class UnsupportedWav(ValueError):
    """The recording is not a WAV this module can silence without re-encoding it."""


def _frame(seconds: float, rate: int) -> float:
    """A time as a frame position, rounded so that 0.15 s at 100 Hz is 15 and not 15.000000000000002."""
    return round(seconds * rate, 6)


def sample_ranges(
    spans: Iterable[tuple[float, float]], rate: int, frames: int, pad: float
) -> list[tuple[int, int]]:
    """Half-open frame ranges to silence: each span widened by ``pad`` seconds, clipped, sorted and merged.

    The recogniser's word times are approximate, hence the pad: silencing a little speech either side is
    better than leaving the first digit audible.

    >>> sample_ranges([(1.0, 2.0), (0.0, 0.05)], rate=100, frames=150, pad=0.1)
    [(0, 15), (90, 150)]
    """
    wanted = sorted(
        (max(0, math.floor(_frame(start - pad, rate))), min(frames, math.ceil(_frame(end + pad, rate))))
        for start, end in spans
    )
    merged: list[tuple[int, int]] = []
    for lo, hi in wanted:
        if lo >= hi:
            continue
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def silence_block(
    block: npt.NDArray[np.int16], first_frame: int, ranges: Sequence[tuple[int, int]]
) -> npt.NDArray[np.int16]:
    """A copy of ``block`` (frames x channels, starting at ``first_frame``) with ``ranges`` zeroed.

    Every channel is silenced: the caller's number is also heard on the agent's channel through echo.
    """
    out = block.copy()
    last_frame = first_frame + len(block)
    for lo, hi in ranges:
        if lo < last_frame and hi > first_frame:
            out[max(lo, first_frame) - first_frame : min(hi, last_frame) - first_frame] = 0
    return out


def _open_wav(path: Path) -> wave.Wave_read:
    try:
        return wave.open(str(path), "rb")
    except (wave.Error, EOFError) as error:
        raise UnsupportedWav(f"{path}: not a readable WAV file: {error}") from None


def _check_pcm16(reader: wave.Wave_read, path: Path) -> None:
    if reader.getsampwidth() != PCM16_BYTES or reader.getcomptype() != "NONE":
        raise UnsupportedWav(
            f"{path}: expected 16-bit PCM, found {reader.getsampwidth() * 8}-bit {reader.getcomptype()}; "
            "convert it (sox in.wav -b 16 out.wav) before redacting"
        )


def _copy_silenced(
    reader: wave.Wave_read, writer: wave.Wave_write, ranges: Sequence[tuple[int, int]]
) -> None:
    """Stream every frame from ``reader`` to ``writer``, silencing ``ranges`` on the way."""
    channels = reader.getnchannels()
    position = 0
    while chunk := reader.readframes(BLOCK_FRAMES):
        block = np.frombuffer(chunk, dtype="<i2").reshape(-1, channels)
        writer.writeframes(silence_block(block, position, ranges).astype("<i2").tobytes())
        position += len(block)


def silence_spans(in_wav: Path, out_wav: Path, spans: list[tuple[float, float]], pad: float = 0.15) -> None:
    """Copy a PCM16 WAV (any rate, any channel count) to ``out_wav`` with ``spans`` (seconds) silenced.

    ``out_wav`` appears whole or not at all (written to a temporary file beside it, then renamed), so a
    crash never leaves a half-redacted recording where the dashboard would play it. ``out_wav`` may be
    ``in_wav``.
    """
    with _open_wav(in_wav) as reader:
        _check_pcm16(reader, in_wav)
        ranges = sample_ranges(spans, reader.getframerate(), reader.getnframes(), pad)
        fd, tmp_name = tempfile.mkstemp(dir=out_wav.parent, prefix=f".{out_wav.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as raw:
                with wave.open(raw, "wb") as writer:
                    writer.setparams(reader.getparams())
                    _copy_silenced(reader, writer, ranges)
                raw.flush()
                os.fsync(raw.fileno())  # the rename must not outlive a power cut that loses the data
            # mkstemp makes the file 0600; keep the recording's own permissions so whoever could play it
            # before (the dashboard's user) still can, and nobody else.
            os.chmod(tmp_name, stat.S_IMODE(os.stat(in_wav).st_mode))
            os.replace(tmp_name, out_wav)
        except BaseException:
            os.unlink(tmp_name)
            raise
