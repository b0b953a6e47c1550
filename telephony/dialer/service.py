"""The dialer process: keeps an AMI session, dials campaign accounts, follows every attempt.

Each tick it (1) applies AMI events — agents' state and attempts' results, (2) places the dials
agents asked for in preview campaigns, (3) in progressive campaigns dials one account per free
agent of the campaign's queue, and (4) settles attempts whose events never came, from the call
logger's records or, past ``attempt_timeout_seconds``, as ``unknown``.

No double dial across a reconnect: an attempt is written (and its account leased) *before* the
Originate is sent and stays in flight until a result settles it — from AMI, or from the call
records once the logger has the call. An agent with an attempt in flight is never dialled for.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine

from callcentre.schedule import ScheduleStatus
from callcentre.settings import Settings
from telephony.campaigns import attempts, decisions
from telephony.campaigns.account_view import expire_requests
from telephony.campaigns.compliance import Decision, next_window_open
from telephony.campaigns.rules import DialRules, rules_from_settings
from telephony.client import AmiAuthError, AmiConnection, AmiConnectionLost
from telephony.dialer import ledger
from telephony.dialer.agents import AgentBoard, Member
from telephony.dialer.originate import originate_action
from telephony.dialer.tracking import AttemptTracker, Change
from telephony.protocol import AmiMessage

log = logging.getLogger(__name__)
Clock = Callable[[], dt.datetime]
TICK_SECONDS = 0.2
SWEEP_SECONDS = 5.0


def utc_now() -> dt.datetime:
    """The wall clock, timezone-aware."""
    return dt.datetime.now(dt.UTC)


@dataclass(slots=True)
class DialerStats:
    """What the dialer did (for the CLI, the demo and tests)."""

    connections: int = 0
    originates: int = 0
    refused: int = 0
    results: dict[str, int] = field(default_factory=dict)

    def count(self, state: str) -> None:
        """One more attempt settled as ``state``."""
        self.results[state] = self.results.get(state, 0) + 1


class Dialer:
    """Runs the revenue-collection campaigns against Asterisk until told to stop."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        campaigns: frozenset[str] = frozenset(),
        clock: Clock = utc_now,
    ) -> None:
        self.engine, self.settings, self.clock = engine, settings, clock
        self.names = campaigns
        self.tracker = AttemptTracker()
        self.board = AgentBoard(set())
        self.stats = DialerStats()
        self.busy: dict[str, int] = {}  # agent -> attempt in flight
        self.wrapup: dict[str, tuple[float, int]] = {}  # agent -> (until, answered attempt)
        self.closed_logged: dict[int, dt.datetime | None] = {}
        self.campaigns: list[ledger.CampaignInfo] = []
        self._last_sweep = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set; reconnect with back-off. A refused login raises."""
        ami = self.settings.ami
        delay = ami.reconnect_initial_delay
        while not stop.is_set():
            connection = AmiConnection(ami.host, ami.port)
            try:
                await connection.connect(ami.connect_timeout)
                await connection.login(ami.username, ami.secret.reveal(), ami.connect_timeout)
                self.stats.connections += 1
                log.info("dialer connected to Asterisk AMI at %s", connection.where)
                delay = ami.reconnect_initial_delay
                await self._session(connection, stop)
            except AmiAuthError:
                raise
            except AmiConnectionLost as exc:
                log.warning("%s; reconnecting in %.1f s", exc, delay)
            finally:
                await connection.close()
            if not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay * random.uniform(0.8, 1.2))
                delay = min(delay * 2, ami.reconnect_max_delay)

    async def _session(self, connection: AmiConnection, stop: asyncio.Event) -> None:
        await self._snapshot(connection)
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            batch = await connection.take(500, TICK_SECONDS)
            if batch is None:
                raise AmiConnectionLost(f"Asterisk at {connection.where} closed the connection")
            self.apply(batch)
            if loop.time() - self._last_sweep >= SWEEP_SECONDS:
                self._last_sweep = loop.time()
                await self._refresh(connection)
                self.sweep()
            await self._dial(connection, loop.time())

    async def _snapshot(self, connection: AmiConnection) -> None:
        """Campaigns, agents' state (``QueueStatus``) and attempts in flight, after every connect."""
        with self.engine.begin() as conn:
            self.busy = ledger.agents_in_flight(conn)
        self.board.queues = set()
        self.board.reset()
        await self._refresh(connection)
        self.sweep()
        log.info(
            "dialer working %s; agents: %s",
            ", ".join(f"{c.name} ({c.mode}, queue {c.queue})" for c in self.campaigns)
            or "no active campaign",
            ", ".join(f"{m.name} {m.state}" for q in sorted(self.board.queues) for m in self.board.of(q))
            or "none",
        )

    async def _refresh(self, connection: AmiConnection) -> None:
        """Campaigns started, stopped or changed since; the state of the members of new queues."""
        with self.engine.begin() as conn:
            self.campaigns = ledger.active_campaigns(conn, self.settings.dialer, self.names)
        new = {c.queue for c in self.campaigns} - self.board.queues
        self.board.queues |= new
        timeout = max(self.settings.ami.connect_timeout, 10.0)
        for queue in sorted(new):
            listing = await connection.simple("QueueStatus", timeout, Queue=queue)
            # Events that came before the listing are older than it: apply them first.
            self.apply(connection.take_received(listing.events_before - connection.events_taken))
            for item in listing.events:
                self.board.handle(item)

    # ---- events -------------------------------------------------------------------------------
    def apply(self, batch: list[AmiMessage]) -> None:
        """Apply AMI events: agents' state and the attempts' results."""
        changes: list[Change] = []
        for message in batch:
            self.board.handle(message)
            change = self.tracker.handle(message)
            if change is not None:
                changes.append(change)
        if changes:
            with self.engine.begin() as conn:
                for change in changes:
                    self._record(conn, change)

    def _record(self, conn: Connection, change: Change) -> None:
        now = self.clock()
        if change.state == "ringing":
            attempts.mark_ringing(conn, change.attempt_id, change.uniqueid, change.linkedid)
            return
        if change.state == "ended":
            ledger.mark_ended(conn, change.attempt_id, now, change.linkedid)
            return
        self._settle(conn, change.attempt_id, change.state, now, change.reason, change.linkedid)
        if change.state != "answered" and change.uniqueid is None:
            self.tracker.forget(change.attempt_id)

    def _settle(
        self,
        conn: Connection,
        attempt_id: int,
        state: str,
        now: dt.datetime,
        reason: str | None,
        linkedid: str | None,
    ) -> None:
        rules = self._rules_of_attempt(conn, attempt_id)
        settled = attempts.settle(conn, attempt_id, state, now, rules, reason, linkedid)
        agent = next((a for a, i in self.busy.items() if i == attempt_id), None)
        if agent is not None:
            del self.busy[agent]
            if state == "answered":
                wrapup = asyncio.get_running_loop().time() + self.settings.dialer.wrapup_seconds
                self.wrapup[agent] = (wrapup, attempt_id)
        if settled is not None:
            self.stats.count(state)
            log.info("attempt %d: %s%s", attempt_id, state, f" ({reason})" if reason else "")

    def _rules_of_attempt(self, conn: Connection, attempt_id: int) -> DialRules:
        campaign_id = ledger.campaign_of(conn, attempt_id)
        found = next((c for c in self.campaigns if c.id == campaign_id), None)
        return found.rules if found is not None else rules_from_settings(self.settings.dialer)

    # ---- attempts whose events were missed ---------------------------------------------------
    def sweep(self) -> None:
        """Settle in-flight attempts from the call records, or as ``unknown`` once timed out."""
        now = self.clock()
        limit = dt.timedelta(seconds=self.settings.dialer.attempt_timeout_seconds)
        names = {c.id: c.name for c in self.campaigns}
        with self.engine.begin() as conn:
            for row in attempts.in_flight(conn):
                campaign = names.get(row.campaign_id)
                found = ledger.recorded_result(conn, row, campaign) if campaign else None
                if found is not None:
                    self._settle(conn, row.id, found[0], now, "settled from the call record", found[1])
                    self.tracker.forget(row.id)
                elif now - row.placed_at > limit:
                    self._settle(conn, row.id, "unknown", now, "no result from Asterisk in time", None)
                    self.tracker.forget(row.id)

    # ---- dialling -----------------------------------------------------------------------------
    async def _dial(self, connection: AmiConnection, clock: float) -> None:
        for campaign in self.campaigns:
            if not self._window_open(campaign):
                continue
            if campaign.mode == "preview":
                await self._preview(connection, campaign)
            else:
                for member in self.board.free(campaign.queue):
                    if self._ready(member, clock):
                        await self._progressive(connection, campaign, member)

    def _ready(self, member: Member, clock: float) -> bool:
        if member.name in self.busy:
            return False
        wrapup = self.wrapup.get(member.name)
        if wrapup is None:
            return True
        until, attempt_id = wrapup
        with self.engine.connect() as conn:
            done = ledger.has_outcome(conn, attempt_id)
        if done or clock >= until:
            del self.wrapup[member.name]
            return True
        return False

    def _window_open(self, campaign: ledger.CampaignInfo) -> bool:
        """The campaign-wide window (accounts are still checked one by one in their own zone).

        Closed: nothing is tried (so a closed evening is one logged decision, not one per account).
        """
        now = self.clock()
        window = campaign.rules.window
        if window.status(now) is ScheduleStatus.OPEN:
            self.closed_logged.pop(campaign.id, None)
            return True
        if campaign.id not in self.closed_logged:
            reopens = next_window_open(window, now)
            self.closed_logged[campaign.id] = reopens
            reason = (
                f"calling window closed ({window.status(now).value}); opens {reopens:%a %d %b %H:%M %Z}"
                if reopens
                else "calling window closed"
            )
            with self.engine.begin() as conn:
                decisions.log(conn, campaign.id, None, None, now, Decision(False, "window", reason))
            log.info("campaign %s: %s", campaign.name, reason)
        return False

    async def _progressive(
        self, connection: AmiConnection, campaign: ledger.CampaignInfo, member: Member
    ) -> None:
        who = decisions.Dialler(member.name, member.interface, "progressive")
        with self.engine.begin() as conn:
            order, _ = decisions.decide(conn, campaign.id, campaign.rules, who, self.clock(), self._hold())
        if order is not None:
            await self._originate(connection, campaign, order)

    async def _preview(self, connection: AmiConnection, campaign: ledger.CampaignInfo) -> None:
        with self.engine.begin() as conn:
            expire_requests(conn, self.clock())  # never ring an agent minutes after they asked
            requests = ledger.pending_requests(conn, [campaign.id])
        for request in requests:
            member = self.board.find(campaign.queue, request.agent)
            now = self.clock()
            with self.engine.begin() as conn:
                if member is None or not member.free or request.agent in self.busy:
                    state = member.state if member else f"not a member of queue {campaign.queue}"
                    ledger.mark_request(
                        conn, request.id, "refused", now, f"your phone is not ready ({state})"
                    )
                    continue
                who = decisions.Dialler(member.name, member.interface, "preview")
                order, why = decisions.decide(
                    conn, campaign.id, campaign.rules, who, now, self._hold(), account_id=request.account_id
                )
                if order is None:
                    self.stats.refused += 1
                    reason = why.reason if why else "the account is held by someone else"
                    ledger.mark_request(conn, request.id, "refused", now, reason)
                    continue
                ledger.mark_request(conn, request.id, "placed", now, attempt_id=order.attempt_id)
            await self._originate(connection, campaign, order)

    def _hold(self) -> float:
        return float(self.settings.dialer.attempt_timeout_seconds)

    async def _originate(
        self, connection: AmiConnection, campaign: ledger.CampaignInfo, order: decisions.DialOrder
    ) -> None:
        """Send the Originate the decision recorded; a refusal settles the attempt as failed."""
        self.tracker.expect(order.attempt_id, order.action_id)
        self.busy[order.agent] = order.attempt_id
        action = originate_action(order, campaign.name, self.settings.dialer, self.settings.phone_region)
        self.stats.originates += 1
        log.info("dialling %s for account %s (agent %s)", order.number, order.account_number, order.agent)
        result = await connection.send(action, max(self.settings.ami.connect_timeout, 10.0))
        if not result.ok:
            message = result.response.get("Message") or result.response.name
            with self.engine.begin() as conn:
                self._settle(
                    conn, order.attempt_id, "failed", self.clock(), f"Originate refused: {message}", None
                )
            self.tracker.forget(order.attempt_id)
