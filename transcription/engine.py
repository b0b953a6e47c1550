"""Speech recognisers: Vosk (one model per process, one recogniser per stream) and the demo's script.

``VoskEngine`` is built once per worker process (loading a model takes
seconds and hundreds of MB) and decodes one speech segment at a time with a
fresh ``KaldiRecognizer``, so each segment's word times start from zero and
are shifted by the segment's place in the recording.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from transcription.redaction import Word

#: Bytes fed to the recogniser at a time: Vosk's own examples use 4,000-frame reads.
FEED_SAMPLES = 8000


@dataclass(frozen=True, slots=True)
class EngineInfo:
    """What produced a transcript, stored with it."""

    engine: str
    model: str | None
    language: str | None
    sample_rate: int


class VoskEngine:
    """A loaded Vosk model and the segment decoder built on it."""

    def __init__(self, model_path: Path, language: str | None, sample_rate: int = 16000) -> None:
        import vosk  # imported here: loading the native library is only worth it in workers

        vosk.SetLogLevel(-1)
        self._vosk = vosk
        self.model = vosk.Model(str(model_path))
        self.info = EngineInfo(
            "vosk",
            model_path.name if model_path.name != "model" else model_path.parent.name,
            language,
            sample_rate,
        )

    def decode(self, pcm: npt.NDArray[np.int16], offset: float) -> list[Word]:
        """The words in one stretch of mono audio, with a recogniser of its own (raw, whole-file decoding)."""
        return self.decoder()(pcm, offset)

    def decoder(self) -> Callable[[npt.NDArray[np.int16], float], list[Word]]:
        """A decoder for one party's stream: speech segments fed in order to one recogniser.

        One recogniser per stream, not per segment: a fresh one starts its speaker adaptation
        (i-vector) from nothing and decodes the same speech about twice as slowly. Vosk keeps
        counting time over all the audio fed to it, so each segment's words are shifted from
        "time fed so far" to the segment's place in the recording.
        """
        recogniser = self._vosk.KaldiRecognizer(self.model, self.info.sample_rate)
        recogniser.SetWords(True)
        fed = 0.0

        def decode(pcm: npt.NDArray[np.int16], offset: float) -> list[Word]:
            nonlocal fed
            shift = offset - fed
            words: list[Word] = []
            data = np.ascontiguousarray(pcm, dtype="<i2")
            for start in range(0, len(data), FEED_SAMPLES):
                if recogniser.AcceptWaveform(data[start : start + FEED_SAMPLES].tobytes()):
                    words += _words(recogniser.Result(), shift)
            words += _words(recogniser.FinalResult(), shift)
            fed += len(data) / self.info.sample_rate
            return words

        return decode


def _words(result_json: str, offset: float) -> list[Word]:
    result = json.loads(result_json)
    return [
        Word(
            item["word"],
            offset + float(item["start"]),
            offset + float(item["end"]),
            float(item.get("conf", 1.0)),
        )
        for item in result.get("result", [])
        if item.get("word")
    ]
