"""The QA figures as terminal tables (``callcentre demo``, ``callcentre qa summary``)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from qa.figures import QaSummary, qa_summary

__all__ = ["print_qa_summary", "qa_summary"]


def print_qa_summary(console: Console, summary: QaSummary) -> None:
    """Scores per agent and the criteria most often failed."""
    counts = ", ".join(f"{n} {status}" for status, n in sorted(summary.statuses.items())) or "no scores"
    console.print(f"QA: {counts}")
    agents = Table(title="QA scores per agent (current scores)")
    for column in ("agent", "scored", "mean score", "passed", "auto-fails"):
        agents.add_column(column, justify="left" if column == "agent" else "right")
    for row in summary.agents:
        agents.add_row(
            row.agent, str(row.scored), f"{row.mean_score:.1f}", f"{row.pass_rate:.0%}", str(row.auto_fails)
        )
    console.print(agents)
    criteria = Table(title="Criteria most often failed")
    for column in ("criterion", "judged", "failed", "fail rate"):
        criteria.add_column(column, justify="left" if column == "criterion" else "right")
    for item in summary.criteria[:8]:
        criteria.add_row(item.criterion_id, str(item.judged), str(item.failed), f"{item.fail_rate:.0%}")
    console.print(criteria)
