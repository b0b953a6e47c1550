"""Campaign results per campaign, per agent and per local day, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from telephony.campaigns import money, results
from telephony.campaigns.results import Figures, Scope
from tests.campaigns import seed
from tests.campaigns.seed import NOW
from tests.conftest import Database

LERATO, SIPHO = "Lerato Mokoena", "Sipho Ndlovu"
SAST = dt.timezone(dt.timedelta(hours=2))
#: Monday 23 to Wednesday 25 November 2026, Johannesburg.
WEEK = Scope(dt.datetime(2026, 11, 23, tzinfo=SAST), dt.datetime(2026, 11, 26, tzinfo=SAST))


@pytest.fixture
def activity(database: Database) -> dict[str, int]:
    """Two campaigns worked by two agents over three days, one dial just outside the period.

    November (Lerato): 3 dials on the 24th (2 answered, 1 right party, promise R 1 000 kept in full,
    arrangement 2 x R 500: one broken, one open); 1 dial at 22:30 UTC on the 24th, which is
    00:30 on the 25th in Johannesburg. December (Sipho): 2 dials on the 23rd, 1 answered, a promise
    of R 300 paid R 100 (broken). Dials on the 22nd and at 00:30 on the 26th (local) are outside.
    """
    with database.engine.begin() as conn:
        nov, dec = seed.campaign(conn, "november"), seed.campaign(conn, "december", mode="progressive")
        seed.campaign(conn, "old", active=False)
        a = seed.account(conn, nov, "1")
        b = seed.account(conn, dec, "2")
        (pa,), (pb,) = seed.phone_ids(conn, a), seed.phone_ids(conn, b)
        seed.attempt(conn, nov, a, pa, LERATO, "no_answer", NOW - dt.timedelta(hours=2))
        first = seed.attempt(conn, nov, a, pa, LERATO, "answered", NOW - dt.timedelta(hours=1))
        second = seed.attempt(conn, nov, a, pa, LERATO, "answered", NOW)
        seed.outcome(conn, nov, a, LERATO, "no_contact", False, NOW - dt.timedelta(hours=1), first)
        won = seed.outcome(conn, nov, a, LERATO, "arrangement", True, NOW, second)
        seed.promise(conn, nov, a, won, LERATO, 100_000, status="kept", paid_cents=100_000)
        seed.promise(conn, nov, a, won, LERATO, 50_000, status="broken", paid_cents=0, instalment=2)
        seed.promise(conn, nov, a, won, LERATO, 50_000, instalment=3)
        seed.attempt(conn, nov, a, pa, LERATO, "busy", dt.datetime(2026, 11, 24, 22, 30, tzinfo=dt.UTC))
        seed.attempt(conn, nov, a, pa, LERATO, "busy", dt.datetime(2026, 11, 25, 22, 30, tzinfo=dt.UTC))
        day23 = NOW - dt.timedelta(days=1)
        seed.attempt(conn, dec, b, pb, SIPHO, "failed", day23)
        third = seed.attempt(conn, dec, b, pb, SIPHO, "answered", day23)
        paid = seed.outcome(conn, dec, b, SIPHO, "promise", True, day23, third)
        seed.promise(conn, dec, b, paid, SIPHO, 30_000, made_at=day23, status="broken", paid_cents=10_000)
        seed.attempt(conn, dec, b, pb, SIPHO, "answered", NOW - dt.timedelta(days=2))  # the 22nd: out
    return {"november": nov, "december": dec}


NOVEMBER = Figures(
    dials=4,
    contacts=2,
    right_party=1,
    promises=3,
    promised_cents=200_000,
    collected_cents=100_000,
    kept=1,
    broken=1,
)
DECEMBER = Figures(
    dials=2,
    contacts=1,
    right_party=1,
    promises=1,
    promised_cents=30_000,
    collected_cents=10_000,
    kept=0,
    broken=1,
)


def test_results_per_campaign(database: Database, activity: dict[str, int]) -> None:
    with database.engine.connect() as conn:
        found = results.by_campaign(conn, WEEK)
    assert [(r.campaign, r.mode, r.figures) for r in found] == [
        ("december", "progressive", DECEMBER),
        ("november", "preview", NOVEMBER),
    ]  # the inactive campaign without activity is left out
    assert found[1].figures.kept_rate == 0.5 and found[0].figures.kept_rate == 0.0
    assert found[1].figures.contact_rate == 0.5


def test_results_per_agent_and_in_total(database: Database, activity: dict[str, int]) -> None:
    with database.engine.connect() as conn:
        agents = results.by_agent(conn, WEEK)
        total = results.totals(conn, WEEK)
        one = results.by_agent(conn, Scope(WEEK.start, WEEK.end, campaign_id=activity["december"]))
        lerato = results.totals(conn, Scope(WEEK.start, WEEK.end, agent=LERATO))
    assert [(r.agent, r.figures) for r in agents] == [(LERATO, NOVEMBER), (SIPHO, DECEMBER)]
    assert total == Figures(6, 3, 2, 4, 230_000, 110_000, 1, 2)
    assert total.as_dict()["kept_rate"] == pytest.approx(1 / 3)
    assert [r.agent for r in one] == [SIPHO] and lerato == NOVEMBER


def test_a_daily_series_in_local_days_with_gaps_filled(database: Database, activity: dict[str, int]) -> None:
    with database.engine.connect() as conn:
        days = results.daily(conn, WEEK, "Africa/Johannesburg")
    assert [d.day for d in days] == [dt.date(2026, 11, 23), dt.date(2026, 11, 24), dt.date(2026, 11, 25)]
    assert [(d.figures.dials, d.figures.contacts, d.figures.promises) for d in days] == [
        (2, 1, 1),
        (3, 2, 3),
        (1, 0, 0),  # 22:30 UTC on the 24th: the 25th in Johannesburg
    ]


def test_nothing_resolved_has_no_kept_rate(database: Database) -> None:
    with database.engine.begin() as conn:
        cid = seed.campaign(conn)
    with database.engine.connect() as conn:
        (only,) = results.by_campaign(conn, WEEK)
        assert results.totals(conn, WEEK) == Figures()
        assert results.by_agent(conn, WEEK) == []
    assert only.campaign_id == cid and only.figures.kept_rate is None and only.figures.contact_rate is None


@pytest.mark.parametrize(
    ("cents", "text"),
    [(123_450, "R 1 234.50"), (5, "R 0.05"), (-500, "-R 5.00"), (100_000_000, "R 1 000 000.00"), (None, "")],
)
def test_amounts_read_as_rand(cents: int | None, text: str) -> None:
    assert money.rand(cents) == text


@pytest.mark.parametrize(
    ("typed", "cents"), [(1500.5, 150_050), ("1 234,50", 123_450), ("R1,234.50", 123_450)]
)
def test_amounts_typed_in_rand_become_cents(typed: float | str, cents: int) -> None:
    assert money.cents(typed) == cents


def test_an_amount_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(ValueError, match="not an amount in rand"):
        money.cents("lots")
