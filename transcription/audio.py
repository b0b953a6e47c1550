"""Call recordings as streams of samples, party by party, ready for the recogniser.

The transcription engine consumes a recording through one call::

    for parties in stream_parties(path, target_rate=16000, agent_channel="right"):
        for party, pcm in parties.items():   # "caller" and "agent", or "mixed" for mono
            ...                              # int16 mono at target_rate, continuous across blocks

Each yielded dict holds the next stretch (about ``seconds`` long) of every party, resampled with a
streaming band-limited filter so block edges do not click. Concatenating one party's arrays gives
that party's whole recording; every party gets the same number of blocks, and a recording with no
audio (header only: the call was never bridged) yields nothing. Memory stays bounded by the block
size, so a two-hour recording is as cheap to hold as a two-minute one.

The lower-level pieces are public too: :func:`probe` (header only), :func:`iter_blocks` (decoded
int16 frames), :func:`to_mono_parties` (stereo split) and :class:`Resampler`. Anything that is not
a readable recording raises :class:`AudioError`, whose message names the file and the problem.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Literal

import numpy as np
import numpy.typing as npt
import soxr

from transcription.audio_wav import AudioError, AudioInfo, Encoding, probe

__all__ = [
    "AGENT",
    "ALAW_TABLE",
    "CALLER",
    "MIXED",
    "MULAW_TABLE",
    "AudioError",
    "AudioInfo",
    "Encoding",
    "Resampler",
    "decode",
    "iter_blocks",
    "probe",
    "resample_all",
    "stream_parties",
    "to_mono_parties",
]

Pcm = npt.NDArray[np.int16]
Side = Literal["left", "right"]

#: Party names: stereo MixMonitor recordings are caller (customer) and agent; mono ones are mixed.
CALLER, AGENT, MIXED = "caller", "agent", "mixed"


def _mulaw_table() -> Pcm:
    """ITU-T G.711 mu-law: every one of the 256 codes as a 16-bit sample."""
    code = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent, mantissa = (code >> 4) & 0x07, code & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(code & 0x80, -magnitude, magnitude).astype(np.int16)


def _alaw_table() -> Pcm:
    """ITU-T G.711 A-law: every one of the 256 codes as a 16-bit sample."""
    code = np.arange(256, dtype=np.int32) ^ 0x55
    exponent, mantissa = (code >> 4) & 0x07, code & 0x0F
    shifted = ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0)
    magnitude = np.where(exponent == 0, (mantissa << 4) + 8, shifted)
    return np.where(code & 0x80, magnitude, -magnitude).astype(np.int16)


MULAW_TABLE: Pcm = _mulaw_table()
ALAW_TABLE: Pcm = _alaw_table()


def decode(raw: bytes, encoding: Encoding, channels: int) -> Pcm:
    """Sample bytes of ``encoding`` as int16 frames shaped ``(frames, channels)``."""
    if encoding == "pcm16":
        samples = np.frombuffer(raw, dtype="<i2").astype(np.int16)
    else:
        table = MULAW_TABLE if encoding == "mulaw" else ALAW_TABLE
        samples = table[np.frombuffer(raw, dtype=np.uint8)]
    return samples.reshape(-1, channels)


def iter_blocks(source: str | os.PathLike[str] | AudioInfo, seconds: float = 30.0) -> Iterator[Pcm]:
    """The recording's frames as int16 arrays shaped ``(frames, channels)``, ``seconds`` at a time.

    ``source`` is a path or an :class:`AudioInfo` from :func:`probe`. The header is checked now;
    the samples are read lazily, one block at a time, so memory does not grow with the recording.
    """
    if seconds <= 0:
        raise ValueError(f"block length must be positive, got {seconds} s")
    info = source if isinstance(source, AudioInfo) else probe(source)
    return _read_blocks(info, max(1, round(seconds * info.sample_rate)))


def _read_blocks(info: AudioInfo, block_frames: int) -> Iterator[Pcm]:
    frame_bytes = info.channels * info.sample_width
    remaining = info.data_bytes
    with open(info.path, "rb") as file:
        file.seek(info.data_offset)
        while remaining > 0:
            raw = file.read(min(remaining, block_frames * frame_bytes))
            if not raw:
                # The file shrank since probe(): someone rewrote it under us.
                got = info.data_bytes - remaining
                raise AudioError(
                    info.path, f"truncated: header says {info.data_bytes} data bytes, read {got}"
                )
            remaining -= len(raw)
            yield decode(raw[: len(raw) - len(raw) % frame_bytes], info.encoding, info.channels)


def to_mono_parties(block: Pcm, info: AudioInfo, agent_channel: Side = "right") -> dict[str, Pcm]:
    """Split a ``(frames, channels)`` block into one mono array per party.

    Stereo gives ``{"caller": ..., "agent": ...}``, the agent on ``agent_channel`` (our dialplan
    records the agent on the right); mono gives ``{"mixed": ...}``.
    """
    if agent_channel not in ("left", "right"):
        raise ValueError(f"agent_channel must be 'left' or 'right', got {agent_channel!r}")
    if block.ndim != 2 or block.shape[1] != info.channels:
        raise ValueError(
            f"block shaped {block.shape} does not hold the {info.channels} channel(s) of {info.path}"
        )
    if info.channels == 1:
        return {MIXED: np.ascontiguousarray(block[:, 0])}
    agent = 1 if agent_channel == "right" else 0
    return {CALLER: np.ascontiguousarray(block[:, 1 - agent]), AGENT: np.ascontiguousarray(block[:, agent])}


class Resampler:
    """Resamples one continuous mono int16 stream block by block, without clicks at block edges.

    The filter state carries over between :meth:`process` calls, so the concatenated output matches
    resampling the whole stream at once (to within rounding); :meth:`flush` returns the filter's tail.
    """

    def __init__(self, in_rate: int, out_rate: int) -> None:
        if in_rate <= 0 or out_rate <= 0:
            raise ValueError(f"sample rates must be positive, got {in_rate} -> {out_rate} Hz")
        self.in_rate, self.out_rate = in_rate, out_rate
        self._stream = (
            None
            if in_rate == out_rate
            else soxr.ResampleStream(in_rate, out_rate, 1, dtype="int16", quality="HQ")
        )

    def process(self, pcm: Pcm) -> Pcm:
        """The resampled counterpart of ``pcm``, the next stretch of the stream."""
        if self._stream is None:
            return np.array(pcm, dtype=np.int16)
        out: Pcm = self._stream.resample_chunk(np.ascontiguousarray(pcm, dtype=np.int16))
        return out

    def flush(self) -> Pcm:
        """The samples still inside the filter; call once, after the last block."""
        if self._stream is None:
            return np.zeros(0, dtype=np.int16)
        tail: Pcm = self._stream.resample_chunk(np.zeros(0, dtype=np.int16), last=True)
        return tail


def resample_all(pcm: Pcm, in_rate: int, out_rate: int) -> Pcm:
    """A whole mono int16 signal at ``out_rate``; a copy when the rates are equal."""
    resampler = Resampler(in_rate, out_rate)
    return np.concatenate([resampler.process(pcm), resampler.flush()])


def stream_parties(
    path: str | os.PathLike[str],
    target_rate: int = 16000,
    agent_channel: Side = "right",
    seconds: float = 30.0,
) -> Iterator[dict[str, Pcm]]:
    """Each party's audio, resampled to ``target_rate``, in blocks of about ``seconds``.

    See the module docstring for the shape of what is yielded. The header is checked now, so a bad
    recording raises :class:`AudioError` before the first block is asked for.
    """
    info = probe(path)
    blocks = iter_blocks(info, seconds)
    return _resampled_parties(info, blocks, target_rate, agent_channel)


def _resampled_parties(
    info: AudioInfo, blocks: Iterator[Pcm], target_rate: int, agent_channel: Side
) -> Iterator[dict[str, Pcm]]:
    resamplers: dict[str, Resampler] = {}
    for block in blocks:
        parties = to_mono_parties(block, info, agent_channel)
        for party in parties:
            resamplers.setdefault(party, Resampler(info.sample_rate, target_rate))
        yield {party: resamplers[party].process(pcm) for party, pcm in parties.items()}
    tails = {party: resampler.flush() for party, resampler in resamplers.items()}
    if any(tail.size for tail in tails.values()):
        yield tails
