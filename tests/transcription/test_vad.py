"""Voice-activity detection: real speech found, silence left alone, streaming equal to one shot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from tests.transcription.audio_fixtures import Pcm, espeak_wav, silence, tone
from transcription.vad import SpeechTracker, speech_ratio, speech_segments

PHRASES = ("Good morning, you are through to the faults line.", "My street light has been out for a week.")


def _audible_span(pcm: Pcm, offset: float, rate: int) -> tuple[float, float]:
    """Where the waveform is clearly non-silent: the truth the detector is measured against."""
    loud = np.nonzero(np.abs(pcm) > 500)[0]
    return offset + loud[0] / rate, offset + loud[-1] / rate


def _conversation(tmp_path: Path, rate: int) -> tuple[Pcm, list[tuple[float, float]]]:
    """1 s of silence, a phrase, 2 s of silence, another phrase, 1 s of silence; and the true spans."""
    first = espeak_wav(PHRASES[0], tmp_path / "first.wav", rate)
    second = espeak_wav(PHRASES[1], tmp_path / "second.wav", rate)
    second_at = 1.0 + len(first) / rate + 2.0
    signal = np.concatenate([silence(1.0, rate), first, silence(2.0, rate), second, silence(1.0, rate)])
    return signal, [_audible_span(first, 1.0, rate), _audible_span(second, second_at, rate)]


@pytest.mark.parametrize("rate", [8000, 16000])
def test_speech_between_silences_is_found_where_it_is(tmp_path: Path, rate: int) -> None:
    signal, truth = _conversation(tmp_path, rate)

    found = speech_segments(signal, rate, padding_ms=0)

    assert len(found) == len(truth)
    for (start, end), (true_start, true_end) in zip(found, truth, strict=True):
        assert start == pytest.approx(true_start, abs=0.3)
        assert end == pytest.approx(true_end, abs=0.3)


@pytest.mark.parametrize("rate", [8000, 16000])
def test_nothing_is_found_in_the_silence_between_phrases(tmp_path: Path, rate: int) -> None:
    signal, truth = _conversation(tmp_path, rate)
    # Clear of the 300 ms padding and the detector's own ~100 ms hang-over: over a second of silence.
    quiet = (truth[0][1] + 0.5, truth[1][0] - 0.5)

    found = speech_segments(signal, rate)

    assert len(found) == 2
    assert all(end <= quiet[0] or start >= quiet[1] for start, end in found)
    assert found[0][0] == pytest.approx(truth[0][0] - 0.3, abs=0.3)


def test_silence_and_a_quiet_line_have_no_speech() -> None:
    assert speech_segments(silence(5.0, 8000), 8000) == []
    assert speech_segments(np.zeros(0, dtype=np.int16), 8000) == []


@pytest.mark.parametrize("block", [1, 239, 480, 4000, 16001])
def test_the_streaming_tracker_gives_the_one_shot_segments_across_block_boundaries(
    tmp_path: Path, block: int
) -> None:
    signal, _ = _conversation(tmp_path, 8000)
    signal = signal if block > 1 else signal[:12000]  # one sample at a time is slow; keep it short
    tracker = SpeechTracker(8000)

    streamed = [seg for i in range(0, len(signal), block) for seg in tracker.feed(signal[i : i + block])]
    streamed += tracker.finish()

    assert streamed == speech_segments(signal, 8000)


def test_the_tracker_hands_back_a_segment_once_later_audio_cannot_change_it(tmp_path: Path) -> None:
    signal, truth = _conversation(tmp_path, 8000)
    cut = round((truth[1][0] - 0.5) * 8000)  # in the silence, before the second phrase's padding
    tracker = SpeechTracker(8000)

    early = tracker.feed(signal[:cut])

    assert len(early) == 1
    assert tracker.feed(signal[cut:]) + tracker.finish() == speech_segments(signal, 8000)[1:]


def _loud(frame: npt.NDArray[np.int16]) -> bool:
    """A fake detector: speech is anything loud, so the segment rules can be tested exactly."""
    return bool(np.abs(frame).max() > 1000)


def _segments(signal: Pcm, **settings: int) -> list[tuple[float, float]]:
    tracker = SpeechTracker(8000, detector=_loud, **settings)
    return tracker.feed(signal) + tracker.finish()


def _bursts(*spans: tuple[float, float], total: float = 6.0) -> Pcm:
    signal = silence(total, 8000)
    for start, end in spans:
        signal[round(start * 8000) : round(end * 8000)] = tone(500, end - start, 8000)
    return signal


def test_blips_shorter_than_min_speech_are_dropped() -> None:
    signal = _bursts((1.02, 1.11), (3.0, 3.6))

    assert _segments(signal, padding_ms=0) == [(3.0, 3.6)]


def test_segments_closer_than_the_merge_gap_become_one() -> None:
    signal = _bursts((1.02, 1.5), (1.8, 2.4), (3.5, 4.1))

    assert _segments(signal, padding_ms=0) == [(1.02, 2.4), (3.48, 4.11)]


def test_padding_widens_segments_but_not_past_the_recording() -> None:
    signal = _bursts((0.1, 0.7), (5.5, 6.0))

    assert _segments(signal) == [(0.0, 1.02), (5.19, 6.0)]


def test_padded_segments_that_touch_are_joined() -> None:
    signal = _bursts((1.02, 1.5), (2.0, 2.6))  # 500 ms apart: over the merge gap, under twice the padding

    assert _segments(signal) == [(0.72, 2.91)]


def test_speech_ratio_is_the_share_of_the_recording_that_is_speech() -> None:
    assert speech_ratio([(1.0, 2.0), (3.0, 4.5)], 10.0) == pytest.approx(0.25)
    assert speech_ratio([], 10.0) == 0.0
    assert speech_ratio([(0.0, 1.0)], 0.0) == 0.0


def test_rates_and_frame_lengths_webrtcvad_cannot_take_are_refused() -> None:
    with pytest.raises(ValueError, match="sample rate"):
        speech_segments(silence(1.0, 11025), 11025)
    with pytest.raises(ValueError, match="frame_ms must be one of"):
        speech_segments(silence(1.0, 8000), 8000, frame_ms=25)


def test_samples_that_are_not_int16_mono_are_refused() -> None:
    with pytest.raises(ValueError, match="expected int16 mono samples, got float64"):
        speech_segments(np.zeros(800), 8000)  # type: ignore[arg-type]
