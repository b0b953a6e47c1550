"""Campaign import speed: a 100,000-row arrears export into SQLite and PostgreSQL.

The export is generated (seeded): South African mobile and landline numbers written the ways
billing systems write them (``082 123 4567``, ``+27 82...``, ``(011) 555-0100``), one to three a
row, amounts as ``1234.50`` and ``1 234,50``, and about 1% bad rows (a number that cannot be one,
no amount, a repeated account) plus some rows with one bad number among good ones. Then:

* the first import into a fresh database (every account and number inserted), and
* a re-import of next month's export (amounts and days changed, 2% of the accounts gone and so
  marked paid, 2% new): the updates path.

Baselines, measured in the same run on the same file: reading it with ``csv.DictReader`` (no
checks, no database), and a plain ``executemany`` of the raw rows (text columns, no index, no
checks) into the same database. Speeds are reported as rows/s and as ratios to the baselines,
because these machines are shared and noisy; each figure is the best of ``--repeat`` runs.

    python -m bench.bench_campaign_import                       # SQLite, and PostgreSQL if reachable
    python -m bench.bench_campaign_import --rows 20000 --repeat 1
    python -m bench.bench_campaign_import --postgresql postgresql+psycopg://postgres@host/db

PostgreSQL runs in a database of its own (``bench_campaign_import``, created and dropped).
Target (issue #7): import >= 10,000 rows/s on SQLite. Writes bench/results/campaign_import.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from callcentre.db import make_engine
from callcentre.schema import upgrade
from telephony.campaigns.importer import CampaignImportResult, import_campaign

RESULTS = Path(__file__).parent / "results"
TARGET_ROWS_PER_S = 10_000
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_DATABASE = "bench_campaign_import"
HEADER = ["account_number", "holder", "phones", "arrears", "days_in_arrears", "language", "ward"]
FIRST = ("Sipho", "Anele", "Johan", "Zanele", "Priya", "Thabo", "Marietjie", "Lindiwe", "Kagiso", "Fatima")
SURNAMES = ("Dlamini", "Nkosi", "van der Merwe", "Mokoena", "Naidoo", "Botha", "Khumalo", "Pillay")
LANGUAGES = ("en", "en", "en", "zu", "xh", "af", "st", "tn")
MOBILE = (
    "60",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "72",
    "73",
    "74",
    "76",
    "78",
    "79",
    "81",
    "82",
    "83",
    "84",
)
LANDLINE = (
    "10",
    "11",
    "12",
    "13",
    "14",
    "15",
    "16",
    "17",
    "18",
    "21",
    "22",
    "23",
    "27",
    "28",
    "31",
    "33",
    "41",
)


def phone(rng: random.Random) -> str:
    """A South African number, written one of the ways exports write them."""
    prefix = rng.choice(MOBILE if rng.random() < 0.75 else LANDLINE)
    body = f"{rng.randrange(1_000_000, 10_000_000):07d}"
    shape = rng.random()
    if shape < 0.4:
        return f"0{prefix} {body[:3]} {body[3:]}"
    if shape < 0.7:
        return f"0{prefix}{body}"
    if shape < 0.85:
        return f"+27 {prefix} {body[:3]} {body[3:]}"
    return f"(0{prefix}) {body[:3]}-{body[3:]}"


def amount(cents: int, shape: float) -> str:
    whole, part = divmod(cents, 100)
    return f"{whole}.{part:02d}" if shape < 0.8 else f"{whole:,}".replace(",", " ") + f",{part:02d}"


def export_rows(rows: int, seed: int, month: int) -> Iterator[list[str]]:
    """The export's rows; ``month`` 1 is the re-import (new amounts, 2% gone, 2% new)."""
    rng, month_rng = random.Random(seed), random.Random(seed * 1000 + month)
    for n in range(rows):
        number = f"{40_000_000 + n}"
        numbers = [phone(rng) for _ in range(rng.choice((1, 1, 2, 2, 2, 3)))]
        holder = f"{rng.choice(FIRST)} {rng.choice(SURNAMES)}"
        cents, days = rng.randrange(10_000, 5_000_000), rng.randrange(30, 1500)
        language, ward = rng.choice(LANGUAGES), f"Ward {rng.randrange(1, 120)}"
        bad, shape = rng.random(), rng.random()
        if month and month_rng.random() < 0.02:
            continue  # paid up since last month
        if month:
            cents, days = cents + month_rng.randrange(-5_000, 20_000), days + 30
        if bad < 0.004:
            numbers = ["082 123"]
        elif bad < 0.007:
            cents = -1
        elif bad < 0.01 and n:
            number = f"{40_000_000 + n - 1}"
        elif bad < 0.03:
            numbers.append("12345")
        arrears = "" if cents < 0 else amount(cents, shape)
        yield [number, holder, "; ".join(numbers), arrears, str(days), language, ward]
    if month:
        for n in range(rows // 50):
            yield [f"{50_000_000 + n}", "New Account", phone(month_rng), "250.00", "31", "en", "Ward 1"]


def write_export(path: Path, rows: int, seed: int, month: int) -> int:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        count = 0
        for row in export_rows(rows, seed, month):
            writer.writerow(row)
            count += 1
    return count


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds, and this process's CPU seconds (all of SQLite's work; for PostgreSQL
    the server's work is not in it)."""

    wall: float
    cpu: float


@contextmanager
def clock() -> Iterator[list[Timing]]:
    """Times its block; the timing is appended to the list it yields."""
    found: list[Timing] = []
    wall, cpu = time.perf_counter(), time.process_time()
    yield found
    found.append(Timing(time.perf_counter() - wall, time.process_time() - cpu))


def read_only(path: Path) -> tuple[Timing, list[dict[str, str]]]:
    with clock() as timing, path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return timing[0], rows


def plain_insert(engine: Engine, rows: list[dict[str, str]]) -> Timing:
    """``executemany`` of the raw rows into an unindexed text table, straight to the driver."""
    columns = ", ".join(HEADER)
    marks = ", ".join("?" if engine.dialect.name == "sqlite" else "%s" for _ in HEADER)
    values = [tuple(row[name] for name in HEADER) for row in rows]
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS bench_raw_rows")
        conn.exec_driver_sql(f"CREATE TABLE bench_raw_rows ({', '.join(f'{c} text' for c in HEADER)})")
    with clock() as timing, engine.begin() as conn:
        conn.exec_driver_sql(f"INSERT INTO bench_raw_rows ({columns}) VALUES ({marks})", values)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE bench_raw_rows")
    return timing[0]


def timed_import(engine: Engine, path: Path, now: dt.datetime) -> tuple[Timing, CampaignImportResult]:
    with clock() as timing:
        result = import_campaign(engine, path, "bench", now)
    return timing[0], result


def figures(timing: Timing, rows: int, **extra: Any) -> dict[str, Any]:
    return {
        "seconds": round(timing.wall, 3),
        "rows_per_s": round(rows / timing.wall),
        "cpu_seconds": round(timing.cpu, 3),
        "rows_per_cpu_s": round(rows / timing.cpu) if timing.cpu else None,
        **extra,
    }


def measure(
    new_engine: Callable[[], AbstractContextManager[Engine]],
    files: tuple[Path, Path],
    rows: tuple[int, int],
    repeat: int,
) -> dict[str, Any]:
    """Best (wall clock) of ``repeat`` runs, each into a fresh database: baselines, import, re-import."""
    read, raw = min((read_only(files[0]) for _ in range(repeat)), key=lambda run: run[0].wall)
    best: dict[str, tuple[Timing, CampaignImportResult]] = {}
    inserts = []
    now = dt.datetime.now(dt.UTC)
    for _ in range(repeat):
        with new_engine() as engine:
            inserts.append(plain_insert(engine, raw))
            for name, path, at in (
                ("import", files[0], now),
                ("reimport", files[1], now + dt.timedelta(days=30)),
            ):
                run = timed_import(engine, path, at)
                if name not in best or run[0].wall < best[name][0].wall:
                    best[name] = run
    insert = min(inserts, key=lambda timing: timing.wall)
    out: dict[str, Any] = {
        "baseline_csv_dictreader": figures(read, rows[0]),
        "baseline_plain_executemany": figures(insert, rows[0]),
    }
    for name, count in (("import", rows[0]), ("reimport", rows[1])):
        timing, result = best[name]
        out[name] = figures(
            timing,
            count,
            ratio_to_csv_read=round(read.wall / timing.wall * count / rows[0], 4),
            ratio_to_plain_insert=round(insert.wall / timing.wall * count / rows[0], 4),
            added=result.added,
            updated=result.updated,
            marked_paid=result.marked_paid,
            numbers_added=result.phones_added,
            rows_refused=len(result.errors),
            warnings=len(result.warnings),
        )
    return out


@contextmanager
def sqlite_engine(folder: Path) -> Iterator[Engine]:
    path = folder / "bench.db"
    for leftover in folder.glob("bench.db*"):
        leftover.unlink()
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def postgres_engine(url: str) -> Iterator[Engine]:
    """A database of its own on the server (``bench_campaign_import``), dropped after."""
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}"'))
            conn.execute(text(f'CREATE DATABASE "{BENCH_DATABASE}"'))
        engine = make_engine(make_url(url).set(database=BENCH_DATABASE).render_as_string(hide_password=False))
        upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}"'))
    finally:
        admin.dispose()


def postgres_reachable(url: str) -> str | None:
    """``None`` when the server answers, else why not."""
    try:
        engine = make_engine(url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    return None


def report(results: dict[str, Any]) -> None:
    """Print a table and write bench/results/campaign_import.json."""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "campaign_import.json").write_text(json.dumps(results, indent=2) + "\n")
    title = f"Campaign import: {results['rows']:,} rows ({results['file_mib']} MiB CSV)"
    table = Table(title=f"{title}, best of {results['repeat']}")
    for column in ("database", "path", "seconds", "rows/s", "rows/CPU s", "x DictReader", "x insert"):
        table.add_column(column, justify="left" if column in ("database", "path") else "right")
    for database, found in results["databases"].items():
        if "skipped" in found:
            table.add_row(database, f"skipped: {found['skipped']}", "", "", "", "", "")
            continue
        for path, label in (
            ("baseline_csv_dictreader", "csv.DictReader only"),
            ("baseline_plain_executemany", "plain executemany"),
            ("import", "import"),
            ("reimport", "re-import"),
        ):
            row = found[path]
            table.add_row(
                database,
                label,
                f"{row['seconds']:.2f}",
                f"{row['rows_per_s']:,}",
                f"{row['rows_per_cpu_s']:,}" if row["rows_per_cpu_s"] else "",
                f"{row['ratio_to_csv_read']:.3f}" if "ratio_to_csv_read" in row else "",
                f"{row['ratio_to_plain_insert']:.3f}" if "ratio_to_plain_insert" in row else "",
            )
    console = Console()
    if not console.is_terminal:
        console = Console(width=120)
    console.print(table)
    sqlite_import = results["databases"]["sqlite"]["import"]
    met = "met" if results["target_met"] else "MISSED"
    console.print(
        f"target: import >= {TARGET_ROWS_PER_S:,} rows/s on SQLite (wall clock): {met}; "
        f"{sqlite_import['rows_per_cpu_s']:,} rows per CPU second; load average "
        f"{results['load_average'][0]:.1f} at the start, {results['load_average'][1]:.1f} at the end"
    )
    console.print(
        f"first import: {sqlite_import['added']:,} accounts, {sqlite_import['numbers_added']:,} numbers, "
        f"{sqlite_import['rows_refused']:,} rows refused, {sqlite_import['warnings']:,} warnings"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--postgresql", help=f"PostgreSQL server URL (default: {POSTGRES_URL} when reachable)."
    )
    args = parser.parse_args()
    load = os.getloadavg()[0]  # the machine is shared: how busy it was is part of the result
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        files = (folder / "arrears-1.csv", folder / "arrears-2.csv")
        counts = (
            write_export(files[0], args.rows, args.seed, 0),
            write_export(files[1], args.rows, args.seed, 1),
        )
        results: dict[str, Any] = {
            "rows": counts[0],
            "reimport_rows": counts[1],
            "file_mib": round(files[0].stat().st_size / 2**20, 1),
            "seed": args.seed,
            "repeat": args.repeat,
            "cpus": os.cpu_count(),
            "databases": {"sqlite": measure(lambda: sqlite_engine(folder), files, counts, args.repeat)},
        }
        url = args.postgresql or POSTGRES_URL
        why_not = postgres_reachable(url)
        if why_not is None:
            results["databases"]["postgresql"] = measure(
                lambda: postgres_engine(url), files, counts, args.repeat
            )
        else:
            results["databases"]["postgresql"] = {"skipped": why_not}
    results["load_average"] = [load, os.getloadavg()[0]]
    sqlite_rate = results["databases"]["sqlite"]["import"]["rows_per_s"]
    results["target_rows_per_s"] = TARGET_ROWS_PER_S
    results["target_met"] = sqlite_rate >= TARGET_ROWS_PER_S
    report(results)


if __name__ == "__main__":
    main()
