"""Small helpers that insert campaign rows directly, for the workspace and results tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update

from telephony.campaigns.models import (
    CallOutcome,
    Campaign,
    CampaignAccount,
    CampaignPhone,
    DialAttempt,
    DialRequest,
    Promise,
)

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)  # a Tuesday, 12:00 in Johannesburg


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def _insert(conn: Connection, model: type[Any], **values: Any) -> int:
    return int(conn.execute(insert(_table(model)).values(**values)).inserted_primary_key[0])  # type: ignore[index]


def campaign(conn: Connection, name: str = "arrears-nov", mode: str = "preview", active: bool = True) -> int:
    """A campaign; its id."""
    return _insert(
        conn, Campaign, name=name, queue="revenue", mode=mode, active=active, rules={}, created_at=NOW
    )


def account(
    conn: Connection,
    campaign_id: int,
    number: str,
    holder: str = "Lerato Dlamini",
    arrears_cents: int = 123_450,
    *,
    phones: tuple[str, ...] = ("+27821234567",),
    **values: Any,
) -> int:
    """An active account with its numbers (in order); its id. ``values`` override any column."""
    row: dict[str, Any] = {
        "campaign_id": campaign_id,
        "account_number": number,
        "holder": holder,
        "arrears_cents": arrears_cents,
        "days_in_arrears": 95,
        "language": "en",
        "ward": "Ward 12",
        "priority_key": -arrears_cents,
        "imported_at": NOW - dt.timedelta(days=1),
        "updated_at": NOW - dt.timedelta(days=1),
    }
    account_id = _insert(conn, CampaignAccount, **(row | values))
    for position, phone_number in enumerate(phones):
        phone(conn, account_id, phone_number, position)
    return account_id


def phone(conn: Connection, account_id: int, number: str, position: int = 0, status: str = "active") -> int:
    """One of an account's numbers; its id."""
    return _insert(
        conn, CampaignPhone, account_id=account_id, number=number, position=position, status=status
    )


def attempt(
    conn: Connection,
    campaign_id: int,
    account_id: int,
    phone_id: int,
    agent: str,
    state: str = "answered",
    placed_at: dt.datetime = NOW,
    linkedid: str | None = None,
) -> int:
    """A dial of the account by ``agent`` (number looked up by the caller's ``phone_id``); its id."""
    phones = _table(CampaignPhone)
    number = conn.execute(select(phones.c.number).where(phones.c.id == phone_id)).scalar_one()
    attempt_id = _insert(
        conn,
        DialAttempt,
        campaign_id=campaign_id,
        account_id=account_id,
        phone_id=phone_id,
        number=number,
        agent=agent,
        agent_interface="PJSIP/1001",
        mode="preview",
        state=state,
        linkedid=linkedid,
        placed_at=placed_at,
        answered_at=placed_at if state == "answered" else None,
    )
    for model, row_id in ((CampaignPhone, phone_id), (CampaignAccount, account_id)):
        table = _table(model)
        values = {"attempts_total": table.c.attempts_total + 1, "last_attempt_at": placed_at}
        conn.execute(update(table).where(table.c.id == row_id).values(**values))
    return attempt_id


def outcome(
    conn: Connection,
    campaign_id: int,
    account_id: int,
    agent: str,
    kind: str = "no_contact",
    right_party: bool = False,
    at: dt.datetime = NOW,
    attempt_id: int | None = None,
) -> int:
    """A recorded outcome; its id."""
    return _insert(
        conn,
        CallOutcome,
        campaign_id=campaign_id,
        account_id=account_id,
        attempt_id=attempt_id,
        agent=agent,
        at=at,
        right_party=right_party,
        kind=kind,
    )


def promise(
    conn: Connection,
    campaign_id: int,
    account_id: int,
    outcome_id: int,
    agent: str,
    amount_cents: int,
    *,
    made_at: dt.datetime = NOW,
    due: dt.date | None = None,
    status: str = "open",
    paid_cents: int = 0,
    instalment: int = 1,
) -> int:
    """A promise (or instalment) in the state a payments import would leave it; its id."""
    return _insert(
        conn,
        Promise,
        campaign_id=campaign_id,
        account_id=account_id,
        outcome_id=outcome_id,
        agent=agent,
        made_at=made_at,
        amount_cents=amount_cents,
        due_date=due or (made_at.date() + dt.timedelta(days=7)),
        instalment=instalment,
        status=status,
        paid_cents=paid_cents,
    )


def request(
    conn: Connection,
    campaign_id: int,
    account_id: int,
    agent: str,
    state: str = "pending",
    *,
    requested_at: dt.datetime = NOW,
    reason: str | None = None,
    attempt_id: int | None = None,
) -> int:
    """A Dial (or Skip) request as the dialer would have left it; its id."""
    return _insert(
        conn,
        DialRequest,
        campaign_id=campaign_id,
        account_id=account_id,
        agent=agent,
        requested_at=requested_at,
        state=state,
        reason=reason,
        attempt_id=attempt_id,
        handled_at=None if state == "pending" else requested_at,
    )


def phone_ids(conn: Connection, account_id: int) -> list[int]:
    """The account's phone ids in export order."""
    phones = _table(CampaignPhone)
    query = select(phones.c.id).where(phones.c.account_id == account_id).order_by(phones.c.position)
    return [int(i) for i in conn.scalars(query)]


def showcase(conn: Connection, now: dt.datetime, agents: tuple[str, str]) -> dict[str, int]:
    """A preview campaign to work and an ended one with a week of results, for pages and screenshots.

    ``arrears-nov`` (preview): Thabo Nkosi owes R 9 000.00 (two numbers; dialled by the second agent
    four days ago, who recorded a call-back, and a broken promise of R 2 000.00 before that), Anna
    Botha R 500.00. ``arrears-oct`` (ended): five days of dials, contacts and promises by both agents,
    some kept, some broken, some open.
    """
    second = agents[1]
    nov = campaign(conn, "arrears-nov")
    big = account(conn, nov, "1001", "Thabo Nkosi", 900_000, phones=("+27821110001", "+27821110002"))
    small = account(conn, nov, "1002", "Anna Botha", 50_000, days_in_arrears=40, ward="Ward 3")
    (big_phone, _), earlier = phone_ids(conn, big), now - dt.timedelta(days=4)
    old = attempt(conn, nov, big, big_phone, second, "answered", earlier)
    said = outcome(conn, nov, big, second, "callback", True, earlier, old)
    promise(conn, nov, big, said, second, 200_000, made_at=earlier - dt.timedelta(days=30), status="broken")
    october = campaign(conn, "arrears-oct", mode="progressive", active=False)
    for day in range(5):
        when = now - dt.timedelta(days=day + 1)
        for n, agent in enumerate(agents):
            _results_day(conn, october, f"10{day}{n}", agent, when, kept=(day + n) % 3)
    return {"campaign": nov, "big": big, "small": small, "ended": october}


def _results_day(conn: Connection, cid: int, number: str, agent: str, when: dt.datetime, kept: int) -> None:
    """One account's day: three dials (two answered), a right-party promise kept, broken or open."""
    acc = account(
        conn, cid, number, f"Holder {number}", 150_000 + 10_000 * kept, phones=(f"+2782{number}000",)
    )
    (phone_id,) = phone_ids(conn, acc)
    attempt(conn, cid, acc, phone_id, agent, "no_answer", when - dt.timedelta(hours=2))
    attempt(conn, cid, acc, phone_id, agent, "answered", when - dt.timedelta(hours=1))
    answered = attempt(conn, cid, acc, phone_id, agent, "answered", when)
    said = outcome(conn, cid, acc, agent, "promise", True, when, answered)
    status, paid = (("kept", 50_000), ("broken", 10_000), ("open", 0))[kept]
    promise(conn, cid, acc, said, agent, 50_000, made_at=when, status=status, paid_cents=paid)
