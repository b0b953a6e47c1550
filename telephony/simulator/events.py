"""Pure builders of AMI frames shaped exactly like Asterisk 22's (header names, order, value formats).

Every builder returns one frame as bytes: ``Key: Value\\r\\n`` lines and a blank line.  ``ts`` is the
simulated epoch time written as ``Timestamp`` (``timestampevents = yes``).
"""

from __future__ import annotations

import json
import time

from telephony.simulator.model import CAUSE_TEXT, STATE_DESC, Bridge, Chan

Pairs = list[tuple[str, str]]


def frame(pairs: Pairs) -> bytes:
    """Serialise ordered ``(key, value)`` pairs (duplicates allowed) into one AMI frame."""
    return ("".join(f"{k}: {v}\r\n" for k, v in pairs) + "\r\n").encode()


def stamp(ts: float) -> str:
    """``<epoch>.<6 digits>`` as in ``Timestamp``."""
    return f"{ts:.6f}"


def local_time(ts: float) -> str:
    """CDR/CEL time string; the reference PBX runs in UTC."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))


def head(event: str, privilege: str, ts: float) -> Pairs:
    """``Event``, ``Privilege``, ``Timestamp``: the start of every broadcast event."""
    return [("Event", event), ("Privilege", privilege), ("Timestamp", stamp(ts))]


def chan_fields(c: Chan, prefix: str = "") -> Pairs:
    """The standard channel snapshot block (optionally prefixed: ``Dest``, ``Transferer`` ...)."""
    p = prefix
    return [
        (p + "Channel", c.name),
        (p + "ChannelState", str(c.state)),
        (p + "ChannelStateDesc", STATE_DESC.get(c.state, "Unknown")),
        (p + "CallerIDNum", c.cid_num),
        (p + "CallerIDName", c.cid_name),
        (p + "ConnectedLineNum", c.conn_num),
        (p + "ConnectedLineName", c.conn_name),
        (p + "Language", "en"),
        (p + "AccountCode", c.account),
        (p + "Context", c.context),
        (p + "Exten", c.exten),
        (p + "Priority", str(c.priority)),
        (p + "Uniqueid", c.uniqueid),
        (p + "Linkedid", c.linkedid),
    ]


def bridge_fields(b: Bridge) -> Pairs:
    """The bridge snapshot block of Bridge* and BlindTransfer events."""
    return [
        ("BridgeUniqueid", b.uniqueid),
        ("BridgeType", "basic"),
        ("BridgeTechnology", "simple_bridge"),
        ("BridgeCreator", "<unknown>"),
        ("BridgeName", "<unknown>"),
        ("BridgeNumChannels", str(b.members)),
        ("BridgeVideoSourceMode", "none"),
    ]


def chan_event(ts: float, event: str, c: Chan, extra: Pairs | None = None, priv: str = "call,all") -> bytes:
    """A channel event: head, channel block, event-specific trailing headers."""
    return frame(head(event, priv, ts) + chan_fields(c) + (extra or []))


def varset(ts: float, c: Chan, variable: str, value: str) -> bytes:
    """``VarSet`` (inheritable variables keep their ``__`` prefix)."""
    return chan_event(ts, "VarSet", c, [("Variable", variable), ("Value", value)], "dialplan,all")


def newexten(ts: float, c: Chan, app: str, data: str) -> bytes:
    """``Newexten`` for the channel's current context/exten/priority."""
    extra = [("Extension", c.exten), ("Application", app), ("AppData", data)]
    return chan_event(ts, "Newexten", c, extra, "dialplan,all")


def dial_event(ts: float, event: str, caller: Chan | None, dest: Chan, tail: Pairs) -> bytes:
    """DialBegin/DialState/DialEnd; ``caller`` None gives the Originate first-leg form (Dest* only)."""
    pairs = head(event, "call,all", ts)
    if caller is not None:
        pairs += chan_fields(caller)
    return frame(pairs + chan_fields(dest, "Dest") + tail)


def queue_caller(ts: float, event: str, c: Chan, queue: str, tail: Pairs) -> bytes:
    """QueueCallerJoin / QueueCallerLeave / QueueCallerAbandon."""
    return chan_event(ts, event, c, [("Queue", queue), *tail], "agent,all")


def agent_event(ts: float, event: str, caller: Chan, dest: Chan | None, tail: Pairs) -> bytes:
    """AgentCalled/Connect/Complete/RingNoAnswer (``dest`` None: the delayed AgentComplete form)."""
    pairs = head(event, "agent,all", ts) + chan_fields(caller)
    if dest is not None:
        pairs += chan_fields(dest, "Dest")
    return frame(pairs + tail)


def bridge_event(ts: float, event: str, b: Bridge, c: Chan | None = None) -> bytes:
    """BridgeCreate/Destroy (no channel) and BridgeEnter/Leave (with the channel)."""
    pairs = head(event, "call,all", ts) + bridge_fields(b)
    if c is not None:
        pairs += chan_fields(c)
    return frame(pairs)


def hangup(ts: float, c: Chan, cause: int, tech_cause: int | None = None) -> bytes:
    """``Hangup`` with ``Cause``/``Cause-txt`` (and ``TechCause`` for SIP failures)."""
    extra = [("Cause", str(cause)), ("Cause-txt", CAUSE_TEXT.get(cause, "Unknown"))]
    if tech_cause is not None:
        extra.append(("TechCause", str(tech_cause)))
    return chan_event(ts, "Hangup", c, extra)


def hangup_request(ts: float, c: Chan, cause: int | None = None, tech_cause: int | None = None) -> bytes:
    """``HangupRequest`` (remote hangup); a plain BYE has no ``Cause``."""
    extra: Pairs = []
    if cause is not None:
        extra.append(("Cause", str(cause)))
        if tech_cause is not None:
            extra.append(("TechCause", str(tech_cause)))
    return chan_event(ts, "HangupRequest", c, extra)


def dtmf(ts: float, c: Chan, digit: str, end_ms: int | None) -> bytes:
    """DTMFBegin (``end_ms`` None) or DTMFEnd (with ``DurationMs``), ``Direction: Received``."""
    if end_ms is None:
        return chan_event(ts, "DTMFBegin", c, [("Digit", digit), ("Direction", "Received")], "dtmf,all")
    extra = [("Digit", digit), ("DurationMs", str(end_ms)), ("Direction", "Received")]
    return chan_event(ts, "DTMFEnd", c, extra, "dtmf,all")


def device_state(ts: float, device: str, state: str) -> bytes:
    """``DeviceStateChange`` (no channel; state by name)."""
    return frame([*head("DeviceStateChange", "call,all", ts), ("Device", device), ("State", state)])


def member_fields(queue: str, name: str, iface: str, penalty: int, stats: dict[str, str]) -> Pairs:
    """Member block shared by QueueMemberStatus/QueueMemberPause (``stats`` holds the live values)."""
    return [
        ("Queue", queue),
        ("MemberName", name),
        ("Interface", iface),
        ("StateInterface", iface),
        ("Membership", "static"),
        ("Penalty", str(penalty)),
        ("CallsTaken", stats["CallsTaken"]),
        ("LastCall", stats["LastCall"]),
        ("LastPause", stats["LastPause"]),
        ("LoginTime", stats["LoginTime"]),
        ("InCall", stats["InCall"]),
        ("Status", stats["Status"]),
        ("Paused", stats["Paused"]),
        ("PausedReason", stats["PausedReason"]),
        ("Ringinuse", "0"),
        ("Wrapuptime", "0"),
    ]


def member_event(ts: float, event: str, member: Pairs) -> bytes:
    """``QueueMemberStatus`` / ``QueueMemberPause``."""
    return frame(head(event, "agent,all", ts) + member)


def cel(
    ts: float, name: str, c: Chan, app: str = "", data: str = "", peer: str = "", extra: str = ""
) -> bytes:
    """``Event: CEL`` with CEL's own spellings (``UniqueID``, ``LinkedID``, ``CallerIDnum``)."""
    ani = c.cid_num if c.state == 6 else ""
    return frame(
        [
            *head("CEL", "call,all", ts),
            ("EventName", name),
            ("AccountCode", c.account),
            ("CallerIDnum", c.cid_num if c.cid_num != "<unknown>" else ""),
            ("CallerIDname", c.cid_name if c.cid_name != "<unknown>" else ""),
            ("CallerIDani", ani),
            ("CallerIDrdnis", ""),
            ("CallerIDdnid", c.dnid),
            ("Exten", c.exten),
            ("Context", c.context),
            ("Channel", c.name),
            ("Application", app),
            ("AppData", data),
            ("EventTime", local_time(ts)),
            ("AMAFlags", "DOCUMENTATION"),
            ("UniqueID", c.uniqueid),
            ("LinkedID", c.linkedid),
            ("Userfield", ""),
            ("Peer", peer),
            ("PeerAccount", ""),
            ("Extra", extra),
        ]
    )


def cel_hangup_extra(cause: int, source: str, dialstatus: str) -> str:
    """JSON ``Extra`` of CEL HANGUP, in Asterisk's compact key order."""
    return json.dumps(
        {"hangupcause": cause, "hangupsource": source, "dialstatus": dialstatus}, separators=(",", ":")
    )


def cdr(ts: float, row: dict[str, str]) -> bytes:
    """``Event: Cdr`` (cdr_manager names); ``row`` maps those names to values."""
    keys = [
        "AccountCode",
        "Source",
        "Destination",
        "DestinationContext",
        "CallerID",
        "Channel",
        "DestinationChannel",
        "LastApplication",
        "LastData",
        "StartTime",
        "AnswerTime",
        "EndTime",
        "Duration",
        "BillableSeconds",
        "Disposition",
    ]
    pairs = head("Cdr", "cdr,all", ts) + [(k, row.get(k, "")) for k in keys]
    pairs += [("AMAFlags", "DOCUMENTATION"), ("UniqueID", row["UniqueID"]), ("UserField", row["UserField"])]
    return frame(pairs)


def originate_response(ts: float, action_id: str, ok: bool, c: Chan | None, target: dict[str, str]) -> bytes:
    """``OriginateResponse`` (an event carrying a ``Response`` header; Reason 4 = answered)."""
    return frame(
        [
            *head("OriginateResponse", "call,all", ts),
            ("ActionID", action_id),
            ("Response", "Success" if ok else "Failure"),
            ("Channel", c.name if c else target["channel"]),
            ("Context", target["context"]),
            ("Exten", target["exten"]),
            ("Reason", "4" if ok else "0"),
            ("Uniqueid", c.uniqueid if c else "<null>"),
            ("CallerIDNum", c.cid_num if c else "<unknown>"),
            ("CallerIDName", c.cid_name if c else "<unknown>"),
        ]
    )


def blind_transfer(
    ts: float, transferer: Chan, transferee: Chan, b: Bridge, context: str, exten: str
) -> bytes:
    """``BlindTransfer`` (Transferer*/Transferee* blocks, no plain Linkedid)."""
    pairs = [*head("BlindTransfer", "call,all", ts), ("Result", "Success")]
    pairs += chan_fields(transferer, "Transferer") + chan_fields(transferee, "Transferee")
    pairs += [*bridge_fields(b), ("IsExternal", "Yes"), ("Context", context), ("Extension", exten)]
    return frame(pairs)


def rtcp_sent(ts: float, c: Chan, ssrc: int, packets: int, port: int) -> bytes:
    """``RTCPSent`` noise (sender report every ~5 s per RTP channel)."""
    extra = [
        ("To", f"127.0.0.1:{port + 11000}"),
        ("From", f"127.0.0.1:{port}"),
        ("MES", "88.1"),
        ("SSRC", f"0x{ssrc:08x}"),
        ("PT", "200(SR)"),
        ("ReportCount", "1"),
        ("SentNTP", stamp(ts)),
        ("SentRTP", str(packets * 160)),
        ("SentPackets", str(packets)),
        ("SentOctets", str(packets * 160)),
        ("Report0SourceSSRC", f"0x{(ssrc * 7) & 0xFFFFFFFF:08x}"),
        ("Report0FractionLost", "0"),
        ("Report0CumulativeLost", "0"),
        ("Report0HighestSequence", str(1000 + packets)),
        ("Report0SequenceNumberCycles", "0"),
        ("Report0IAJitter", "0"),
        ("Report0LSR", "0"),
        ("Report0DLSR", "0.0000"),
    ]
    return chan_event(ts, "RTCPSent", c, extra, "reporting,all")


def fully_booted(uptime: int) -> bytes:
    """``FullyBooted``, sent right after a successful login (it has no Timestamp)."""
    return frame(
        [
            ("Event", "FullyBooted"),
            ("Privilege", "system,all"),
            ("Uptime", str(uptime)),
            ("LastReload", str(uptime)),
            ("Status", "Fully Booted"),
        ]
    )
