"""What happens on a synthetic call, decided before a word of it is written.

A :class:`Scenario` fixes the call's direction, reason, the customer's mood, whether there is a
grievance, a hold or a promise to pay, and which criteria the agent fails. The labels follow from
it alone (:meth:`Scenario.labels`); the script writer then makes the words match.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Mapping

from qa.corpus.bank import TOPICS
from qa.corpus.model import (
    CRITERIA,
    FAULT_REASONS,
    REASON_CALL_TYPE,
    CallType,
    Direction,
    LabelValue,
    Reason,
    Sentiment,
)

__all__ = ["GOOD_AGENT_SHARE", "Scenario", "applicable_criteria", "sample_scenario"]

#: Share of calls whose agent meets every criterion.
GOOD_AGENT_SHARE = 0.4
OUTBOUND_SHARE = 0.22
HOLD_SHARE = 0.3
PROMISE_SHARE = 0.5
#: Weights of the inbound call reasons.
_INBOUND_REASONS: Mapping[Reason, float] = {
    **{reason: 0.09 for reason in FAULT_REASONS},
    "billing": 0.16,
    "payment_arrangement": 0.10,
    "other": 0.20,
}
#: How many criteria a bad agent misses, as equally likely choices; one more (at most four) on calls
#: with many criteria, so that those are failed about as often as the criteria of shorter calls.
_FAULT_COUNTS = (1, 2, 3, 3, 4, 4)
_MANY_CRITERIA = 9
#: Criteria that apply to only some calls are broken more readily, so that each is still failed
#: in a measurable share (at least ~15 %) of the calls it applies to.
_CONDITIONAL_WEIGHT = 1.6
_CONDITIONAL = frozenset({"empathy", "hold_permission", "promise_confirmed", "reference_integrity"})
_ALWAYS: Mapping[Direction, tuple[str, ...]] = {
    "inbound": ("greeting", "agent_name", "further_help", "closing", "rudeness"),
    "outbound": (
        "greeting",
        "agent_name",
        "right_party",
        "recording_disclosure",
        "purpose_amount",
        "payment_options",
        "no_threats",
        "closing",
    ),
}


@dataclasses.dataclass(frozen=True)
class Scenario:
    """The facts of one call that decide its labels."""

    direction: Direction
    reason: Reason
    sentiment: Sentiment
    grievance: bool
    hold: bool
    promise: bool
    topic: str | None
    faults: frozenset[str]

    @property
    def call_type(self) -> CallType:
        """fault, account or general for inbound calls; revenue for outbound ones."""
        return "revenue" if self.direction == "outbound" else REASON_CALL_TYPE[self.reason]

    def fails(self, criterion: str) -> bool:
        """Whether the agent breaks ``criterion`` on this call."""
        return criterion in self.faults

    def labels(self) -> dict[str, LabelValue]:
        """pass, fail or na for every criterion of the call's scorecard."""
        applicable = applicable_criteria(self)
        return {
            criterion: ("na" if criterion not in applicable else "fail" if self.fails(criterion) else "pass")
            for criterion in CRITERIA[self.direction]
        }


def applicable_criteria(scenario: Scenario) -> set[str]:
    """The criteria that get pass or fail (rather than na) on the call."""
    applicable = set(_ALWAYS[scenario.direction])
    if scenario.call_type == "fault":
        applicable |= {"reference_given", "turnaround"}
        if not scenario.fails("reference_given"):
            applicable.add("reference_integrity")
    if scenario.call_type == "account":
        applicable.add("verification")
    if scenario.grievance:
        applicable.add("empathy")
    if scenario.hold:
        applicable.add("hold_permission")
    if scenario.promise:
        applicable.add("promise_confirmed")
    return applicable


def _mood(rng: random.Random, direction: Direction) -> tuple[Sentiment, bool]:
    """The customer's sentiment and whether they have a grievance (inbound only)."""
    draw = rng.random()
    if direction == "outbound":
        return ("frustrated" if draw < 0.35 else "neutral" if draw < 0.75 else "positive"), False
    if draw < 0.30:
        return "frustrated", True
    if draw < 0.40:
        return "neutral", True
    return ("neutral" if draw < 0.70 else "positive"), False


def _faults(rng: random.Random, scenario: Scenario) -> frozenset[str]:
    """The criteria a bad agent breaks: 1-4 of those that apply, at random."""
    candidates = sorted(applicable_criteria(scenario))
    chosen: set[str] = set()
    count = rng.choice(_FAULT_COUNTS) + (len(candidates) >= _MANY_CRITERIA)
    for _ in range(min(count, 4, len(candidates))):
        weights = [_CONDITIONAL_WEIGHT if c in _CONDITIONAL else 1.0 for c in candidates]
        pick = rng.choices(candidates, weights=weights)[0]
        chosen.add(pick)
        candidates.remove(pick)
    if "reference_given" in chosen:
        chosen.discard("reference_integrity")
    return frozenset(chosen)


def sample_scenario(rng: random.Random) -> Scenario:
    """Draw a call's facts with the corpus's target proportions."""
    direction: Direction = "outbound" if rng.random() < OUTBOUND_SHARE else "inbound"
    if direction == "outbound":
        reason: Reason = "payment_arrangement"
    else:
        reason = rng.choices(list(_INBOUND_REASONS), weights=list(_INBOUND_REASONS.values()))[0]
    sentiment, grievance = _mood(rng, direction)
    scenario = Scenario(
        direction=direction,
        reason=reason,
        sentiment=sentiment,
        grievance=grievance,
        hold=rng.random() < HOLD_SHARE,
        promise=direction == "outbound" and rng.random() < PROMISE_SHARE,
        topic=rng.choice(TOPICS) if reason == "other" else None,
        faults=frozenset(),
    )
    if rng.random() < GOOD_AGENT_SHARE:
        return scenario
    return dataclasses.replace(scenario, faults=_faults(rng, scenario))
