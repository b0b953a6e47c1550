"""Dial-decision speed on a 100,000-account campaign, SQLite and PostgreSQL.

A campaign of N accounts in arrears (1-3 numbers each; some numbers on the do-not-call list or
wrong, some accounts in dispute or paid, a few in London) is loaded into a fresh database. Each
*decision* is what the dialer does for a free agent: :func:`decide` (the next eligible account
through the ``ix_campaign_accounts_next`` index, its lease, the compliance check of its numbers,
the logged decisions, the attempt and the counters) in one transaction, then :func:`settle` with a
random result in another, the clock inside the calling window. Two phases: the top of a fresh
campaign, then late in the campaign, when the top-priority accounts wait for their retries and the
candidates query must read past them.

Baseline, measured in the same run: a plain indexed select (``SELECT id ... WHERE campaign_id = ?
AND status = 'active' ORDER BY priority_key, id LIMIT 1``, same index) per second. The bench
prints the query plans (SQLite ``EXPLAIN QUERY PLAN``, PostgreSQL ``EXPLAIN``) and fails when the
candidates query scans the table or sorts instead of reading the index in order.

    python -m bench.bench_dialer                              # 100,000 accounts, 5,000 decisions
    python -m bench.bench_dialer --accounts 20000 --decisions 1000 --no-postgres

Target (issue #7): >= 1,000 decisions/s. Writes bench/results/dialer.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import Connection, Engine, event, func, insert, select, text, update
from sqlalchemy.engine import make_url

from callcentre.db import make_engine
from callcentre.schema import upgrade
from callcentre.settings_dialer import DialerSettings
from telephony.campaigns.attempts import settle
from telephony.campaigns.decisions import ACCOUNTS, DECISIONS, PHONES, Dialler, decide
from telephony.campaigns.models import Campaign, DoNotCall
from telephony.campaigns.rules import DialRules, rules_from_settings

RESULTS = Path(__file__).parent / "results"
POSTGRES_URL = os.environ.get(
    "CALLCENTRE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/"
)
TARGET_PER_S = 1_000
INDEX = "ix_campaign_accounts_next"
SAST = ZoneInfo("Africa/Johannesburg")
START = dt.datetime(2025, 3, 4, 10, 0, tzinfo=SAST)  # a Tuesday morning: the window is open
TICK = dt.timedelta(milliseconds=200)  # the clock's step per decision (5,000 decisions: 17 minutes)
HOLD = 300.0
AGENTS = [Dialler(f"Agent {n}", f"PJSIP/{1000 + n}") for n in range(20)]
RESULT_WEIGHTS = {"answered": 30, "no_answer": 35, "busy": 15, "congestion": 5, "failed": 10, "unknown": 5}
CAMPAIGNS: Any = Campaign.__table__
DNC: Any = DoNotCall.__table__
console = Console(width=None if sys.stdout.isatty() else 120)


def account_rows(cid: int, count: int, rng: random.Random) -> list[dict[str, Any]]:
    """The arrears export: ``count`` accounts, priority = the largest arrears first."""
    rows = []
    for n in range(count):
        arrears = rng.randint(50_000, 5_000_000)
        roll = rng.random()
        status = "dispute" if roll < 0.02 else "paid" if roll < 0.03 else "active"
        zone = "Europe/London" if rng.random() < 0.02 else "Africa/Johannesburg"
        rows.append(
            {
                "campaign_id": cid,
                "account_number": f"{n:08d}",
                "holder": f"Holder {n}",
                "arrears_cents": arrears,
                "days_in_arrears": rng.randint(30, 900),
                "timezone": zone,
                "status": status,
                "priority_key": -arrears,
                "imported_at": START - dt.timedelta(days=1),
                "updated_at": START - dt.timedelta(days=1),
            }
        )
    return rows


def phone_rows(account_ids: list[int], rng: random.Random) -> tuple[list[dict[str, Any]], list[str]]:
    """1-3 numbers per account (2 % wrong), and the 3 % of them on the do-not-call list."""
    phones, blocked = [], []
    for account_id in account_ids:
        for position in range(rng.choice((1, 1, 2, 2, 3))):
            number = f"+278{account_id:08d}{position}"
            status = "wrong_number" if rng.random() < 0.02 else "active"
            phones.append(
                {"account_id": account_id, "number": number, "position": position, "status": status}
            )
            if rng.random() < 0.03:
                blocked.append(number)
    return phones, blocked


def chunks(rows: list[dict[str, Any]], size: int = 5_000) -> Iterator[list[dict[str, Any]]]:
    """``rows`` in slices of ``size``."""
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def populate(engine: Engine, count: int, seed: int) -> dict[str, Any]:
    """Migrate and load the campaign, then ANALYZE; what was loaded and how long it took."""
    rng = random.Random(seed)
    started = time.perf_counter()
    upgrade(engine)
    with engine.begin() as conn:
        values = {"name": "bench", "queue": "revenue", "mode": "progressive", "priority": "arrears_desc"}
        made = insert(CAMPAIGNS).values(active=True, rules={}, created_at=START, **values)
        campaign_id = int(conn.execute(made.returning(CAMPAIGNS.c.id)).scalar_one())
    accounts = account_rows(campaign_id, count, rng)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"loading {count:,} accounts", total=count)
        with engine.begin() as conn:
            for part in chunks(accounts):
                conn.execute(insert(ACCOUNTS), part)
                progress.advance(task, len(part))
            ids = list(conn.scalars(select(ACCOUNTS.c.id).order_by(ACCOUNTS.c.id)))
            phones, blocked = phone_rows(ids, rng)
            for part in chunks(phones):
                conn.execute(insert(PHONES), part)
            conn.execute(insert(DNC), [{"number": n, "source": "import", "added_at": START} for n in blocked])
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    return {
        "campaign_id": campaign_id,
        "accounts": count,
        "phones": len(phones),
        "on_dnc": len(blocked),
        "load_seconds": round(time.perf_counter() - started, 2),
    }


def baseline_query(campaign_id: int) -> Any:
    """The plain indexed select: the best active account, through the same index."""
    where = (ACCOUNTS.c.campaign_id == campaign_id, ACCOUNTS.c.status == "active")
    return select(ACCOUNTS.c.id).where(*where).order_by(ACCOUNTS.c.priority_key, ACCOUNTS.c.id).limit(1)


def captured_sql(conn: Connection, run: Any) -> tuple[str, Any]:
    """The SQL and parameters of the first statement ``run()`` sends (what the code really runs)."""
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(conn, "before_cursor_execute", keep)
    try:
        run()
    finally:
        event.remove(conn, "before_cursor_execute", keep)
    return seen[0]


def plan(conn: Connection, statement: str, parameters: Any) -> list[str]:
    """The database's plan for ``statement``, one line per step."""
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return [str(row[-1]) for row in rows]
    return [str(row[0]) for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)]


def index_only_in_order(lines: list[str]) -> bool:
    """True when the plan reads ``ix_campaign_accounts_next`` and neither scans the table nor sorts."""
    text_ = "\n".join(lines)
    table_scan = any(
        line.strip().startswith("SCAN campaign_accounts") and INDEX not in line for line in lines
    )
    sorts = "TEMP B-TREE" in text_ or "Sort" in text_
    return INDEX in text_ and not table_scan and "Seq Scan" not in text_ and not sorts


def explain(engine: Engine, campaign_id: int, rules: DialRules) -> dict[str, list[str]]:
    """The plans of the candidates scan (the first statement a decision sends, on an empty hopper)
    and of the baseline; exits when the candidates scan reads the table or sorts."""
    with engine.connect() as conn:
        with conn.begin() as transaction:
            scan = captured_sql(conn, lambda: decide(conn, campaign_id, rules, AGENTS[0], START, HOLD))
            transaction.rollback()
        base = captured_sql(conn, lambda: conn.execute(baseline_query(campaign_id)).all())
        plans = {"candidates": plan(conn, *scan), "baseline": plan(conn, *base)}
    for name, lines in plans.items():
        console.print(f"[bold]{engine.dialect.name} plan, {name} query:[/bold]")
        for line in lines:
            console.print(f"    {line}")
    if "campaign_accounts" not in scan[0] or not index_only_in_order(plans["candidates"]):
        raise SystemExit(f"{engine.dialect.name}: the candidates query does not read {INDEX} in order")
    return plans


def run_baseline(engine: Engine, campaign_id: int, count: int) -> dict[str, float]:
    """``count`` plain indexed selects on one connection."""
    query = baseline_query(campaign_id)
    with engine.connect() as conn:
        conn.execute(query).first()
        started = time.perf_counter()
        for _ in range(count):
            conn.execute(query).first()
        seconds = time.perf_counter() - started
    return {"selects": count, "seconds": round(seconds, 3), "per_s": round(count / seconds)}


def make_waiting(engine: Engine, campaign_id: int, count: int, until: dt.datetime) -> int:
    """The ``count`` best active accounts wait for a retry until ``until`` (late in the campaign)."""
    best = (
        select(ACCOUNTS.c.id)
        .where(ACCOUNTS.c.campaign_id == campaign_id, ACCOUNTS.c.status == "active")
        .order_by(ACCOUNTS.c.priority_key, ACCOUNTS.c.id)
        .limit(count)
        .scalar_subquery()
    )
    with engine.begin() as conn:
        done = conn.execute(update(ACCOUNTS).where(ACCOUNTS.c.id.in_(best)).values(next_attempt_at=until))
    return int(done.rowcount)


def run_decisions(
    engine: Engine, campaign_id: int, rules: DialRules, count: int, clock: dt.datetime, label: str, seed: int
) -> tuple[dict[str, Any], dt.datetime]:
    """``count`` decisions (decide + settle, a transaction each); the figures and the clock after."""
    rng = random.Random(seed)
    results, weights = list(RESULT_WEIGHTS), list(RESULT_WEIGHTS.values())
    dialled = 0
    with engine.connect() as conn:
        logged_before = conn.scalar(select(func.count()).select_from(DECISIONS)) or 0
    with Progress(console=console) as progress:
        task = progress.add_task(f"{engine.dialect.name}: {label}", total=count)
        started = time.perf_counter()
        for n in range(count):
            clock += TICK
            with engine.begin() as conn:
                order, _ = decide(conn, campaign_id, rules, AGENTS[n % len(AGENTS)], clock, HOLD)
            if order is not None:
                dialled += 1
                with engine.begin() as conn:
                    settle(conn, order.attempt_id, rng.choices(results, weights)[0], clock, rules)
            if n % 50 == 0:
                progress.update(task, completed=n)
        seconds = time.perf_counter() - started
        progress.update(task, completed=count)
    with engine.connect() as conn:
        logged = (conn.scalar(select(func.count()).select_from(DECISIONS)) or 0) - logged_before
    figures = {
        "decisions": count,
        "dialled": dialled,
        "logged_decisions": logged,
        "seconds": round(seconds, 3),
        "per_s": round(count / seconds),
    }
    return figures, clock


def measure(engine: Engine, args: argparse.Namespace) -> dict[str, Any]:
    """Load, explain, then the baseline and both phases on one database."""
    loaded = populate(engine, args.accounts, args.seed)
    campaign_id = loaded.pop("campaign_id")
    rules = rules_from_settings(DialerSettings())
    plans = explain(engine, campaign_id, rules)
    base = run_baseline(engine, campaign_id, args.decisions)
    half = args.decisions // 2
    early, clock = run_decisions(engine, campaign_id, rules, half, START, "top of campaign", args.seed)
    waiting = make_waiting(engine, campaign_id, args.waiting, clock + dt.timedelta(hours=3))
    late, _ = run_decisions(
        engine,
        campaign_id,
        rules,
        args.decisions - half,
        clock,
        f"late: {waiting:,} best waiting",
        args.seed + 1,
    )
    late["waiting_accounts"] = waiting
    total_seconds = early["seconds"] + late["seconds"]
    per_s = args.decisions / total_seconds
    return {
        **loaded,
        "plans": plans,
        "baseline_indexed_select": base,
        "phases": {"top of campaign": early, "late: best accounts waiting": late},
        "decisions_per_s": round(per_s),
        "ratio_to_baseline": round(per_s / base["per_s"], 4),
        "target_met": per_s >= TARGET_PER_S,
    }


@contextmanager
def postgres_database(server: str) -> Iterator[Engine]:
    """A database of its own on the server (``bench_dialer_<random>``), dropped afterwards."""
    name = f"bench_dialer_{uuid.uuid4().hex[:8]}"
    admin = make_engine(server).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(server).set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def postgres_unreachable(server: str) -> str | None:
    """Why the server cannot be used, or ``None``."""
    try:
        with make_engine(server).connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as error:  # any failure to connect means: skip, and say why
        return f"{type(error).__name__}: {error}".splitlines()[0]
    return None


def report(results: dict[str, Any]) -> None:
    """Print the table and write bench/results/dialer.json."""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dialer.json").write_text(json.dumps(results, indent=2) + "\n")
    table = Table(title=f"Dial decisions: {results['accounts']:,}-account campaign")
    for column in ("database", "path", "seconds", "per second", "ratio to baseline", "target"):
        table.add_column(column, justify="left" if column in ("database", "path") else "right")
    for name, found in results["databases"].items():
        if "skipped" in found:
            table.add_row(name, f"skipped: {found['skipped']}", "", "", "", "")
            continue
        base = found["baseline_indexed_select"]
        table.add_row(
            name, "baseline: indexed select", f"{base['seconds']:.3f}", f"{base['per_s']:,}", "1", ""
        )
        for phase, figures in found["phases"].items():
            ratio = figures["per_s"] / base["per_s"]
            table.add_row(
                name,
                f"decisions: {phase}",
                f"{figures['seconds']:.3f}",
                f"{figures['per_s']:,}",
                f"{ratio:.4f}",
                "",
            )
        met = "met" if found["target_met"] else "MISSED"
        table.add_row(
            name,
            "decisions: both phases",
            "",
            f"{found['decisions_per_s']:,}",
            f"{found['ratio_to_baseline']:.4f}",
            f">= {TARGET_PER_S:,}/s: {met}",
        )
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--decisions", type=int, default=5_000, help="Decisions in all (half per phase).")
    parser.add_argument("--waiting", type=int, default=20_000, help="Best accounts waiting, late phase.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", default=POSTGRES_URL, help="PostgreSQL server (a database is made).")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "accounts": args.accounts,
        "decisions": args.decisions,
        "seed": args.seed,
        "target_decisions_per_s": TARGET_PER_S,
        "databases": {},
    }
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/dialer.db")
        results["databases"]["sqlite"] = measure(engine, args)
        engine.dispose()
    why_not = "--no-postgres" if args.no_postgres else postgres_unreachable(args.postgres)
    if why_not is None:
        with postgres_database(args.postgres) as engine:
            results["databases"]["postgresql"] = measure(engine, args)
    else:
        console.print(f"[yellow]PostgreSQL skipped: {why_not}[/yellow]")
        results["databases"]["postgresql"] = {"skipped": why_not}
    report(results)


if __name__ == "__main__":
    main()
