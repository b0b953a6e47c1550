"""Queue figures on hand-made call records with known answers, and on the real busy hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from callcentre.settings import QueueSettings
from telephony.record import CallRecord, Direction, Disposition
from telephony.stats import QueueFigures, agent_figures, call_backs, queue_figures
from telephony.store import replace_calls
from tests.conftest import capture
from tests.telephony.helpers import replay

DAY = datetime(2026, 11, 22, tzinfo=UTC)
START, END = DAY + timedelta(hours=8), DAY + timedelta(hours=17)
THANDI, PIETER, LERATO = "Thandi Mokoena", "Pieter van Wyk", "Lerato Nkosi"
INTERFACES = {THANDI: "PJSIP/1001", PIETER: "PJSIP/1002", LERATO: "PJSIP/1003"}


def call(
    linkedid: str,
    minute: int,
    disposition: Disposition,
    *,
    queue: str | None = "faults",
    wait: float | None = None,
    agent: str | None = None,
    talk: float = 0.0,
    hold: float = 0.0,
    caller: str = "+27820000000",
    direction: Direction = Direction.INBOUND,
) -> CallRecord:
    start = START + timedelta(minutes=minute)
    answered = disposition is Disposition.ANSWERED
    return CallRecord(
        linkedid=linkedid,
        direction=direction,
        disposition=disposition,
        caller_number=caller,
        caller_name=f"Caller {linkedid}",
        dialled_number="+27800110100",
        start_time=start,
        answer_time=start + timedelta(seconds=wait or 0) if answered else None,
        end_time=start + timedelta(seconds=(wait or 0) + talk + hold + 1),
        queue=queue,
        queue_wait_seconds=wait,
        abandoned=disposition is Disposition.ABANDONED,
        agent=agent,
        agent_interface=INTERFACES.get(agent or ""),
        talk_seconds=talk,
        hold_seconds=hold,
    )


ANSWERED, ABANDONED = Disposition.ANSWERED, Disposition.ABANDONED

#: faults: 3 answered (waits 5, 15, 30 s), 2 abandoned (40 s and a 3 s short abandon).
#: accounts: 1 answered at exactly 20 s, 1 abandoned after 25 s. Then calls that must not count.
RECORDS = [
    call("f1", 0, ANSWERED, wait=5, agent=THANDI, talk=100, hold=20, caller="+27821000001"),
    call("f2", 5, ANSWERED, wait=15, agent=PIETER, talk=200, caller="+27821000002"),
    call("f3", 10, ANSWERED, wait=30, agent=THANDI, talk=50, hold=10, caller="+27821000003"),
    call("f4", 15, ABANDONED, wait=40, caller="+27821000004"),
    call("f5", 20, ABANDONED, wait=3, caller="+27821000005"),
    call("a1", 25, ANSWERED, queue="accounts", wait=20, agent=PIETER, talk=60, caller="+27821000006"),
    call("a2", 30, ABANDONED, queue="accounts", wait=25, caller="+27821000007"),
    # f4's caller tries again and gets through: not a call-back. a2's caller tries again and abandons again.
    call("f6", 60, ANSWERED, queue="faults", wait=60, agent=THANDI, talk=40, caller="+27821000004"),
    call("a3", 70, ABANDONED, queue="accounts", wait=12, caller="+27821000007"),
    # Not offered to a queue: an outbound call, an IVR-only call and a call to an unassigned number.
    call("o1", 40, ANSWERED, queue=None, agent=LERATO, talk=30, direction=Direction.OUTBOUND),
    call("i1", 45, Disposition.IVR, queue=None, caller="+27821000008"),
    call("x1", 50, Disposition.FAILED, queue=None, caller="+27821000009"),
    # Outside the period (the day before, and after it ends).
    call("early", -60 * 24, ANSWERED, wait=1, agent=THANDI, talk=10, caller="+27821000010"),
    call("late", 60 * 10, ANSWERED, wait=1, agent=THANDI, talk=10, caller="+27821000005"),
]


@pytest.fixture
def stored(engine: Engine) -> Engine:
    with engine.begin() as connection:
        replace_calls(connection, RECORDS)
    return engine


def figures(engine: Engine, settings: QueueSettings | None = None) -> dict[str, QueueFigures]:
    with engine.connect() as connection:
        rows = queue_figures(connection, START, END, settings or QueueSettings())
    return {row.queue: row for row in rows}


def counts(rows: dict[str, QueueFigures]) -> dict[str, tuple[int, int, int]]:
    return {name: (row.offered, row.answered, row.abandoned) for name, row in rows.items()}


def test_offered_answered_and_abandoned_per_queue_and_overall(stored: Engine) -> None:
    rows = figures(stored)
    assert list(rows) == ["accounts", "faults", "all"]  # by name, "all" last
    assert counts(rows) == {"accounts": (3, 1, 2), "faults": (6, 4, 2), "all": (9, 5, 4)}


def test_speed_of_answer_abandonment_service_level_and_handle_time(stored: Engine) -> None:
    faults, accounts, overall = (figures(stored)[name] for name in ("faults", "accounts", "all"))
    assert faults.asa_seconds == pytest.approx((5 + 15 + 30 + 60) / 4, abs=0.01)
    assert faults.abandonment_rate == pytest.approx(2 / 6, abs=1e-4)
    assert faults.service_level == pytest.approx(2 / 6, abs=1e-4)  # 5 s and 15 s are within 20 s
    assert faults.aht_seconds == pytest.approx((120 + 200 + 60 + 40) / 4, abs=0.01)  # talk + hold
    assert accounts.service_level == pytest.approx(1 / 3, abs=1e-4)  # exactly 20 s is within 20 s
    assert (accounts.asa_seconds, accounts.aht_seconds) == (20.0, 60.0)
    assert overall.asa_seconds == pytest.approx((5 + 15 + 30 + 60 + 20) / 5, abs=0.01)
    assert overall.abandonment_rate == pytest.approx(4 / 9, abs=1e-4)
    assert overall.service_level == pytest.approx(3 / 9, abs=1e-4)
    assert overall.service_level_target == 0.8


def test_a_different_service_level_threshold_changes_only_the_service_level(stored: Engine) -> None:
    rows = figures(stored, QueueSettings(service_level_seconds=10.0, service_level_target=0.9))
    assert rows["faults"].service_level == pytest.approx(1 / 6, abs=1e-4)  # only the 5 s answer
    assert rows["accounts"].service_level == 0.0
    assert rows["all"].service_level == pytest.approx(1 / 9, abs=1e-4)
    assert rows["all"].service_level_target == 0.9
    assert counts(rows) == counts(figures(stored))
    rows = figures(stored, QueueSettings(service_level_seconds=60.0))
    assert rows["faults"].service_level == pytest.approx(4 / 6, abs=1e-4)


def test_short_abandons_are_left_out_of_offered_and_the_abandonment_rate(stored: Engine) -> None:
    rows = figures(stored, QueueSettings(short_abandon_seconds=5.0))
    assert counts(rows) == {"accounts": (3, 1, 2), "faults": (5, 4, 1), "all": (8, 5, 3)}  # f5 (3 s) gone
    assert rows["faults"].abandonment_rate == pytest.approx(1 / 5, abs=1e-4)
    assert rows["faults"].service_level == pytest.approx(2 / 5, abs=1e-4)
    rows = figures(stored, QueueSettings(short_abandon_seconds=15.0))
    assert counts(rows)["accounts"] == (2, 1, 1)  # a3 (12 s) is short too; a2 (25 s) is not


def test_an_empty_period_has_no_rates_rather_than_a_division_by_zero(stored: Engine) -> None:
    with stored.connect() as connection:
        rows = queue_figures(connection, END + timedelta(days=2), END + timedelta(days=3), QueueSettings())
    (overall,) = rows
    assert (overall.queue, overall.offered, overall.answered, overall.abandoned) == ("all", 0, 0, 0)
    assert (overall.asa_seconds, overall.abandonment_rate, overall.service_level) == (None, None, None)


def test_agent_figures_count_answered_calls_in_and_out(stored: Engine) -> None:
    with stored.connect() as connection:
        agents = agent_figures(connection, START, END)
    summary = [(a.agent, a.agent_interface, a.answered, a.aht_seconds, a.talk_seconds) for a in agents]
    assert summary == [
        (THANDI, "PJSIP/1001", 3, pytest.approx((120 + 60 + 40) / 3, abs=0.01), 190.0),
        (PIETER, "PJSIP/1002", 2, 130.0, 260.0),
        (LERATO, "PJSIP/1003", 1, 30.0, 30.0),
    ]


def test_call_backs_list_abandoned_callers_who_never_got_through(stored: Engine) -> None:
    with stored.connect() as connection:
        backs = call_backs(connection, START, END)
    # f4's caller got through later (f6): not listed. a2's caller abandoned twice: both listed.
    # f5's caller got through only after the period ended ("late"): still to call back.
    assert [item.linkedid for item in backs] == ["f5", "a2", "a3"]
    first = backs[0]
    assert (first.caller_number, first.caller_name, first.queue) == ("+27821000005", "Caller f5", "faults")
    assert (first.abandoned_at, first.waited_seconds) == (START + timedelta(minutes=20), 3.0)


def test_busy_hour_capture_gives_the_readme_counts_per_queue(engine: Engine) -> None:
    """Counts derived from the busy-hour call table in tests/fixtures/asterisk/README.md.

    Inbound rows with a queue (a call's queue is the first it joined):
    * faults: rows 1, 4, 8, 9, 12, 15, 16 (faults, then blind-transferred to accounts), 19, 22, 24
      = 10 offered, all with an AgentComplete: 10 answered, 0 abandoned.
    * accounts: rows 3, 6, 11, 18, 21, 23, 25 = 7 offered; rows 11, 21 and 25 end in
      QueueCallerAbandon: 3 abandoned, 4 answered.
    * revenue: row 17 = 1 offered, answered by Lerato Nkosi.
    Not offered: rows 5 and 7 (IVR only), 13 (unassigned number), 2, 10, 14, 20, 26 (outbound).
    Total 18 offered, 15 answered, 3 abandoned (19 QueueCallerJoin = 18 calls + row 16's second queue).
    """
    replay(engine, capture("busy_hour"))
    with engine.connect() as connection:
        rows = queue_figures(connection, DAY, DAY + timedelta(days=1), QueueSettings())
        backs = call_backs(connection, DAY, DAY + timedelta(days=1))
    assert counts({row.queue: row for row in rows}) == {
        "accounts": (7, 4, 3),
        "faults": (10, 10, 0),
        "revenue": (1, 1, 0),
        "all": (18, 15, 3),
    }
    # Rows 11, 21 and 25: nobody of them called again.
    assert [item.caller_number for item in backs] == ["+27661000011", "+27741000021", "+27761000025"]
