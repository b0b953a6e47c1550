"""Builders of AMI action responses and list events (CoreShowChannels, Status, QueueStatus ...)."""

from __future__ import annotations

from telephony.simulator import events as ev
from telephony.simulator.call import SimContext
from telephony.simulator.model import STATE_DESC, Chan

Pairs = list[tuple[str, str]]


def response(status: str, action_id: str | None, *tail: tuple[str, str]) -> bytes:
    """``Response: <status>``, the echoed ``ActionID`` (if any), then the other headers."""
    pairs: Pairs = [("Response", status)]
    if action_id is not None:
        pairs.append(("ActionID", action_id))
    return ev.frame(pairs + list(tail))


def list_start(action_id: str | None, message: str) -> bytes:
    """The Success response that opens an event list."""
    return response("Success", action_id, ("EventList", "start"), ("Message", message))


def list_complete(event: str, action_id: str | None, items: int, extra: Pairs | None = None) -> bytes:
    """``<X>Complete`` closing an event list."""
    pairs: Pairs = [("Event", event)]
    if action_id is not None:
        pairs.append(("ActionID", action_id))
    return ev.frame(pairs + [("EventList", "Complete"), ("ListItems", str(items))] + (extra or []))


def _hms(seconds: float) -> str:
    s = max(int(seconds), 0)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _plain_chan(c: Chan) -> Pairs:
    return [(k, v) for k, v in ev.chan_fields(c)]


def core_show_channel(c: Chan, action_id: str | None, now: float) -> bytes:
    """One ``CoreShowChannel`` list item."""
    pairs: Pairs = [("Event", "CoreShowChannel")]
    if action_id is not None:
        pairs.append(("ActionID", action_id))
    pairs += _plain_chan(c)
    pairs += [
        ("Application", c.application),
        ("ApplicationData", c.app_data),
        ("Duration", _hms(now - c.created)),
        ("BridgeId", c.bridge_id),
    ]
    return ev.frame(pairs)


def status_item(c: Chan, action_id: str | None, now: float) -> bytes:
    """One ``Status`` list item (channel, bridge, application, seconds up)."""
    pairs: Pairs = [("Event", "Status"), ("Privilege", "Call"), *_plain_chan(c)]
    pairs += [
        ("Type", "PJSIP"),
        ("DNID", c.dnid),
        ("EffectiveConnectedLineNum", c.conn_num),
        ("EffectiveConnectedLineName", c.conn_name),
        ("TimeToHangup", "0"),
        ("BridgeID", c.bridge_id),
        ("Application", c.application),
        ("Data", c.app_data),
        ("Nativeformats", "(ulaw)"),
        ("Readformat", "ulaw"),
        ("Readtrans", ""),
        ("Writeformat", "ulaw"),
        ("Writetrans", ""),
        ("Callgroup", "0"),
        ("Pickupgroup", "0"),
        ("Seconds", str(int(now - c.created))),
    ]
    if action_id is not None:
        pairs.append(("ActionID", action_id))
    return ev.frame(pairs)


def _with_id(pairs: Pairs, action_id: str | None) -> bytes:
    if action_id is not None:
        pairs.append(("ActionID", action_id))
    return ev.frame(pairs)


def queue_params(ctx: SimContext, queue: str, waiting: int, action_id: str | None) -> bytes:
    """``QueueParams`` with counters computed from the calls played so far."""
    recs = [r for r in ctx.records if queue in r.queues and r.end is not None]
    done = [r for r in recs if r.disposition == "answered"]
    aband = [r for r in recs if r.disposition == "abandoned"]
    talk = int(sum((r.end or 0) - r.bridged[0][0] for r in done if r.bridged) / len(done)) if done else 0
    perf = f"{100.0 * len(done) / len(recs):.1f}" if recs else "0.0"
    pairs: Pairs = [
        ("Event", "QueueParams"),
        ("Queue", queue),
        ("Max", "0"),
        ("Strategy", "rrmemory"),
        ("Calls", str(waiting)),
        ("Holdtime", "0"),
        ("TalkTime", str(talk)),
        ("Completed", str(len(done))),
        ("Abandoned", str(len(aband))),
        ("ServiceLevel", "20"),
        ("ServicelevelPerf", perf),
        ("ServicelevelPerf2", perf),
        ("Weight", "0"),
    ]
    return _with_id(pairs, action_id)


def queue_members(ctx: SimContext, queue: str, action_id: str | None) -> list[bytes]:
    """``QueueMember`` items (note ``Name``/``Location`` here, not MemberName/Interface)."""
    out = []
    for a in ctx.config.members(queue):
        st = ctx.members[a.extension]
        pairs: Pairs = [
            ("Event", "QueueMember"),
            ("Queue", queue),
            ("Name", a.member_name),
            ("Location", a.interface),
            ("StateInterface", a.interface),
            ("Membership", "static"),
            ("Penalty", str(a.penalties[queue])),
            ("CallsTaken", str(st.calls_taken)),
            ("LastCall", str(st.last_call)),
            ("LastPause", str(st.last_pause)),
            ("LoginTime", str(st.login_time)),
            ("InCall", str(st.in_call)),
            ("Status", str(st.status)),
            ("Paused", "1" if st.paused else "0"),
            ("PausedReason", st.paused_reason),
            ("Wrapuptime", "0"),
        ]
        out.append(_with_id(pairs, action_id))
    return out


def queue_entry(queue: str, pos: int, c: Chan, wait: float, action_id: str | None) -> bytes:
    """``QueueEntry`` for a caller waiting in ``queue``."""
    pairs: Pairs = [
        ("Event", "QueueEntry"),
        ("Queue", queue),
        ("Position", str(pos)),
        ("Channel", c.name),
        ("Uniqueid", c.uniqueid),
        ("CallerIDNum", c.cid_num),
        ("CallerIDName", c.cid_name),
        ("ConnectedLineNum", "unknown"),
        ("ConnectedLineName", "unknown"),
        ("Wait", str(int(wait))),
        ("Priority", "0"),
    ]
    return _with_id(pairs, action_id)


def queue_summary(ctx: SimContext, queue: str, waiting: int, action_id: str | None) -> bytes:
    """``QueueSummary`` for one queue."""
    members = [a for a in ctx.config.members(queue) if a.registered]
    avail = [
        a for a in members if ctx.members[a.extension].status == 1 and not ctx.members[a.extension].paused
    ]
    pairs: Pairs = [
        ("Event", "QueueSummary"),
        ("Queue", queue),
        ("LoggedIn", str(len(members))),
        ("Available", str(len(avail))),
        ("Callers", str(waiting)),
        ("HoldTime", "0"),
        ("TalkTime", "0"),
        ("LongestHoldTime", "0"),
    ]
    return _with_id(pairs, action_id)


def state_desc(state: int) -> str:
    """Channel state name as Asterisk prints it."""
    return STATE_DESC.get(state, "Unknown")
