"""The demo's transcripts when no speech model for the calls' language is installed.

The simulator writes what each party said beside each recording
(``<Linkedid>.script.json``). Such a transcript is stored with engine
``script`` and shown as such; it is never passed off as recognised speech.
"""

from __future__ import annotations

import json
from pathlib import Path

from transcription.redaction import Word
from transcription.result import Segment

EXTERNAL = {"caller", "customer"}


def script_path(recording: Path) -> Path:
    return recording.with_suffix(".script.json")


def read_script(recording: Path, external_label: str) -> list[Segment] | None:
    """The scripted turns of a recording, words spread evenly over each turn; None if there is no script."""
    path = script_path(recording)
    if not path.exists():
        return None
    segments = []
    for entry in json.loads(path.read_text(encoding="utf-8")):
        speaker = external_label if entry["speaker"] in EXTERNAL else "agent"
        start, end, words = float(entry["start"]), float(entry["end"]), str(entry["text"]).split()
        step = (end - start) / max(len(words), 1)
        segments.append(
            Segment(
                speaker,
                start,
                end,
                [Word(word, start + i * step, start + (i + 1) * step, 1.0) for i, word in enumerate(words)],
            )
        )
    return sorted(segments, key=lambda segment: (segment.start, segment.speaker))
