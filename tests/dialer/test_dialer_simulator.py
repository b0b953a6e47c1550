"""The dialer against the Asterisk simulator over real AMI (TCP), with the call logger beside it.

The simulator is the peer: it answers Originate like Asterisk 22 (agent leg, then the customer
over the trunk) and decides the customer's behaviour by the number's last digit (7 busy, 8 no
answer, 9 congestion, else answer). The call logger, on its own AMI session, links each call
record to the account through CC_CAMPAIGN / CC_ACCOUNT.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from telephony.campaigns.models import CampaignAccount, DialDecision, DialRequest, DoNotCall
from telephony.client import AmiConnection
from telephony.dialer.service import Dialer
from telephony.models import Call
from telephony.service import CallLogger
from telephony.simulator.call import PlayedCall
from telephony.simulator.server import Simulator
from telephony.supervisor import LoggerSupervisor, SupervisorOptions
from tests.dialer.helpers import (
    MONDAY_10,
    Account,
    FakeClock,
    attempts,
    dial_until,
    dialer_settings,
    make_campaign,
    request_dial,
    started_simulator,
    wait_for,
)

CUSTOMERS = [
    Account("5001", ["+27821110000"], 900_00),
    Account("5002", ["+27821110007"], 800_00),
    Account("5003", ["+27821110008"], 700_00),
    Account("5004", ["+27821110009"], 600_00),
    Account("5005", ["+27114561231"], 500_00),
]
EXPECTED = {"5001": "answered", "5002": "busy", "5003": "no_answer", "5004": "congestion", "5005": "answered"}


def outbound_calls(engine: Engine) -> list[Call]:
    with Session(engine) as db:
        return list(db.scalars(select(Call).where(Call.direction == "outbound")))


def accounts_by_id(engine: Engine) -> dict[int, str]:
    with engine.connect() as conn:
        return {r.id: r.account_number for r in conn.execute(select(CampaignAccount))}


def test_progressive_dials_every_account_once_in_priority_order_and_links_the_calls(engine: Engine) -> None:
    make_campaign(engine, CUSTOMERS)

    async def scenario() -> None:
        sim = await started_simulator()
        settings = dialer_settings(sim.port)
        logger = CallLogger(engine, grace=0.3)
        supervisor = LoggerSupervisor(settings.ami, logger, SupervisorOptions(flush_interval=0.05))
        dialer = Dialer(engine, settings, clock=FakeClock())
        stop = asyncio.Event()
        tasks = [asyncio.create_task(supervisor.run(stop)), asyncio.create_task(dialer.run(stop))]
        await wait_for(lambda: sum(dialer.stats.results.values()) >= 5, 30, "five settled attempts")
        await wait_for(lambda: len(outbound_calls(engine)) >= 5, 30, "five call records")
        stop.set()
        await asyncio.gather(*tasks)
        await sim.stop()

    asyncio.run(scenario())
    rows, numbers = attempts(engine), accounts_by_id(engine)
    assert Counter(numbers[a.account_id] for a in rows) == Counter(set(EXPECTED)), (
        "each account dialled exactly once"
    )
    assert {numbers[a.account_id]: a.state for a in rows} == EXPECTED
    # Two free agents in the revenue queue: the two largest debts are dialled first.
    assert {numbers[a.account_id] for a in rows[:2]} == {"5001", "5002"}
    assert {a.agent for a in rows} <= {"Thandi Mokoena", "Lerato Nkosi"}
    calls = {c.linkedid: c for c in outbound_calls(engine)}
    for attempt in rows:
        call = calls[attempt.linkedid]
        assert (call.campaign, call.account) == ("arrears-nov", numbers[attempt.account_id])
        assert call.disposition == attempt.state
        if attempt.state == "answered":
            assert call.recording_path, "answered revenue calls are recorded like inbound calls"
            assert attempt.ended_at is not None and attempt.answered_at is not None
    with engine.connect() as conn:
        allowed = list(conn.execute(select(DialDecision).where(DialDecision.allowed.is_(True))))
    assert sorted(d.attempt_id for d in allowed) == sorted(a.id for a in rows), "every dial has its decision"


def test_an_unsuccessful_number_is_retried_by_the_rules_until_the_daily_limit(engine: Engine) -> None:
    rules = {"min_gap_minutes": 0, "retry_minutes": "busy:0", "max_per_day": 3, "max_per_number_per_day": 5}
    make_campaign(engine, [Account("6001", ["+27821110007"])], rules=rules)

    # Linger: time enough for a fourth dial, were the limit not kept.
    dial_until(engine, lambda d: d.stats.results.get("busy", 0) >= 3, "three busy attempts", linger=0.5)
    assert [a.state for a in attempts(engine)] == ["busy", "busy", "busy"]
    with engine.connect() as conn:
        refused = list(conn.execute(select(DialDecision).where(DialDecision.allowed.is_(False))))
        account = conn.execute(select(CampaignAccount)).one()
    assert [d.rule for d in refused] == ["daily_limit"]
    assert "3 dials today" in refused[0].reason
    # Tomorrow (Tuesday) at 08:00 in Johannesburg.
    assert account.next_attempt_at == dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)


def test_nothing_is_dialled_outside_the_calling_window(engine: Engine) -> None:
    make_campaign(engine, CUSTOMERS[:2])
    sunday = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)

    dial_until(engine, lambda d: d.stats.connections >= 1, "the dialer to connect", FakeClock(sunday), 1.0)
    assert attempts(engine) == []
    with engine.connect() as conn:
        logged = list(conn.execute(select(DialDecision)))
    assert [(d.allowed, d.rule) for d in logged] == [(False, "window")], "one decision, not one per account"
    assert "opens Mon 23 Nov 08:00" in logged[0].reason


def test_preview_places_the_agents_request_and_refuses_a_do_not_call_number(engine: Engine) -> None:
    campaign = make_campaign(
        engine,
        [Account("7001", ["+27821110001"], 500_00), Account("7002", ["+27821110002"], 400_00)],
        mode="preview",
    )
    with engine.begin() as conn:
        conn.execute(insert(DoNotCall).values(number="+27821110002", source="manual", added_at=MONDAY_10))
        ids = {r.account_number: r.id for r in conn.execute(select(CampaignAccount))}
    for account, agent in (("7001", "Thandi Mokoena"), ("7002", "Lerato Nkosi")):
        request_dial(engine, campaign, ids[account], agent, MONDAY_10)
    dial_until(engine, lambda d: d.stats.results.get("answered", 0) >= 1, "the previewed call")
    with engine.connect() as conn:
        requests = {r.agent: r for r in conn.execute(select(DialRequest))}
    placed, refused = requests["Thandi Mokoena"], requests["Lerato Nkosi"]
    assert placed.state == "placed" and placed.attempt_id is not None
    assert refused.state == "refused" and "do-not-call" in (refused.reason or "")
    assert [(a.account_id, a.state, a.mode) for a in attempts(engine)] == [
        (ids["7001"], "answered", "preview")
    ]


def test_an_originate_asterisk_cannot_place_is_recorded_as_failed(engine: Engine) -> None:
    make_campaign(engine, [Account("8001", ["+27821110001"])])

    def busy_elsewhere(sim: Simulator) -> None:
        # Both phones are busy with calls the dialer has not been told about (no events):
        # Asterisk refuses the agent leg, and the OriginateResponse says so.
        for extension in ("1001", "1003"):
            sim.ctx.members[extension].busy_with = "elsewhere"

    dial_until(
        engine, lambda d: d.stats.results.get("failed", 0) >= 1, "a failed attempt", prepare=busy_elsewhere
    )
    (attempt,) = attempts(engine)
    assert attempt.state == "failed" and "could not be reached" in (attempt.reason or "")
    with engine.connect() as conn:
        account = conn.execute(select(CampaignAccount)).one()
    assert account.last_outcome == "failed" and account.leased_by is None
    assert account.next_attempt_at is not None
    assert account.next_attempt_at >= MONDAY_10 + dt.timedelta(minutes=60), "retried after the rule's minutes"


def test_asterisk_restarting_mid_campaign_never_dials_anyone_twice(engine: Engine) -> None:
    make_campaign(engine, [Account(f"90{i:02d}", [f"+2782111{i:04d}"], (100 - i) * 100) for i in range(1, 7)])

    async def scenario() -> list[PlayedCall]:
        first = await started_simulator(speed=10.0)
        port = first.port
        settings = dialer_settings(port, attempt_timeout_seconds=2)
        dialer = Dialer(engine, settings, clock=FakeClock())
        stop = asyncio.Event()
        task = asyncio.create_task(dialer.run(stop))
        await wait_for(lambda: any(a.state == "ringing" for a in attempts(engine)), 30, "a call in progress")
        records = list(first.ctx.records)
        await first.stop()  # a crash: the calls in progress vanish without events
        second = await started_simulator(port=port, speed=10.0)
        await wait_for(lambda: dialer.stats.connections >= 2, 30, "the dialer to reconnect")
        await wait_for(
            lambda: len({a.account_id for a in attempts(engine)}) >= 6, 60, "every account dialled"
        )
        await wait_for(
            lambda: all(a.state not in ("placing", "ringing") for a in attempts(engine)), 30, "results"
        )
        stop.set()
        await task
        records += second.ctx.records
        await second.stop()
        return records

    records = asyncio.run(scenario())
    rows = attempts(engine)
    assert len(rows) == 6 and len({a.account_id for a in rows}) == 6, "an account was dialled twice"
    placed = Counter(r.caller for r in records if r.direction == "outbound")
    assert all(count == 1 for count in placed.values()) and len(placed) == 6, placed
    assert {a.state for a in rows} <= {"answered", "unknown", "failed"}


def test_a_paused_agent_gets_no_calls_and_new_campaigns_are_picked_up(engine: Engine) -> None:
    async def scenario() -> None:
        sim = await started_simulator()
        settings = dialer_settings(sim.port)
        dialer = Dialer(engine, settings, clock=FakeClock())
        stop = asyncio.Event()
        task = asyncio.create_task(dialer.run(stop))
        await wait_for(lambda: dialer.stats.connections >= 1, 10, "the dialer to connect")
        supervisor_link = AmiConnection("127.0.0.1", sim.port)
        await supervisor_link.connect(5)
        await supervisor_link.login("callcentre", "s3cret", 5)
        paused = await supervisor_link.simple(
            "QueuePause", 5, Interface="PJSIP/1003", Paused="true", Reason="training"
        )
        assert paused.ok
        await supervisor_link.close()
        make_campaign(engine, [Account(f"95{i:02d}", [f"+2782222{i:04d}"]) for i in range(4)])
        await wait_for(lambda: sum(dialer.stats.results.values()) >= 4, 60, "four settled attempts")
        stop.set()
        await task
        await sim.stop()

    asyncio.run(scenario())
    assert {a.agent for a in attempts(engine)} == {"Thandi Mokoena"}


def test_a_dial_press_the_dialer_did_not_see_in_time_expires_instead_of_ringing_the_agent(
    engine: Engine,
) -> None:
    campaign = make_campaign(engine, [Account("7101", ["+27821110001"])], mode="preview")
    asked = MONDAY_10 - dt.timedelta(minutes=10)  # pressed while the dialer was down
    with engine.connect() as conn:
        account_id = conn.execute(select(CampaignAccount.id)).scalar_one()
    request_dial(engine, campaign, account_id, "Thandi Mokoena", asked)
    dial_until(engine, lambda d: d.stats.connections >= 1, "the dialer to connect", linger=1.0)
    with engine.connect() as conn:
        request = conn.execute(select(DialRequest)).one()
    assert request.state == "expired" and "press Dial again" in (request.reason or "")
    assert attempts(engine) == []
