"""The scorecards: every stored version, and the criteria of the ones in use."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection, select

from qa.library import Library
from qa.models import ScorecardVersion
from qa.scorecard import Scorecard


def versions(connection: Connection) -> list[dict[str, Any]]:
    """Every stored scorecard version (without its text), by name and newest version first."""
    t = ScorecardVersion.__table__.c
    query = select(t.id, t.name, t.version, t.title, t.digest, t.created_at).order_by(
        t.name, t.version.desc()
    )
    return [row._asdict() for row in connection.execute(query)]


def source(connection: Connection, version_id: int) -> str | None:
    """The YAML text of one stored version."""
    return connection.execute(
        select(ScorecardVersion.source).where(ScorecardVersion.id == version_id)
    ).scalar()


def digest(scorecard: Scorecard) -> str:
    """The digest a scorecard's text is stored under (as :func:`qa.store.scorecard_version` makes it)."""
    return hashlib.sha256(scorecard.source.encode("utf-8")).hexdigest()


def in_use(library: Library) -> dict[str, str]:
    """Name -> digest of each scorecard the scorer loads now."""
    return {name: digest(card) for name, card in library.scorecards.items()}


def criteria(scorecard: Scorecard) -> list[dict[str, Any]]:
    """A scorecard's criteria as rows: section, id, title, principle, weight, auto-fail, when it applies."""
    rows = []
    for criterion in scorecard.criteria:
        applies = criterion.applies
        when = [
            "/".join(values) for values in (applies.directions, applies.call_types, applies.queues) if values
        ]
        rows.append(
            {
                "section": criterion.section,
                "criterion": criterion.id,
                "title": criterion.title,
                "principle": criterion.principle.replace("_", " "),
                "weight": criterion.weight,
                "auto_fail": criterion.auto_fail,
                "applies_to": ", ".join(when) or "every call",
                "rule": criterion.detector.kind,
            }
        )
    return rows
