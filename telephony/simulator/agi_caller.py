"""A simulated caller on Asterisk's side of a FastAGI connection, on a real TCP socket (demo and tests).

It sends the ``agi_*`` environment block, then answers every command the server sends the way
Asterisk does (``200 result=...``): keys from its script for ``WAIT FOR DIGIT``, no barge-in on
prompts, ``result=1`` for variables. It can also misbehave: send garbage instead of a reply, or
hang up (``HANGUP`` then close) at a given command.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field


@dataclass
class AgiPeer:
    """One simulated call. ``keys``: what the caller presses, one key per ``WAIT FOR DIGIT``."""

    port: int
    keys: str
    uniqueid: str = "1700000000.1"
    linkedid: str = "1700000000.1"
    callerid: str = "0821234567"
    garbage_at: int | None = None  # reply to the n-th command (1-based) with garbage
    hangup_at: int | None = None  # at the n-th command, send HANGUP and close
    commands: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    closed_by_server: bool = False

    def run(self, timeout: float = 30.0) -> AgiPeer:
        """Make the call; returns when either side closes the connection."""
        keys = list(self.keys)
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            stream = sock.makefile("rwb")
            env = {
                "agi_network": "yes",
                "agi_request": f"agi://127.0.0.1:{self.port}",
                "agi_channel": f"PJSIP/trunk-{self.uniqueid}",
                "agi_language": "en",
                "agi_uniqueid": self.uniqueid,
                "agi_callerid": self.callerid,
                "agi_dnid": "0860001234",
                "agi_arg_1": self.linkedid,
            }
            stream.write("".join(f"{k}: {v}\n" for k, v in env.items()).encode() + b"\n")
            stream.flush()
            while True:
                raw = stream.readline()
                if not raw:
                    self.closed_by_server = True
                    return self
                command = raw.decode().strip()
                self.commands.append(command)
                count = len(self.commands)
                if count == self.garbage_at:
                    stream.write(b"\x00\xffthis is not AGI at all\n")
                elif count == self.hangup_at:
                    stream.write(b"HANGUP\n")
                    stream.flush()
                    return self
                else:
                    stream.write(self._reply(command, keys).encode() + b"\n")
                stream.flush()

    def _reply(self, command: str, keys: list[str]) -> str:
        verb = command.split(" ", 2)
        if command.startswith("WAIT FOR DIGIT"):
            return f"200 result={ord(keys.pop(0))}" if keys else "200 result=0"
        if command.startswith("SET VARIABLE"):
            name, _, value = verb[2].partition(" ")
            self.variables[name] = value.strip('"')
            return "200 result=1"
        if command.startswith("RECORD FILE"):
            return "200 result=0 (timeout) endpos=24000"
        if command == "HANGUP":
            return "200 result=1"
        return "200 result=0 endpos=8000"  # STREAM FILE, SAY DIGITS, SAY NUMBER: played to the end

    def said_digits(self) -> list[str]:
        """The digits of every ``SAY DIGITS`` command, in order."""
        return [c.split()[2] for c in self.commands if c.startswith("SAY DIGITS")]
