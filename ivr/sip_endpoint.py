"""The pyVoIP SIP endpoint: registers to Asterisk as a PJSIP endpoint and runs each call through the IVR.

pyVoIP (pinned ``pyVoIP==1.6.8``) is untyped and is only touched in this module, through ``Any``
handles. It answers every INVITE on a thread of its own; that thread runs :func:`ivr.runner.run_session`
with a :class:`SipCall` as the transport:

* prompts go out as 8 kHz audio (:mod:`ivr.sip_audio`), written a few 20 ms packets ahead of pyVoIP's
  RTP sender so that a key pressed stops the prompt at once (barge-in);
* keys are RFC 4733 events (``call.get_dtmf()``); when the caller's SDP offers no ``telephone-event``
  every collection answers ``NoInput`` at once, so the menu's no-input handling plays its prompt and
  routes the caller on (to an agent, in the shipped menu) without waiting;
* ``RecordMessage`` writes the caller's audio to a WAV under the recordings folder;
* ``Transfer`` is AMI ``Setvar`` + ``Redirect`` of the channel named in the INVITE's ``X-CC-Channel``
  header (pyVoIP keeps unknown headers in ``call.request.headers``), then the SIP leg is hung up.

Each call's RTP socket is wrapped by :class:`ivr.sip_audio.RtpTap`, which timestamps every packet
pyVoIP sends (the benchmark's lateness figure: a packet is late when it leaves more than 20 ms after
its predecessor's send time + 20 ms) and sees when the caller's RTP last arrived: a caller silent on RTP for
``rtp_timeout`` seconds (vanished without a BYE), a BYE, or a dead socket end the call as hung up.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from callcentre.settings import IvrSettings
from ivr import actions as a
from ivr import events as e
from ivr import sip_audio as au
from ivr.backend import Backend, SessionInfo
from ivr.engine import Engine
from ivr.runner import CallerGone, run_session
from ivr.sip_redirect import (
    CHANNEL_HEADER,
    LINKEDID_HEADER,
    AmiRedirector,
    TransferFailed,
    header,
    local_ip_towards,
)
from ivr.store import SessionStore

log = logging.getLogger(__name__)
POLL = 0.01


@dataclass(frozen=True)
class SipOptions:
    """Timing of the endpoint."""

    rtp_timeout: float = 30.0  # no RTP from the caller for this long: the caller is gone
    ahead_packets: int = 3  # audio queued ahead of pyVoIP's sender (bounds barge-in latency)
    record_silence: float = 4.0  # a recording stops after this much silence
    record_level: float = 0.02  # RMS (fraction of full scale) above which a 20 ms frame is voice
    capture_audio: bool = False  # keep the RTP payloads sent (tests)


@dataclass
class CallReport:
    """One finished call: its session record and what the RTP sender did."""

    call_id: str
    channel: str
    session: dict[str, Any]
    packets: int
    late: int
    max_gap: float
    sent_payloads: list[bytes] = field(default_factory=list)


class SipCall:
    """The :class:`ivr.runner.Transport` of one pyVoIP call."""

    def __init__(
        self,
        call: Any,
        prompts: au.PromptAudio,
        redirector: AmiRedirector | None,
        recordings: Path,
        opt: SipOptions,
    ) -> None:
        self.call, self.prompts, self.redirector = call, prompts, redirector
        self.recordings, self.opt = recordings, opt
        self.channel = header(call.request, CHANNEL_HEADER)
        self.call_id = str(call.call_id)
        clients = list(call.RTPClients)
        self.dtmf_supported = any(str(pt) == "telephone-event" for c in clients for pt in c.assoc.values())
        call.answer()
        self.answered = time.monotonic()
        self._rtp, self.tap, self.gone = clients[0], au.RtpTap(clients[0].sin, opt.capture_audio), False
        self._rtp.sin = self._rtp.sout = self.tap

    # ---- helpers over pyVoIP internals (its packet buffers) ---------------------------------
    def _alive(self) -> None:
        if self.gone or self.call.state.value != "ANSWERED":
            self.gone = True
            raise CallerGone("the caller hung up")
        if time.monotonic() - self.tap.last_rx > self.opt.rtp_timeout:
            log.warning("call %s: no RTP for %.0fs; ending it", self.call_id, self.opt.rtp_timeout)
            self.hangup()
            raise CallerGone("no RTP from the caller")

    def _pending(self, manager: Any, drop: bool = False) -> int:
        with manager.bufferLock:
            buf = manager.buffer
            here = buf.tell()
            end = buf.seek(0, 2)
            if not drop:
                buf.seek(here)
            return int(end - here)

    def _read_in(self) -> bytes:
        manager = self._rtp.pmin
        size = self._pending(manager)
        return bytes(manager.read(size)) if size else b""

    def _keys(self) -> str:
        return str(self.call.get_dtmf(32))

    def _send(self, audio: bytes, barge_in: bool) -> str:
        """Queue ``audio`` a few packets ahead of the sender; stop early (and return keys) on a key."""
        ahead = self.opt.ahead_packets * au.FRAME
        offset = 0
        while True:
            self._alive()
            keys = self._keys() if barge_in else ""
            if keys:
                self._pending(self._rtp.pmout, drop=True)  # silence what was still queued
                return keys
            queued = self._pending(self._rtp.pmout)
            if offset >= len(audio) and queued == 0:
                return ""
            while offset < len(audio) and queued < ahead:
                self.call.write_audio(audio[offset : offset + au.FRAME])
                offset, queued = offset + au.FRAME, queued + au.FRAME
            time.sleep(POLL)

    def play(self, action: a.Play | a.SayDigits | a.SayAmount) -> str:
        """Play a prompt; the keys that interrupted it (``""`` if it played to the end)."""
        return self._send(au.render(action, self.prompts), barge_in=True)

    def collect(self, action: a.CollectDigits, already: str) -> e.Event:
        """Keys until ``max_length``, the terminator, or a timeout; at once ``NoInput`` without RFC 4733."""
        digits = already

        def complete() -> bool:
            ended = bool(action.terminator) and action.terminator in digits
            return ended or len(digits.replace(action.terminator or "\0", "")) >= action.max_length

        if not self.dtmf_supported and not digits:
            self._alive()
            return e.NoInput()
        deadline = time.monotonic() + (action.inter_digit_timeout if digits else action.timeout)
        while not complete():
            self._alive()
            key = str(self.call.get_dtmf(1))
            if key:
                digits += key
                deadline = time.monotonic() + action.inter_digit_timeout
            elif time.monotonic() > deadline:
                break
            else:
                time.sleep(POLL)
        return e.DigitsEntered(digits) if digits else e.NoInput()

    def record(self, action: a.RecordMessage) -> e.Event:
        """Record the caller until ``#``, silence or ``max_seconds``; the WAV as ``RecordingDone``."""
        self._keys()  # keys typed ahead must not end the recording
        if action.beep:
            self._send(au.pad(au.to_u8(au.tone((1000.0,), 0.3, 0.3))), barge_in=False)
        self._pending(self._rtp.pmin, drop=True)  # only what the caller says after the beep
        audio, voiced, started = bytearray(), False, time.monotonic()
        last_voice = started
        while time.monotonic() - started < action.max_seconds and "#" not in self._keys():
            self._alive()
            time.sleep(0.02)
            chunk = self._read_in()
            audio += chunk
            if chunk and au.rms(chunk) > self.opt.record_level:
                voiced, last_voice = True, time.monotonic()
            if time.monotonic() - last_voice > self.opt.record_silence:
                break
        if not voiced:
            return e.NoInput()
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", self.call_id)[:60]
        path = self.recordings / f"ivr-{safe}-{int(time.time())}.wav"
        au.write_wav(path, au.u8_to_pcm16(bytes(audio)))
        return e.RecordingDone(recording=str(path), seconds=round(len(audio) / 8000, 2))

    def transfer(self, action: a.Transfer) -> None:
        """AMI ``Setvar`` + ``Redirect`` of the caller's channel to the queue, then hang up this leg."""
        try:
            if self.redirector is None:
                raise TransferFailed("no AMI connection configured for transfers")
            self.redirector.transfer(self.channel, action.queue, action.variable_map())
        except TransferFailed as exc:
            log.error("call %s: %s", self.call_id, exc)
        self.hangup()

    def hangup(self) -> None:
        """Send BYE (if the call is still up)."""
        if self.call.state.value == "ANSWERED":
            try:
                self.call.hangup()
            except Exception:  # the peer is gone; nothing more to tell it
                log.debug("call %s: hangup failed", self.call_id, exc_info=True)
        self.gone = True

    def elapsed(self) -> float:
        """Seconds since answer."""
        return round(time.monotonic() - self.answered, 3)


class SipEndpoint:
    """Registers to the registrar and serves every incoming call with the IVR (thread-safe)."""

    def __init__(
        self,
        settings: IvrSettings,
        engine: Engine,
        backend: Backend,
        store: SessionStore,
        recordings: Path,
        *,
        local_port: int = 5060,
        prompts: au.PromptAudio | None = None,
        redirector: AmiRedirector | None = None,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(ZoneInfo("Africa/Johannesburg")),
        options: SipOptions | None = None,
    ) -> None:
        self.settings, self.engine, self.backend, self.store = settings, engine, backend, store
        self.recordings, self.local_port, self.clock = recordings, local_port, clock
        self.prompts: au.PromptAudio = prompts or au.TonePrompts()
        self.redirector = redirector
        self.options = options or SipOptions()
        self.reports: list[CallReport] = []
        self._lock = threading.Lock()
        self._phone: Any = None

    def start(self) -> None:
        """Bind, register (blocks until the registrar answers) and start answering calls."""
        s = self.settings
        local = s.sip_local_ip or local_ip_towards(s.sip_server, s.sip_port)
        voip: Any = importlib.import_module("pyVoIP.VoIP")
        self._phone = voip.VoIPPhone(
            s.sip_server, s.sip_port, s.sip_username, s.sip_password.reveal(), myIP=local,
            callCallback=self._on_call, sipPort=self.local_port,
            rtpPortLow=s.sip_rtp_port_low, rtpPortHigh=s.sip_rtp_port_high,
        )  # fmt: skip
        self._phone.start()  # on failure pyVoIP retries in the background (3 tries), so wait for it
        deadline = time.monotonic() + 15
        while (status := str(self._phone.get_status().value)) != "REGISTERED":
            if status == "FAILED" or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"SIP registration at {s.sip_server}:{s.sip_port} failed ({status})")
            time.sleep(0.05)

    def stop(self) -> None:
        """Hang up every call, deregister and close the sockets."""
        if self._phone is not None:
            self._phone.sip.register_timeout = 2  # pyVoIP would wait 30 s for a gone registrar
            self._phone.stop()
            self._phone = None

    def _on_call(self, call: Any) -> None:
        """pyVoIP's per-call thread: answer, run the menu, store the session; never raises."""
        transport: SipCall | None = None
        try:
            transport = SipCall(call, self.prompts, self.redirector, self.recordings, self.options)
            request = call.request
            caller = str(request.headers["From"].get("number") or "")
            info = SessionInfo(
                transport.call_id, caller or None, header(request, LINKEDID_HEADER) or None, "sip"
            )
            start = e.CallStarted(
                caller, self.clock(), called=str(request.headers["To"].get("number") or ""),
                call_id=transport.call_id,
            )  # fmt: skip
            session = run_session(self.engine, transport, self.backend, start, info, self.store)
        except Exception:
            log.exception("SIP call failed")
            if transport is not None:
                transport.hangup()
            return
        packets, late, gap = transport.tap.lateness()
        report = CallReport(transport.call_id, transport.channel, session, packets, late, gap)
        report.sent_payloads = transport.tap.payloads
        with self._lock:
            self.reports.append(report)
