"""FastAGI: the IVR driven from Asterisk's dialplan (``AGI(agi://ivr:4573,${CHANNEL(linkedid)})``).

Asterisk connects once per call and sends its ``agi_*`` environment block; the server answers with
AGI commands and reads Asterisk's ``200 result=...`` replies. :class:`AgiTransport` is the
:class:`ivr.runner.Transport` for one such connection; every line of menu logic stays in the engine.

====================  ===================================================================
action                AGI commands
====================  ===================================================================
Play                  ``STREAM FILE <pbx_prompts_dir>/<language>/<prompt> "0123456789*#"``
SayDigits             ``SAY DIGITS <group> "0123456789*#"`` per group (the pause between groups)
SayAmount             ``SAY NUMBER <rand>``, ``SAY NUMBER <cents>`` (cents only when not zero)
CollectDigits         ``WAIT FOR DIGIT <ms>`` per key (first-key, then inter-digit timeout)
RecordMessage         ``RECORD FILE <pbx_recordings_dir>/ivr/<uniqueid>-<n> wav "#" <ms> BEEP s=3``
Transfer              ``SET VARIABLE`` for each of CC_IVR_PATH, CC_LANGUAGE, CC_REFERENCE...,
                      then ``SET VARIABLE CC_IVR_QUEUE <queue>``; the dialplan runs ``Queue()``
Hangup                ``HANGUP``
====================  ===================================================================

A ``520`` (bad syntax) is logged and taken as no key. A ``HANGUP`` line, a ``511`` reply,
``result=-1``, EOF, a timeout or a line that is not AGI ends the session as the caller hanging
up (:class:`ivr.runner.CallerGone`); the server keeps serving others.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import socket
import socketserver
import time
from dataclasses import dataclass
from typing import BinaryIO
from zoneinfo import ZoneInfo

from callcentre.settings import IvrSettings
from ivr import actions as a
from ivr import events as e
from ivr.backend import Backend, SessionInfo
from ivr.engine import Engine
from ivr.runner import CallerGone, run_session
from ivr.store import SessionStore

log = logging.getLogger(__name__)

ESCAPE = '"0123456789*#"'
MAX_LINE = 8192
_REPLY = re.compile(r"^(\d{3})(?:[ -](.*))?$")
_RESULT = re.compile(r"result=(-?\d+)(?:\s+\((.*?)\))?(?:.*?endpos=(\d+))?")


class AgiProtocolError(Exception):
    """The peer sent something that is not AGI."""


@dataclass(frozen=True)
class Reply:
    """An AGI reply: ``code`` (200, 510, 511, 520), ``result``, the ``(data)`` and ``endpos=`` if any."""

    code: int
    result: int
    data: str
    endpos: int | None


def read_environment(reader: BinaryIO) -> dict[str, str]:
    """The ``agi_*`` block Asterisk sends first (up to the blank line)."""
    env: dict[str, str] = {}
    while True:
        raw = reader.readline(MAX_LINE)
        if not raw:
            raise AgiProtocolError("connection closed in the environment block")
        line = raw.decode("utf-8", "replace").strip()
        if not line:
            return env
        name, sep, value = line.partition(":")
        if not sep or not name.startswith("agi_") or len(env) > 200:
            raise AgiProtocolError(f"not an AGI environment line: {line[:80]!r}")
        env[name] = value.strip()


def parse_reply(line: str) -> Reply:
    """Parse one reply line; raises :class:`AgiProtocolError` for anything else."""
    match = _REPLY.match(line)
    if not match:
        raise AgiProtocolError(f"not an AGI reply: {line[:80]!r}")
    code, rest = int(match.group(1)), match.group(2) or ""
    found = _RESULT.search(rest)
    if code == 200 and not found:
        raise AgiProtocolError(f"200 reply without a result: {line[:80]!r}")
    result = int(found.group(1)) if found else -1
    data = found.group(2) or "" if found else rest
    endpos = int(found.group(3)) if found and found.group(3) else None
    return Reply(code, result, data, endpos)


class AgiTransport:
    """The runner's transport over one FastAGI connection."""

    def __init__(
        self,
        reader: BinaryIO,
        writer: BinaryIO,
        env: dict[str, str],
        settings: IvrSettings,
        recordings_dir: str = "/srv/asterisk-rec",
    ) -> None:
        self.reader = reader
        self.recordings_dir = recordings_dir
        self.writer = writer
        self.env = env
        self.settings = settings
        self.started = time.monotonic()
        self.language = ""
        self.recordings = 0
        self.commands = 0

    def command(self, text: str) -> Reply:
        """Send one AGI command and read its reply; the caller being gone raises ``CallerGone``."""
        try:
            self.writer.write(text.encode() + b"\n")
            self.writer.flush()
            self.commands += 1
            while True:
                raw = self.reader.readline(MAX_LINE)
                if not raw:
                    raise CallerGone("connection closed")
                line = raw.decode("utf-8", "replace").strip()
                if line == "HANGUP":
                    raise CallerGone("channel hung up")
                if line.startswith("520-"):  # usage text follows, up to "520 End of proper usage."
                    while not line.startswith("520 "):
                        more = self.reader.readline(MAX_LINE)
                        if not more:
                            raise CallerGone("connection closed")
                        line = more.decode("utf-8", "replace").strip()
                    log.warning("Asterisk rejected the syntax of %s", text.split(" ", 2)[:2])
                    line = "520 result=0"
                    break
                if line:
                    break
        except (OSError, ValueError) as exc:
            raise CallerGone(f"connection failed: {exc}") from exc
        try:
            reply = parse_reply(line)
        except AgiProtocolError as exc:
            log.warning("FastAGI peer sent garbage: %s", exc)
            raise CallerGone(str(exc)) from exc
        if reply.code == 511 or (reply.code == 200 and reply.result == -1):
            raise CallerGone("dead channel")
        if reply.code != 200:
            log.warning("AGI %s answered %s", text.split(" ", 2)[:2], line[:120])
        return reply

    def _language(self, language: str) -> None:
        if language and language != self.language:
            self.command(f"SET VARIABLE CHANNEL(language) {language}")
            self.language = language

    @staticmethod
    def _key(reply: Reply) -> str:
        return chr(reply.result) if reply.code == 200 and reply.result > 0 else ""

    def play(self, action: a.Play | a.SayDigits | a.SayAmount) -> str:
        """Play a prompt, stopping at the first key (barge-in); return that key."""
        self._language(action.language)
        if isinstance(action, a.Play):
            path = f"{self.settings.pbx_prompts_dir.rstrip('/')}/{action.language}/{action.prompt}"
            return self._key(self.command(f"STREAM FILE {path} {ESCAPE}"))
        if isinstance(action, a.SayDigits):
            size = action.group or len(action.digits) or 1
            for start in range(0, len(action.digits), size):
                key = self._key(self.command(f"SAY DIGITS {action.digits[start : start + size]} {ESCAPE}"))
                if key:
                    return key
            return ""
        rand, cents = divmod(action.cents, 100)
        key = self._key(self.command(f"SAY NUMBER {rand} {ESCAPE}"))
        if cents and not key:
            key = self._key(self.command(f"SAY NUMBER {cents} {ESCAPE}"))
        return key

    def collect(self, action: a.CollectDigits, already: str) -> e.Event:
        """Read keys one at a time until ``max_length``, the terminator or a timeout."""
        keys = already
        while len(keys) < action.max_length and not (action.terminator and action.terminator in keys):
            wait = action.inter_digit_timeout if keys else action.timeout
            key = self._key(self.command(f"WAIT FOR DIGIT {int(wait * 1000)}"))
            if not key:
                break
            keys += key
        return e.DigitsEntered(keys) if keys else e.NoInput()

    def record(self, action: a.RecordMessage) -> e.Event:
        """Record the caller into the PBX's recordings folder."""
        self.recordings += 1
        uniqueid = re.sub(r"[^0-9A-Za-z._-]", "_", self.env.get("agi_uniqueid", "call"))
        path = f"{self.recordings_dir.rstrip('/')}/ivr/{uniqueid}-{self.recordings}"
        beep = " BEEP" if action.beep else ""
        reply = self.command(f'RECORD FILE {path} wav "#" {int(action.max_seconds * 1000)}{beep} s=3')
        seconds = (reply.endpos or 0) / 8000
        return e.RecordingDone(f"{path}.wav", round(seconds, 2)) if seconds > 0 else e.NoInput()

    def transfer(self, action: a.Transfer) -> None:
        """Set the channel variables, then CC_IVR_QUEUE: the dialplan's ``Queue()`` takes over."""
        for name, value in action.variables:
            self.command(f'SET VARIABLE {name} "{_quote(value)}"')
        self.command(f'SET VARIABLE CC_IVR_QUEUE "{_quote(action.queue)}"')

    def hangup(self) -> None:
        """Hang up the channel."""
        self.command("HANGUP")

    def elapsed(self) -> float:
        """Seconds since Asterisk connected."""
        return round(time.monotonic() - self.started, 3)


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


class AgiServer(socketserver.ThreadingTCPServer):
    """The FastAGI server: one thread per call, all sharing one engine, back end and store."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(
        self,
        address: tuple[str, int],
        engine: Engine,
        backend: Backend,
        store: SessionStore,
        settings: IvrSettings,
        timezone: str = "Africa/Johannesburg",
        recordings_dir: str = "/srv/asterisk-rec",
    ) -> None:
        self.engine = engine
        self.recordings_dir = recordings_dir
        self.backend = backend
        self.store = store
        self.settings = settings
        self.zone = ZoneInfo(timezone)
        self.sessions = 0
        super().__init__(address, _AgiHandler)

    def serve_call(self, sock: socket.socket) -> dict[str, object] | None:
        """Run one call on ``sock``; the session record, or ``None`` if the peer never spoke AGI."""
        sock.settimeout(self.settings.agi_timeout)
        reader = sock.makefile("rb")
        writer = sock.makefile("wb")
        try:
            env = read_environment(reader)
        except (AgiProtocolError, OSError) as exc:
            log.warning("FastAGI connection dropped before a call started: %s", exc)
            return None
        transport = AgiTransport(reader, writer, env, self.settings, self.recordings_dir)
        caller = env.get("agi_callerid", "")
        caller = "" if caller.lower() in ("unknown", "anonymous") else caller
        uniqueid = env.get("agi_uniqueid", "")
        info = SessionInfo(uniqueid, caller or None, env.get("agi_arg_1") or uniqueid or None, "agi")
        start = e.CallStarted(caller, dt.datetime.now(self.zone), env.get("agi_dnid", ""), uniqueid)
        try:
            record = run_session(self.engine, transport, self.backend, start, info, self.store)
        finally:
            for stream in (reader, writer):
                with contextlib.suppress(OSError):
                    stream.close()
        self.sessions += 1
        return record


class _AgiHandler(socketserver.BaseRequestHandler):
    server: AgiServer

    def handle(self) -> None:
        try:
            self.server.serve_call(self.request)
        except Exception:  # one broken call must not stop the server
            log.exception("FastAGI session failed")
