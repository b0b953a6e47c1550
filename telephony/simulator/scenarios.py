"""Call scenarios: parameter sets (plans) and the scripts that play them.

A script is a generator driving one :class:`CallSession`: it runs a phase, then yields the number of
simulated seconds until its next phase.  The engine resumes it at that time with the session's clock
set, so queue logic is live (an agent is only rung when idle, as a real queue does).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

from telephony.simulator.call import CallSession, SimContext
from telephony.simulator.inbound import NOTICE_SECONDS
from telephony.simulator.inbound_end import InboundCall
from telephony.simulator.model import Agent
from telephony.simulator.outbound import OutboundCall

Script = Generator[float, None, None]
MENU_PROMPT = 3.5  # seconds into the main menu before callers typically press a digit
DIGIT_GAP = 0.46  # spacing of keyed digits (RFC 4733 phones)
RING_TIMEOUT = 12.0  # queues.conf timeout
RETRY = 2.0  # queues.conf retry
WRAPUP = 3.0  # queues.conf wrapuptime


@dataclass
class Transfer:
    """Mid-call transfer to another queue by AMI Redirect ('redirect') or BlindTransfer ('blind')."""

    kind: str
    queue: str
    after: float  # seconds of talk before the transfer
    talk: float = 10.0  # talk time with the second agent


@dataclass
class InboundPlan:
    """Behaviour of one inbound caller (the queue picks the agents)."""

    caller_num: str
    caller_name: str
    did: str
    start: float = 0.0
    menu: str = ""  # main-number IVR digits pressed at the menu, e.g. "1", "72" (invalid then 2)
    entry: str = ""  # account / reference digits keyed after choosing 1 or 3 ('#' is added)
    patience: float = 300.0  # seconds the caller waits in the queue before abandoning
    ring: float = 3.0  # seconds the answering agent lets the phone ring
    no_answer_first: bool = False  # the first agent rung lets it ring out (AgentRingNoAnswer)
    talk: float = 12.0
    hangup_by: str = "caller"
    hold: tuple[float, float] | None = None  # (seconds into the talk, hold length)
    transfer: Transfer | None = None
    ivr_linger: float = 1.0  # self-service callers hang up this long into 'goodbye' (None-like: >1.5)
    seed: int = 0


@dataclass
class OutboundPlan:
    """One Originate: agent, customer number and what the customer does."""

    agent: str
    number: str
    account: str = ""
    outcome: str = "answer"  # answer | busy | noanswer | congestion
    start: float = 0.0
    agent_ring: float = 1.5
    customer_ring: float = 3.0
    ring_timeout: int | None = None
    talk: float = 8.0
    hangup_by: str = "customer"
    campaign: str | None = None
    action_id: str = ""
    #: Further Originate variables (set on the agent channel, as Asterisk does).
    extra: dict[str, str] = field(default_factory=dict)


Plan = InboundPlan | OutboundPlan


def pick_agent(ctx: SimContext, queue: str, now: float, avoid: str = "") -> Agent | None:
    """The idle member a ``rrmemory`` queue would ring next (lowest penalty, least recent call)."""
    idle = [
        a for a in ctx.idle_agents(queue) if a.extension != avoid and ctx.members[a.extension].free_at <= now
    ]
    if not idle:
        return None
    return min(idle, key=lambda a: (a.penalties[queue], ctx.members[a.extension].last_call, a.extension))


def talk(s: CallSession, seconds: float) -> Script:
    """Let a conversation run, with the RTCP reports real streams carry every ~5 s."""
    left = seconds
    while left > 5.0:
        yield 5.0
        left -= 5.0
        for c in s.chans:
            if c.alive and c.bridge_id:
                s.rtcp(c)
    yield max(left, 0.0)


def queue_phase(s: InboundCall, p: InboundPlan, allow_rna: bool = True) -> Script:
    """Wait in the queue until an idle agent answers; abandon when patience runs out.

    Returns (via StopIteration) normally; ``s.talking`` says whether an agent answered.
    """
    waited, rna_done, avoid = 0.0, not (p.no_answer_first and allow_rna), ""
    while not s.finished:
        agent = pick_agent(s.ctx, s.queue, s.now, avoid)
        if agent is None:
            if waited >= p.patience:
                s.hangup("caller")
                return
            step = min(1.0, p.patience - waited)
            yield step
            waited += step
            continue
        s.ring(agent)
        ring = RING_TIMEOUT if not rna_done else p.ring
        if waited + ring > p.patience:
            yield max(p.patience - waited, 0.1)
            s.hangup("caller")
            return
        yield ring
        waited += ring
        if rna_done:
            s.answer()
            return
        s.ring_no_answer()
        rna_done, avoid = True, agent.extension
        yield RETRY
        waited += RETRY


def conversation(s: InboundCall, p: InboundPlan) -> Script:
    """Talk (with optional hold and transfer) and hang up."""
    spent = 0.0
    if p.hold is not None:
        at, length = p.hold
        yield from talk(s, at)
        s.hold()
        yield length
        s.unhold()
        spent = at + length
    tr = p.transfer
    if tr is not None:
        yield from talk(s, max(tr.after - spent, 0.5))
        if tr.kind == "blind":
            s.blind_transfer(tr.queue)
        else:
            s.redirect(tr.queue)
        yield from queue_phase(s, p, allow_rna=False)
        if s.talking is None:
            return
        yield from talk(s, tr.talk)
    else:
        yield from talk(s, max(p.talk - spent, 0.5))
    s.hangup(p.hangup_by)


def ivr_phase(s: InboundCall, p: InboundPlan) -> Script:
    """Main menu: digits pressed, then accounts / faults / self-service or a hang-up in the menu."""
    yield MENU_PROMPT
    for digit in p.menu:
        s.press(digit)
        yield 0.3
        branch = s.choose()
        if branch == "invalid":
            yield 1.8
            s.menu()
            yield MENU_PROMPT
            continue
        if branch == "faults":
            s.enter_queue("faults")
            return
        yield 2.5
        for d in p.entry + "#":
            s.press(d)
            yield DIGIT_GAP
        if branch == "account":
            s.account_entered()
            s.enter_queue("accounts")
            return
        s.reference_entered()
        if p.ivr_linger < 1.5:
            yield p.ivr_linger
            s.hangup("caller")
        else:
            yield 1.5
            s.dialplan_hangup(16)
        return
    # No (valid) choice made: the caller gives up while the menu plays.
    s.hangup("caller")


def inbound_script(s: InboundCall, p: InboundPlan) -> Script:
    """Whole inbound call from the INVITE to the last hangup."""
    where = s.arrive()
    if where == "":
        yield 2.5
        s.dialplan_hangup(1)
        return
    if where == "ivr":
        yield from ivr_phase(s, p)
        if s.finished:
            return
    yield NOTICE_SECONDS
    s.join_queue()
    yield from queue_phase(s, p)
    if s.talking is not None:
        yield from conversation(s, p)


def outbound_script(s: OutboundCall, p: OutboundPlan) -> Script:
    """Originate: ring the agent, dial the customer, the customer's behaviour, the end."""
    s.originate()
    yield p.agent_ring
    s.agent_answer()
    if p.outcome == "answer":
        yield p.customer_ring
        s.customer_answer()
        yield from talk(s, p.talk)
        s.hangup(p.hangup_by)
        return
    wait = {"busy": 1.5, "congestion": 0.3}.get(p.outcome, float(p.ring_timeout or 25))
    yield wait
    s.customer_fail(p.outcome)


def start_call(ctx: SimContext, p: Plan, now: float) -> tuple[CallSession, Script] | None:
    """Create the session for a plan and its script (None if the outbound agent does not exist)."""
    if isinstance(p, InboundPlan):
        s = InboundCall(ctx, now, p.did, p.caller_num, p.caller_name)
        return s, inbound_script(s, p)
    agent = ctx.config.agent(p.agent)
    if agent is None:
        return None
    o = OutboundCall(ctx, now, agent, p.number, p.account, p.campaign, p.action_id, p.ring_timeout, p.extra)
    return o, outbound_script(o, p)


def redirect_script(s: InboundCall, queue: str, blind: bool, talk_time: float = 10.0) -> Script:
    """What follows a live AMI Redirect/BlindTransfer: second queue, an agent, the caller hangs up."""
    if blind:
        s.blind_transfer(queue)
    else:
        s.redirect(queue)
    plan = InboundPlan(s.caller.cid_num, s.caller.cid_name, s.did, talk=talk_time, patience=120.0)
    yield 0.0
    yield from queue_phase(s, plan)
    if s.talking is not None:
        yield from talk(s, talk_time)
        s.hangup("caller")
