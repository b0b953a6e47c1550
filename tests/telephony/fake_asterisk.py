"""A fake Asterisk on a real TCP socket: a test double for the *peer*, never for our code.

It greets like Asterisk 22, answers Login (refusing a wrong secret and then
closing, as Asterisk does), Ping (with a Timestamp), CoreShowChannels (from a
list the test sets) and Logoff, and streams the events of a recorded capture
in small, irregular chunks once the client has logged in.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass, field

from telephony.protocol import AmiMessage, parse

BANNER = b"Asterisk Call Manager/11.0.0\r\n"


def frame(*pairs: tuple[str, str]) -> bytes:
    return ("".join(f"{key}: {value}\r\n" for key, value in pairs) + "\r\n").encode()


def capture_events(data: bytes) -> list[bytes]:
    """The raw event frames of a capture (its banner and responses left out)."""
    return [message.raw for message in parse(data).messages if message.kind == "event"]


@dataclass
class FakeAsterisk:
    """One fake PBX. ``events`` are sent after login; ``live_channels`` answer CoreShowChannels."""

    secret: str = "s3cret"
    events: list[bytes] = field(default_factory=list)
    live_channels: list[dict[str, str]] = field(default_factory=list)
    pbx_time: float = 1795350900.0
    #: Close the connection after sending this many events (a crash mid-stream).
    close_after: int | None = None
    answer_pings: bool = True
    port: int = 0
    logins: int = 0
    actions: list[AmiMessage] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        """Stop listening and drop every connection, like a PBX that died."""
        if self._server is not None:
            self._server.close()
        for writer in self._writers:
            writer.close()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        writer.write(BANNER)
        leftover = b""
        try:
            while data := await reader.read(4096):
                result = parse(leftover + data)
                leftover = result.leftover
                for action in result.messages:
                    self.actions.append(action)
                    if not await self._answer(action, writer):
                        return
        except ConnectionError:
            return
        finally:
            writer.close()

    async def _answer(self, action: AmiMessage, writer: asyncio.StreamWriter) -> bool:
        async with self._lock:
            return await self._reply(action, writer)

    async def _reply(self, action: AmiMessage, writer: asyncio.StreamWriter) -> bool:
        name, action_id = action.get("Action") or "", action.get("ActionID") or ""
        if name == "Login":
            return await self._login(action, action_id, writer)
        if name == "Ping":
            if self.answer_pings:
                writer.write(
                    frame(
                        ("Response", "Success"),
                        ("ActionID", action_id),
                        ("Ping", "Pong"),
                        ("Timestamp", f"{self.pbx_time:.6f}"),
                    )
                )
        elif name == "CoreShowChannels":
            writer.write(self._channels(action_id))
        elif name == "Logoff":
            writer.write(frame(("Response", "Goodbye"), ("ActionID", action_id)))
            return False
        else:
            writer.write(
                frame(("Response", "Error"), ("ActionID", action_id), ("Message", "Invalid/unknown command"))
            )
        await writer.drain()
        return True

    async def _login(self, action: AmiMessage, action_id: str, writer: asyncio.StreamWriter) -> bool:
        if action.get("Secret") != self.secret:
            await asyncio.sleep(0.05)
            writer.write(
                frame(("Response", "Error"), ("ActionID", action_id), ("Message", "Authentication failed"))
            )
            await writer.drain()
            return False  # Asterisk closes the session after a failed login
        self.logins += 1
        writer.write(
            frame(("Response", "Success"), ("ActionID", action_id), ("Message", "Authentication accepted"))
        )
        writer.write(frame(("Event", "FullyBooted"), ("Privilege", "system,all"), ("Status", "Fully Booted")))
        await writer.drain()
        asyncio.get_running_loop().create_task(self._stream(writer))
        return True

    def _channels(self, action_id: str) -> bytes:
        out = frame(
            ("Response", "Success"),
            ("ActionID", action_id),
            ("EventList", "start"),
            ("Message", "Channels will follow"),
        )
        for channel in self.live_channels:
            out += frame(("Event", "CoreShowChannel"), ("ActionID", action_id), *channel.items())
        out += frame(
            ("Event", "CoreShowChannelsComplete"),
            ("ActionID", action_id),
            ("EventList", "Complete"),
            ("ListItems", str(len(self.live_channels))),
        )
        return out

    async def _stream(self, writer: asyncio.StreamWriter) -> None:
        """Send the events with frames split at random bytes, then keep the line open.

        Responses go out only between frames (the lock), as a real Asterisk's do.
        """
        rng = random.Random(7)
        events = self.events if self.close_after is None else self.events[: self.close_after]
        try:
            for raw in events:
                async with self._lock:
                    cut = rng.randint(0, len(raw))
                    for piece in (raw[:cut], raw[cut:]):
                        writer.write(piece)
                        await writer.drain()
            if self.close_after is not None:
                writer.close()
        except ConnectionError:
            return
