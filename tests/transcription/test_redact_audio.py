"""Silencing redacted spans in recordings: exactly the padded spans, every channel, nothing else."""

from __future__ import annotations

import doctest
import math
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from transcription import redact_audio
from transcription.redact_audio import UnsupportedWav, sample_ranges, silence_spans

Pcm = npt.NDArray[np.int16]


def tones(seconds: float, rate: int, channels: int) -> Pcm:
    """A different tone per channel, offset so no sample is zero: a zero in the output means "silenced"."""
    t = np.arange(int(seconds * rate)) / rate
    columns = [4000 + 3000 * np.sin(2 * np.pi * (440 + 220 * c) * t) for c in range(channels)]
    return np.stack(columns, axis=1).astype(np.int16)


def write_wav(path: Path, pcm: Pcm, rate: int, width: int = 2) -> Path:
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(pcm.shape[1])
        writer.setsampwidth(width)
        writer.setframerate(rate)
        writer.writeframes(pcm.astype("<i2").tobytes() if width == 2 else pcm.astype(np.uint8).tobytes())
    return path


def read_wav(path: Path) -> tuple[Pcm, wave._wave_params]:
    with wave.open(str(path), "rb") as reader:
        params = reader.getparams()
        data = np.frombuffer(reader.readframes(params.nframes), dtype="<i2")
    return data.reshape(-1, params.nchannels), params


def assert_silenced_exactly(
    original: Pcm, out: Pcm, spans: list[tuple[float, float]], rate: int, pad: float
) -> None:
    """Inside each padded span every sample is zero; outside, every sample is as it was, bit for bit.

    The first and last sample of each span may go either way (one sample of rounding is allowed).
    """
    inside = np.zeros(len(original), dtype=bool)
    edges = np.zeros(len(original), dtype=bool)
    for start, end in spans:
        lo, hi = max(0, round((start - pad) * rate)), min(len(original), round((end + pad) * rate))
        inside[lo:hi] = True
        edges[max(0, lo - 1) : lo + 1] = True
        edges[max(0, hi - 1) : hi + 1] = True
    assert out.shape == original.shape
    assert np.all(out[inside & ~edges] == 0)
    assert np.array_equal(out[~inside & ~edges], original[~inside & ~edges])
    assert np.all((out[edges] == 0) | (out[edges] == original[edges]))


@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("rate", [8000, 16000, 44100])
def test_spans_are_silenced_on_every_channel_and_the_rest_is_unchanged(
    tmp_path: Path, channels: int, rate: int
) -> None:
    original = tones(3.0, rate, channels)
    source = write_wav(tmp_path / "call.wav", original, rate)
    spans = [(0.5, 0.8), (1.2, 1.25), (2.0, 2.4)]

    silence_spans(source, tmp_path / "redacted.wav", spans)

    out, params = read_wav(tmp_path / "redacted.wav")
    assert (params.nchannels, params.framerate, params.sampwidth) == (channels, rate, 2)
    assert_silenced_exactly(original, out, spans, rate, pad=0.15)
    assert np.count_nonzero(out == 0) > 0.3 * rate * channels  # something really was silenced


def test_blocks_do_not_change_the_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = tones(2.0, 8000, 2)
    source = write_wav(tmp_path / "call.wav", original, 8000)
    spans = [(0.3, 0.31), (0.9, 1.7)]
    silence_spans(source, tmp_path / "one_block.wav", spans, pad=0.05)

    monkeypatch.setattr(redact_audio, "BLOCK_FRAMES", 333)  # spans now cross many block edges
    silence_spans(source, tmp_path / "many_blocks.wav", spans, pad=0.05)

    one, _ = read_wav(tmp_path / "one_block.wav")
    many, _ = read_wav(tmp_path / "many_blocks.wav")
    assert np.array_equal(one, many)
    assert_silenced_exactly(original, many, spans, 8000, pad=0.05)


def test_spans_past_either_end_are_clipped(tmp_path: Path) -> None:
    original = tones(1.0, 8000, 2)
    source = write_wav(tmp_path / "call.wav", original, 8000)

    silence_spans(source, tmp_path / "out.wav", [(0.0, 0.1), (0.95, 5.0)])

    out, params = read_wav(tmp_path / "out.wav")
    assert params.nframes == len(original)
    assert np.all(out[: int(0.25 * 8000)] == 0)
    assert np.all(out[int(0.8 * 8000) :] == 0)
    assert np.array_equal(
        out[int(0.26 * 8000) : int(0.79 * 8000)], original[int(0.26 * 8000) : int(0.79 * 8000)]
    )


def test_no_spans_copy_the_audio_bit_for_bit(tmp_path: Path) -> None:
    original = tones(0.5, 8000, 2)
    source = write_wav(tmp_path / "call.wav", original, 8000)

    silence_spans(source, tmp_path / "out.wav", [])

    assert np.array_equal(read_wav(tmp_path / "out.wav")[0], original)


def test_a_recording_can_be_redacted_in_place(tmp_path: Path) -> None:
    original = tones(1.0, 8000, 1)
    path = write_wav(tmp_path / "call.wav", original, 8000)

    silence_spans(path, path, [(0.4, 0.5)], pad=0.0)

    assert_silenced_exactly(original, read_wav(path)[0], [(0.4, 0.5)], 8000, pad=0.0)
    assert [p.name for p in tmp_path.iterdir()] == ["call.wav"]


def test_an_eight_bit_wav_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    source = write_wav(tmp_path / "call.wav", np.full((800, 1), 200, dtype=np.int16), 8000, width=1)

    with pytest.raises(UnsupportedWav, match="16-bit PCM"):
        silence_spans(source, tmp_path / "out.wav", [(0.0, 0.05)])

    assert [p.name for p in tmp_path.iterdir()] == ["call.wav"]


def test_a_file_that_is_not_a_wav_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "call.wav"
    source.write_bytes(b"not a wav at all")

    with pytest.raises(UnsupportedWav, match="not a readable WAV"):
        silence_spans(source, tmp_path / "out.wav", [])


def test_a_failure_midway_leaves_the_previous_output_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_wav(tmp_path / "call.wav", tones(1.0, 8000, 2), 8000)
    target = tmp_path / "out.wav"
    target.write_bytes(b"previous redaction")

    def explode(*_: object) -> Pcm:
        raise RuntimeError("disk full")

    monkeypatch.setattr(redact_audio, "silence_block", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        silence_spans(source, target, [(0.1, 0.2)])

    assert target.read_bytes() == b"previous redaction"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["call.wav", "out.wav"]


def test_sample_ranges_pad_merge_and_clip() -> None:
    assert sample_ranges([(0.5, 0.6), (0.55, 0.9), (2.0, 3.0)], rate=10, frames=25, pad=0.1) == [
        (4, 10),
        (19, 25),
    ]
    assert sample_ranges([(5.0, 6.0)], rate=10, frames=25, pad=0.1) == []
    lo, hi = sample_ranges([(1.0, 1.5)], rate=8000, frames=10**6, pad=0.15)[0]
    assert (lo, hi) == (math.floor(0.85 * 8000), math.ceil(1.65 * 8000))


def test_docstring_examples_hold() -> None:
    assert doctest.testmod(redact_audio).failed == 0


def test_the_output_keeps_the_recordings_permissions(tmp_path: Path) -> None:
    source = write_wav(tmp_path / "call.wav", tones(0.2, 8000, 1), 8000)
    source.chmod(0o640)

    silence_spans(source, tmp_path / "out.wav", [])

    assert (tmp_path / "out.wav").stat().st_mode & 0o777 == 0o640
