"""Campaigns for the dialer tests, the simulator as the Asterisk peer, and a controllable clock."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert, select

from callcentre.settings import Settings
from telephony.campaigns import selection
from telephony.campaigns.models import Campaign, CampaignAccount, CampaignPhone, DialAttempt, DialRequest
from telephony.dialer.service import Dialer
from telephony.simulator import SimConfig
from telephony.simulator.server import Simulator
from tests.telephony.test_logger_over_tcp import ami_settings

#: Monday 23 November 2026, 10:00 in Johannesburg: inside the default calling window.
MONDAY_10 = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)


@dataclass
class Account:
    """One account of a test campaign."""

    number: str
    phones: Sequence[str]
    arrears_cents: int = 100_000


class FakeClock:
    """``start`` plus the real time elapsed times ``rate`` (1 real second = ``rate`` seconds)."""

    def __init__(self, start: dt.datetime = MONDAY_10, rate: float = 1.0) -> None:
        self.start, self.rate, self.t0 = start, rate, time.monotonic()

    def __call__(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=(time.monotonic() - self.t0) * self.rate)


def make_campaign(
    engine: Engine,
    accounts: Sequence[Account],
    name: str = "arrears-nov",
    mode: str = "progressive",
    rules: dict[str, Any] | None = None,
    queue: str = "revenue",
) -> int:
    """A campaign with ``accounts`` (priority by arrears, highest first); returns its id."""
    now = MONDAY_10 - dt.timedelta(days=1)
    with engine.begin() as conn:
        campaign_id = conn.execute(
            insert(Campaign).values(
                name=name,
                queue=queue,
                mode=mode,
                priority="arrears_desc",
                active=True,
                rules=rules or {},
                created_at=now,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        for account in accounts:
            account_id = conn.execute(
                insert(CampaignAccount).values(
                    campaign_id=campaign_id,
                    account_number=account.number,
                    holder=f"Holder {account.number}",
                    arrears_cents=account.arrears_cents,
                    days_in_arrears=60,
                    language="en",
                    timezone="Africa/Johannesburg",
                    status="active",
                    priority_key=-account.arrears_cents,
                    attempts_total=0,
                    attempts_today=0,
                    imported_at=now,
                    updated_at=now,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            for position, phone in enumerate(account.phones):
                conn.execute(
                    insert(CampaignPhone).values(
                        account_id=account_id,
                        number=phone,
                        position=position,
                        status="active",
                        attempts_total=0,
                        attempts_today=0,
                    )
                )
    return int(campaign_id)


def dialer_settings(port: int, **dialer: Any) -> Settings:
    """Settings pointing at the simulator on ``port``; ``dialer`` overrides ``[dialer]``."""
    settings = Settings(ami=ami_settings(port))
    settings.dialer.wrapup_seconds = 0
    for key, value in dialer.items():
        setattr(settings.dialer, key, value)
    return settings


def attempts(engine: Engine) -> list[Any]:
    """Every attempt, oldest first."""
    with engine.connect() as conn:
        return list(conn.execute(select(DialAttempt).order_by(DialAttempt.id)))


async def started_simulator(port: int = 0, speed: float = 40.0) -> Simulator:
    """The Asterisk simulator listening on ``port`` (0: any), playing ``speed`` times real time."""
    sim = Simulator(SimConfig(port=port, username="callcentre", secret="s3cret", speed=speed, seed=3))
    await sim.start()
    return sim


async def wait_for(condition: Callable[[], bool | Awaitable[bool]], timeout: float, what: str) -> None:
    """Poll ``condition`` every 50 ms until true; fail naming ``what`` after ``timeout`` s."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = condition()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.05)


def dial_until(
    engine: Engine,
    until: Callable[[Dialer], bool],
    what: str,
    clock: FakeClock | None = None,
    linger: float = 0.0,
    prepare: Callable[[Simulator], None] | None = None,
) -> Dialer:
    """Run a dialer against a fresh simulator until ``until(dialer)`` holds (``what``, for the
    failure message), then ``linger`` seconds more; ``prepare`` may set the peer's state first."""

    async def scenario() -> Dialer:
        sim = await started_simulator()
        if prepare is not None:
            prepare(sim)
        dialer = Dialer(engine, dialer_settings(sim.port), clock=clock or FakeClock())
        stop = asyncio.Event()
        task = asyncio.create_task(dialer.run(stop))
        await wait_for(lambda: until(dialer), 30, what)
        await asyncio.sleep(linger)
        stop.set()
        await task
        await sim.stop()
        return dialer

    return asyncio.run(scenario())


def request_dial(engine: Engine, campaign_id: int, account_id: int, agent: str, at: dt.datetime) -> None:
    """What the workspace does on Dial: the account leased to the agent and a pending request."""
    with engine.begin() as conn:
        assert selection.lease(conn, account_id, agent, at, 3600)
        conn.execute(
            insert(DialRequest).values(
                campaign_id=campaign_id, account_id=account_id, agent=agent, requested_at=at, state="pending"
            )
        )
