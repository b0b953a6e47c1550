"""Where the speech is: WebRTC voice-activity detection turned into padded, merged segments.

Only speech is worth sending to the recogniser. Frames are classified by ``webrtcvad``; runs of
speech closer than ``merge_gap_ms`` become one segment, segments shorter than ``min_speech_ms``
are dropped as blips (a cough, a click), and each survivor is widened by ``padding_ms`` so the
first and last words are not clipped. Segments are ``(start, end)`` in seconds.

:func:`speech_segments` does a whole signal at once; :class:`SpeechTracker` does the same work
block by block, for recordings too long to hold, and gives exactly the same segments.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import webrtcvad

Segment = tuple[float, float]
#: Says whether one frame (int16 mono samples) is speech.
Detector = Callable[[npt.NDArray[np.int16]], bool]

VAD_RATES = (8000, 16000, 32000, 48000)
VAD_FRAME_MS = (10, 20, 30)


def webrtc_detector(rate: int, aggressiveness: int = 2) -> Detector:
    """WebRTC's detector for frames at ``rate``; ``aggressiveness`` 0 (lenient) .. 3 (strict)."""
    if rate not in VAD_RATES:
        raise ValueError(f"webrtcvad needs a sample rate of {VAD_RATES} Hz, got {rate}; resample first")
    if aggressiveness not in (0, 1, 2, 3):
        raise ValueError(f"aggressiveness must be 0..3, got {aggressiveness}")
    vad = webrtcvad.Vad(aggressiveness)

    def is_speech(frame: npt.NDArray[np.int16]) -> bool:
        return bool(vad.is_speech(frame.astype("<i2").tobytes(), rate))

    return is_speech


class SpeechTracker:
    """Finds speech segments in a stream fed block by block, with a running offset.

    :meth:`feed` returns the segments that later audio can no longer change; :meth:`finish`
    returns the rest. Memory holds less than one frame of samples and at most two open segments.
    """

    def __init__(
        self,
        rate: int,
        *,
        aggressiveness: int = 2,
        frame_ms: int = 30,
        min_speech_ms: int = 200,
        padding_ms: int = 300,
        merge_gap_ms: int = 400,
        detector: Detector | None = None,
    ) -> None:
        if frame_ms not in VAD_FRAME_MS:
            raise ValueError(f"frame_ms must be one of {VAD_FRAME_MS}, got {frame_ms}")
        self.rate = rate
        self._detect = detector or webrtc_detector(rate, aggressiveness)
        self._frame = rate * frame_ms // 1000
        self._min_speech = rate * min_speech_ms // 1000
        self._padding = rate * padding_ms // 1000
        self._merge_gap = rate * merge_gap_ms // 1000
        self._leftover = np.zeros(0, dtype=np.int16)
        self._position = 0  # samples classified so far
        self._run: tuple[int, int] | None = None  # speech being merged, unpadded
        self._kept: tuple[int, int] | None = None  # padded, may still grow into the next segment
        self._finished = False

    def feed(self, pcm: npt.NDArray[np.int16]) -> list[Segment]:
        """Classify the next stretch of the stream; the segments now closed for good."""
        if self._finished:
            raise RuntimeError("SpeechTracker.feed() after finish(): start a new tracker")
        samples = np.concatenate([self._leftover, _mono_int16(pcm)])
        closed: list[tuple[int, int]] = []
        usable = len(samples) - len(samples) % self._frame
        for start in range(0, usable, self._frame):
            if self._detect(samples[start : start + self._frame]):
                closed += self._speech(self._position, self._position + self._frame)
            self._position += self._frame
        self._leftover = samples[usable:].copy()
        closed += self._settle()
        return self._seconds(closed)

    def finish(self) -> list[Segment]:
        """The segments still open; the stream has ended."""
        self._finished = True
        closed = self._close_run()
        if self._kept is not None:
            end = min(self._kept[1], self._position + len(self._leftover))
            closed.append((self._kept[0], end))
            self._kept = None
        return self._seconds(closed)

    def _speech(self, start: int, end: int) -> list[tuple[int, int]]:
        if self._run is not None and start - self._run[1] < self._merge_gap:
            self._run = (self._run[0], end)
            return []
        closed = self._close_run()
        self._run = (start, end)
        return closed

    def _settle(self) -> list[tuple[int, int]]:
        """Close what no later speech could merge with any more."""
        closed: list[tuple[int, int]] = []
        if self._run is not None and self._position - self._run[1] >= self._merge_gap:
            closed = self._close_run()
        # A later segment starts at the open run or after the audio so far, and is padded backwards.
        earliest = self._run[0] if self._run is not None else self._position
        if self._kept is not None and earliest - self._padding > self._kept[1]:
            closed.append(self._kept)
            self._kept = None
        return closed

    def _close_run(self) -> list[tuple[int, int]]:
        """Drop the open run if it is a blip, else pad it and join it to the kept segment it reaches."""
        run, self._run = self._run, None
        if run is None or run[1] - run[0] < self._min_speech:
            return []
        padded = (max(0, run[0] - self._padding), run[1] + self._padding)
        if self._kept is not None and padded[0] <= self._kept[1]:
            self._kept = (self._kept[0], max(self._kept[1], padded[1]))
            return []
        closed, self._kept = ([self._kept] if self._kept else []), padded
        return closed

    def _seconds(self, segments: list[tuple[int, int]]) -> list[Segment]:
        return [(start / self.rate, end / self.rate) for start, end in segments]


def speech_segments(
    pcm: npt.NDArray[np.int16],
    rate: int,
    *,
    aggressiveness: int = 2,
    frame_ms: int = 30,
    min_speech_ms: int = 200,
    padding_ms: int = 300,
    merge_gap_ms: int = 400,
) -> list[Segment]:
    """The speech segments of a whole int16 mono signal at ``rate`` (8, 16, 32 or 48 kHz), in seconds."""
    tracker = SpeechTracker(
        rate,
        aggressiveness=aggressiveness,
        frame_ms=frame_ms,
        min_speech_ms=min_speech_ms,
        padding_ms=padding_ms,
        merge_gap_ms=merge_gap_ms,
    )
    return tracker.feed(pcm) + tracker.finish()


def speech_ratio(segments: Sequence[Segment], duration: float) -> float:
    """The share of ``duration`` seconds covered by (non-overlapping) ``segments``, 0.0 .. 1.0."""
    if duration <= 0:
        return 0.0
    covered = sum(max(0.0, end - start) for start, end in segments)
    return min(1.0, covered / duration)


def _mono_int16(pcm: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
    if pcm.dtype != np.int16 or pcm.ndim != 1:
        raise ValueError(f"expected int16 mono samples, got {pcm.dtype} shaped {pcm.shape}")
    return pcm
