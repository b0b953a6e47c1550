"""Every event the simulator emits has a header-key sequence seen in the real Asterisk captures."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

import pytest

from telephony.simulator import replies as rp
from telephony.simulator.call import SimContext
from telephony.simulator.engine import Engine
from telephony.simulator.model import SimConfig
from telephony.simulator.scenarios import InboundPlan, OutboundPlan, Transfer
from telephony.simulator.workload import iter_frames, run_offline

ROOT = Path(__file__).resolve().parents[2]


def captures_dir() -> Path | None:
    """CALLCENTRE_CAPTURES, tests/fixtures/asterisk or ../shared/asterisk (first that has .ami files)."""
    env = os.environ.get("CALLCENTRE_CAPTURES")
    for cand in ([Path(env)] if env else []) + [
        ROOT / "tests/fixtures/asterisk",
        ROOT.parent / "shared/asterisk",
    ]:
        if cand.is_dir() and any(cand.glob("*.ami")):
            return cand
    return None


def keys_of(frame: bytes) -> tuple[str, ...]:
    return tuple(line.split(b":", 1)[0].decode() for line in frame.split(b"\r\n") if b":" in line)


def event_name(frame: bytes) -> str | None:
    first = frame.split(b"\r\n", 1)[0]
    return first[7:].decode() if first.startswith(b"Event: ") else None


@pytest.fixture(scope="module")
def known_shapes() -> dict[str, set[tuple[str, ...]]]:
    d = captures_dir()
    if d is None:
        pytest.skip("no AMI captures found (set CALLCENTRE_CAPTURES)")
    shapes: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for path in d.glob("*.ami"):
        for fr in path.read_bytes().split(b"\r\n\r\n"):
            name = event_name(fr)
            if name:
                shapes[name].add(keys_of(fr))
    return shapes


def scenario_plans() -> list[InboundPlan | OutboundPlan]:
    faults, main = "0800110100", "0800110000"
    return [
        InboundPlan("0821000001", "Bongani Mthembu", faults, start=0.0, talk=20, hold=(5, 6)),
        InboundPlan("0821000002", "Zanele M", main, start=1.0, menu="1", entry="50012345", talk=15),
        InboundPlan("0821000003", "Riaan V", main, start=2.0, menu="3", entry="33901", ivr_linger=0.5),
        InboundPlan("0821000004", "Mandla K", main, start=3.0, menu=""),
        InboundPlan("0821000005", "Lungile C", main, start=4.0, menu="72", talk=10),
        InboundPlan("0821000006", "Elize N", "0800110999", start=5.0),
        InboundPlan("0821000007", "Hendrik S", faults, start=6.0, transfer=Transfer("blind", "accounts", 5)),
        InboundPlan(
            "0821000008", "Fatima A", faults, start=7.0, transfer=Transfer("redirect", "accounts", 5)
        ),
        InboundPlan("0821000009", "Grace M", "0800110200", start=8.0, patience=4.0),
        InboundPlan("0821000010", "Busisiwe N", faults, start=30.0, no_answer_first=True, hangup_by="agent"),
        OutboundPlan("1003", "0831000002", "50100002", "answer", start=60.0),
        OutboundPlan("1003", "0831000010", "50100010", "busy", start=120.0),
        OutboundPlan("1003", "0831000014", "50100014", "noanswer", start=180.0, ring_timeout=12),
        OutboundPlan("1003", "0831000026", "50100026", "congestion", start=240.0),
    ]


def test_event_shapes_match_captures(known_shapes: dict[str, set[tuple[str, ...]]]) -> None:
    frames = [f for _, f in run_offline(scenario_plans(), SimConfig(start_epoch=1.8e9))]
    frames += list(iter_frames(150, seed=7))
    seen: dict[str, int] = defaultdict(int)
    for fr in frames:
        name = event_name(fr)
        assert name is not None, fr
        assert name in known_shapes, f"{name} never appears in the captures"
        assert keys_of(fr) in known_shapes[name], f"{name} shape differs: {keys_of(fr)}"
        seen[name] += 1
    for required in ("BlindTransfer", "AgentRingNoAnswer", "Hold", "DTMFEnd", "OriginateResponse", "Cdr"):
        assert seen[required] > 0, required


def test_list_responses_match_captures(known_shapes: dict[str, set[tuple[str, ...]]]) -> None:
    cfg = SimConfig(start_epoch=1.8e9)
    ctx = SimContext(cfg, cfg.epoch())
    engine = Engine(ctx)
    engine.schedule(InboundPlan("0824440001", "Peter Dlamini", cfg.faults_did, talk=60), cfg.epoch())
    while (t := engine.next_due()) is not None and t < cfg.epoch() + 10:
        engine.step()
    chans = engine.live_channels()
    assert len(chans) == 2
    now = cfg.epoch() + 10
    frames = [rp.core_show_channel(c, "a1", now) for c in chans] + [
        rp.status_item(c, "a1", now) for c in chans
    ]
    frames += [rp.queue_params(ctx, "faults", 1, "a1"), *rp.queue_members(ctx, "faults", "a1")]
    frames += [rp.queue_entry("faults", 1, chans[0], 3, "a1"), rp.queue_summary(ctx, "faults", 0, "a1")]
    frames += [rp.list_complete(n, "a1", 2) for n in ("CoreShowChannelsComplete", "QueueStatusComplete")]
    frames += [rp.list_complete("StatusComplete", "a1", 2, [("Items", "2")])]
    for fr in frames:
        name = event_name(fr)
        assert name is not None and keys_of(fr) in known_shapes[name], keys_of(fr)
