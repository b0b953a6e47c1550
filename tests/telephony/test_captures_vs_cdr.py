"""Acceptance: for every real capture, the call records agree with Asterisk's own CDRs.

One call record per call (everything sharing a Linkedid, however many CDR rows
it has), start and end within one second of the CDR's, and the disposition a
call centre reports, as the captures' README states it for each scenario.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import pytest
from sqlalchemy import Engine

from telephony.protocol import parse
from tests.conftest import SCENARIOS, capture
from tests.telephony.helpers import CdrRow, cdr_rows, replay, stored_calls

#: The README's call-centre view of each scenario (dispositions in call start order).
EXPECTED_DISPOSITIONS = {
    "inbound_answered": ["answered"],
    "inbound_abandoned": ["abandoned"],  # the CDR says ANSWERED: the DID answered before queueing
    "ivr_to_queue": ["answered"],
    "ivr_self_service": ["ivr"],  # contained in the IVR
    "outbound_answered": ["answered"],
    "outbound_busy": ["busy"],  # the CDR's ANSWERED agent-leg row is not the customer's outcome
    "outbound_noanswer": ["no_answer"],
    "transfer": ["answered"],
    "hold": ["answered"],
    # The busy-hour call table, rows 1 to 26.
    "busy_hour": [
        "answered",
        "answered",
        "answered",
        "answered",
        "ivr",
        "answered",
        "ivr",
        "answered",
        "answered",
        "busy",
        "abandoned",
        "answered",
        "failed",
        "no_answer",
        "answered",
        "answered",
        "answered",
        "answered",
        "answered",
        "answered",
        "abandoned",
        "answered",
        "answered",
        "answered",
        "abandoned",
        "congestion",
    ],
}


def within_a_second(ours: datetime, cdr_time: datetime) -> bool:
    """Whether ``ours`` is within 1 s of the CDR's instant.

    cdr_csv writes whole seconds, truncated: the real instant lies in
    ``[cdr_time, cdr_time + 1 s)``; ours carry the events' microseconds.
    """
    seconds = (ours - cdr_time).total_seconds()
    return -1.0 < seconds < 2.0  # less than 1 s from some instant of [cdr_time, cdr_time + 1 s)


def linkedids_in(scenario: str) -> set[str]:
    return {message["Linkedid"] for message in parse(capture(scenario)).messages if "Linkedid" in message}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_call_records_agree_with_asterisks_cdr(engine: Engine, scenario: str) -> None:
    replay(engine, capture(scenario))
    calls = stored_calls(engine)

    assert sorted(call.linkedid for call in calls) == sorted(linkedids_in(scenario)), (
        "one record per Linkedid"
    )
    by_uniqueid = {leg.uniqueid: call for call in calls for leg in call.legs}
    rows_by_call: dict[str, list[CdrRow]] = defaultdict(list)
    for row in cdr_rows(scenario):
        assert row.uniqueid in by_uniqueid, f"CDR row for {row.uniqueid} matches no call record"
        rows_by_call[by_uniqueid[row.uniqueid].linkedid].append(row)

    for call in calls:
        rows = rows_by_call[call.linkedid]
        assert rows, f"call {call.linkedid} has no CDR row"
        assert call.end_time is not None and not call.partial
        assert within_a_second(call.start_time, min(row.start for row in rows)), call.linkedid
        assert within_a_second(call.end_time, max(row.end for row in rows)), call.linkedid

    assert [call.disposition for call in calls] == EXPECTED_DISPOSITIONS[scenario]
