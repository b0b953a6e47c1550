"""A seeded call centre for the dashboard's tests: real captures replayed, transcripts scored, users.

Calls (all on 2026-11-22, Africa/Johannesburg):

* ``1795350910.0`` Thandi Mokoena, faults, a good call; the caller's ID number is redacted and there
  is no redacted copy of the audio (so the original must not be played).
* ``1795351104.12`` Thandi Mokoena, faults then accounts (transferred), a poor call.
* ``1795351038.6`` Thandi Mokoena, outbound, not transcribed.
* ``1795350961.3`` Pieter van Wyk, accounts (via the IVR), a good call.
* ``1795351141.15`` Pieter van Wyk, accounts, with a hold; an ID number redacted *and* a redacted copy.
* ``1795350939.2`` abandoned in the faults queue; ``1795351001.5`` served by the IVR.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from sqlalchemy import Engine, select, update
from streamlit.testing.v1 import AppTest

import dashboard
from callcentre.db import make_engine
from callcentre.schema import upgrade
from callcentre.settings import QaSettings
from dashboard import users
from qa.call_type import parse_queue_types
from qa.job import ScoreHandler
from qa.library import load_library
from qa.models import Score
from qa.scorer import Scorer
from qa.store import import_transcript
from qa.transcript import parse_transcript
from telephony.recordings import RecordingLocator
from tests.conftest import CAPTURES, Database, capture, unmigrated_database
from tests.telephony.helpers import replay
from transcription.models import Redaction, Transcript
from transcription.redact_audio import silence_spans

PBX_DIR = "/srv/asterisk-rec"
APP = Path(dashboard.__file__).with_name("app.py")
REPLAYED: tuple[str, ...] = ("inbound_answered", "inbound_abandoned", "ivr_to_queue", "hold", "transfer")
REPLAYED += ("outbound_answered", "ivr_self_service")
THANDI, PIETER = "Thandi Mokoena", "Pieter van Wyk"
GOOD_FAULT, POOR_FAULT, OUTBOUND = "1795350910.0", "1795351104.12", "1795351038.6"
GOOD_ACCOUNT, HOLD_CALL, ABANDONED = "1795350961.3", "1795351141.15", "1795350939.2"
ID_NUMBER = "8001015009087"

#: username -> (role, agent name, disabled)
USERS: dict[str, tuple[str, str | None, bool]] = {
    "nomsa": ("qa", None, False),
    "sipho": ("supervisor", None, False),
    "thandi": ("agent", THANDI, False),
    "pieter": ("agent", PIETER, False),
    "admin": ("admin", None, False),
    "gone": ("qa", None, True),
}


def password(username: str) -> str:
    """Each seeded user's password."""
    return f"{username}-Pa55word!"


def _turns(*lines: tuple[str, str, float, float]) -> list[dict[str, Any]]:
    return [{"speaker": who, "text": text, "start": start, "end": end} for who, text, start, end in lines]


TRANSCRIPTS: dict[str, list[dict[str, Any]]] = {
    GOOD_FAULT: _turns(
        ("agent", "Good morning, Rivervale Metro, my name is Thandi.", 0.5, 2.5),
        ("customer", f"There is a burst pipe in Church Street, my ID is {ID_NUMBER}", 2.8, 5.0),
        (
            "agent",
            "I am sorry about that. I have logged it, your reference number is four seven one.",
            5.2,
            7.5,
        ),
        ("agent", "A team will be there within forty eight hours. Anything else I can help with?", 7.6, 9.0),
        ("customer", "No, thank you.", 9.1, 9.6),
        ("agent", "Thank you for calling Rivervale Metro, goodbye.", 9.7, 10.5),
    ),
    POOR_FAULT: _turns(
        ("agent", "Yes.", 0.5, 1.0),
        ("customer", "The streetlights on Main Road have been out for a week.", 1.2, 4.0),
        ("agent", "Not my department, I will put you through to accounts, hold on.", 4.2, 7.0),
        ("customer", "Accounts? That is not right, the lights are out.", 7.2, 9.5),
    ),
    GOOD_ACCOUNT: _turns(
        ("agent", "Good afternoon, Rivervale Metro accounts, my name is Pieter.", 0.5, 3.0),
        ("customer", "I want to know why my water bill is so high this month.", 3.2, 6.0),
        (
            "agent",
            "I can see a high reading on your meter. I will log a query, the reference is seven two.",
            6.2,
            9.5,
        ),
        ("agent", "Is there anything else I can help you with today?", 9.6, 11.0),
        ("customer", "No thanks, goodbye.", 11.1, 12.0),
    ),
    HOLD_CALL: _turns(
        ("agent", "Good morning, Rivervale Metro, you are speaking to Pieter.", 0.5, 3.0),
        ("customer", f"Hello, about my account, my ID number is {ID_NUMBER}.", 3.2, 6.5),
        ("agent", "May I put you on hold while I check the account?", 6.7, 8.5),
        ("agent", "Thank you for holding. Your payment has been received.", 15.0, 18.0),
        ("customer", "Thank you, bye.", 18.2, 19.5),
    ),
}


def _recordings(folder: Path) -> Path:
    """The captures' recordings, named as Asterisk reported them (``<Linkedid>.wav``)."""
    folder.mkdir(parents=True, exist_ok=True)
    for wav in CAPTURES.glob("*.wav"):
        linkedid = wav.name.split(".", 1)[1]
        shutil.copy(wav, folder / linkedid)
    return folder


#: What the call-reason model would say (it is not trained here: that takes a quarter of a minute).
REASONS = {GOOD_FAULT: "water", POOR_FAULT: "electricity", GOOD_ACCOUNT: "billing", HOLD_CALL: "billing"}


def _score_all(engine: Engine) -> None:
    queue_types = parse_queue_types(QaSettings().queue_call_types)
    handler = ScoreHandler(engine, Scorer(load_library(), queue_types=queue_types))
    for linkedid, scored in handler.score_batch(list(TRANSCRIPTS)).items():
        with engine.begin() as connection:
            handler.save(connection, scored)
            connection.execute(
                update(Score).where(Score.linkedid == linkedid).values(call_reason=REASONS[linkedid])
            )
        assert scored.result.status == "scored", (linkedid, scored.result.reason)


def _redacted_copy(engine: Engine, data_dir: Path, recordings: Path) -> None:
    """A redacted copy of the hold call's audio, as the transcription worker writes one."""
    target = data_dir / "redacted" / f"{HOLD_CALL}.wav"
    target.parent.mkdir(parents=True, exist_ok=True)
    with engine.begin() as connection:
        tid = connection.execute(select(Transcript.id).where(Transcript.linkedid == HOLD_CALL)).scalar_one()
        spans = connection.execute(
            select(Redaction.start, Redaction.end).where(Redaction.transcript_id == tid)
        )
        silence_spans(recordings / f"{HOLD_CALL}.wav", target, [(start, end) for start, end in spans])
        connection.execute(
            update(Transcript).where(Transcript.id == tid).values(redacted_audio_path=str(target))
        )


def seed(engine: Engine, data_dir: Path, *, with_users: bool = True) -> None:
    """Fill a migrated database with the calls above (recordings and redacted audio in ``data_dir``)."""
    recordings = _recordings(data_dir / "recordings")
    locator = RecordingLocator(recordings, PBX_DIR)
    for name in REPLAYED:
        replay(engine, capture(name), recordings=locator)
    with engine.begin() as connection:
        for linkedid, turns in TRANSCRIPTS.items():
            call = parse_transcript({"direction": "inbound", "turns": turns}, "seed", linkedid)
            import_transcript(connection, call, "seed")
    _score_all(engine)
    _redacted_copy(engine, data_dir, recordings)
    if with_users:
        with engine.begin() as connection:
            for username, (role, agent, disabled) in USERS.items():
                users.add_user(connection, username, password(username), role, by="seed", agent_name=agent)
                if disabled:
                    users.disable_user(connection, username, by="seed")


@dataclass
class Seeded:
    """A seeded database and the data directory its recordings are in."""

    database: Database
    data_dir: Path

    def env(self) -> dict[str, str]:
        """The settings the dashboard reads for this database."""
        return {
            "CALLCENTRE_DATABASE_URL": self.database.url,
            "CALLCENTRE_DATA_DIR": str(self.data_dir),
            "CALLCENTRE_RECORDINGS_ROOT": str(self.data_dir / "recordings"),
        }


@pytest.fixture
def seeded(database: Database, tmp_path: Path) -> Seeded:
    """The seeded call centre on SQLite and on PostgreSQL (without users: hashing is slow)."""
    seed(database.engine, tmp_path / "data", with_users=False)
    return Seeded(database, tmp_path / "data")


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded SQLite data directory for the whole session; tests copy its database."""
    folder = tmp_path_factory.mktemp("seeded")
    with unmigrated_database("sqlite", folder) as database:
        upgrade(database.engine)
        seed(database.engine, folder)
    return folder


@pytest.fixture
def seeded_sqlite(seeded_template: Path, tmp_path: Path) -> Iterator[Seeded]:
    """A private copy of the seeded SQLite database (with users); recordings shared, read-only."""
    target = tmp_path / "dashboard.db"
    shutil.copy(seeded_template / "test.db", target)
    url = f"sqlite:///{target}"
    engine = make_engine(url)
    yield Seeded(Database(engine, url, "sqlite"), seeded_template)
    engine.dispose()


@pytest.fixture
def dashboard_env(seeded_sqlite: Seeded, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    """The process environment pointing the dashboard at the seeded copy, and nothing else."""
    for name in list(os.environ):
        if name == "DATABASE_URL" or (
            name.startswith("CALLCENTRE_") and not name.startswith(("CALLCENTRE_TEST_", "CALLCENTRE_REQUIRE"))
        ):
            monkeypatch.delenv(name)
    for name, value in seeded_sqlite.env().items():
        monkeypatch.setenv(name, value)
    return seeded_sqlite


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    """Each test reads its own database copy: no cached engine or result may cross over."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture
def app(dashboard_env: Seeded, fresh_caches: None) -> Callable[[], AppTest]:
    """A new browser session on the dashboard."""
    return lambda: AppTest.from_file(str(APP), default_timeout=60)
