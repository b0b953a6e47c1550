"""Whole calls through the shipped menu, told as stories: what the caller hears and what is stored."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from ivr import actions as a
from ivr import events as e
from ivr.engine import Engine, local_number
from ivr.engine_state import Outcome, State
from ivr.menu_loader import load_menu
from ivr.references import make_reference
from ivr.session import session_record

ENGINE = Engine(load_menu())
TUESDAY_10AM = dt.datetime(2025, 3, 4, 10, 0, tzinfo=ZoneInfo("Africa/Johannesburg"))
REFERENCE = make_reference(77)


def call(
    *events: e.Event, caller: str = "+27821234567", moment: dt.datetime = TUESDAY_10AM
) -> tuple[State, list[tuple[a.Action, ...]]]:
    """Start a call (at 10:00 on a Tuesday) and feed it ``events`` one second apart."""
    state, actions = ENGINE.start(e.CallStarted(caller, moment, call_id="1795350910.0"))
    said = [actions]
    for second, event in enumerate(events, start=1):
        state, actions = ENGINE.step(state, dataclasses.replace(event, at=float(second)))
        said.append(actions)
    return state, said


def kinds(actions: tuple[a.Action, ...]) -> list[str]:
    return [type(action).__name__ for action in actions]


TO_MAIN = (e.DigitsEntered("1"), e.OutagesFound(()))  # English, no outages
TO_BALANCE = (*TO_MAIN, e.DigitsEntered("3"), e.DigitsEntered("41234567#"), e.DigitsEntered("1234#"))


def test_a_water_fault_is_logged_and_its_reference_read_back_twice_digit_by_digit() -> None:
    state, said = call(
        *TO_MAIN,
        e.DigitsEntered("1"),  # report a fault
        e.DigitsEntered("1"),  # water
        e.DigitsEntered("20456#"),  # meter number
        e.DigitsEntered("1"),  # confirm
        e.RequestCreated(REFERENCE),
        e.DigitsEntered("2"),  # end the call
    )
    create = said[6][-1]
    assert create == a.CreateServiceRequest(
        "water", (("detail_kind", "meter"), ("detail", "20456")), "+27821234567", "en"
    )
    read_back = said[7]
    assert [x for x in read_back if isinstance(x, a.SayDigits)] == [a.SayDigits(REFERENCE, "en", 3)] * 2
    assert kinds(said[8]) == ["Play", "Hangup"]
    record = session_record(state)
    assert record.outcome is Outcome.SELF_SERVED and record.references == (REFERENCE,)
    assert record.ivr_path == (
        "language/outages/main/fault_type/water_meter/fault_confirm/create_request/request_created/"
        "anything_else/goodbye"
    )
    assert [(step.node, step.seconds) for step in record.path[:3]] == [
        ("language", 1.0),
        ("outages", 1.0),
        ("main", 1.0),
    ]
    assert [key.keys for key in record.inputs] == ["1", "1", "1", "20456#", "1", "2"]
    assert record.language == "en" and record.ended_by == "ivr" and record.hangup_node is None


def test_the_confirmation_can_send_the_caller_back_to_key_the_number_again() -> None:
    state, said = call(
        *TO_MAIN, e.DigitsEntered("1"), e.DigitsEntered("3"), e.DigitsEntered("12#"), e.DigitsEntered("2")
    )
    assert state.node == "sewage_erf" and said[-1][-1] == a.CollectDigits(1, 6, "#", 6.0, 4.0)
    said_back = [x for x in said[-2] if isinstance(x, a.SayDigits)]
    assert said_back == [a.SayDigits("12", "en", 0)]  # "You entered 1 2"


def test_nothing_about_the_account_is_said_before_verification_and_three_failures_lock_it() -> None:
    failures = (e.VerificationFailed("41234567"), e.DigitsEntered("41234567#"), e.DigitsEntered("9999#"))
    state, said = call(*TO_BALANCE, *failures, *failures, e.AccountUnknown("41234567"))
    spoken = [x for actions in said for x in actions]
    assert not any(isinstance(x, a.SayAmount) for x in spoken)
    assert [x for x in spoken if isinstance(x, a.VerifyAccount)] == [
        a.VerifyAccount("41234567", "1234"),
        a.VerifyAccount("41234567", "9999"),
        a.VerifyAccount("41234567", "9999"),
    ]
    assert state.ended and state.queue == "accounts"  # the third failure: locked, put through to an agent
    assert [n.what for n in state.notes][-2:] == ["account_unknown", "account_locked"]
    record = session_record(state)
    assert "verification" not in dict(record.slots)
    assert [k.keys for k in record.inputs if k.node == "account_verification"] == ["*****", "*****", "*****"]


def test_after_a_lock_out_the_balance_cannot_be_tried_again_in_the_same_call() -> None:
    evening = TUESDAY_10AM.replace(hour=19)  # the accounts desk is closed: the caller stays in the IVR
    state, said = call(*TO_BALANCE, e.AccountLocked("41234567"), moment=evening)
    assert state.node == "closed_accounts" and not state.ended
    again = (e.DigitsEntered("2"), *TO_BALANCE[2:])  # 2: main menu, then the balance once more
    state, said = call(*TO_BALANCE, e.AccountLocked("41234567"), *again, moment=evening)
    assert not any(isinstance(x, a.VerifyAccount) for x in said[-1])  # straight to "locked"
    assert state.node == "closed_accounts" and [n.what for n in state.notes].count("account_locked") == 2


def test_a_verified_caller_hears_the_balance() -> None:
    state, said = call(*TO_BALANCE, e.AccountVerified("41234567", 123456))
    assert said[-1][1] == a.SayAmount(123456, "en")
    assert state.node == "anything_else" and "balance" in state.served


def test_outages_are_announced_before_the_menu_with_the_option_to_report_anyway() -> None:
    outages = (e.Outage("electricity", "Ward 7"), e.Outage("electricity", "Ward 8"), e.Outage("water"))
    state, said = call(e.DigitsEntered("4"), e.OutagesFound(outages), e.DigitsEntered("1"))
    announced = [x.prompt for x in said[2] if isinstance(x, a.Play)]
    assert announced == ["outages.services.electricity", "outages.services.water", "outage_menu"]
    assert all(x.language == "st" for x in said[2] if isinstance(x, a.Play))
    assert state.node == "fault_type"  # 1: report anyway


def test_a_mistyped_reference_is_recognised_before_any_lookup() -> None:
    wrong = REFERENCE[:-2] + REFERENCE[-1] + REFERENCE[-2]  # two digits swapped
    state, said = call(
        *TO_MAIN, e.DigitsEntered("2"), e.DigitsEntered(wrong + "#"), e.DigitsEntered(REFERENCE + "#")
    )
    assert next(x.prompt for x in said[4] if isinstance(x, a.Play)) == "status_reference.invalid"
    assert said[5][-1] == a.LookupStatus(REFERENCE)
    assert [k.result for k in state.inputs][-2:] == ["invalid:check_digit", "ok"]


def test_an_unknown_reference_three_times_goes_to_the_faults_desk() -> None:
    attempt = (e.DigitsEntered(REFERENCE + "#"), e.StatusUnknown(REFERENCE))
    state, _ = call(*TO_MAIN, e.DigitsEntered("2"), *attempt, *attempt, *attempt)
    assert state.queue == "faults" and [n.what for n in state.notes].count("status_unknown") == 3


def test_a_call_back_instead_of_waiting() -> None:
    state, said = call(*TO_MAIN, e.DigitsEntered("4"), e.DigitsEntered("1"), e.CallbackScheduled())
    request = said[4][-1]
    assert isinstance(request, a.RequestCallBack)
    assert (request.number, request.queue, request.language) == ("0821234567", "enquiries", "en")
    assert state.outcome is Outcome.CALLBACK and session_record(state).callback_requested


def test_a_withheld_number_is_asked_for_before_a_call_back() -> None:
    _, said = call(*TO_MAIN, e.DigitsEntered("4"), e.DigitsEntered("0831234567#"), caller="")
    assert said[3][-1] == a.CollectDigits(10, 10, "#", 6.0, 4.0)
    assert isinstance(said[4][-1], a.RequestCallBack) and said[4][-1].number == "0831234567"


def test_mistakes_anywhere_add_up_to_an_agent() -> None:
    state, _ = call(
        e.DigitsEntered("9"),
        e.DigitsEntered("1"),  # 1 mistake at the language menu
        e.OutagesFound(()),
        e.DigitsEntered("9"),
        e.NoInput(),
        e.DigitsEntered("1"),  # 3 so far
        e.DigitsEntered("77"),
        e.DigitsEntered("#"),
        e.DigitsEntered("1"),  # 5: a digit storm and # alone
        e.DigitsEntered("#"),
        e.DigitsEntered("12345678901234#"),
        e.DigitsEntered("2045#"),  # 7: nothing, then too long
        e.DigitsEntered("5"),  # the 8th, at the confirmation
    )
    assert state.queue == "faults" and "too_many_errors" in [n.what for n in state.notes]
    assert session_record(state).bad_inputs == 8


def test_the_caller_hanging_up_is_stored_with_the_node() -> None:
    state, said = call(*TO_MAIN, e.DigitsEntered("2"), e.CallerHungUp())
    assert said[-1] == () and state.ended
    record = session_record(state)
    assert (record.outcome, record.hangup_node, record.ended_by) == (
        Outcome.ABANDONED,
        "status_reference",
        "caller",
    )
    assert record.seconds == 4.0


def test_the_transfer_carries_the_path_language_and_reference_for_the_agent() -> None:
    state, said = call(
        e.DigitsEntered("2"),
        e.OutagesFound(()),
        e.DigitsEntered("2"),
        e.DigitsEntered(REFERENCE + "#"),
        e.ServiceUnavailable("db down"),
    )
    transfer = said[-1][-1]
    assert isinstance(transfer, a.Transfer) and transfer.queue == "faults"
    assert transfer.variable_map() == {
        "CC_IVR_PATH": "language/outages/main/status_reference/status_lookup/agent_faults",
        "CC_LANGUAGE": "zu",
        "CC_REFERENCE": REFERENCE,
    }
    assert "service_unavailable:db down" in [n.what for n in state.notes]


def test_caller_numbers_are_made_local_for_call_backs() -> None:
    assert local_number("+27 82 123 4567") == "0821234567"
    assert local_number("0821234567") == "0821234567"
    assert local_number("") == local_number("anonymous") == local_number("+4420712345678") == ""


def test_a_very_long_path_is_shortened_at_the_front_for_the_channel_variable() -> None:
    wandering = (e.DigitsEntered("1"), e.DigitsEntered("*")) * 40  # main -> faults -> back, forty times
    state, said = call(*TO_MAIN, *wandering, e.DigitsEntered("0"))
    transfer = said[-1][-1]
    assert isinstance(transfer, a.Transfer)
    path = transfer.variable_map()["CC_IVR_PATH"]
    assert len(path) <= 500 and path.startswith(".../") and path.endswith("/main/agent_general/queue_general")
    assert len(session_record(state).path) == 3 + 80 + 2  # the record keeps everything
