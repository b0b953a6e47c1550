"""IVR menu-engine speed: engine steps per second through the shipped municipal menu.

Sessions are generated first (seeded random callers: mostly sensible choices, some mistakes, `0`,
`*`, silence, back-end failures and hang-ups, at office hours, after hours and on a public holiday),
then replayed through the pure engine and timed. Baseline, measured in the same run on the same
events: a plain dict-dispatch loop (event type -> handler, (node, keys) -> next node) doing the same
number of steps. Speeds are reported as steps/s and as a ratio to the baseline, because these
machines are shared and noisy.

    python -m bench.bench_ivr                      # 20,000 sessions, best of 3
    python -m bench.bench_ivr --sessions 2000      # quicker

Target (issue #6): the menu engine itself >= 10,000 steps/s. Writes bench/results/ivr_engine.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from ivr import events as e
from ivr import menu as m
from ivr.engine import Engine
from ivr.engine_state import State, Waiting
from ivr.menu_loader import load_menu
from ivr.references import luhn_check_digit, make_reference

RESULTS = Path(__file__).parent / "results"
TARGET_STEPS_PER_S = 10_000
MAX_STEPS = 80
SAST = ZoneInfo("Africa/Johannesburg")
MOMENTS = (
    dt.datetime(2025, 3, 4, 10, 0, tzinfo=SAST),
    dt.datetime(2025, 3, 4, 19, 30, tzinfo=SAST),
    dt.datetime(2025, 4, 28, 9, 0, tzinfo=SAST),
)


@dataclass(frozen=True)
class Session:
    """One generated call: how it starts and what the transport reports, in order."""

    start: e.CallStarted
    events: tuple[e.Event, ...]


def good_number(node: m.CollectNode, rng: random.Random) -> str:
    """A number ``node`` accepts."""
    if node.validate == "reference":
        return make_reference(rng.randrange(1_000_000))
    if node.validate == "za_phone":
        return "08" + "".join(rng.choice("0123456789") for _ in range(8))
    length = rng.randint(node.min_length, node.max_length) - (1 if node.validate == "luhn" else 0)
    body = "".join(rng.choice("123456789") for _ in range(length))
    return body + luhn_check_digit(body) if node.validate == "luhn" else body


def keys_for(node: m.Node, rng: random.Random) -> e.Event:
    """What a caller does at a menu or collection: mostly right, sometimes not."""
    roll = rng.random()
    if roll < 0.04:
        return e.NoInput()
    if roll < 0.08:
        return e.DigitsEntered(rng.choice(["#", "9", "77", "1A#"]))
    if roll < 0.11:
        return e.DigitsEntered(rng.choice(["0", "*"]))
    if isinstance(node, m.MenuNode):
        return e.DigitsEntered(rng.choice(list(node.choices)))
    assert isinstance(node, m.CollectNode)
    return e.DigitsEntered(good_number(node, rng) + node.terminator)


def answer_for(state: State, rng: random.Random) -> e.Event:
    """What the back end answers (mostly success)."""
    if rng.random() < 0.03:
        return e.ServiceUnavailable("timeout")
    account, reference = state.slots.get("account", ""), state.slots.get("reference", "")
    outages: list[tuple[e.Outage, ...]] = [(), (), (e.Outage("water", "Ward 3"),), (e.Outage("electricity"),)]
    answers: dict[Waiting, list[e.Event]] = {
        Waiting.RECORDING: [e.RecordingDone("rec/1.wav", 14.0)],
        Waiting.REQUEST: [e.RequestCreated(make_reference(rng.randrange(1_000_000)))],
        Waiting.STATUS: [
            e.StatusFound(reference, "open"),
            e.StatusFound(reference, "resolved"),
            e.StatusUnknown(reference),
        ],
        Waiting.ACCOUNT: [
            e.AccountVerified(account, rng.randrange(1, 900_000)),
            e.VerificationFailed(account),
        ],
        Waiting.OUTAGES: [e.OutagesFound(found) for found in outages],
        Waiting.CALLBACK: [e.CallbackScheduled()],
    }
    return rng.choice(answers[state.waiting])


def generate(engine: Engine, sessions: int, seed: int) -> list[Session]:
    """Random callers walked through the engine once, their events kept for timing."""
    rng = random.Random(seed)
    result = []
    for number in range(sessions):
        caller = rng.choice(["+27821234567", "0831234567", ""])
        start = e.CallStarted(caller, rng.choice(MOMENTS), call_id=f"bench-{number}")
        state, _ = engine.start(start)
        events: list[e.Event] = []
        at = 0.0
        while not state.ended and len(events) < MAX_STEPS:
            at += rng.uniform(0.5, 8.0)
            node = engine.menu.nodes[state.node]
            if rng.random() < 0.015:
                event: e.Event = e.CallerHungUp()
            elif state.waiting is Waiting.DIGITS:
                event = keys_for(node, rng)
            else:
                event = answer_for(state, rng)
            event = dataclasses.replace(event, at=at)
            events.append(event)
            state, _ = engine.step(state, event)
        result.append(Session(start, tuple(events)))
    return result


def run_engine(engine: Engine, sessions: list[Session]) -> tuple[int, float, Counter[str]]:
    """Replay every session through the engine: (steps, seconds, outcomes)."""
    outcomes: Counter[str] = Counter()
    steps = 0
    started = time.perf_counter()
    for session in sessions:
        state, _ = engine.start(session.start)
        for event in session.events:
            state, _ = engine.step(state, event)
        steps += 1 + len(session.events)
        outcomes[str(state.outcome.value if state.outcome else "unfinished")] += 1
    return steps, time.perf_counter() - started, outcomes


def run_baseline(menu: m.Menu, sessions: list[Session]) -> tuple[int, float]:
    """The same events through a plain dict-dispatch loop: type -> handler, (node, keys) -> next node."""
    table = {
        (node.id, key): choice.target
        for node in menu.nodes.values()
        if isinstance(node, m.MenuNode)
        for key, choice in node.choices.items()
    }

    def on_keys(node: str, event: Any) -> str:
        return table.get((node, event.digits), node)

    def on_other(node: str, event: Any) -> str:
        return node

    dispatch: dict[type, Callable[[str, Any], str]] = {e.DigitsEntered: on_keys}
    steps = 0
    started = time.perf_counter()
    for session in sessions:
        node = menu.start
        for event in session.events:
            node = dispatch.get(type(event), on_other)(node, event)
        steps += 1 + len(session.events)
    return steps, time.perf_counter() - started


def measure(sessions_count: int, seed: int, repeat: int) -> dict[str, Any]:
    """Generate, then time engine and baseline (best of ``repeat`` runs each)."""
    engine = Engine(load_menu())
    sessions = generate(engine, sessions_count, seed)
    engine_runs = [run_engine(engine, sessions) for _ in range(repeat)]
    baseline_runs = [run_baseline(engine.menu, sessions) for _ in range(repeat)]
    steps, engine_s, outcomes = min(engine_runs, key=lambda run: run[1])
    base_steps, base_s = min(baseline_runs, key=lambda run: run[1])
    assert steps == base_steps
    engine_rate, base_rate = steps / engine_s, base_steps / base_s
    return {
        "sessions": len(sessions),
        "steps": steps,
        "steps_per_session": round(steps / len(sessions), 1),
        "repeat": repeat,
        "seed": seed,
        "outcomes": dict(outcomes.most_common()),
        "baseline_dict_dispatch": {"seconds": round(base_s, 4), "steps_per_s": round(base_rate)},
        "engine": {
            "seconds": round(engine_s, 4),
            "steps_per_s": round(engine_rate),
            "us_per_step": round(1e6 / engine_rate, 2),
            "ratio_to_baseline": round(engine_rate / base_rate, 4),
        },
        "target_steps_per_s": TARGET_STEPS_PER_S,
        "target_met": engine_rate >= TARGET_STEPS_PER_S,
    }


def report(results: dict[str, Any]) -> None:
    """Print a table and write bench/results/ivr_engine.json."""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ivr_engine.json").write_text(json.dumps(results, indent=2) + "\n")
    table = Table(title=f"IVR engine: {results['sessions']:,} sessions, {results['steps']:,} steps")
    for column in ("path", "seconds", "steps/s", "ratio to baseline", "target"):
        table.add_column(column, justify="right" if column != "path" else "left")
    base, engine = results["baseline_dict_dispatch"], results["engine"]
    table.add_row(
        "baseline: dict dispatch", f"{base['seconds']:.3f}", f"{base['steps_per_s']:,}", "1.000", ""
    )
    table.add_row(
        "menu engine",
        f"{engine['seconds']:.3f}",
        f"{engine['steps_per_s']:,}",
        f"{engine['ratio_to_baseline']:.4f}",
        f">= {TARGET_STEPS_PER_S:,}/s: {'met' if results['target_met'] else 'MISSED'}",
    )
    console = Console()
    console.print(table)
    console.print("outcomes:", ", ".join(f"{name} {count:,}" for name, count in results["outcomes"].items()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    report(measure(args.sessions, args.seed, args.repeat))


if __name__ == "__main__":
    main()
