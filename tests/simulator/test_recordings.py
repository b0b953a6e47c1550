"""MixMonitor recordings: stereo 8 kHz 16-bit, bridged time only, header-only when never bridged."""

from __future__ import annotations

import wave
from array import array
from pathlib import Path

from telephony.simulator.call import PlayedCall
from telephony.simulator.model import SimConfig
from telephony.simulator.scenarios import InboundPlan, OutboundPlan, Plan, Transfer
from telephony.simulator.workload import run_offline


def play(tmp: Path, plans: list[InboundPlan | OutboundPlan]) -> list[PlayedCall]:
    cfg = SimConfig(start_epoch=1.8e9, recordings_dir=tmp, recording_prefix="/pbx/rec")
    records: list[PlayedCall] = []
    for _ in run_offline(plans, cfg, records):
        pass
    return records


def test_wavs_cover_bridged_time_only(tmp_path: Path) -> None:
    faults = "0800110100"
    plans: list[InboundPlan | OutboundPlan] = [
        InboundPlan("0824561234", "Sipho Dlamini", faults, talk=10.7),
        InboundPlan(
            "0607771234", "Ayesha Patel", "0800110200", start=1, talk=20, hold=(8, 6), hangup_by="agent"
        ),
        InboundPlan(
            "0845557777", "Johan P", faults, start=2, transfer=Transfer("redirect", "accounts", 9, 7)
        ),
        OutboundPlan("1003", "0829876543", "50098765", "answer", start=3, talk=8.2),
    ]
    records = play(tmp_path, plans)
    assert len(records) == 4
    for rec in records:
        path = tmp_path / f"{rec.linkedid}.wav"
        assert rec.recording == f"/pbx/rec/{rec.linkedid}.wav"
        with wave.open(str(path)) as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (2, 2, 8000)
            seconds = w.getnframes() / 8000
            pcm = array("h", w.readframes(w.getnframes()))
        bridged = sum(e - s for s, e in rec.bridged)
        assert abs(seconds - bridged) < 0.05, (rec.linkedid, seconds, bridged)
        left, right = pcm[0::2], pcm[1::2]
        assert max(map(abs, left)) > 1000 and max(map(abs, right)) > 1000  # both parties speak
    transfer = records[2]
    assert len(transfer.bridged) == 2  # one file covering both agents, queue time left out


def test_never_bridged_call_leaves_header_only_wav(tmp_path: Path) -> None:
    # Both registered faults agents are busy, so the last caller is never bridged and abandons.
    plans: list[InboundPlan | OutboundPlan] = [
        InboundPlan(f"07200000{i:02d}", "Busy Caller", "0800110100", start=0.1 * i, talk=120)
        for i in range(3)
    ]
    plans.append(InboundPlan("0723339876", "Lindiwe Zulu", "0800110100", start=1.0, patience=6.0))
    records = play(tmp_path, plans)
    abandoned = [r for r in records if r.disposition == "abandoned"]
    assert len(abandoned) == 1 and not abandoned[0].bridged
    assert (tmp_path / f"{abandoned[0].linkedid}.wav").stat().st_size == 44


def test_audio_is_deterministic(tmp_path: Path) -> None:
    plan: list[Plan] = [InboundPlan("0824561234", "Sipho Dlamini", "0800110100", talk=6)]
    a, b = tmp_path / "a", tmp_path / "b"
    ra, rb = play(a, plan), play(b, plan)
    assert (a / f"{ra[0].linkedid}.wav").read_bytes() == (b / f"{rb[0].linkedid}.wav").read_bytes()
