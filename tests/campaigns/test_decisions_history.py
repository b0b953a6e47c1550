"""Random campaigns dialled through random days: every dial placed obeys every rule.

Hypothesis builds a small campaign (accounts in several time zones with one to three numbers, some
on the do-not-call list, some wrong, some accounts in dispute or paid) and a run of steps: the clock
moves on by minutes to days (across nights, weekends and public holidays), earlier dials get a
result, a number may be blocked or an account paused, and up to three dialers ask for their next
dial. The oracle reads only the dials the test recorded, the changes it made and the rules, never
the counters :mod:`telephony.campaigns.decisions` keeps.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, Table, insert, select, update

from callcentre.db import make_engine
from callcentre.schema import upgrade
from callcentre.settings_dialer import DialerSettings
from telephony.campaigns.attempts import settle
from telephony.campaigns.decisions import ACCOUNTS, ATTEMPTS, DECISIONS, PHONES, Dialler, DialOrder, decide
from telephony.campaigns.models import DoNotCall
from telephony.campaigns.rules import DialRules, rules_from_settings
from tests.campaigns.test_decisions import add_account, add_campaign

ZONES = ("Africa/Johannesburg", "Europe/London", "Pacific/Auckland")
RESULTS = ("answered", "busy", "no_answer", "congestion", "failed", "unknown")
ZA = holidays.country_holidays("ZA", years=range(2024, 2029))
HOLD = 300.0
DNC: Table = DoNotCall.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class AccountPlan:
    """An account: its status, zone and numbers as (wrong, on the do-not-call list)."""

    status: str
    zone: str
    numbers: tuple[tuple[bool, bool], ...]


@dataclass(frozen=True)
class Step:
    """The clock moves on; results come in (or not); something changes; dialers ask."""

    advance: dt.timedelta
    settle: bool
    results: tuple[str, ...]
    change: tuple[str, int]  # what (nothing when empty) and to which number or account
    dialers: int
    preview: int | None


@dataclass
class History:
    """The dials placed, and since when a number or an account is off-limits (the test's own record)."""

    dials: list[tuple[int, int, str, dt.datetime]] = field(default_factory=list)  # account, phone, number, at
    blocked_since: dict[str, dt.datetime] = field(default_factory=dict)  # number -> on the DNC list from
    wrong_since: dict[int, dt.datetime] = field(default_factory=dict)  # phone id -> wrong from
    paused_since: dict[int, dt.datetime] = field(default_factory=dict)  # account id -> not active from
    zones: dict[int, str] = field(default_factory=dict)  # account id -> time zone


rarely = st.sampled_from([False] * 5 + [True])
accounts = st.builds(
    AccountPlan,
    status=st.sampled_from(["active"] * 6 + ["dispute", "paid"]),
    zone=st.sampled_from(ZONES),
    numbers=st.lists(st.tuples(rarely, rarely), min_size=1, max_size=3).map(tuple),
)
steps = st.builds(
    Step,
    advance=st.tuples(st.sampled_from([30, 5, 10, 20, 45, 60, 90, 120, 180, 1]), st.integers(0, 59)).map(
        lambda a: dt.timedelta(minutes=a[0], seconds=a[1])
    ),
    settle=st.sampled_from([True, False]),
    results=st.lists(st.sampled_from(RESULTS), min_size=3, max_size=3).map(tuple),
    change=st.tuples(
        st.sampled_from([""] * 30 + ["dnc", "dnc", "wrong", "dispute", "paid"]), st.integers(0, 14)
    ),
    dialers=st.sampled_from([1, 2, 3, 0, 1]),
    preview=st.none() | st.integers(0, 4),
)
limits = st.builds(
    lambda day, number, total, gap: rules_from_settings(
        DialerSettings(
            max_per_day=day, max_per_number_per_day=number, max_per_campaign=total, min_gap_minutes=gap
        )
    ),
    st.integers(1, 3),
    st.integers(1, 2),
    st.sampled_from([1, 2, 3, 8]),
    st.sampled_from([0, 30, 60, 240]),
)
DAYS = [dt.date(2025, 1, 1) + dt.timedelta(days=n) for n in range(2 * 365)]
HOLIDAY_EVES = [day - dt.timedelta(days=1) for day in DAYS if day in ZA]
#: A run is a few bursts of steps minutes apart, each starting zero to three days after the last
#: one, in the (UTC) morning or afternoon: the clock crosses evenings, nights, weekends, holidays.
bursts = st.lists(
    st.tuples(st.integers(0, 3), st.integers(5 * 60, 17 * 60), st.lists(steps, min_size=3, max_size=15)),
    min_size=1,
    max_size=4,
)
starts = st.tuples(  # a morning (UTC), often the day before a public holiday
    st.one_of(st.sampled_from(DAYS), st.sampled_from(HOLIDAY_EVES)), st.integers(5 * 60, 17 * 60)
).map(lambda d: dt.datetime.combine(d[0], dt.time(), dt.UTC) + dt.timedelta(minutes=d[1]))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each example (migrating each time would be slow)."""
    path = tmp_path_factory.mktemp("template") / "dialer.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@contextmanager
def fresh_database(template: Path) -> Iterator[Engine]:
    """A copy of the migrated template in a folder of its own, removed afterwards."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dialer.db"
        shutil.copy(template, path)
        engine = make_engine(f"sqlite:///{path}")
        try:
            yield engine
        finally:
            engine.dispose()


class Run:
    """A campaign on a fresh database, driven step by step, with everything done recorded."""

    def __init__(self, engine: Engine, rules: DialRules, now: dt.datetime) -> None:
        self.engine, self.rules, self.now = engine, rules, now
        self.history = History()
        self.pending: list[DialOrder] = []
        self.accounts: list[int] = []
        self.phones: list[tuple[int, str]] = []
        self.campaign = 0

    def seed(self, plans: list[AccountPlan]) -> None:
        """The campaign as planned, in priority order; blocked numbers go on the list now."""
        with self.engine.begin() as conn:
            self.campaign = add_campaign(conn)
            for index, plan in enumerate(plans):
                marked = tuple(
                    ("!" if wrong else "") + f"+2782{index}{n:06d}"
                    for n, (wrong, _) in enumerate(plan.numbers)
                )
                account = add_account(
                    conn, self.campaign, index, marked, status=plan.status, timezone=plan.zone
                )
                self.accounts.append(account)
                self.history.zones[account] = plan.zone
                if plan.status != "active":
                    self.history.paused_since[account] = self.now
            self.phones = [(r.id, r.number) for r in conn.execute(select(PHONES).order_by(PHONES.c.id))]
        flags = [flag for plan in plans for flag in plan.numbers]
        for index, ((phone, _), (wrong, blocked)) in enumerate(zip(self.phones, flags, strict=True)):
            if wrong:
                self.history.wrong_since[phone] = self.now
            if blocked:
                self.change(("dnc", index))

    def change(self, change: tuple[str, int]) -> None:
        """Block a number, mark it wrong, or pause an account, from now on."""
        kind, index = change
        phone, number = self.phones[index % len(self.phones)]
        account = self.accounts[index % len(self.accounts)]
        with self.engine.begin() as conn:
            if kind == "dnc" and number not in self.history.blocked_since:
                conn.execute(insert(DNC).values(number=number, source="manual", added_at=self.now))
                self.history.blocked_since[number] = self.now
            elif kind == "wrong":
                conn.execute(update(PHONES).where(PHONES.c.id == phone).values(status="wrong_number"))
                self.history.wrong_since.setdefault(phone, self.now)
            elif kind in ("dispute", "paid"):
                conn.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == account).values(status=kind))
                self.history.paused_since.setdefault(account, self.now)

    def step(self, step: Step) -> None:
        """Time passes, results arrive, something changes, the dialers ask."""
        self.now += step.advance
        if step.settle:
            for placed, result in zip(self.pending, itertools.cycle(step.results)):
                with self.engine.begin() as conn:
                    assert settle(conn, placed.attempt_id, result, self.now, self.rules) is not None
            self.pending = []
        if step.change[0]:
            self.change(step.change)
        for n in range(step.dialers):
            chosen = None if step.preview is None or n else self.accounts[step.preview % len(self.accounts)]
            who = Dialler(f"agent{n}", f"PJSIP/10{n}")
            with self.engine.begin() as conn:
                order, why = decide(conn, self.campaign, self.rules, who, self.now, HOLD, chosen)
            assert why is None or why.allowed == (order is not None)
            if order is not None:
                self.pending.append(order)
                self.history.dials.append((order.account_id, order.phone_id, order.number, self.now))


def cpa_open(local: dt.datetime) -> bool:
    """Mon-Fri 08:00-20:00, Sat 09:00-13:00, never on Sundays or South African public holidays."""
    if local.date() in ZA or local.weekday() == 6:
        return False
    opens, closes = (dt.time(9), dt.time(13)) if local.weekday() == 5 else (dt.time(8), dt.time(20))
    return opens <= local.time() < closes


def violations(history: History, rules: DialRules) -> list[str]:
    """Every broken rule in the recorded dials, in words (empty when all is well)."""
    found: list[str] = []
    per_day: Counter[tuple[int, dt.date]] = Counter()
    per_number: Counter[tuple[int, dt.date]] = Counter()
    per_account: Counter[int] = Counter()
    times: defaultdict[int, list[dt.datetime]] = defaultdict(list)
    for account, phone, number, at in history.dials:
        local = at.astimezone(ZoneInfo(history.zones[account]))
        if not cpa_open(local):
            found.append(f"account {account} dialled at {local:%a %Y-%m-%d %H:%M} local time")
        for what, since in (
            (f"number {number} on the DNC list", history.blocked_since.get(number)),
            (f"wrong number {number}", history.wrong_since.get(phone)),
            (f"paused account {account}", history.paused_since.get(account)),
        ):
            if since is not None and at >= since:
                found.append(f"{what} dialled at {at}")
        per_day[account, local.date()] += 1
        per_number[phone, local.date()] += 1
        per_account[account] += 1
        times[account].append(at)
    found += [f"account {a}: {n} dials on {d}" for (a, d), n in per_day.items() if n > rules.max_per_day]
    found += [
        f"phone {p}: {n} dials on {d}" for (p, d), n in per_number.items() if n > rules.max_per_number_per_day
    ]
    found += [f"account {a}: {n} dials" for a, n in per_account.items() if n > rules.max_per_campaign]
    gap = dt.timedelta(minutes=rules.min_gap_minutes)
    for account, moments in times.items():
        for before, after in itertools.pairwise(sorted(moments)):
            if after - before < gap:
                found.append(f"account {account}: dials at {before} and {after}")
    return found


def assert_the_database_agrees(engine: Engine, history: History) -> None:
    """The attempts table holds exactly the recorded dials, each with its allowed decision."""
    with engine.connect() as conn:
        attempts = [(r.account_id, r.phone_id, r.number, r.placed_at) for r in conn.execute(select(ATTEMPTS))]
        allowed = conn.execute(select(DECISIONS).where(DECISIONS.c.allowed.is_(True))).all()
    assert sorted(attempts) == sorted(history.dials)
    assert sorted(r.attempt_id for r in allowed) == list(range(1, len(attempts) + 1))
    assert {r.rule for r in allowed} <= {"ok"}


def describe(history: History) -> None:
    """Report how busy the run was (``--hypothesis-show-statistics``)."""
    per_phone = Counter(
        (p, at.astimezone(ZoneInfo(history.zones[a])).date()) for a, p, _, at in history.dials
    )
    event(f"dials: {min(len(history.dials), 10)}{'+' if len(history.dials) >= 10 else ''}")
    event(f"most dials to one number in a day: {max(per_phone.values(), default=0)}")


@settings(max_examples=100, deadline=None)
@given(
    plans=st.lists(accounts, min_size=1, max_size=5),
    rules=limits,
    start=starts,
    run_of=bursts,
)
def test_no_recorded_dial_breaks_a_rule(
    template: Path,
    plans: list[AccountPlan],
    rules: DialRules,
    start: dt.datetime,
    run_of: list[tuple[int, int, list[Step]]],
) -> None:
    with fresh_database(template) as engine:
        run = Run(engine, rules, start)
        run.seed(plans)
        for days, minute, burst in run_of:
            begins = dt.datetime.combine(run.now.date() + dt.timedelta(days=days), dt.time(), dt.UTC)
            run.now = max(run.now, begins + dt.timedelta(minutes=minute))
            for step in burst:
                run.step(step)
        describe(run.history)
        assert violations(run.history, rules) == []
        assert_the_database_agrees(engine, run.history)
