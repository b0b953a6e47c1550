"""The one place that builds and wires the suite's parts from settings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from callcentre.db import make_engine
from callcentre.schema import ensure_current
from callcentre.settings import Settings
from callcentre.worker import JobHandler, JobRunner
from qa.call_type import parse_queue_types
from qa.job import ScoreHandler
from qa.learned_scoring import LearnedVerdicts
from qa.library import load_library
from qa.ml.detectors_store import ensure_detectors, latest_detectors
from qa.ml.store import ensure_models, load_models
from qa.scorer import Scorer
from telephony.builder import BuildOptions
from telephony.recordings import RecordingLocator
from telephony.service import CallLogger
from telephony.supervisor import LoggerSupervisor, SupervisorOptions
from transcription.audio import Side
from transcription.engine import EngineInfo, VoskEngine
from transcription.job import CallAudio, Recogniser, TranscribeHandler
from transcription.model_store import ModelMissing, model_language, resolve_model
from transcription.pipeline import PipelineOptions
from transcription.result import Segment
from transcription.script import read_script

log = logging.getLogger(__name__)


@dataclass
class App:
    """Everything a command needs, built once."""

    settings: Settings
    engine: Engine

    def call_logger(self) -> CallLogger:
        """A call logger writing to this app's database."""
        return CallLogger(
            self.engine,
            grace=self.settings.logger.end_grace_seconds,
            build_options=BuildOptions(phone_region=self.settings.phone_region),
            recordings=RecordingLocator(self.settings.recordings_root, self.settings.pbx_recordings_dir),
            recording_wait_seconds=self.settings.logger.recording_wait_seconds,
            dead_letter=self.settings.data_dir / "dead-letter.jsonl",
        )

    def supervisor(self, logger: CallLogger) -> LoggerSupervisor:
        """The AMI supervisor that keeps ``logger`` fed."""
        options = SupervisorOptions(
            flush_interval=self.settings.logger.flush_interval, batch_size=self.settings.logger.batch_size
        )
        return LoggerSupervisor(self.settings.ami, logger, options)

    def recogniser(self, *, allow_script: bool = False) -> Recogniser:
        """The configured Vosk model, loaded (seconds; once per process).

        With ``allow_script`` (the demo), a missing model falls back to the simulator's scripts.
        """
        settings = self.settings.transcription
        try:
            path = resolve_model(settings.model, settings.resolved_models_dir(self.settings.data_dir))
        except ModelMissing:
            if not allow_script:
                raise
            return script_recogniser()
        engine = VoskEngine(path, model_language(path))
        return Recogniser(engine.info, new_decoder=engine.decoder)

    def transcribe_handler(self, recogniser: Recogniser) -> TranscribeHandler:
        """The ``transcribe`` job handler with this app's settings."""
        settings = self.settings.transcription
        options = PipelineOptions(
            agent_channel=_side(settings.agent_channel), vad_aggressiveness=settings.vad_aggressiveness
        )
        return TranscribeHandler(
            self.engine,
            recogniser,
            options=options,
            default_language=settings.default_language,
            redacted_dir=self.settings.data_dir / "redacted" if settings.redact_audio else None,
        )

    def scorer(self, *, train: bool = True) -> Scorer:
        """The QA scorer: the configured scorecards, the call-reason and sentiment models, and the
        learned detectors for the criteria named in ``qa.learned_criteria``.

        With ``train``, a model not trained yet is trained from the shipped corpus and kept (about a
        minute, once); without, scoring goes on without it (call types then come from call records
        only, and every criterion keeps its phrase verdict).
        """
        settings = self.settings.qa
        library = load_library(settings.resolved_scorecards_dir(), settings.municipality_names())
        for error in library.errors:
            log.error("%s", error)
        models = settings.resolved_models_dir(self.settings.data_dir)
        reason, sentiment = ensure_models(models) if train else load_models(models)
        queue_types = parse_queue_types(settings.queue_call_types)
        phrases = Scorer(library, queue_types=queue_types, min_words=settings.min_words)
        learned = None
        criteria = settings.learned_criteria_list()
        if criteria:
            found = ensure_detectors(models, phrases) if train else latest_detectors(models)
            learned = LearnedVerdicts(found[0], criteria, found[1]) if found else None
        return Scorer(
            library,
            reason_model=reason,
            sentiment_model=sentiment,
            queue_types=queue_types,
            min_words=settings.min_words,
            learned=learned,
        )

    def score_handler(self, scorer: Scorer | Callable[[], Scorer]) -> ScoreHandler:
        """The ``score`` job handler (``scorer`` may be built lazily, on the first score job)."""
        return ScoreHandler(self.engine, scorer)

    def job_runner(self, handlers: list[JobHandler]) -> JobRunner:
        settings = self.settings.transcription
        return JobRunner(self.engine, handlers, lease_seconds=settings.lease_seconds)


def script_recogniser() -> Recogniser:
    """Transcripts from the simulator's scripts, stored with engine ``script``."""

    def script(call: CallAudio) -> list[Segment] | None:
        return read_script(call.recording, "customer" if call.direction == "outbound" else "caller")

    return Recogniser(EngineInfo("script", None, None, 16000), script=script)


def _side(value: str) -> Side:
    if value not in ("left", "right"):
        raise ValueError(f"transcription.agent_channel must be 'left' or 'right', not {value!r}")
    return "left" if value == "left" else "right"


def build_app(settings: Settings, *, check_schema: bool = True) -> App:
    """Connect to the database and (unless told not to) refuse an out-of-date schema."""
    engine = make_engine(settings.sqlalchemy_url())
    if check_schema:
        ensure_current(engine)
    return App(settings=settings, engine=engine)
