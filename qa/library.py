"""The scorecards in use: every ``*.yaml`` of a folder (the shipped ``qa/scorecards`` by default).

A malformed scorecard is reported with its file and line and left out; the
others still load, so one typo does not stop scoring for every call type.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qa.scorecard import Scorecard
from qa.scorecard_loader import DEFAULT_MUNICIPALITY, ScorecardError, load_scorecard, load_shared_phrases

log = logging.getLogger(__name__)
SHIPPED = Path(__file__).with_name("scorecards")
SHARED_FILE = "phrases.yaml"


@dataclass
class Library:
    """Loaded scorecards by name, and the errors of those that did not load."""

    scorecards: dict[str, Scorecard] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def for_call(self, direction: str, call_type: str | None) -> Scorecard | None:
        """The scorecard for a call of this direction and type (the first that fits, by name)."""
        for name in sorted(self.scorecards):
            if self.scorecards[name].fits(direction, call_type):
                return self.scorecards[name]
        return None

    def get(self, name: str) -> Scorecard:
        if name not in self.scorecards:
            known = ", ".join(sorted(self.scorecards)) or "none loaded"
            raise KeyError(f"no scorecard named {name!r} (known: {known})")
        return self.scorecards[name]


def load_library(folder: Path | None = None, municipality: Sequence[str] = DEFAULT_MUNICIPALITY) -> Library:
    """Load every scorecard in ``folder``; errors are logged and kept, never raised."""
    folder = folder or SHIPPED
    library = Library()
    shared: dict[str, list[str]] = {}
    if (folder / SHARED_FILE).exists():
        try:
            shared = load_shared_phrases(folder / SHARED_FILE)
        except ScorecardError as exc:
            library.errors.append(str(exc))
    paths = sorted(p for p in folder.glob("*.yaml") if p.name != SHARED_FILE)
    if not paths:
        library.errors.append(f"{folder}: no scorecards (*.yaml) found")
    for path in paths:
        try:
            scorecard = load_scorecard(path, municipality, shared)
        except ScorecardError as exc:
            log.error("scorecard not loaded: %s", exc)
            library.errors.append(str(exc))
            continue
        if scorecard.name in library.scorecards:
            library.errors.append(
                f"{path}: scorecard name {scorecard.name!r} is already used by another file"
            )
            continue
        library.scorecards[scorecard.name] = scorecard
    return library
