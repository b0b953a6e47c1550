"""Collection results for the Collections page: :mod:`telephony.campaigns.results` as table rows.

Amounts are in rand (``promised (R)``, ``collected (R)``) so an export adds up in a spreadsheet;
the page shows them as ``R 1 234.50``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from telephony.campaigns import results
from telephony.campaigns.account_view import CAMPAIGNS
from telephony.campaigns.results import Figures, Scope

#: Figures as the tables name them, in order.
COLUMNS = {
    "dials": "dials",
    "contacts": "contacts",
    "right_party": "right-party contacts",
    "promises": "promises",
    "promised_cents": "promised (R)",
    "collected_cents": "collected (R)",
    "kept": "kept",
    "broken": "broken",
    "kept_rate": "kept rate",
    "contact_rate": "contact rate",
}
MONEY = ("promised (R)", "collected (R)")
RATES = ("kept rate", "contact rate")


def campaigns(connection: Connection) -> list[dict[str, Any]]:
    """Every campaign (id, name, mode, active), active ones first, by name."""
    query = select(CAMPAIGNS.c.id, CAMPAIGNS.c.name, CAMPAIGNS.c.mode, CAMPAIGNS.c.active).order_by(
        CAMPAIGNS.c.active.desc(), CAMPAIGNS.c.name
    )
    return [row._asdict() for row in connection.execute(query)]


def row(figures: Figures) -> dict[str, Any]:
    """One set of figures as a table row (amounts in rand)."""
    values = figures.as_dict()
    out = {label: values[name] for name, label in COLUMNS.items()}
    for label in MONEY:
        out[label] = out[label] / 100
    return out


def totals(connection: Connection, start: datetime, end: datetime, campaign_id: int | None = None) -> Figures:
    """Everything in the period (one campaign, or all)."""
    return results.totals(connection, Scope(start, end, campaign_id))


def per_campaign(
    connection: Connection, start: datetime, end: datetime, campaign_id: int | None = None
) -> list[dict[str, Any]]:
    """One row per campaign."""
    return [
        {"campaign": item.campaign, "mode": item.mode, **row(item.figures)}
        for item in results.by_campaign(connection, Scope(start, end, campaign_id))
    ]


def per_agent(
    connection: Connection, start: datetime, end: datetime, campaign_id: int | None = None
) -> list[dict[str, Any]]:
    """One row per agent who dialled, recorded an outcome or made a promise."""
    return [
        {"agent": item.agent, **row(item.figures)}
        for item in results.by_agent(connection, Scope(start, end, campaign_id))
    ]


def per_day(
    connection: Connection, start: datetime, end: datetime, zone: str, campaign_id: int | None = None
) -> list[dict[str, Any]]:
    """One row per local day of the period (days without activity included)."""
    return [
        {"day": item.day, **row(item.figures)}
        for item in results.daily(connection, Scope(start, end, campaign_id), zone)
    ]
