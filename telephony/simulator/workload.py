"""A realistic hour of a municipal call centre, and a fast frame generator for benchmarks.

:func:`plan_workload` lazily yields call plans with Poisson arrivals and a scenario mix (mostly
faults/accounts calls, some IVR self-service, outbound revenue calls).  Agents are assigned live by
the queue logic of the engine, so callers wait when agents are busy and abandons rise with load.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from random import Random

from telephony.simulator.call import PlayedCall, SimContext
from telephony.simulator.engine import Engine
from telephony.simulator.model import SimConfig
from telephony.simulator.recordings import recording_job
from telephony.simulator.scenarios import InboundPlan, OutboundPlan, Plan, Transfer

FIRST = (
    "Sipho",
    "Lindiwe",
    "Nomsa",
    "Themba",
    "Ayesha",
    "Johan",
    "Zanele",
    "Kagiso",
    "Precious",
    "Mandla",
    "Fatima",
    "Grace",
    "Thabo",
    "Elize",
    "Lungile",
    "Hendrik",
    "Nandi",
    "Ahmed",
    "Refilwe",
    "Vusi",
)
LAST = (
    "Dlamini",
    "Zulu",
    "Khumalo",
    "Ndlovu",
    "Patel",
    "Pretorius",
    "Mahlangu",
    "Molefe",
    "Sithole",
    "Khoza",
    "Adams",
    "Mokoena",
    "Mabena",
    "Nel",
    "Cele",
    "Smit",
    "Dube",
    "Cassim",
    "Tau",
    "Zwane",
)
# Scenario mix (weights): what callers do in an ordinary hour.
MIX = (
    ("faults", 32),
    ("accounts", 18),
    ("revenue_cb", 4),
    ("ivr_account", 12),
    ("ivr_faults", 6),
    ("ivr_invalid", 2),
    ("ivr_status", 8),
    ("ivr_giveup", 2),
    ("unassigned", 1),
    ("outbound", 15),
)


def _phone(rng: Random) -> str:
    return f"0{rng.choice('678')}{rng.randrange(10)}{rng.randrange(10_000_000):07d}"


def _inbound(cfg: SimConfig, kind: str, rng: Random, start: float) -> InboundPlan:
    did = {
        "faults": cfg.faults_did,
        "accounts": cfg.accounts_did,
        "revenue_cb": cfg.revenue_did,
        "unassigned": "0800110999",
    }.get(kind, cfg.main_did)
    p = InboundPlan(_phone(rng), f"{rng.choice(FIRST)} {rng.choice(LAST)}", did, start=start)
    p.patience = rng.uniform(15.0, 240.0)
    p.ring = rng.uniform(1.5, 6.0)
    p.talk = rng.lognormvariate(4.3, 0.5)  # median ~75 s, long tail
    p.hangup_by = "agent" if rng.random() < 0.3 else "caller"
    p.no_answer_first = rng.random() < 0.05
    p.seed = rng.randrange(1 << 30)
    menu = {"ivr_account": "1", "ivr_faults": "2", "ivr_invalid": "72", "ivr_status": "3", "ivr_giveup": ""}
    p.menu = menu.get(kind, "")
    if kind == "ivr_account":
        p.entry = f"50{rng.randrange(1_000_000):06d}"
    elif kind == "ivr_status":
        p.entry = f"{rng.randrange(10_000, 100_000)}"
        p.ivr_linger = rng.choice((0.6, 1.0, 9.0))
    r = rng.random()
    if r < 0.10:
        p.hold = (p.talk * rng.uniform(0.2, 0.6), rng.uniform(5.0, 40.0))
    elif r < 0.16:
        kind_t = "redirect" if r < 0.13 else "blind"
        target = "accounts" if did != cfg.accounts_did else "faults"
        p.transfer = Transfer(kind_t, target, p.talk * rng.uniform(0.3, 0.7), rng.lognormvariate(4.0, 0.4))
    return p


def _outbound(cfg: SimConfig, rng: Random, start: float, n: int) -> OutboundPlan:
    outcome = rng.choices(("answer", "busy", "noanswer", "congestion"), (62, 15, 15, 8))[0]
    agents = [a.extension for a in cfg.members("revenue") if a.registered]
    return OutboundPlan(
        agent=agents[0] if agents else "1003",
        number=_phone(rng),
        account=f"501{rng.randrange(100_000):05d}",
        outcome=outcome,
        start=start,
        customer_ring=rng.uniform(2.0, 9.0),
        ring_timeout=rng.choice((None, 12, 20)),
        talk=rng.lognormvariate(4.0, 0.5),
        hangup_by=rng.choice(("customer", "agent")),
        action_id=f"dialer-{n}",
    )


def plan_workload(cfg: SimConfig, n_calls: int, seed: int, duration: float = 3600.0) -> Iterator[Plan]:
    """Yield ``n_calls`` plans in start order: Poisson arrivals over ``duration`` seconds."""
    rng = Random(seed)
    kinds, weights = zip(*MIX, strict=True)
    t = 0.0
    mean_gap = duration / max(n_calls, 1)
    for n in range(n_calls):
        t += rng.expovariate(1.0 / mean_gap)
        kind = rng.choices(kinds, weights)[0]
        if kind == "outbound":
            yield _outbound(cfg, rng, t, n)
        else:
            yield _inbound(cfg, kind, rng, t)


def run_offline(
    plans: Iterable[Plan], cfg: SimConfig | None = None, records: list[PlayedCall] | None = None
) -> Iterator[tuple[float, bytes]]:
    """Play plans with no clock and no server, yielding ``(timestamp, frame)`` lazily in order.

    Plans must come in start order; only the calls in progress are held in memory.  Pass a
    ``records`` list to collect the oracle of every call (otherwise none is kept).
    """
    cfg = cfg or SimConfig(start_epoch=1_800_000_000.0)
    ctx = SimContext(cfg, cfg.epoch())
    if records is not None:
        ctx.records = records
    ctx.on_finish.append(lambda rec: _save(cfg, rec))
    engine = Engine(ctx)
    pending = iter(plans)
    nxt = next(pending, None)
    while True:
        due = engine.next_due()
        if nxt is not None and (due is None or ctx.epoch + nxt.start <= due):
            engine.schedule(nxt, ctx.epoch + nxt.start)
            nxt = next(pending, None)
            continue
        if due is None:
            break
        horizon = due if nxt is None else min(due, ctx.epoch + nxt.start)
        engine.step()
        if records is None:
            ctx.records.clear()
        yield from ((horizon, f) for f in engine.pop_frames(horizon))
    yield from ((float("inf"), f) for f in engine.pop_frames(float("inf")))


def _save(cfg: SimConfig, rec: PlayedCall) -> None:
    job = recording_job(cfg, rec)
    if job is not None:
        job()


def iter_frames(
    n_calls: int, seed: int, cfg: SimConfig | None = None, duration: float | None = None
) -> Iterator[bytes]:
    """Raw AMI bytes of a whole workload, generated lazily (no server, no sleeping).

    ``duration`` defaults to one hour per 120 calls, so the load per agent stays realistic.
    """
    cfg = cfg or SimConfig(start_epoch=1_800_000_000.0, seed=seed)
    span = duration if duration is not None else 3600.0 * max(n_calls, 1) / 120.0
    for _, frame in run_offline(plan_workload(cfg, n_calls, seed, span), cfg):
        yield frame
