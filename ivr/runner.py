"""Drives the pure engine over a transport: the one loop both transports (FastAGI, SIP) share.

A transport only executes actions (plays, collects keys, records, transfers, hangs up) and keeps the
call's clock; the back end (:mod:`ivr.backend`) executes the database actions; every line of menu
logic stays in :class:`ivr.engine.Engine`. :func:`run_session` runs one call from answer to the end,
stores its session record and returns it.

Barge-in: :meth:`Transport.play` returns the keys pressed while a prompt played; the rest of the
prompts before the next ``CollectDigits`` are skipped and those keys are handed to
:meth:`Transport.collect` as ``already``. Keys pressed before a back-end action or a recording are
dropped (they answer nothing).

A transport signals that the caller is gone (hang-up, a peer sending garbage, a dead socket) by
raising :class:`CallerGone` from any method: the engine gets ``CallerHungUp`` and the session is
stored as hung up at the node the caller was at.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Protocol

from ivr import actions as a
from ivr import events as e
from ivr.backend import BACKEND_ACTIONS, Backend, SessionInfo
from ivr.engine import Engine
from ivr.session import session_record
from ivr.store import SessionStore

log = logging.getLogger(__name__)


class CallerGone(Exception):
    """Raised by a transport when the caller hung up or the peer can no longer be talked to."""


class Transport(Protocol):
    """What a telephony adapter does for the runner (all calls block until done)."""

    def play(self, action: a.Play | a.SayDigits | a.SayAmount) -> str:
        """Play a prompt; return the keys pressed while it played (barge-in), ``""`` if none."""
        ...

    def collect(self, action: a.CollectDigits, already: str) -> e.Event:
        """Collect keys (``already``: pressed during the prompts); ``DigitsEntered`` or ``NoInput``."""
        ...

    def record(self, action: a.RecordMessage) -> e.Event:
        """Record the caller; ``RecordingDone`` or ``NoInput``."""
        ...

    def transfer(self, action: a.Transfer) -> None:
        """Hand the caller to ``action.queue`` with ``action.variables`` set on the channel."""
        ...

    def hangup(self) -> None:
        """Hang up the call."""
        ...

    def elapsed(self) -> float:
        """Seconds since the call was answered (the session clock)."""
        ...


def run_session(
    engine: Engine,
    transport: Transport,
    backend: Backend,
    start: e.CallStarted,
    info: SessionInfo,
    store: SessionStore,
) -> dict[str, Any]:
    """Run one call through the menu to its end, store the session record and return it (a dict)."""
    state, actions = engine.start(start)
    try:
        while True:
            event = _execute(actions, transport, backend, info)
            if state.ended:
                break
            if event is None:  # the engine always ends a step with a waiting action; never here
                log.error(
                    "IVR session %s: no waiting action at node %s; hanging up", info.call_id, state.node
                )
                transport.hangup()
                break
            state, actions = engine.step(state, dataclasses.replace(event, at=transport.elapsed()))
    except CallerGone:
        state, _ = engine.step(state, e.CallerHungUp(at=_elapsed(transport, state.at)))
    record = session_record(state)
    try:
        store.save(record, info)
    except Exception:  # a failed save must not take the transport's thread down
        log.exception("IVR session %s could not be stored", info.call_id)
    return {**record.as_dict(), "transport": info.transport, "linkedid": info.linkedid}


def _execute(
    actions: tuple[a.Action, ...], transport: Transport, backend: Backend, info: SessionInfo
) -> e.Event | None:
    """Execute one step's actions in order; the answer to its waiting action (``None`` if it has none)."""
    pressed = ""
    event: e.Event | None = None
    for action in actions:
        if isinstance(action, a.Play | a.SayDigits | a.SayAmount):
            if not pressed:  # after a barge-in the remaining prompts are skipped
                pressed = transport.play(action)
        elif isinstance(action, a.CollectDigits):
            event = transport.collect(action, pressed)
            pressed = ""
        elif isinstance(action, a.RecordMessage):
            event = transport.record(action)
            pressed = ""
        elif isinstance(action, BACKEND_ACTIONS):
            event = backend.handle(action, info)
            pressed = ""
        elif isinstance(action, a.Transfer):
            transport.transfer(action)
        elif isinstance(action, a.Hangup):
            transport.hangup()
    return event


def _elapsed(transport: Transport, fallback: float) -> float:
    try:
        return max(fallback, transport.elapsed())
    except Exception:
        return fallback
