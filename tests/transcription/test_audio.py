"""Reading recordings: headers, decoding, stereo split, resampling and streaming in bounded memory."""

from __future__ import annotations

import re
import struct
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import CAPTURES
from tests.transcription.audio_fixtures import (
    FixtureEncoding,
    Pcm,
    riff,
    silence,
    sparse_wav,
    stereo_call_wav,
    tone,
    write_wav,
)
from transcription.audio import (
    ALAW_TABLE,
    MULAW_TABLE,
    AudioError,
    Resampler,
    iter_blocks,
    probe,
    resample_all,
    stream_parties,
    to_mono_parties,
)

ENCODINGS: list[FixtureEncoding] = ["pcm16", "mulaw", "alaw"]


def _ramp(frames: int, channels: int) -> Pcm:
    """Every int16 value range exercised, and each channel different."""
    base = np.linspace(-32768, 32767, frames).astype(np.int16)
    return np.stack([np.roll(base, 97 * c) for c in range(channels)], axis=1)


def _assert_codec_equal(got: Pcm, written: Pcm, encoding: FixtureEncoding) -> None:
    if encoding == "pcm16":
        np.testing.assert_array_equal(got, written)
        return
    # G.711 keeps about 3 % of the magnitude, plus half the smallest step.
    error = np.abs(got.astype(np.int32) - written.astype(np.int32))
    limit = 0.035 * np.abs(written.astype(np.int32)) + 9
    limit = np.maximum(limit, 650) if encoding == "mulaw" else limit  # mu-law clips at 32635
    assert np.all(error <= np.where(np.abs(written.astype(np.int32)) > 32000, 650, limit))


def _read_all(path: Path, seconds: float = 30.0) -> Pcm:
    blocks = list(iter_blocks(path, seconds))
    return np.concatenate(blocks) if blocks else np.zeros((0, probe(path).channels), dtype=np.int16)


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("rate", [8000, 16000, 11025, 48000])
@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("extensible", [False, True])
def test_every_encoding_rate_and_layout_round_trips(
    tmp_path: Path, encoding: FixtureEncoding, rate: int, channels: int, extensible: bool
) -> None:
    written = _ramp(rate // 2 + 7, channels)
    path = write_wav(tmp_path / "r.wav", written, rate, encoding, extensible=extensible)

    info = probe(path)

    assert (info.sample_rate, info.channels, info.encoding) == (rate, channels, encoding)
    assert info.frames == len(written)
    assert info.duration_seconds == pytest.approx(len(written) / rate)
    _assert_codec_equal(_read_all(path, seconds=0.1), written, encoding)


def test_g711_tables_match_the_standard_reference_values() -> None:
    assert (MULAW_TABLE[0xFF], MULAW_TABLE[0x7F], MULAW_TABLE[0x80], MULAW_TABLE[0x00]) == (
        0,
        0,
        32124,
        -32124,
    )
    assert (ALAW_TABLE[0xD5], ALAW_TABLE[0x55], ALAW_TABLE[0xAA], ALAW_TABLE[0x2A]) == (8, -8, 32256, -32256)
    assert len(set(MULAW_TABLE.tolist())) == 255  # +0 and -0 are the same sample
    assert len(set(ALAW_TABLE.tolist())) == 256


def test_chunks_before_data_are_skipped_including_odd_sized_ones(tmp_path: Path) -> None:
    written = _ramp(801, 2)
    extra = [(b"LIST", b"INFOISFT\x03\x00\x00\x00sox"), (b"junk", b"x")]
    path = write_wav(tmp_path / "list.wav", written, 8000, extra_chunks=extra)

    np.testing.assert_array_equal(_read_all(path), written)


def _readme_recordings() -> list[tuple[str, int, float]]:
    readme = (CAPTURES / "README.md").read_text()
    rows = re.findall(r"\| `([^`]+\.wav)` \| (\d+) \| WAV 8000 Hz, 2 ch, 16-bit PCM, ([\d.]+) s", readme)
    return [(name, int(size), float(seconds)) for name, size, seconds in rows]


def test_the_fixture_readme_lists_every_recording() -> None:
    assert sorted(name for name, _, _ in _readme_recordings()) == sorted(
        p.name for p in CAPTURES.glob("*.wav")
    )


@pytest.mark.parametrize(("name", "size", "seconds"), _readme_recordings())
def test_real_asterisk_recordings_probe_as_the_readme_says(name: str, size: int, seconds: float) -> None:
    path = CAPTURES / name

    info = probe(path)

    assert (info.sample_rate, info.channels, info.encoding) == (8000, 2, "pcm16")
    assert info.duration_seconds == pytest.approx(seconds, abs=0.006)
    assert info.data_offset + info.data_bytes == size == path.stat().st_size
    assert sum(len(block) for block in iter_blocks(path, seconds=1.0)) == info.frames


def test_a_header_only_recording_has_no_frames_and_no_blocks() -> None:
    path = CAPTURES / "inbound_abandoned.1795350939.2.wav"

    assert probe(path).frames == 0
    assert list(iter_blocks(path)) == []
    assert list(stream_parties(path)) == []


def _contents(data: bytes) -> Callable[[Path], object]:
    return lambda path: path.write_bytes(data)


def _truncated_wav(path: Path) -> None:
    write_wav(path, _ramp(160000, 1), 8000)
    path.write_bytes(path.read_bytes()[: 44 + 1200])


FLOAT_FMT = struct.pack("<HHIIHH", 3, 1, 8000, 32000, 4, 32)
BAD_RECORDINGS: dict[str, tuple[Callable[[Path], object], str]] = {
    "missing": (lambda path: None, "does not exist"),
    "directory": (Path.mkdir, "is a directory, not a recording"),
    "zero-length": (_contents(b""), r"empty file \(0 bytes\)"),
    "mp3": (_contents(b"ID3\x04\x00" + b"\0" * 100), r"not a WAV file \(starts with b'ID3\\x04'\)"),
    "avi": (_contents(riff([], form=b"AVI ")), r"not a WAV file \(RIFF type b'AVI '"),
    "truncated": (_truncated_wav, "truncated: header says 320000 data bytes, file has 1200"),
    "float": (
        _contents(riff([(b"fmt ", FLOAT_FMT), (b"data", b"\0" * 16)])),
        r"unsupported encoding: IEEE float \(format 3\); MixMonitor writes PCM 16-bit, mu-law or A-law",
    ),
    "three-channels": (lambda path: write_wav(path, _ramp(10, 3), 8000), "unsupported channel count 3"),
    "4-khz": (lambda path: write_wav(path, _ramp(10, 1), 4000), "unsupported sample rate 4000 Hz"),
    "short-fmt": (_contents(riff([(b"fmt ", b"\x01\x00")])), "truncated 'fmt ' chunk"),
    "no-data": (_contents(riff([(b"LIST", b"abcd")])), r"no 'data' chunk \(chunks found: LIST\)"),
    "no-fmt": (_contents(riff([(b"data", b"\0\0")])), "no 'fmt ' chunk before the 'data' chunk"),
}


@pytest.mark.parametrize(("make", "message"), BAD_RECORDINGS.values(), ids=BAD_RECORDINGS.keys())
def test_unreadable_recordings_raise_audio_error_saying_what_and_where(
    tmp_path: Path, make: Callable[[Path], object], message: str
) -> None:
    path = tmp_path / "bad.wav"
    make(path)

    with pytest.raises(AudioError, match=message) as caught:
        probe(path)

    assert caught.value.path == path
    assert str(caught.value).startswith(f"recording {path}: ")


def test_pcm_other_than_16_bit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pcm8.wav"
    path.write_bytes(
        riff([(b"fmt ", struct.pack("<HHIIHH", 1, 1, 8000, 8000, 1, 8)), (b"data", b"\x80" * 8)])
    )

    with pytest.raises(AudioError, match="unsupported encoding: PCM 8-bit"):
        probe(path)


def test_an_unreadable_file_raises_audio_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_wav(tmp_path / "locked.wav", _ramp(10, 2), 8000)

    def refuse(file: object, mode: str = "r") -> None:
        raise PermissionError(13, "Permission denied", str(file))

    # chmod 0 proves nothing when the tests run as root (as in containers), so refuse the open itself.
    monkeypatch.setattr("builtins.open", refuse)
    with pytest.raises(AudioError, match=r"cannot be read \(permission denied\)"):
        probe(path)


def test_iter_blocks_checks_the_header_before_the_first_block(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="does not exist"):
        iter_blocks(tmp_path / "nowhere.wav")


def test_a_two_hour_stereo_recording_streams_in_bounded_memory(tmp_path: Path) -> None:
    path = sparse_wav(tmp_path / "long.wav", seconds=2 * 3600)
    assert probe(path).duration_seconds == 7200

    tracemalloc.start()
    try:
        frames = sum(len(block) for block in iter_blocks(path))
        samples = sum(len(parties["agent"]) for parties in stream_parties(path, target_rate=16000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert frames == 7200 * 8000
    assert samples == pytest.approx(7200 * 16000, abs=2)
    assert peak < 20 * 2**20


def test_stereo_splits_left_to_caller_by_default(tmp_path: Path) -> None:
    frames = stereo_call_wav(
        tmp_path / "call.wav", [(0.0, tone(300, 0.1, 8000))], [(0.0, tone(900, 0.1, 8000))]
    )
    info = probe(tmp_path / "call.wav")

    default = to_mono_parties(frames, info)
    flipped = to_mono_parties(frames, info, agent_channel="left")

    np.testing.assert_array_equal(default["caller"], frames[:, 0])
    np.testing.assert_array_equal(default["agent"], frames[:, 1])
    np.testing.assert_array_equal(flipped["caller"], frames[:, 1])
    np.testing.assert_array_equal(flipped["agent"], frames[:, 0])


def test_mono_is_one_mixed_party(tmp_path: Path) -> None:
    written = _ramp(100, 1)
    info = probe(write_wav(tmp_path / "mono.wav", written, 8000))

    parties = to_mono_parties(written, info)

    assert list(parties) == ["mixed"]
    np.testing.assert_array_equal(parties["mixed"], written[:, 0])


def test_an_unknown_agent_channel_is_refused(tmp_path: Path) -> None:
    info = probe(write_wav(tmp_path / "s.wav", _ramp(10, 2), 8000))

    with pytest.raises(ValueError, match="agent_channel must be 'left' or 'right', got 'centre'"):
        to_mono_parties(_ramp(10, 2), info, agent_channel="centre")  # type: ignore[arg-type]


def _spectrum(pcm: Pcm, rate: int) -> tuple[np.ndarray, np.ndarray]:
    magnitude = np.abs(np.fft.rfft(pcm.astype(np.float64) * np.hanning(len(pcm))))
    return np.fft.rfftfreq(len(pcm), 1 / rate), magnitude


def test_resampling_8_to_16_khz_keeps_a_tone_and_adds_no_images() -> None:
    up = resample_all(tone(1000, 1.0, 8000), 8000, 16000)
    freqs, magnitude = _spectrum(up[1000:-1000], 16000)
    repeated_freqs, repeated = _spectrum(np.repeat(tone(1000, 1.0, 8000), 2)[1000:-1000], 16000)

    assert len(up) == 16000
    assert freqs[np.argmax(magnitude)] == pytest.approx(1000, abs=2)
    # Sample repetition mirrors the tone to 7 kHz; a real filter leaves the band above 4 kHz empty.
    assert magnitude[freqs > 4200].max() < 1e-3 * magnitude.max()
    assert repeated[repeated_freqs > 4200].max() > 0.1 * repeated.max()


def test_block_by_block_resampling_equals_resampling_at_once() -> None:
    signal = tone(440, 2.0, 8000)
    resampler = Resampler(8000, 16000)
    pieces = [resampler.process(signal[i : i + 1234]) for i in range(0, len(signal), 1234)]

    streamed = np.concatenate([*pieces, resampler.flush()])

    # Only rounding differs (a few LSB, -70 dBFS); a click at a block edge would be thousands.
    assert np.abs(streamed.astype(np.int32) - resample_all(signal, 8000, 16000)).max() <= 4


def test_equal_rates_pass_samples_through_unchanged() -> None:
    signal = tone(440, 0.1, 16000)

    np.testing.assert_array_equal(resample_all(signal, 16000, 16000), signal)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_stream_parties_gives_each_party_its_own_audio_at_the_target_rate(
    tmp_path: Path, encoding: FixtureEncoding
) -> None:
    path = tmp_path / "call.wav"
    stereo_call_wav(path, [(0.0, tone(300, 3.0, 8000))], [(1.0, tone(900, 2.0, 8000))], encoding=encoding)

    blocks = list(stream_parties(path, target_rate=16000, seconds=0.5))
    caller = np.concatenate([b["caller"] for b in blocks])
    agent = np.concatenate([b["agent"] for b in blocks])

    assert len(caller) == len(agent) == pytest.approx(48000, abs=2)
    for pcm, freq in ((caller, 300), (agent[20000:], 900)):
        freqs, magnitude = _spectrum(pcm, 16000)
        assert freqs[np.argmax(magnitude)] == pytest.approx(freq, abs=2)
    assert np.abs(agent[:15000]).max() < 50  # the agent was silent for the first second


def test_silence_helper_is_silent() -> None:
    assert not silence(0.5, 8000).any()
