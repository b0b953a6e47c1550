"""Reconciliation after a (re)connect, pure: what the logger believed vs what Asterisk says is up."""

from __future__ import annotations

import pytest

from telephony.protocol import AmiMessage, parse
from telephony.reconcile import parse_duration, reconcile
from telephony.tracker import is_kept

NOW = 1795350930.25


def core_show_channel(**fields: str) -> AmiMessage:
    """A ``CoreShowChannel`` list item, shaped like those in actions.ami."""
    headers = {"Event": "CoreShowChannel", "ActionID": "coreshowchannels-1", **fields}
    frame = "".join(f"{key}: {value}\r\n" for key, value in headers.items()) + "\r\n"
    (message,) = parse(frame.encode()).messages
    return message


CALLER = core_show_channel(
    Channel="PJSIP/pstn-trunk-00000000",
    Uniqueid="1795350910.0",
    Linkedid="1795350910.0",
    CallerIDNum="0824561234",
    CallerIDName="Sipho Dlamini",
    Context="cc-queue",
    Exten="faults",
    AccountCode="",
    Duration="00:01:05",
    BridgeId="f464e62b-5d4c-4bc4-9b63-2f7b0f6c1d2e",
)


def test_a_channel_that_vanished_is_closed_with_when_it_was_last_seen() -> None:
    believed = {"1795350912.1": ("1795350910.0", "PJSIP/1001-00000001", 1795350916.5)}
    (event,) = reconcile(believed, [], NOW)
    assert event.name == "CallcentreReconciledGone" and event.kind == "event"
    assert event.as_dict() == {
        "Event": "CallcentreReconciledGone",
        "Timestamp": f"{NOW:.6f}",
        "Channel": "PJSIP/1001-00000001",
        "Uniqueid": "1795350912.1",
        "Linkedid": "1795350910.0",
        "LastSeen": "1795350916.500000",
    }
    assert event.timestamp == NOW


def test_a_vanished_channel_of_a_call_never_timed_is_last_seen_now() -> None:
    (event,) = reconcile({"9.9": ("9.8", "PJSIP/1002-00000009", None)}, [], NOW)
    assert event["LastSeen"] == f"{NOW:.6f}"


def test_an_unknown_live_channel_is_opened_with_its_start_estimated_from_its_duration() -> None:
    (event,) = reconcile({}, [CALLER], NOW)
    assert event.name == "CallcentreReconciledChannel"
    assert event.timestamp == pytest.approx(NOW - 65, abs=1e-6)
    assert event["ObservedAt"] == f"{NOW:.6f}"
    assert event["BridgeId"] == "f464e62b-5d4c-4bc4-9b63-2f7b0f6c1d2e"
    for key in ("Channel", "Uniqueid", "Linkedid", "CallerIDNum", "CallerIDName", "Context", "Exten"):
        assert event[key] == CALLER[key], key


def test_a_live_channel_with_no_duration_or_bridge_starts_now_and_copies_blanks() -> None:
    ringing = core_show_channel(Channel="PJSIP/1001-00000003", Uniqueid="5.3", Linkedid="5.2")
    (event,) = reconcile({}, [ringing], NOW)
    assert event.timestamp == pytest.approx(NOW, abs=1e-6)
    assert event["BridgeId"] == "" and event["CallerIDNum"] == ""


def test_a_live_channel_the_logger_already_knows_gives_nothing() -> None:
    believed = {"1795350910.0": ("1795350910.0", "PJSIP/pstn-trunk-00000000", 1795350920.0)}
    assert reconcile(believed, [CALLER], NOW) == []


def test_live_channels_without_uniqueid_or_linkedid_are_ignored() -> None:
    no_linkedid = core_show_channel(Channel="Local/x@y-0001;1", Uniqueid="7.1", Duration="00:00:03")
    no_uniqueid = core_show_channel(Channel="Local/x@y-0001;2", Linkedid="7.1")
    assert reconcile({}, [no_linkedid, no_uniqueid], NOW) == []


def test_a_mixed_picture_closes_opens_and_keeps_in_a_stable_order() -> None:
    believed = {
        "1795350910.0": ("1795350910.0", "PJSIP/pstn-trunk-00000000", 1795350920.0),  # still up
        "2.2": ("2.1", "PJSIP/1002-00000002", 1795350900.0),  # gone
        "1.2": ("1.1", "PJSIP/1001-00000001", 1795350901.0),  # gone
    }
    new = core_show_channel(Channel="PJSIP/1003-0000000a", Uniqueid="3.5", Linkedid="3.4", Duration="0:0:9")
    events = reconcile(believed, [CALLER, new], NOW)
    assert [(e.name, e["Uniqueid"]) for e in events] == [
        ("CallcentreReconciledGone", "1.2"),
        ("CallcentreReconciledGone", "2.2"),
        ("CallcentreReconciledChannel", "3.5"),
    ]
    shuffled = reconcile(dict(reversed(believed.items())), [new, CALLER], NOW)
    assert [e.headers for e in shuffled] == [e.headers for e in events]  # the same input, the same events


def test_synthetic_events_are_real_frames_that_the_logger_keeps() -> None:
    events = reconcile({"1.2": ("1.1", "PJSIP/1001-00000001", 1795350901.0)}, [CALLER], NOW)
    for event in events:
        (again,) = parse(event.raw).messages  # stored and rebuilt like Asterisk's own frames
        assert again.headers == event.headers
        assert is_kept(event), event.name


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:00:06", 6.0),
        ("01:02:03", 3723.0),
        ("100:00:00", 360000.0),  # a channel up for more than a day still counts in hours
        ("1:30", 90.0),
        ("42", 42.0),
        ("00:00:00", 0.0),
        ("", 0.0),
        (None, 0.0),
        ("abc", 0.0),
        ("00:0x:10", 0.0),
        ("::", 0.0),
        ("00:00:", 0.0),
    ],
)
def test_parse_duration(text: str | None, seconds: float) -> None:
    assert parse_duration(text) == seconds
