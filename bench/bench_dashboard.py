"""Dashboard query speed on a million calls: the calls page and the call page, PostgreSQL and SQLite.

N calls over a year (50 agents, 5 queues), 80 % of them scored (a current score with a call reason
and 6 criterion verdicts, 30 % of them failed) are generated in SQL (``INSERT ... SELECT`` over
``generate_series`` on PostgreSQL, a recursive CTE on SQLite), then ``ANALYZE``. Then, in the same
run and on the same connection, repeated:

* baseline: one call read by its primary key (``SELECT * FROM calls WHERE id = ?``);
* the calls page (:func:`dashboard.queries.calls.calls_page` + :func:`count_calls`, as the page runs
  them) with no filter but the whole year, a month + a queue, an agent + a score range, and a failed
  criterion;
* the call page (:func:`dashboard.queries.detail.call_detail`) for a random call.

Reports the median and p95 of each, and each as a ratio to the baseline's median. Target: the calls
page and the call page each under 1 s. Writes bench/results/dashboard.json and .png.

    python -m bench.bench_dashboard [--calls 1000000] [--sqlite-calls N] [--repeat 30] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text

from callcentre.db import make_engine
from callcentre.schema import upgrade
from dashboard.queries.calls import CallFilters, calls_page, count_calls
from dashboard.queries.detail import call_detail

RESULTS = Path(__file__).parent / "results"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET_SECONDS = 1.0
DAYS = 365
AGENTS = 50
QUEUES = ("faults", "accounts", "water", "electricity", "general")
REASONS = ("water", "electricity", "billing", "roads", "refuse", "other")
CRITERIA = ("greeting", "agent_name", "reference_given", "empathy", "further_help", "closing")
#: The epoch second the generated year ends at (the newest call).
END = int(datetime(2026, 11, 22, tzinfo=UTC).timestamp())


def _case(expression: str, values: tuple[str, ...]) -> str:
    """SQL picking ``values[expression % len(values)]``."""
    whens = " ".join(f"WHEN {n} THEN '{value}'" for n, value in enumerate(values))
    return f"CASE ({expression}) % {len(values)} {whens} END"


def _stamp(dialect: str, seconds: str) -> str:
    """SQL for a UTC timestamp ``seconds`` after the epoch, stored as the dialect stores them."""
    if dialect == "postgresql":
        return f"to_timestamp({seconds})"
    return f"strftime('%Y-%m-%d %H:%M:%S', {seconds}, 'unixepoch') || '.000000'"


def _json(dialect: str, literal: str) -> str:
    """SQL for a JSON constant."""
    return f"'{literal}'::json" if dialect == "postgresql" else f"'{literal}'"


def _series(dialect: str) -> tuple[str, str]:
    """(a WITH clause or "", the FROM item) yielding ``i`` from 1 to ``:n``."""
    if dialect == "postgresql":
        return "", "generate_series(1, :n) AS g(i)"
    return "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < :n) ", "g"


def calls_sql(dialect: str) -> str:
    """INSERT of the calls: every tenth outbound, every tenth (other) abandoned."""
    with_clause, source = _series(dialect)
    start = "(:origin + i * :step)"
    empty = _json(dialect, "{}")
    agent = f"'Agent ' || (100 + i * 7 % {AGENTS})"
    return (
        "INSERT INTO calls (id, linkedid, direction, disposition, caller_number, dialled_number, start_time,"
        " answer_time, end_time, ivr_seconds, queue, queue_wait_seconds, abandoned, agent, ring_seconds,"
        " talk_seconds, hold_seconds, hold_count, dtmf, recording_status, variables, partial, built_at) "
        f"{with_clause}SELECT i, 'bench.' || i, CASE WHEN i % 10 = 0 THEN 'outbound' ELSE 'inbound' END,"
        " CASE WHEN i % 10 = 3 THEN 'abandoned' ELSE 'answered' END,"
        " '+2782' || (1000000 + i % 9000000), '0800110100',"
        f" {_stamp(dialect, start)}, {_stamp(dialect, start + ' + 20')}, {_stamp(dialect, start + ' + 260')},"
        f" 0, {_case('i * 3', QUEUES)}, i % 120, i % 10 = 3,"
        f" CASE WHEN i % 10 = 3 THEN NULL ELSE {agent} END, 4, i % 600, 0, 0, '', 'none', {empty}, i < 0,"
        f" {_stamp(dialect, ':origin')} FROM {source}"
    )


def scores_sql() -> str:
    """INSERT of a current score for every answered inbound call."""
    return (
        "INSERT INTO qa_scores (id, linkedid, status, score, auto_failed, passed, agent, call_type,"
        " call_reason, current, scored_at) SELECT id, linkedid, 'scored', (id * 37 % 1000) / 10.0,"
        f" id % 50 = 0, (id * 37 % 1000) >= 700, agent, 'fault', {_case('id', REASONS)}, 1 = 1, built_at"
        " FROM calls WHERE direction = 'inbound' AND disposition = 'answered'"
    )


def verdicts_sql(dialect: str, number: int, criterion: str) -> str:
    """INSERT of one criterion's verdict for every score (30 % failed)."""
    return (
        "INSERT INTO qa_verdicts (id, score_id, criterion_id, section, title, principle, weight, auto_fail,"
        f" verdict, reason, evidence) SELECT id * {len(CRITERIA)} + {number}, id, '{criterion}', 'Bench',"
        f" '{criterion}', 'customer', 1.0, 1 = 0,"
        f" CASE WHEN (id * {number + 7}) % 10 < 3 THEN 'fail' ELSE 'pass' END, 'bench',"
        f" {_json(dialect, '[]')} FROM qa_scores"
    )


def populate(engine: Engine, calls: int) -> float:
    """Generate the calls, scores and verdicts, then ANALYZE; the seconds it took."""
    dialect = engine.dialect.name
    step = max(1, DAYS * 86400 // calls)
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(text(calls_sql(dialect)), {"n": calls, "origin": END - calls * step, "step": step})
        connection.execute(text(scores_sql()))
        for number, criterion in enumerate(CRITERIA):
            connection.execute(text(verdicts_sql(dialect, number, criterion)))
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    return time.perf_counter() - started


def page_filters() -> dict[str, CallFilters]:
    """The calls page's typical filters (each over the generated year unless narrower)."""
    end = datetime.fromtimestamp(END, UTC) + timedelta(days=1)
    year = end - timedelta(days=DAYS + 1)
    return {
        "calls page: no filter (whole year)": CallFilters(year, end),
        "calls page: 30 days + queue": CallFilters(end - timedelta(days=30), end, queues=("faults",)),
        "calls page: agent + score 40-70": CallFilters(
            year, end, agents=("Agent 107",), score_min=40.0, score_max=70.0
        ),
        "calls page: failed criterion": CallFilters(year, end, failed_criterion="empathy"),
    }


def timed(repeat: int, run: Callable[[int], Any]) -> list[float]:
    """Seconds of each of ``repeat`` runs of ``run(n)`` (after one warm-up run)."""
    run(-1)
    out = []
    for n in range(repeat):
        started = time.perf_counter()
        run(n)
        out.append(time.perf_counter() - started)
    return out


def measure(connection: Connection, calls: int, repeat: int) -> dict[str, list[float]]:
    """Every query's timings, on one connection."""
    rng = random.Random(5)
    ids = [rng.randint(1, calls) for _ in range(repeat + 1)]
    one = text("SELECT * FROM calls WHERE id = :id")
    timings = {
        "baseline: call by primary key": timed(
            repeat, lambda n: connection.execute(one, {"id": ids[n]}).all()
        )
    }
    for name, chosen in page_filters().items():

        def page(_: int, chosen: CallFilters = chosen) -> None:
            count_calls(connection, chosen)
            calls_page(connection, chosen)

        timings[name] = timed(repeat, page)
    timings["call page: call_detail"] = timed(repeat, lambda n: call_detail(connection, f"bench.{ids[n]}"))
    return timings


def summarise(timings: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    """Median and p95 in ms, and each as a ratio to the baseline's median."""
    base = statistics.median(next(iter(timings.values())))
    out = {}
    for name, values in timings.items():
        median = statistics.median(values)
        p95 = statistics.quantiles(values, n=20, method="inclusive")[18]
        out[name] = {
            "median_ms": median * 1000,
            "p95_ms": p95 * 1000,
            "median_vs_baseline": median / base,
            "p95_vs_baseline": p95 / base,
        }
    return out


@contextmanager
def postgres_engine(url: str) -> Iterator[Engine]:
    """A fresh schema on the server for the run, dropped after."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    engine = make_engine(f"{url}{separator}options=-csearch_path%3D{schema}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run(engine: Engine, calls: int, repeat: int) -> dict[str, Any]:
    """Migrate, fill and measure one database."""
    upgrade(engine)
    load_seconds = populate(engine, calls)
    with engine.connect() as connection:
        scored = int(connection.execute(text("SELECT count(*) FROM qa_scores")).scalar_one())
        timings = measure(connection, calls, repeat)
    return {"calls": calls, "scored": scored, "load_seconds": load_seconds, "queries": summarise(timings)}


def main() -> None:
    """Run both databases, write the results and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--sqlite-calls", type=int, help="Calls on SQLite (default: --calls).")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default=POSTGRES_URL, help="The PostgreSQL server to use.")
    args = parser.parse_args()
    results: dict[str, Any] = {"target_seconds": TARGET_SECONDS, "repeat": args.repeat, "databases": {}}
    with postgres_engine(args.database_url) as engine:
        results["databases"]["postgresql"] = run(engine, args.calls, args.repeat)
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        results["databases"]["sqlite"] = run(engine, args.sqlite_calls or args.calls, args.repeat)
        engine.dispose()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dashboard.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, RESULTS / "dashboard.png")
    print_table(results)


def print_table(results: dict[str, Any]) -> None:
    """The figures as a plain table, and whether the target is met."""
    print(f"{'database':10} {'query':36} {'median ms':>10} {'p95 ms':>9} {'x base':>8} {'p95 x':>8}")
    worst = 0.0
    for database, found in results["databases"].items():
        for name, row in found["queries"].items():
            print(
                f"{database:10} {name:36} {row['median_ms']:10.2f} {row['p95_ms']:9.2f}"
                f" {row['median_vs_baseline']:8.1f} {row['p95_vs_baseline']:8.1f}"
            )
            if not name.startswith("baseline"):
                worst = max(worst, row["p95_ms"] / 1000)
        loaded = (
            f"{found['calls']:,} calls ({found['scored']:,} scored), loaded in {found['load_seconds']:.0f} s"
        )
        print(f"{database:10} {loaded}")
    verdict = "met" if worst < TARGET_SECONDS else "NOT met"
    print(f"target: calls page and call page < {TARGET_SECONDS:g} s (worst p95 {worst:.3f} s): {verdict}")


def plot(results: dict[str, Any], path: Path) -> None:
    """Median (bar) and p95 (tick) of each query, per database, on a log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    databases = list(results["databases"])
    names = list(results["databases"][databases[0]]["queries"])
    figure, axis = plt.subplots(figsize=(10, 4.8))
    width = 0.8 / len(databases)
    for offset, (database, colour) in enumerate(zip(databases, ("#27a", "#2a7"), strict=False)):
        rows = results["databases"][database]["queries"]
        xs = [n + offset * width for n in range(len(names))]
        axis.bar(xs, [rows[k]["median_ms"] for k in names], width, color=colour, label=f"{database} median")
        axis.scatter(xs, [rows[k]["p95_ms"] for k in names], marker="_", s=200, color="black")
    axis.axhline(TARGET_SECONDS * 1000, color="red", linestyle="--", linewidth=1, label="target 1 s")
    axis.set_yscale("log")
    axis.set_ylabel("ms (log; tick = p95)")
    axis.set_xticks([n + width * (len(databases) - 1) / 2 for n in range(len(names))])
    axis.set_xticklabels([name.replace(": ", ":\n") for name in names], fontsize=8)
    calls = results["databases"][databases[0]]["calls"]
    axis.set_title(f"Dashboard queries on {calls:,} calls")
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
