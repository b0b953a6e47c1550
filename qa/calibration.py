"""How well the machine agrees with QA reviewers, per criterion.

For every criterion a reviewer has judged, the reviewer's latest verdict on a
call is compared with the machine's verdict on the same score: agreement,
Cohen's kappa (agreement beyond chance) and the confusion matrix. Criteria
whose kappa is below ``min_kappa`` are flagged: their phrases or rules need
work, and their automatic verdicts deserve less trust until then.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sklearn.metrics import cohen_kappa_score, confusion_matrix
from sqlalchemy import Connection, select

from qa.models import Review
from qa.scorecard import FAIL, NA, PASS

LABELS = (PASS, FAIL, NA)


@dataclass(frozen=True, slots=True)
class CriterionAgreement:
    """Auto vs human on one criterion."""

    criterion_id: str
    reviewed: int
    agreement: float
    kappa: float | None
    #: Rows: the reviewer's verdict (pass, fail, na); columns: the machine's.
    confusion: list[list[int]]
    flagged: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "criterion": self.criterion_id,
            "reviewed": self.reviewed,
            "agreement": round(self.agreement, 3),
            "kappa": None if self.kappa is None else round(self.kappa, 3),
            "confusion": {"labels": list(LABELS), "human_rows_auto_columns": self.confusion},
            "flagged": self.flagged,
        }


def review_pairs(
    connection: Connection, since: datetime | None = None, until: datetime | None = None
) -> dict[str, list[tuple[str, str]]]:
    """(human, auto) verdict pairs per criterion: each call's latest review of each criterion."""
    query = select(Review.linkedid, Review.criterion_id, Review.verdict, Review.auto_verdict).order_by(
        Review.id
    )
    if since is not None:
        query = query.where(Review.created_at >= since)
    if until is not None:
        query = query.where(Review.created_at < until)
    latest: dict[tuple[str, str], tuple[str, str]] = {}
    for row in connection.execute(query):
        if row.auto_verdict is not None:
            latest[(row.linkedid, row.criterion_id)] = (row.verdict, row.auto_verdict)
    pairs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for (_, criterion), pair in latest.items():
        pairs[criterion].append(pair)
    return pairs


def agreement(criterion_id: str, pairs: list[tuple[str, str]], min_kappa: float = 0.6) -> CriterionAgreement:
    """The agreement figures for one criterion's (human, auto) pairs."""
    human = [h for h, _ in pairs]
    auto = [a for _, a in pairs]
    agreed = sum(1 for h, a in pairs if h == a) / len(pairs)
    kappa: float | None
    if len(set(human) | set(auto)) < 2:
        kappa = None  # one label only: kappa is undefined; agreement says it all
    else:
        kappa = float(cohen_kappa_score(human, auto, labels=list(LABELS)))
    matrix = confusion_matrix(human, auto, labels=list(LABELS)).tolist()
    flagged = (kappa is not None and kappa < min_kappa) or agreed < 0.8
    return CriterionAgreement(criterion_id, len(pairs), agreed, kappa, matrix, flagged)


def calibration_report(
    connection: Connection, min_kappa: float = 0.6, since: datetime | None = None
) -> list[CriterionAgreement]:
    """Agreement per reviewed criterion, worst first."""
    report = [agreement(c, pairs, min_kappa) for c, pairs in review_pairs(connection, since).items()]
    return sorted(
        report, key=lambda row: (row.kappa if row.kappa is not None else row.agreement, row.criterion_id)
    )
