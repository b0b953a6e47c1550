"""The ``transcribe`` job: a call's recording in, a redacted transcript (or a review reason) out.

On success the ``score`` job of the call is queued in the same transaction.
Input that can never work (a recording gone, not a WAV, an encoding we do not
read) fails the job at once with a message a person can act on; anything else
is retried by the runner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

from callcentre import jobs
from callcentre.worker import PermanentJobError
from telephony.models import Call
from transcription import store
from transcription.audio import AudioError, probe
from transcription.engine import EngineInfo
from transcription.pipeline import NewDecoder, PipelineOptions, transcribe_audio
from transcription.redact_audio import UnsupportedWav, silence_spans
from transcription.redaction import RedactionRules, redact_words
from transcription.result import DONE, HUMAN_REVIEW, Segment, SpanRecord, TranscriptResult

log = logging.getLogger(__name__)
TRANSCRIBE, SCORE = "transcribe", "score"


@dataclass(frozen=True, slots=True)
class CallAudio:
    """What the job needs to know about the call."""

    linkedid: str
    recording: Path
    direction: str
    language: str


@dataclass(frozen=True, slots=True)
class Recogniser:
    """A decoder and what it is (``script`` engines come with their own segments instead)."""

    info: EngineInfo
    new_decoder: NewDecoder | None = None
    script: Callable[[CallAudio], list[Segment] | None] | None = None


class TranscribeHandler:
    """Runs ``transcribe`` jobs with one recogniser (loaded once per worker process)."""

    kind = TRANSCRIBE

    def __init__(
        self,
        engine: Engine,
        recogniser: Recogniser,
        *,
        options: PipelineOptions | None = None,
        rules: RedactionRules | None = None,
        default_language: str = "en",
        redacted_dir: Path | None = None,
    ) -> None:
        self.engine = engine
        self.recogniser = recogniser
        self.options = options or PipelineOptions()
        self.rules = rules or RedactionRules()
        self.default_language = default_language
        self.redacted_dir = redacted_dir

    def prepare(self, claim: jobs.Claim) -> TranscriptResult:
        call = self.call_audio(claim.subject)
        return self.transcribe(call)

    def commit(self, connection: Connection, claim: jobs.Claim, result: Any) -> None:
        store.save_transcript(connection, result)
        if result.status == DONE:
            jobs.enqueue(connection, SCORE, result.linkedid)

    def call_audio(self, linkedid: str) -> CallAudio:
        """The call's recording, direction and language, from its call record."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(Call.recording_path, Call.direction, Call.variables).where(Call.linkedid == linkedid)
            ).first()
        if row is None:
            raise PermanentJobError(f"call {linkedid} has no call record")
        if not row.recording_path:
            raise PermanentJobError(f"call {linkedid} has no recording")
        language = (row.variables or {}).get("CC_LANGUAGE") or self.default_language
        return CallAudio(linkedid, Path(row.recording_path), row.direction, str(language).lower())

    def transcribe(self, call: CallAudio) -> TranscriptResult:
        """Transcribe one call's recording (also used directly by ``callcentre transcribe``)."""
        info = self.recogniser.info
        result = TranscriptResult(call.linkedid, DONE, info.engine, info.model, call.language)
        if info.language and not _same_language(info.language, call.language):
            result.status = HUMAN_REVIEW
            result.review_reason = (
                f"no speech model for language '{call.language}' (the configured model covers "
                f"'{info.language}'): a person must review this call"
            )
            return result
        segments = self._segments(call, result)
        self._redact(call, result, segments)
        if not result.segments:
            result.status = HUMAN_REVIEW
            result.review_reason = result.review_reason or (
                f"no recognisable speech in {result.audio_seconds:.1f} s of audio "
                f"({result.speech_seconds:.1f} s sounded like speech)"
            )
        return result

    def _segments(self, call: CallAudio, result: TranscriptResult) -> list[Segment]:
        options = PipelineOptions(
            self.options.sample_rate,
            self.options.agent_channel,
            self.options.vad_aggressiveness,
            self.options.block_seconds,
            "customer" if call.direction == "outbound" else "caller",
        )
        try:
            result.audio_seconds = probe(call.recording).duration_seconds
            if self.recogniser.script is not None:
                scripted = self.recogniser.script(call)
                if scripted is not None:
                    result.speech_seconds = sum(segment.end - segment.start for segment in scripted)
                    return scripted
            if self.recogniser.new_decoder is None:
                result.review_reason = "no speech model is installed and the recording has no script"
                return []
            audio = transcribe_audio(call.recording, self.recogniser.new_decoder, options)
        except AudioError as exc:
            raise PermanentJobError(str(exc)) from exc
        result.speech_seconds = audio.speech_seconds
        return audio.segments

    def _redact(self, call: CallAudio, result: TranscriptResult, segments: list[Segment]) -> None:
        for segment in segments:
            words, spans = redact_words(segment.words, self.rules)
            result.segments.append(Segment(segment.speaker, segment.start, segment.end, words))
            result.redactions += [
                SpanRecord(span.kind, segment.speaker, span.start, span.end) for span in spans
            ]
        if result.redactions and self.redacted_dir is not None:
            result.redacted_audio_path = self._redacted_audio(call, result.redactions)

    def _redacted_audio(self, call: CallAudio, spans: list[SpanRecord]) -> str | None:
        """A copy of the recording with every redacted span silenced (what the dashboard plays)."""
        assert self.redacted_dir is not None
        self.redacted_dir.mkdir(parents=True, exist_ok=True)
        target = self.redacted_dir / f"{call.linkedid}.wav"
        try:
            silence_spans(call.recording, target, [(span.start, span.end) for span in spans])
        except (UnsupportedWav, OSError) as exc:
            log.warning(
                "call %s: no redacted copy of the audio (%s); the original must not be played",
                call.linkedid,
                exc,
            )
            return None
        return str(target)


def _same_language(model_language: str, call_language: str) -> bool:
    return model_language.split("-")[0] == call_language.split("-")[0]
