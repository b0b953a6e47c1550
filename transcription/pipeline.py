"""From a stereo recording to each party's words: split, resample, find speech, decode only speech.

Each party (caller and agent are on separate channels, so who spoke is known,
not guessed) is streamed block by block through a :class:`SpeechTracker`; each
speech segment, once closed, is decoded on its own. Silence — more than half
of each party's side of a call — is never decoded, which is where the speed
comes from. Memory is bounded by the block size plus the longest segment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from transcription.audio import AGENT, CALLER, MIXED, Side, probe, stream_parties
from transcription.redaction import Word
from transcription.result import Segment
from transcription.vad import SpeechTracker

Decode = Callable[[npt.NDArray[np.int16], float], list[Word]]
#: Makes a decoder for one party's stream (one recogniser per party, reused across its segments).
NewDecoder = Callable[[], Decode]
#: A speech segment is cut here even without a pause (bounds memory and the recogniser's work).
MAX_SEGMENT_SECONDS = 120.0


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    sample_rate: int = 16000
    agent_channel: Side = "right"
    vad_aggressiveness: int = 2
    block_seconds: float = 30.0
    #: What to call the party on the other channel from the agent: ``caller``, or ``customer`` outbound.
    external_party: str = CALLER


@dataclass(slots=True)
class PartyAudio:
    """What the pipeline found in a recording."""

    audio_seconds: float
    speech_seconds: float = 0.0
    segments: list[Segment] = field(default_factory=list)


class _PartyDecoder:
    """One party's stream: VAD segments in, decoded segments out, holding only what may still be needed."""

    def __init__(self, speaker: str, decode: Decode, rate: int, aggressiveness: int) -> None:
        self.speaker, self.decode, self.rate = speaker, decode, rate
        self.tracker = SpeechTracker(rate, aggressiveness=aggressiveness)
        self.buffer = np.zeros(0, dtype=np.int16)
        self.buffer_start = 0  # sample index of buffer[0]
        self.segments: list[Segment] = []
        self.speech_seconds = 0.0
        self.decoded_until = 0  # sample index: no later segment starts before it

    def feed(self, pcm: npt.NDArray[np.int16]) -> None:
        self.buffer = np.concatenate([self.buffer, pcm])
        for start, end in self.tracker.feed(pcm):
            self._decode(start, end)
        self._trim()

    def finish(self) -> None:
        for start, end in self.tracker.finish():
            self._decode(start, end)

    def _decode(self, start: float, end: float) -> None:
        begin = max(int(start * self.rate), self.buffer_start)
        stop = int(end * self.rate)
        audio = self.buffer[begin - self.buffer_start : stop - self.buffer_start]
        self.speech_seconds += end - start
        self.decoded_until = max(self.decoded_until, stop)
        words = self.decode(audio, begin / self.rate)
        if words:
            self.segments.append(Segment(self.speaker, start, end, words))

    def _trim(self) -> None:
        """Drop audio no segment can reach back to any more."""
        horizon = self.buffer_start + len(self.buffer) - int(MAX_SEGMENT_SECONDS * self.rate)
        keep_from = max(self.buffer_start, self.decoded_until, horizon)
        if keep_from > self.buffer_start:
            self.buffer = self.buffer[keep_from - self.buffer_start :].copy()
            self.buffer_start = keep_from


def transcribe_audio(
    path: Path, new_decoder: NewDecoder, options: PipelineOptions | None = None
) -> PartyAudio:
    """Every party's speech in the recording at ``path``, decoded; segments in time order."""
    options = options or PipelineOptions()
    info = probe(path)
    names = {CALLER: options.external_party, AGENT: AGENT, MIXED: MIXED}
    decoders: dict[str, _PartyDecoder] = {}
    for parties in stream_parties(path, options.sample_rate, options.agent_channel, options.block_seconds):
        for party, pcm in parties.items():
            if party not in decoders:
                decoders[party] = _PartyDecoder(
                    names[party], new_decoder(), options.sample_rate, options.vad_aggressiveness
                )
            decoders[party].feed(pcm)
    result = PartyAudio(audio_seconds=info.duration_seconds)
    for decoder in decoders.values():
        decoder.finish()
        result.segments += decoder.segments
        result.speech_seconds += decoder.speech_seconds
    result.segments.sort(key=lambda segment: (segment.start, segment.speaker))
    return result
