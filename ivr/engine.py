"""The pure IVR engine: (state, event) -> (state, actions). No I/O, no clock, no randomness.

A transport (SIP, FastAGI, a test) drives it::

    engine = Engine(load_menu())
    state, actions = engine.start(CallStarted(caller="0821234567", local_time=now, at=0.0))
    while not state.ended:
        event = transport.execute(actions)      # play prompts, then do the last (waiting) action
        state, actions = engine.step(state, event)
    transport.execute(actions)                  # the final prompts and Transfer / Hangup
    store(session_record(state))

Every step that does not end the session returns actions ending with exactly one waiting action
(``CollectDigits``, a back-end lookup, ``RecordMessage``); the next event answers it. An event that
does not answer what the engine waits for (a stale lookup result, ``PromptFinished``) is ignored: the
state comes back unchanged with no actions. ``CallerHungUp`` ends the session at any moment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ivr import actions as a
from ivr import events as e
from ivr import menu as m
from ivr.engine_input import on_digits, on_no_input
from ivr.engine_nodes import Actions, enter, finish, outcome_without_transfer, say
from ivr.engine_state import Draft, Outcome, State, Waiting, new_state

Step = tuple[State, tuple[a.Action, ...]]
Handler = Callable[[m.Menu, Draft, Any, Actions], None]


def local_number(caller: str) -> str:
    """The caller's number as dialled locally (``0821234567``), or ``""`` if it cannot be called back."""
    digits = "".join(char for char in caller if char.isdigit())
    if digits.startswith("27") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if m.za_phone(digits) else ""


class Engine:
    """Runs sessions through one menu. Stateless itself: any number of calls may share it."""

    def __init__(self, menu: m.Menu) -> None:
        self.menu = menu
        self._handlers: Mapping[Waiting, Mapping[type, Handler]] = _HANDLERS

    def start(self, event: e.CallStarted) -> Step:
        """A new session for a call that just reached the IVR."""
        caller = local_number(event.caller)
        draft = new_state(
            node=self.menu.start,
            language=self.menu.default_language,
            caller=event.caller,
            call_id=event.call_id,
            local_time=event.local_time,
            at=event.at,
            agent=self.menu.agent,
            slots={"caller": caller} if caller else {},
        )
        out: Actions = []
        enter(self.menu, draft, self.menu.start, out)
        return draft.freeze(), tuple(out)

    def step(self, state: State, event: e.Event) -> Step:
        """The next state and what to do, after ``event``."""
        if state.ended:
            return state, ()
        if type(event) is e.CallerHungUp:
            draft = state.thaw()
            draft.at = event.at
            finish(draft, outcome_without_transfer(draft, Outcome.ABANDONED), "caller")
            return draft.freeze(), ()
        handler = self._handlers[state.waiting].get(type(event))
        if handler is None:
            return state, ()
        draft = state.thaw()
        draft.at = event.at
        out: Actions = []
        handler(self.menu, draft, event, out)
        return draft.freeze(), tuple(out)

    def expects(self, state: State) -> tuple[type, ...]:
        """The event types that would move ``state`` on (besides ``CallerHungUp``)."""
        return tuple(self._handlers[state.waiting])


def _node(menu: m.Menu, d: Draft) -> m.Node:
    return menu.nodes[d.node]


def _on_error(menu: m.Menu, d: Draft, event: e.ServiceUnavailable, out: Actions) -> None:
    node = _node(menu, d)
    assert isinstance(
        node, m.RequestNode | m.StatusNode | m.VerifyNode | m.OutagesNode | m.CallbackNode | m.RecordNode
    )
    d.note(f"service_unavailable:{event.reason}" if event.reason else "service_unavailable")
    enter(menu, d, node.on_error, out)


def _on_recording(menu: m.Menu, d: Draft, event: e.RecordingDone, out: Actions) -> None:
    node = _node(menu, d)
    assert isinstance(node, m.RecordNode)
    if event.recording:
        d.set_slot(node.store, event.recording)
    enter(menu, d, node.next, out)


def _on_silent_recording(menu: m.Menu, d: Draft, event: e.NoInput, out: Actions) -> None:
    node = _node(menu, d)
    assert isinstance(node, m.RecordNode)
    d.note("nothing_recorded")
    enter(menu, d, node.next, out)


def _on_request(menu: m.Menu, d: Draft, event: e.RequestCreated, out: Actions) -> None:
    node = _node(menu, d)
    assert isinstance(node, m.RequestNode)
    d.set_slot("reference", event.reference)
    d.references = (*d.references, event.reference)
    d.served = (*d.served, "request")
    enter(menu, d, node.next, out)


def _on_status(menu: m.Menu, d: Draft, event: e.StatusFound, out: Actions) -> None:
    node = _node(menu, d)
    assert isinstance(node, m.StatusNode)
    say(node.statuses.get(event.status, node.other_status), d.language, d.slots, out)
    d.served = (*d.served, "status")
    enter(menu, d, node.next, out)


def _on_status_unknown(menu: m.Menu, d: Draft, event: e.StatusUnknown, out: Actions) -> None:
    node = _node(menu, d)
    assert isinstance(node, m.StatusNode)
    d.note("status_unknown")
    too_many = d.count_failure(node.id) >= node.attempts
    enter(menu, d, node.too_many if too_many else node.unknown, out)


def _on_verified(menu: m.Menu, d: Draft, event: e.AccountVerified, out: Actions) -> None:
    node = _node(menu, d)
    assert isinstance(node, m.VerifyNode)
    d.set_slot("balance", str(event.balance_cents))
    d.served = (*d.served, "balance")
    enter(menu, d, node.next, out)


def _verification_failure(what: str) -> Handler:
    def handle(menu: m.Menu, d: Draft, event: Any, out: Actions) -> None:
        node = _node(menu, d)
        assert isinstance(node, m.VerifyNode)
        d.note(what)
        if d.count_failure(node.id) >= node.attempts:
            d.note("account_locked")
            enter(menu, d, node.locked, out)
        else:
            enter(menu, d, node.unknown if what == "account_unknown" else node.failed, out)

    return handle


def _on_locked(menu: m.Menu, d: Draft, event: e.AccountLocked, out: Actions) -> None:
    node = _node(menu, d)
    assert isinstance(node, m.VerifyNode)
    d.note("account_locked")
    d.failures = {**d.failures, node.id: node.attempts}  # no further tries in this call either
    enter(menu, d, node.locked, out)


def _on_outages(menu: m.Menu, d: Draft, event: e.OutagesFound, out: Actions) -> None:
    node = _node(menu, d)
    assert isinstance(node, m.OutagesNode)
    services = tuple(dict.fromkeys(outage.service for outage in event.outages))
    for service in services:
        say(node.services.get(service, node.other_service), d.language, d.slots, out)
    if services:
        d.set_slot("outages", ",".join(services))
        d.note("outages_announced")
    enter(menu, d, node.found if services else node.none, out)


def _on_callback(menu: m.Menu, d: Draft, event: e.CallbackScheduled, out: Actions) -> None:
    node = _node(menu, d)
    assert isinstance(node, m.CallbackNode)
    d.callback = True
    enter(menu, d, node.next, out)


_HANDLERS: Mapping[Waiting, Mapping[type, Handler]] = {
    Waiting.DIGITS: {e.DigitsEntered: on_digits, e.NoInput: on_no_input},
    Waiting.RECORDING: {
        e.RecordingDone: _on_recording,
        e.NoInput: _on_silent_recording,
        e.ServiceUnavailable: _on_error,
    },
    Waiting.REQUEST: {e.RequestCreated: _on_request, e.ServiceUnavailable: _on_error},
    Waiting.STATUS: {
        e.StatusFound: _on_status,
        e.StatusUnknown: _on_status_unknown,
        e.ServiceUnavailable: _on_error,
    },
    Waiting.ACCOUNT: {
        e.AccountVerified: _on_verified,
        e.AccountUnknown: _verification_failure("account_unknown"),
        e.VerificationFailed: _verification_failure("verification_failed"),
        e.AccountLocked: _on_locked,
        e.ServiceUnavailable: _on_error,
    },
    Waiting.OUTAGES: {e.OutagesFound: _on_outages, e.ServiceUnavailable: _on_error},
    Waiting.CALLBACK: {e.CallbackScheduled: _on_callback, e.ServiceUnavailable: _on_error},
    Waiting.NOTHING: {},
}
