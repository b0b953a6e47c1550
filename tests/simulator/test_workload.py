"""Workload: deterministic by seed, agents never double-booked, channels balanced, bounded memory."""

from __future__ import annotations

import hashlib
import tracemalloc
from collections import Counter

from telephony.simulator.model import SimConfig
from telephony.simulator.workload import iter_frames, plan_workload, run_offline


def fields(frame: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in frame.decode().split("\r\n"):
        key, sep, value = line.partition(": ")
        if sep and key not in out:
            out[key] = value
    return out


def digest(n_calls: int, seed: int) -> str:
    h = hashlib.sha256()
    for f in iter_frames(n_calls, seed):
        h.update(f)
    return h.hexdigest()


def test_deterministic_by_seed() -> None:
    assert digest(60, 11) == digest(60, 11)
    assert digest(60, 11) != digest(60, 12)


def test_agents_never_in_two_calls_and_channels_balanced() -> None:
    frames = [fields(f) for f in iter_frames(400, seed=5)]
    opened: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    busy: dict[str, str] = {}  # agent extension -> Linkedid of its live channel
    last_ts = 0.0
    for f in frames:
        ts = float(f["Timestamp"])
        assert ts >= last_ts, "events out of timestamp order"
        last_ts = ts
        chan = f.get("Channel", "")
        ext = chan[6:10] if chan.startswith("PJSIP/10") else ""
        if f["Event"] == "Newchannel":
            opened[chan] += 1
            if ext:
                assert ext not in busy, f"agent {ext} rung while in call {busy[ext]}"
                busy[ext] = f["Linkedid"]
        elif f["Event"] == "Hangup":
            closed[chan] += 1
            busy.pop(ext, None)
    assert opened and opened == closed
    assert all(n == 1 for n in opened.values())
    assert not busy


def test_workload_mix_and_oracle() -> None:
    cfg = SimConfig(start_epoch=1.8e9, seed=3)
    recs = []
    cfg_plans = plan_workload(cfg, 200, seed=3)
    from telephony.simulator.call import SimContext  # noqa: F401  (oracle comes from the context)

    for _ in run_offline(cfg_plans, cfg, keep_records=True):
        pass
    del recs
    kinds = Counter(p.__class__.__name__ for p in plan_workload(cfg, 200, seed=3))
    assert kinds["InboundPlan"] > kinds["OutboundPlan"] > 0


def test_iter_frames_memory_is_bounded() -> None:
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_frames(10_000, seed=1))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count > 500_000
    assert peak < 40 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
