"""AMI actions the simulator understands, answered as Asterisk 22 answers them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from telephony.simulator import events as ev
from telephony.simulator import replies as rp
from telephony.simulator.inbound_end import InboundCall
from telephony.simulator.outbound import OutboundCall
from telephony.simulator.scenarios import OutboundPlan, redirect_script, start_call

if TYPE_CHECKING:
    from telephony.simulator.server import Client, Simulator

Action = list[tuple[str, str]]
#: Originate variables the outbound plan models itself; the others are set as they come.
PLAN_VARIABLES = ("CC_RING_TIMEOUT", "CC_ACCOUNT", "CC_CAMPAIGN")


class Req:
    """Case-insensitive view of an action's headers (``Variable`` may repeat)."""

    def __init__(self, pairs: Action) -> None:
        self.pairs = pairs
        self.map = {k.lower(): v for k, v in pairs}
        self.id: str | None = self.map.get("actionid")

    def get(self, key: str, default: str = "") -> str:
        """Header value or ``default``."""
        return self.map.get(key.lower(), default)

    def variables(self) -> dict[str, str]:
        """All ``Variable:`` headers (``A=1`` or ``A=1,B=2``) merged."""
        out: dict[str, str] = {}
        for k, v in self.pairs:
            if k.lower() == "variable":
                for item in v.split(","):
                    name, _, value = item.partition("=")
                    out[name.strip()] = value.strip()
        return out


async def dispatch(sim: Simulator, client: Client, pairs: Action) -> None:
    """Run one action and write its response(s) to the client."""
    req = Req(pairs)
    name = req.get("action").lower()
    if name == "login":
        await _login(sim, client, req)
        return
    if name == "logoff":
        client.send(rp.response("Goodbye", req.id, ("Message", "Thanks for all the fish.")))
        client.closing = True
        await client.writer.drain()
        client.writer.close()
        return
    if not client.logged_in:
        client.send(rp.response("Error", req.id, ("Message", "Authentication Required")))
        return
    handler = HANDLERS.get(name)
    if handler is None:
        client.send(rp.response("Error", req.id, ("Message", "Invalid/unknown command")))
        return
    await handler(sim, client, req)


async def _login(sim: Simulator, client: Client, req: Req) -> None:
    cfg = sim.config
    if req.get("username") != cfg.username or req.get("secret") != cfg.secret:
        # Asterisk answers a failed login after a deliberate delay, then drops the connection.
        await asyncio.sleep(cfg.login_fail_delay)
        client.send(rp.response("Error", req.id, ("Message", "Authentication failed")))
        client.closing = True
        await client.writer.drain()
        client.writer.close()
        return
    client.logged_in = True
    client.events = req.get("events", "on").lower() != "off"
    client.send(rp.response("Success", req.id, ("Message", "Authentication accepted")))
    if client.events:
        client.send(ev.fully_booted(int(sim.now() - sim.ctx.epoch) + 2))


async def _ping(sim: Simulator, client: Client, req: Req) -> None:
    client.send(rp.response("Success", req.id, ("Ping", "Pong"), ("Timestamp", ev.stamp(sim.now()))))


async def _events(sim: Simulator, client: Client, req: Req) -> None:
    client.events = req.get("eventmask", "on").lower() != "off"
    client.send(rp.response("Success", req.id, ("Events", "On" if client.events else "Off")))


async def _originate(sim: Simulator, client: Client, req: Req) -> None:
    ext = req.get("channel").removeprefix("PJSIP/").split("/")[0]
    agent = sim.config.agent(ext)
    number = req.get("exten")
    asynchronous = req.get("async").lower() in ("true", "yes", "1")
    st = sim.ctx.members.get(ext)
    usable = agent is not None and agent.registered and st is not None and not st.busy_with
    if not usable:
        if not asynchronous:
            client.send(rp.response("Error", req.id, ("Message", "Originate failed")))
            return
        client.send(rp.response("Success", req.id, ("Message", "Originate successfully queued")))
        target = {"channel": req.get("channel"), "context": req.get("context"), "exten": number}
        sim.broadcast(ev.originate_response(sim.now(), req.id or "", False, None, target))
        return
    variables = req.variables()
    timeout = variables.get("CC_RING_TIMEOUT")
    plan = OutboundPlan(
        agent=ext,
        number=number,
        account=variables.get("CC_ACCOUNT", ""),
        outcome=sim.policy(number),
        ring_timeout=int(timeout) if timeout and timeout.isdigit() else None,
        talk=sim.config.originate_talk_seconds,
        campaign=req.get("account") or variables.get("CC_CAMPAIGN") or None,
        action_id=req.id or "",
        extra={k: v for k, v in variables.items() if k not in PLAN_VARIABLES},
    )
    started = start_call(sim.ctx, plan, sim.now())
    assert started is not None
    sim.engine.adopt(started[0], started[1], sim.now())
    sim.wake()
    client.send(rp.response("Success", req.id, ("Message", "Originate successfully queued")))


async def _redirect(sim: Simulator, client: Client, req: Req, blind: bool = False) -> None:
    found = sim.engine.find_channel(req.get("channel"))
    queue = req.get("exten")
    s = found[0].session if found else None
    ok_msg = "Transfer succeeded" if blind else "Redirect successful"
    if found is None or not isinstance(s, InboundCall) or not queue:
        client.send(rp.response("Error", req.id, ("Message", "No such channel")))
        return
    if blind and (s.talking is None or s.talking.chan is not found[1]):
        client.send(rp.response("Error", req.id, ("Message", "Transfer failed")))
        return
    sim.engine.replace(found[0], redirect_script(s, queue, blind), sim.now())
    sim.wake()
    client.send(rp.response("Success", req.id, ("Message", ok_msg)))


async def _blind(sim: Simulator, client: Client, req: Req) -> None:
    await _redirect(sim, client, req, blind=True)


async def _hangup(sim: Simulator, client: Client, req: Req) -> None:
    found = sim.engine.find_channel(req.get("channel"))
    if found is None:
        client.send(rp.response("Error", req.id, ("Message", "No such channel")))
        return
    run, chan = found
    s = run.session
    if isinstance(s, InboundCall):
        who = "caller" if chan is s.caller else "agent"
    else:
        who = "agent" if isinstance(s, OutboundCall) and chan is s.a else "customer"
    sim.engine.hangup(run, who, sim.now())
    sim.wake()
    client.send(rp.response("Success", req.id, ("Message", "Channel Hungup")))


async def _core_show_channels(sim: Simulator, client: Client, req: Req) -> None:
    chans, now = sim.engine.live_channels(), sim.now()
    client.send(rp.list_start(req.id, "Channels will follow"))
    for c in chans:
        client.send(rp.core_show_channel(c, req.id, now))
    client.send(rp.list_complete("CoreShowChannelsComplete", req.id, len(chans)))


async def _status(sim: Simulator, client: Client, req: Req) -> None:
    chans, now = sim.engine.live_channels(), sim.now()
    wanted = req.get("channel")
    chans = [c for c in chans if not wanted or c.name == wanted]
    client.send(rp.list_start(req.id, "Channel status will follow"))
    for c in chans:
        client.send(rp.status_item(c, req.id, now))
    client.send(rp.list_complete("StatusComplete", req.id, len(chans), [("Items", str(len(chans)))]))


def _waiting(sim: Simulator, queue: str) -> list[InboundCall]:
    return [
        r.session
        for r in sim.engine.active.values()
        if isinstance(r.session, InboundCall) and r.session.waiting and r.session.queue == queue
    ]


async def _queue_status(sim: Simulator, client: Client, req: Req) -> None:
    wanted = req.get("queue")
    queues = [q.name for q in sim.config.queues if not wanted or q.name == wanted]
    client.send(rp.list_start(req.id, "Queue status will follow"))
    items, now = 0, sim.now()
    for q in queues:
        waiting = _waiting(sim, q)
        frames = [rp.queue_params(sim.ctx, q, len(waiting), req.id), *rp.queue_members(sim.ctx, q, req.id)]
        frames += [
            rp.queue_entry(q, i + 1, s.caller, now - s.queue_join, req.id) for i, s in enumerate(waiting)
        ]
        items += len(frames)
        for f in frames:
            client.send(f)
    client.send(rp.list_complete("QueueStatusComplete", req.id, items))


async def _queue_summary(sim: Simulator, client: Client, req: Req) -> None:
    queues = [q.name for q in sim.config.queues if not req.get("queue") or q.name == req.get("queue")]
    client.send(rp.list_start(req.id, "Queue summary will follow"))
    for q in queues:
        client.send(rp.queue_summary(sim.ctx, q, len(_waiting(sim, q)), req.id))
    client.send(rp.list_complete("QueueSummaryComplete", req.id, len(queues)))


async def _queue_pause(sim: Simulator, client: Client, req: Req) -> None:
    ext = req.get("interface").removeprefix("PJSIP/")
    agent, st = sim.config.agent(ext), sim.ctx.members.get(ext)
    if agent is None or st is None:
        client.send(rp.response("Error", req.id, ("Message", "Interface not found")))
        return
    st.paused = req.get("paused").lower() in ("true", "yes", "1")
    st.paused_reason = req.get("reason") if st.paused else ""
    st.last_pause = int(sim.now()) if st.paused else st.last_pause
    client.send(rp.response("Success", req.id, ("Message", "Interface paused successfully")))
    sim.broadcast(b"".join(sim.ctx.member_frames(sim.now(), agent, "QueueMemberPause")))


HANDLERS: dict[str, Callable[[Simulator, Client, Req], Awaitable[None]]] = {
    "ping": _ping,
    "events": _events,
    "originate": _originate,
    "redirect": _redirect,
    "blindtransfer": _blind,
    "hangup": _hangup,
    "coreshowchannels": _core_show_channels,
    "status": _status,
    "queuestatus": _queue_status,
    "queuesummary": _queue_summary,
    "queuepause": _queue_pause,
}
