"""The one place that builds and wires the suite's parts from settings."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from callcentre.db import make_engine
from callcentre.schema import ensure_current
from callcentre.settings import Settings
from telephony.builder import BuildOptions
from telephony.recordings import RecordingLocator
from telephony.service import CallLogger
from telephony.supervisor import LoggerSupervisor, SupervisorOptions


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


def build_app(settings: Settings, *, check_schema: bool = True) -> App:
    """Connect to the database and (unless told not to) refuse an out-of-date schema."""
    engine = make_engine(settings.sqlalchemy_url())
    if check_schema:
        ensure_current(engine)
    return App(settings=settings, engine=engine)
