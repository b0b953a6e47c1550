"""Transfers for the SIP endpoint: pyVoIP cannot transfer, so Asterisk moves the caller over AMI.

Asterisk passes the caller's channel name to the endpoint in a SIP header on the INVITE (the
dialplan sets it with ``PJSIP_HEADER(add,X-CC-Channel)=${CHANNEL}``). To hand the caller to a queue
the endpoint sets the channel variables (``CC_IVR_PATH``, ``CC_REFERENCE``, ``CC_LANGUAGE``...) with
AMI ``Setvar`` and sends ``Redirect`` of that channel to ``<context>,<queue>,1``; then it hangs up
its own SIP leg. Each transfer uses a short AMI session of its own (connect, login, actions,
logoff) on the calling thread, through :class:`telephony.client.AmiConnection`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from asterisk.ami.action import SimpleAction

from telephony.client import AmiConnection, AmiError

log = logging.getLogger(__name__)

#: The SIP header Asterisk adds on the INVITE with the caller's channel name.
CHANNEL_HEADER = "X-CC-Channel"
#: The SIP header with the call's Linkedid (links the IVR session to the call record), if added.
LINKEDID_HEADER = "X-CC-Linkedid"


class TransferFailed(Exception):
    """Asterisk could not be told to move the caller; the message says why."""


@dataclass(frozen=True)
class AmiRedirector:
    """Moves a channel to a queue's dialplan extension with AMI ``Setvar`` + ``Redirect``."""

    host: str
    port: int
    username: str
    secret: str
    context: str = "cc-queue"  # the queue's extension is ``<context>,<queue>,1``
    timeout: float = 5.0

    def transfer(self, channel: str, queue: str, variables: Mapping[str, str]) -> None:
        """Set ``variables`` on ``channel`` and redirect it to ``queue``; raises :class:`TransferFailed`."""
        if not channel:
            raise TransferFailed(f"no channel name to redirect to {queue!r} (missing {CHANNEL_HEADER})")
        try:
            asyncio.run(self._transfer(channel, queue, variables))
        except AmiError as exc:
            raise TransferFailed(f"redirect of {channel} to {queue!r} failed: {exc}") from exc

    async def _transfer(self, channel: str, queue: str, variables: Mapping[str, str]) -> None:
        ami = AmiConnection(self.host, self.port)
        await ami.connect(self.timeout)
        try:
            await ami.login(self.username, self.secret, self.timeout, events=False)
            for name, value in variables.items():
                result = await ami.send(
                    SimpleAction("Setvar", Channel=channel, Variable=name, Value=value), self.timeout
                )
                if not result.ok:  # the variables help the agent; the caller must still be moved
                    log.warning("Setvar %s on %s refused: %s", name, channel, result.response.get("Message"))
            redirect = SimpleAction(
                "Redirect", Channel=channel, Context=self.context, Exten=queue, Priority="1"
            )
            result = await ami.send(redirect, self.timeout)
            if not result.ok:
                reason = result.response.get("Message") or result.response.name
                raise TransferFailed(f"Asterisk refused Redirect of {channel} to {queue!r}: {reason}")
            with contextlib.suppress(AmiError):
                await ami.send(SimpleAction("Logoff"), self.timeout)
        finally:
            await ami.close()


def header(request: Any, name: str) -> str:
    """A SIP header of a pyVoIP request by name, case-insensitively (``""`` if absent)."""
    for key, value in request.headers.items():
        if isinstance(key, str) and key.lower() == name.lower() and isinstance(value, str):
            return value.strip()
    return ""


def local_ip_towards(host: str, port: int) -> str:
    """The local address the system would use to reach ``host`` (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect((host, port))
        return str(probe.getsockname()[0])
