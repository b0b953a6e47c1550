"""The runner and the session store: records stored with path, masked digits, outcome and Linkedid."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcentre.settings import IvrSettings
from ivr import actions as a
from ivr import events as e
from ivr.backend import DatabaseBackend, SessionInfo
from ivr.engine import Engine
from ivr.menu_loader import load_menu
from ivr.models import IvrSession
from ivr.runner import CallerGone, run_session
from ivr.store import SessionStore
from tests.conftest import Database

START = e.CallStarted("0821234567", dt.datetime(2025, 3, 3, 10, 0, tzinfo=dt.UTC), call_id="c1")


class ScriptedCaller:
    """A transport double: presses keys from a script; hangs up when the script runs out (if told to)."""

    def __init__(self, presses: list[str], hang_up_at_end: bool = False, barge: str = "") -> None:
        self.presses = presses
        self.hang_up_at_end = hang_up_at_end
        self.barge = barge
        self.clock = 0.0
        self.played: list[a.Action] = []
        self.transferred: a.Transfer | None = None
        self.hung_up = False

    def play(self, action: a.Play | a.SayDigits | a.SayAmount) -> str:
        self.played.append(action)
        self.clock += 1.0
        barge, self.barge = self.barge, ""
        return barge

    def collect(self, action: a.CollectDigits, already: str) -> e.Event:
        if not self.presses:
            if self.hang_up_at_end:
                raise CallerGone("caller hung up")
            return e.NoInput()
        return e.DigitsEntered(already + self.presses.pop(0))

    def record(self, action: a.RecordMessage) -> e.Event:
        return e.NoInput()

    def transfer(self, action: a.Transfer) -> None:
        self.transferred = action

    def hangup(self) -> None:
        self.hung_up = True

    def elapsed(self) -> float:
        return self.clock


def _run(database: Database, caller: ScriptedCaller) -> dict[str, object]:
    info = SessionInfo("c1", "0821234567", "L9", "sip")
    backend = DatabaseBackend(database.engine, IvrSettings())
    return run_session(Engine(load_menu()), caller, backend, START, info, SessionStore(database.engine))


def test_a_caller_hanging_up_is_stored_with_the_node_they_gave_up_at(database: Database) -> None:
    record = _run(database, ScriptedCaller(["1", "3", "41234567#"], hang_up_at_end=True))
    assert record["outcome"] == "abandoned" and record["hangup_node"] == "account_verification"
    with Session(database.engine) as s:
        row = s.scalars(select(IvrSession)).one()
    assert (row.outcome, row.hangup_node, row.linkedid, row.transport) == (
        "hung_up",
        "account_verification",
        "L9",
        "sip",
    )
    assert [step[0] for step in row.path] == [
        "language",
        "outages",
        "main",
        "account_number",
        "account_verification",
    ]
    assert row.ended_at - row.started_at == dt.timedelta(seconds=row.seconds) and row.seconds > 0


def test_secret_digits_are_stored_masked(database: Database) -> None:
    _run(database, ScriptedCaller(["1", "3", "41234567#", "1234#"], hang_up_at_end=True))
    with Session(database.engine) as s:
        row = s.scalars(select(IvrSession)).one()
    keys = [key[1] for key in row.digits]
    assert "41234567#" in keys and "1234#" not in keys and "*****" in keys


def test_barge_in_skips_the_rest_of_the_prompts_and_counts_the_key(database: Database) -> None:
    caller = ScriptedCaller(["", "0"], barge="1")  # presses 1 during the first language prompt
    record = _run(database, caller)
    assert len([p for p in caller.played if isinstance(p, a.Play) and p.prompt == "language"]) == 1
    assert record["language"] == "en" and caller.transferred is not None
