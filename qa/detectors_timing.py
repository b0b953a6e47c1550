"""Timing rules: dead air, overtalk, agent talk ratio, holds and handle time.

Speech times come from the transcript's turns (each party on its own channel
of a stereo recording), holds and handle time from the call record. Silence
while the caller is on hold is not dead air. A transcript file without times
makes the speech-timing rules N/A rather than guessing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING

from qa.transcript import AGENT, CUSTOMER, CallInput, Span
from qa.verdict import Verdict

if TYPE_CHECKING:
    from qa.matching import CallText
    from qa.scorecard import Criterion

Rule = Callable[["Criterion", CallInput, "CallText"], Verdict]
_UNTIMED = "the transcript has no times, so this cannot be measured"


def merged(spans: list[Span]) -> list[Span]:
    """Overlapping or touching spans joined, in time order."""
    result: list[Span] = []
    for span in sorted(spans, key=lambda s: s.start):
        if result and span.start <= result[-1].end:
            result[-1] = Span(result[-1].start, max(result[-1].end, span.end))
        else:
            result.append(span)
    return result


def overlapping(first: list[Span], second: list[Span]) -> list[Span]:
    """Where two sorted, merged span lists overlap (one sweep, linear time)."""
    found, i, j = [], 0, 0
    while i < len(first) and j < len(second):
        start, end = max(first[i].start, second[j].start), min(first[i].end, second[j].end)
        if end > start:
            found.append(Span(start, end))
        if first[i].end < second[j].end:
            i += 1
        else:
            j += 1
    return found


def _speech(call: CallInput, speaker: str | None = None) -> list[Span]:
    return merged([Span(t.start, t.end) for t in call.turns if speaker is None or t.speaker == speaker])


def _seconds(spans: list[Span]) -> float:
    return sum(span.end - span.start for span in spans)


def dead_air_rule(criterion: Criterion, call: CallInput, text: CallText) -> Verdict:
    """Fail when nobody spoke for longer than ``max_seconds`` (outside holds)."""
    if not call.timed:
        return Verdict.not_applicable(criterion.id, _UNTIMED)
    limit = criterion.detector.limits["max_seconds"]
    covered = merged(_speech(call) + call.holds)
    gaps = [Span(a.end, b.start) for a, b in itertools.pairwise(covered) if b.start - a.end > limit]
    if not gaps:
        return Verdict.passed(criterion.id, f"no silence longer than {limit:g} s", [])
    evidence = [{"speaker": "both", "start": round(g.start, 2), "end": round(g.end, 2)} for g in gaps]
    longest = max(g.end - g.start for g in gaps)
    return Verdict.failed(
        criterion.id, f"{len(gaps)} silence(s) over {limit:g} s, longest {longest:.1f} s", evidence
    )


def overtalk_rule(criterion: Criterion, call: CallInput, text: CallText) -> Verdict:
    """Fail when agent and customer spoke at once for more than ``max_seconds`` in all."""
    if not call.timed:
        return Verdict.not_applicable(criterion.id, _UNTIMED)
    limit = criterion.detector.limits["max_seconds"]
    overlaps = [
        span
        for span in overlapping(_speech(call, AGENT), _speech(call, CUSTOMER))
        if span.end - span.start > 0.3
    ]
    total = _seconds(overlaps)
    evidence = [
        {"speaker": "both", "start": round(s.start, 2), "end": round(s.end, 2)} for s in overlaps[:10]
    ]
    if total > limit:
        return Verdict.failed(
            criterion.id, f"both spoke at once for {total:.1f} s (limit {limit:g} s)", evidence
        )
    return Verdict.passed(criterion.id, f"both spoke at once for {total:.1f} s (limit {limit:g} s)", evidence)


def talk_ratio_rule(criterion: Criterion, call: CallInput, text: CallText) -> Verdict:
    """The agent's share of the speech lies between ``min_ratio`` and ``max_ratio``."""
    if not call.timed:
        return Verdict.not_applicable(criterion.id, _UNTIMED)
    agent, customer = _seconds(_speech(call, AGENT)), _seconds(_speech(call, CUSTOMER))
    if agent + customer < 5.0:
        return Verdict.not_applicable(criterion.id, f"only {agent + customer:.1f} s of speech")
    low, high = criterion.detector.limits["min_ratio"], criterion.detector.limits["max_ratio"]
    ratio = agent / (agent + customer)
    reason = f"agent spoke {ratio:.0%} of the time (target {low:.0%}-{high:.0%})"
    return (
        Verdict.passed(criterion.id, reason, [])
        if low <= ratio <= high
        else Verdict.failed(criterion.id, reason)
    )


def holds_rule(criterion: Criterion, call: CallInput, text: CallText) -> Verdict:
    """At most ``max_count`` holds and ``max_seconds`` on hold in all."""
    limits = criterion.detector.limits
    total = _seconds(call.holds)
    evidence = [{"speaker": "hold", "start": round(h.start, 2), "end": round(h.end, 2)} for h in call.holds]
    reason = (
        f"{len(call.holds)} hold(s), {total:.0f} s in all "
        f"(limits {limits['max_count']:g} holds, {limits['max_seconds']:g} s)"
    )
    if len(call.holds) > limits["max_count"] or total > limits["max_seconds"]:
        return Verdict.failed(criterion.id, reason, evidence)
    return Verdict.passed(criterion.id, reason, evidence)


def handle_time_rule(criterion: Criterion, call: CallInput, text: CallText) -> Verdict:
    """Talk plus hold time within ``target_seconds``."""
    if call.handle_seconds is None and not call.timed:
        return Verdict.not_applicable(criterion.id, _UNTIMED)
    target = criterion.detector.limits["target_seconds"]
    reason = f"handled in {call.duration:.0f} s (target {target:g} s)"
    if call.duration > target:
        return Verdict.failed(criterion.id, reason)
    return Verdict.passed(criterion.id, reason, [])


TIMING_RULES: dict[str, Rule] = {
    "dead_air": dead_air_rule,
    "overtalk": overtalk_rule,
    "talk_ratio": talk_ratio_rule,
    "holds": holds_rule,
    "handle_time": handle_time_rule,
}
