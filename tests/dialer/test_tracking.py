"""The dialer's pure parts: agents' availability and attempts' results from AMI frames."""

from __future__ import annotations

from telephony.dialer.agents import AgentBoard
from telephony.dialer.originate import dial_digits
from telephony.dialer.tracking import AttemptTracker
from telephony.protocol import AmiMessage, parse


def frames(*events: dict[str, str]) -> list[AmiMessage]:
    text = "".join("".join(f"{k}: {v}\r\n" for k, v in e.items()) + "\r\n" for e in events)
    result = parse(text.encode())
    assert not result.errors
    return result.messages


def member(
    event: str, name: str, interface: str, status: str, paused: str = "0", **extra: str
) -> dict[str, str]:
    names = (
        {"Name": name, "Location": interface}
        if event == "QueueMember"
        else {"MemberName": name, "Interface": interface}
    )
    return {
        "Event": event,
        "Queue": "revenue",
        **names,
        "Status": status,
        "Paused": paused,
        "InCall": "0",
        **extra,
    }


def test_agents_are_free_when_idle_unpaused_and_not_in_a_call() -> None:
    board = AgentBoard({"revenue"})
    for message in frames(
        member("QueueMember", "Thandi Mokoena", "PJSIP/1001", "1"),
        member("QueueMember", "Lerato Nkosi", "PJSIP/1003", "1"),
        {**member("QueueMember", "Pieter van Wyk", "PJSIP/1002", "1"), "Queue": "faults"},
    ):
        board.handle(message)
    assert [m.name for m in board.free("revenue")] == ["Lerato Nkosi", "Thandi Mokoena"]
    for message in frames(
        member("QueueMemberPause", "Lerato Nkosi", "PJSIP/1003", "1", "1", PausedReason="lunch"),
        member("QueueMemberStatus", "Thandi Mokoena", "PJSIP/1001", "6"),
    ):
        board.handle(message)
    assert board.free("revenue") == []
    assert [m.state for m in board.of("revenue")] == ["paused (lunch)", "ringing"]
    for message in frames(
        member("QueueMemberStatus", "Thandi Mokoena", "PJSIP/1001", "1"),
        member("QueueMemberRemoved", "Lerato Nkosi", "PJSIP/1003", "5"),
    ):
        board.handle(message)
    assert [m.name for m in board.free("revenue")] == ["Thandi Mokoena"]
    assert board.find("revenue", "Lerato Nkosi") is None


def originate_response(ok: bool, reason: str = "4", uniqueid: str = "1795.10") -> dict[str, str]:
    return {
        "Event": "OriginateResponse",
        "ActionID": "cc-1-7",
        "Response": "Success" if ok else "Failure",
        "Channel": "PJSIP/1001-00000001",
        "Reason": reason,
        "Uniqueid": uniqueid if ok else "<null>",
    }


def dial_end(status: str) -> dict[str, str]:
    return {
        "Event": "DialEnd",
        "Uniqueid": "1795.10",
        "Linkedid": "1795.10",
        "DestChannel": "PJSIP/pstn-trunk-00000002",
        "DialStatus": status,
    }


HANGUP = {"Event": "Hangup", "Uniqueid": "1795.10", "Linkedid": "1795.10", "Cause": "16"}


def test_a_busy_customer_settles_the_attempt_as_busy_and_the_hangup_ends_it() -> None:
    tracker = AttemptTracker()
    tracker.expect(7, "cc-1-7")
    changes = [
        tracker.handle(m)
        for m in frames(originate_response(True), dial_end("BUSY"), dial_end("BUSY"), HANGUP)
    ]
    assert [(c.state, c.attempt_id) if c else None for c in changes] == [
        ("ringing", 7),
        ("busy", 7),
        None,  # a repeated DialEnd changes nothing
        ("ended", 7),
    ]
    assert changes[1] is not None and changes[1].linkedid == "1795.10"
    assert tracker.pending() == set()


def test_the_agent_leg_failing_gives_asterisks_reason() -> None:
    tracker = AttemptTracker()
    tracker.expect(7, "cc-1-7")
    (change,) = [tracker.handle(m) for m in frames(originate_response(False, reason="5"))]
    assert change is not None and change.state == "failed" and change.reason == "the agent's phone was busy"


def test_an_attempt_is_followed_from_its_cc_attempt_variable_when_the_response_was_missed() -> None:
    tracker = AttemptTracker()
    tracker.expect(7, "cc-1-7")
    varset = {"Event": "VarSet", "Uniqueid": "1795.10", "Variable": "CC_ATTEMPT", "Value": "7"}
    changes = [tracker.handle(m) for m in frames(varset, dial_end("ANSWER"))]
    assert changes[0] is None and changes[1] is not None and changes[1].state == "answered"


def test_the_agent_hanging_up_before_the_customer_is_dialled_is_a_failed_attempt() -> None:
    tracker = AttemptTracker()
    tracker.expect(7, "cc-1-7")
    changes = [
        tracker.handle(m)
        for m in frames(originate_response(True), {**HANGUP, "Cause-txt": "Normal Clearing"})
    ]
    assert (
        changes[1] is not None
        and changes[1].state == "failed"
        and "Normal Clearing" in (changes[1].reason or "")
    )


def test_numbers_are_dialled_nationally_at_home_and_with_00_abroad() -> None:
    assert dial_digits("+27821234567", "ZA") == "0821234567"
    assert dial_digits("+27115551234", "ZA") == "0115551234"
    assert dial_digits("+442079460000", "ZA") == "00442079460000"
