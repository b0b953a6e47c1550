"""The pure call builder, on the events of real captures (no database)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from telephony.builder import build_call, to_e164
from telephony.protocol import AmiMessage, parse
from telephony.record import CallRecord
from telephony.store import event_digest
from telephony.tracker import CallTracker, is_kept
from tests.conftest import capture


def build_all(scenario: str) -> list[CallRecord]:
    tracker = CallTracker()
    events: dict[str, list[AmiMessage]] = defaultdict(list)
    for message in parse(capture(scenario)).messages:
        if message.kind == "event" and is_kept(message):
            linkedid = tracker.linkedid_of(message)
            if linkedid:
                tracker.add(message, linkedid, event_digest(message))
                events[linkedid].append(message)
    records = [build_call(linkedid, items) for linkedid, items in events.items()]
    return sorted(records, key=lambda record: record.start_time)


def only(scenario: str) -> CallRecord:
    (record,) = build_all(scenario)
    return record


def test_inbound_answered_call_has_queue_agent_times_and_recording() -> None:
    call = only("inbound_answered")
    assert (call.direction, call.caller_number, call.caller_name) == (
        "inbound",
        "+27824561234",
        "Sipho Dlamini",
    )
    assert call.dialled_number == "+27800110100"  # the DID, not the CDR's dst (the queue)
    assert (call.queue, call.agent, call.agent_interface) == ("faults", "Thandi Mokoena", "PJSIP/1001")
    assert call.queue_wait_seconds == pytest.approx(3.0, abs=0.1)
    assert call.talk_seconds == pytest.approx(10.7, abs=0.1)
    assert call.hung_up_by == "caller" and call.hangup_cause == 16
    assert call.recording_path == "/srv/asterisk-rec/1795350910.0.wav"
    assert [leg.role for leg in call.legs] == ["caller", "agent"]


def test_abandoned_caller_waited_in_queue_and_nobody_answered() -> None:
    call = only("inbound_abandoned")
    assert (call.disposition, call.abandoned, call.agent, call.answer_time) == ("abandoned", True, None, None)
    assert call.queue_position == 1 and call.hangup_cause == 0
    (visit,) = call.queue_visits
    assert visit.outcome == "abandoned" and visit.wait_seconds == pytest.approx(6.2, abs=0.1)


def test_ivr_path_digits_and_account_are_recorded() -> None:
    call = only("ivr_to_queue")
    assert call.dtmf == "150012345#"
    assert call.ivr_path == "main/1/account:50012345" and call.account == "50012345"
    assert call.ivr_seconds == pytest.approx(13.1, abs=0.1)
    assert (call.queue, call.agent) == ("accounts", "Pieter van Wyk")


def test_self_service_call_stays_in_the_ivr_with_its_reference() -> None:
    call = only("ivr_self_service")
    assert (call.disposition, call.reference, call.queue, call.recording_path) == ("ivr", "40217", None, None)
    assert call.ivr_seconds == pytest.approx(23.8, abs=0.1)


def test_outbound_call_is_the_customers_outcome_with_campaign_and_account() -> None:
    call = only("outbound_answered")
    assert (call.direction, call.disposition) == ("outbound", "answered")
    assert (call.campaign, call.account, call.dialled_number) == (
        "ARREARS-2026-11",
        "50098765",
        "+27829876543",
    )
    assert call.agent_interface == "PJSIP/1001" and call.hung_up_by == "customer"
    assert call.ring_seconds == pytest.approx(3.0, abs=0.1)
    assert [leg.role for leg in call.legs] == ["agent", "customer"]


@pytest.mark.parametrize(
    ("scenario", "disposition", "cause"),
    [
        ("outbound_busy", "busy", 17),
        ("outbound_noanswer", "no_answer", 0),
    ],
)
def test_failed_outbound_calls_take_the_customer_legs_outcome(
    scenario: str, disposition: str, cause: int
) -> None:
    call = only(scenario)
    assert (call.disposition, call.hangup_cause, call.answer_time, call.talk_seconds) == (
        disposition,
        cause,
        None,
        0.0,
    )


def test_redirect_transfer_keeps_one_call_with_two_queue_visits() -> None:
    call = only("transfer")
    assert [(visit.queue, visit.agent) for visit in call.queue_visits] == [
        ("faults", "Thandi Mokoena"),
        ("accounts", "Pieter van Wyk"),
    ]
    (transfer,) = call.transfers
    assert (transfer.kind, transfer.from_agent, transfer.target) == ("redirect", "Thandi Mokoena", "accounts")
    assert len(call.legs) == 3


def test_hold_is_timed_from_hold_and_unhold_and_excluded_from_talk() -> None:
    call = only("hold")
    assert call.hold_count == 1 and call.hold_seconds == pytest.approx(6.0, abs=0.1)
    assert call.talk_seconds == pytest.approx(20.0 - 6.0, abs=1.0)
    assert call.hung_up_by == "agent"


def test_busy_hour_blind_transfer_ring_no_answer_and_unassigned_number() -> None:
    calls = build_all("busy_hour")
    blind = [call for call in calls if any(item.kind == "blind" for item in call.transfers)]
    assert len(blind) == 1 and blind[0].caller_number == "+27711000016"
    rna = [call for call in calls if any(visit.ring_no_answer for visit in call.queue_visits)]
    assert sorted(call.caller_number or "" for call in rna) == ["+27821000008", "+27821000019"]
    unassigned = next(call for call in calls if call.dialled_number == "+27800110999")
    assert (unassigned.disposition, unassigned.hangup_cause) == ("failed", 1)
    assert next(call for call in calls if call.caller_number == "+27821000015").dtmf == "72"


def test_building_twice_gives_the_same_record() -> None:
    assert build_all("busy_hour") == build_all("busy_hour")


def test_phone_numbers_normalise_to_e164_but_extensions_do_not() -> None:
    assert to_e164("0824561234", "ZA") == "+27824561234"
    assert to_e164("+27824561234", "ZA") == "+27824561234"
    assert to_e164("1001", "ZA") == "1001"
    assert to_e164("<unknown>", "ZA") is None and to_e164("", "ZA") is None
