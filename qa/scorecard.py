"""Scorecards as data: sections of criteria, each with a weight, a Batho Pele principle and a detector.

A scorecard is written in YAML (``qa/scorecards/*.yaml``, loaded by
:mod:`qa.scorecard_loader`); its version is kept by the database, which gives
a new version number whenever the document's text changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The eight Batho Pele ("People First") principles every criterion maps onto.
PRINCIPLES = (
    "consultation",
    "service_standards",
    "access",
    "courtesy",
    "information",
    "openness_transparency",
    "redress",
    "value_for_money",
)
CALL_TYPES = ("fault", "account", "general", "revenue")
PASS, FAIL, NA = "pass", "fail", "na"


@dataclass(frozen=True, slots=True)
class PhraseSet:
    """Phrases said by one party: any one of ``phrases``, and one of each of the ``also`` lists too."""

    speaker: str
    phrases: tuple[str, ...]
    also: tuple[tuple[str, ...], ...] = ()
    #: Seconds from the start (positive) or before the end (negative) that bound where to look.
    first_seconds: float | None = None
    last_seconds: float | None = None
    min_similarity: float = 80.0


@dataclass(frozen=True, slots=True)
class Detector:
    """How a criterion is judged: ``kind`` names the rule (see :mod:`qa.detectors`) and its parameters."""

    kind: str
    target: PhraseSet | None = None
    #: ``order``: ``first`` must come before ``target``; ``conditional``: ``trigger`` makes it apply.
    first: PhraseSet | None = None
    trigger: PhraseSet | None = None
    #: Numbers for the timing rules (``max_seconds``, ``max_count``, ``min_ratio``, ``target_seconds``...).
    limits: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Applicability:
    """When a criterion applies; empty tuples mean "always"."""

    call_types: tuple[str, ...] = ()
    directions: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()

    def reason_not(self, call_type: str | None, direction: str, queue: str | None) -> str | None:
        """Why the criterion does not apply to this call, or ``None`` if it does."""
        if self.directions and direction not in self.directions:
            return f"applies to {'/'.join(self.directions)} calls; this call is {direction}"
        if self.call_types and call_type not in self.call_types:
            return (
                f"applies to {'/'.join(self.call_types)} calls; this call is {call_type or 'of unknown type'}"
            )
        if self.queues and queue not in self.queues:
            return f"applies to queue {'/'.join(self.queues)}; this call was in {queue or 'no queue'}"
        return None


@dataclass(frozen=True, slots=True)
class Criterion:
    """One thing the agent is scored on."""

    id: str
    title: str
    section: str
    principle: str
    weight: float
    detector: Detector
    auto_fail: bool = False
    applies: Applicability = Applicability()
    description: str = ""


@dataclass(frozen=True, slots=True)
class Scorecard:
    """A named set of criteria for one kind of call."""

    name: str
    title: str
    criteria: tuple[Criterion, ...]
    directions: tuple[str, ...]
    call_types: tuple[str, ...]
    pass_mark: float = 80.0
    description: str = ""
    #: The YAML text it was loaded from (stored with each version).
    source: str = ""
    path: str = ""

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(f"scorecard {self.name} has no criterion {criterion_id!r}")

    def fits(self, direction: str, call_type: str | None) -> bool:
        """True if this scorecard is the one for such a call."""
        return direction in self.directions and (not self.call_types or call_type in self.call_types)

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "criteria": [c.id for c in self.criteria]}
