"""The AMI connection: owns the socket, logs in, sends actions, yields events.

Actions are serialised with the ``asterisk-ami`` package's ``Action`` classes
(its ``Variable:`` handling is what ``Originate`` needs). Its own ``AMIClient``
is not used for the socket: it buffers without bound, gives up on any 3-second
silence (a socket timeout in its reader thread), has no ``Response: Follows``
handling and replaces invalid UTF-8 silently — so reading goes through our
pure parser in :mod:`telephony.protocol` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from asterisk.ami.action import Action, LoginAction, SimpleAction

from telephony.names import H
from telephony.protocol import DEFAULT_MAX_FRAME_BYTES, AmiMessage, parse

log = logging.getLogger(__name__)
READ_CHUNK = 65536
EVENT_QUEUE_SIZE = 10_000


class AmiError(Exception):
    """A problem talking to Asterisk; the message says what to check."""


class AmiAuthError(AmiError):
    """Asterisk refused the username or secret."""


class AmiConnectionLost(AmiError):
    """The connection closed or stopped answering."""


@dataclass(slots=True)
class ActionResult:
    """A response, with the list events that followed it (``EventList: start`` actions)."""

    response: AmiMessage
    events: list[AmiMessage] = field(default_factory=list)
    #: How many events the connection had received before this answer was complete: the events
    #: that happened before the snapshot a list action (``CoreShowChannels``) describes.
    events_before: int = 0

    @property
    def ok(self) -> bool:
        return self.response.name.lower() in {"success", "goodbye", "follows"}


@dataclass(slots=True)
class _Pending:
    future: asyncio.Future[ActionResult]
    result: ActionResult | None = None


class AmiConnection:
    """One AMI session over TCP."""

    def __init__(self, host: str, port: int, *, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> None:
        self.host, self.port = host, port
        self.max_frame_bytes = max_frame_bytes
        self.banner: str | None = None
        self.frame_errors = 0
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._events: asyncio.Queue[AmiMessage | None] = asyncio.Queue(EVENT_QUEUE_SIZE)
        self._pending: dict[str, _Pending] = {}
        self._ids = itertools.count(1)
        self._read_task: asyncio.Task[None] | None = None
        self._closed = asyncio.Event()
        self.events_received = 0
        self.events_taken = 0

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    async def connect(self, timeout: float) -> None:
        """Open the socket and start reading (the banner arrives first)."""
        try:
            self._reader, self._writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), timeout
            )
        except (OSError, TimeoutError) as exc:
            raise AmiConnectionLost(
                f"cannot reach Asterisk AMI at {self.where}: {exc or 'timed out'}"
            ) from exc
        self._read_task = asyncio.create_task(self._read_loop(), name=f"ami-read-{self.where}")

    async def login(self, username: str, secret: str, timeout: float, events: bool = True) -> None:
        """Log in; raises :class:`AmiAuthError` with a message naming the user (never the secret)."""
        action = LoginAction(username, secret)
        action.keys["Events"] = "on" if events else "off"
        result = await self.send(action, timeout)
        if not result.ok:
            reason = result.response.get(H.MESSAGE) or result.response.name
            raise AmiAuthError(
                f"Asterisk at {self.where} refused login for user {username!r}: {reason}. "
                "Check the [user] section and secret in manager.conf and the AMI username/secret settings."
            )

    async def send(self, action: Action, timeout: float) -> ActionResult:
        """Send ``action`` and wait for its response (and list events, if it has any)."""
        if self._writer is None or self._closed.is_set():
            raise AmiConnectionLost(f"not connected to {self.where}")
        action_id = action.keys.get(H.ACTION_ID) or f"cc-{next(self._ids)}"
        action.keys[H.ACTION_ID] = action_id
        pending = _Pending(asyncio.get_running_loop().create_future())
        self._pending[action_id] = pending
        try:
            self._writer.write((str(action) + "\r\n").encode("utf-8"))
            await self._writer.drain()
            return await asyncio.wait_for(asyncio.shield(pending.future), timeout)
        except TimeoutError:
            raise AmiConnectionLost(
                f"{action.name} got no answer from {self.where} in {timeout:g}s"
            ) from None
        except OSError as exc:
            raise AmiConnectionLost(f"lost connection to {self.where}: {exc}") from exc
        finally:
            self._pending.pop(action_id, None)

    async def simple(self, name: str, timeout: float, **fields: str) -> ActionResult:
        """Send a plain action such as ``Ping`` or ``CoreShowChannels``."""
        return await self.send(SimpleAction(name, **fields), timeout)

    async def events(self) -> AsyncIterator[AmiMessage]:
        """Events as they arrive, until the connection closes."""
        while True:
            item = await self._events.get()
            if item is None:
                return
            yield item

    async def take(self, limit: int, timeout: float) -> list[AmiMessage] | None:
        """Wait up to ``timeout`` for events, then return up to ``limit`` of them.

        Returns ``[]`` when nothing came in time and ``None`` once the connection has closed.
        """
        try:
            first = await asyncio.wait_for(self._events.get(), timeout)
        except TimeoutError:
            return []
        if first is None:
            self._events.put_nowait(None)  # keep the end marker for the next caller
            return None
        self.events_taken += 1
        return [first, *self.take_received(limit - 1)]

    def take_received(self, limit: int | None = None) -> list[AmiMessage]:
        """Events already received and not yet taken (at most ``limit``), without waiting.

        Used when a connection dies, so nothing that arrived is lost, and to take
        exactly the events that came before a ``CoreShowChannels`` snapshot.
        """
        items: list[AmiMessage] = []
        while (limit is None or len(items) < limit) and not self._events.empty():
            item = self._events.get_nowait()
            if item is None:
                self._events.put_nowait(None)
                break
            items.append(item)
        self.events_taken += len(items)
        return items

    async def close(self) -> None:
        """Close the socket; pending actions fail, :meth:`events` ends."""
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        if self._read_task is not None:
            await asyncio.gather(self._read_task, return_exceptions=True)
        await self._finish("closed")

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    async def _read_loop(self) -> None:
        assert self._reader is not None
        leftover, discarding = b"", False
        try:
            while True:
                data = await self._reader.read(READ_CHUNK)
                if not data:
                    break
                result = parse(leftover + data, discarding=discarding, max_frame_bytes=self.max_frame_bytes)
                leftover, discarding = result.leftover, result.discarding
                for error in result.errors:
                    self.frame_errors += 1
                    log.warning("skipped a malformed AMI frame from %s: %s", self.where, error)
                for message in result.messages:
                    await self._dispatch(message)
        except (OSError, asyncio.IncompleteReadError) as exc:
            log.warning("AMI connection to %s failed: %s", self.where, exc)
        finally:
            await self._finish(f"connection to {self.where} closed by the peer")

    async def _dispatch(self, message: AmiMessage) -> None:
        kind = message.kind
        if kind == "banner":
            self.banner = message.name
            return
        action_id = message.get(H.ACTION_ID)
        pending = self._pending.get(action_id) if action_id else None
        if pending is not None and self._answer(pending, message):
            return
        if kind == "event":
            self.events_received += 1
            await self._events.put(message)

    def _answer(self, pending: _Pending, message: AmiMessage) -> bool:
        """Feed a response or list event to the waiting action; False if it is an ordinary event."""
        if message.kind == "response" and pending.result is None:
            pending.result = ActionResult(message)
            if (message.get("EventList") or "").lower() != "start" and not pending.future.done():
                pending.result.events_before = self.events_received
                pending.future.set_result(pending.result)
            return True
        if pending.result is None or message.kind != "event":
            return False
        if message.name == "OriginateResponse":
            return False  # an async Originate's outcome is a real event the logger needs
        pending.result.events.append(message)
        if (message.get("EventList") or "").lower() == "complete" and not pending.future.done():
            pending.result.events_before = self.events_received
            pending.future.set_result(pending.result)
        return True

    async def _finish(self, reason: str) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(AmiConnectionLost(reason))
        try:
            self._events.put_nowait(None)
        except asyncio.QueueFull:
            await self._events.put(None)
