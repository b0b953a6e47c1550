"""Call-logger throughput and memory: raw AMI bytes to committed call records.

Baseline, measured in the same run on the same bytes: parsing alone (bytes to
messages). Then the whole logger path (parse, route, store raw events, build
and store call records, commit) on SQLite and on PostgreSQL. Speeds are
reported as events/s and as a ratio to the baseline, because these machines
are shared and noisy; resident memory is sampled every tenth of the stream.

    python -m bench.bench_logger --events 1000000
    python -m bench.bench_logger --events 100000 --databases sqlite   # quicker

Targets (issue #2): storing >= 0.5x parse-only speed and >= 5,000 events/s;
memory flat over 1 M events. Writes bench/results/logger.json and logger.png.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from rich.progress import Progress
from sqlalchemy import text

from callcentre.db import make_engine
from callcentre.schema import upgrade
from telephony.protocol import parse
from telephony.service import CallLogger
from telephony.simulator.workload import iter_frames

CHUNK = 1 << 20
EVENTS_PER_CALL = 110  # what the simulator's workload averages
RESULTS = Path(__file__).parent / "results"
POSTGRES_URL = os.environ.get(
    "CALLCENTRE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def rss_mib() -> float:
    """Resident memory of this process now (not the peak)."""
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def write_stream(path: Path, events: int, seed: int) -> int:
    """Generate a workload's raw AMI bytes to ``path`` (lazily: never all in memory)."""
    written = 0
    with path.open("wb") as out, Progress() as progress:
        task = progress.add_task("generating AMI traffic", total=events)
        for frame in iter_frames(max(1, events // EVENTS_PER_CALL), seed):
            out.write(frame)
            written += 1
            if written % 10_000 == 0:
                progress.update(task, completed=written)
        progress.update(task, completed=written)
    return written


def chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            yield chunk


def run(path: Path, label: str, total: int, consume: Callable[[list[Any]], None]) -> dict[str, Any]:
    """Parse ``path`` chunk by chunk, hand each batch to ``consume``; time it and sample memory."""
    leftover, discarding, count, samples = b"", False, 0, []
    next_sample = 0
    started = time.perf_counter()
    with Progress() as progress:
        task = progress.add_task(label, total=total)
        for chunk in chunks(path):
            result = parse(leftover + chunk, discarding=discarding)
            leftover, discarding = result.leftover, result.discarding
            consume(result.messages)
            count += len(result.messages)
            progress.update(task, completed=count)
            if count >= next_sample:
                samples.append((count, round(rss_mib(), 1)))
                next_sample += max(1, total // 10)
    consume([])  # end of stream
    seconds = time.perf_counter() - started
    samples.append((count, round(rss_mib(), 1)))
    return {
        "events": count,
        "seconds": round(seconds, 2),
        "events_per_s": round(count / seconds),
        "rss_mib": samples,
    }


def store_consumer(url: str) -> tuple[Callable[[list[Any]], None], CallLogger]:
    engine = make_engine(url)
    upgrade(engine)
    logger = CallLogger(engine)

    def consume(messages: list[Any]) -> None:
        if messages:
            logger.handle(messages)
            logger.flush(wait=False)  # as the supervisor does: the writer thread overlaps with parsing
        else:
            logger.flush(everything_ended=True)

    return consume, logger


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'bench.db'}"


def postgres_url() -> tuple[str, Callable[[], None]]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}", drop


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    results: dict[str, Any] = {"events_requested": args.events}
    with tempfile.TemporaryDirectory() as folder:
        stream = Path(folder) / "stream.ami"
        total = write_stream(stream, args.events, args.seed)
        results["baseline_parse_only"] = run(stream, "parse only (baseline)", total, lambda _messages: None)
        for name in args.databases.split(","):
            results[name] = measure_database(name, stream, total, Path(folder))
    report(results)


def measure_database(name: str, stream: Path, total: int, folder: Path) -> dict[str, Any]:
    drop: Callable[[], None] = lambda: None  # noqa: E731
    url = sqlite_url(folder) if name == "sqlite" else None
    if name == "postgresql":
        url, drop = postgres_url()
    if url is None:
        raise SystemExit(f"unknown database {name!r}")
    consume, logger = store_consumer(url)
    try:
        figures = run(stream, f"logger -> {name}", total, consume)
    finally:
        logger.close()
        logger.engine.dispose()
        drop()
    figures["calls"] = logger.counters.calls
    figures["kept_events"] = logger.counters.kept
    return figures


def report(results: dict[str, Any]) -> None:
    base = results["baseline_parse_only"]["events_per_s"]
    for name in ("sqlite", "postgresql"):
        if name in results:
            results[name]["ratio_to_parse_only"] = round(results[name]["events_per_s"] / base, 3)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "logger.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, RESULTS / "logger.png")
    print(
        json.dumps(
            {
                key: {k: v for k, v in value.items() if k != "rss_mib"} if isinstance(value, dict) else value
                for key, value in results.items()
            },
            indent=2,
        )
    )


def plot(results: dict[str, Any], path: Path) -> None:
    """Events/s per path (with the ratio to parse-only) and memory along the stream."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [name for name in ("baseline_parse_only", "sqlite", "postgresql") if name in results]
    figure, (speed, memory) = plt.subplots(1, 2, figsize=(11, 4))
    rates = [results[name]["events_per_s"] for name in names]
    bars = speed.bar(
        [name.replace("baseline_", "") for name in names], rates, color=["#888", "#2a7", "#27a"][: len(names)]
    )
    for bar, name in zip(bars, names, strict=True):
        ratio = results[name].get("ratio_to_parse_only")
        speed.annotate(
            f"{bar.get_height():,.0f}/s" + (f"\n{ratio:.2f}x parse" if ratio else ""),
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    speed.axhline(5000, color="red", linestyle=":", label="target 5,000 events/s")
    speed.set_ylabel("AMI events per second")
    speed.set_title("raw AMI bytes -> committed call records")
    speed.legend(fontsize=8)
    for name in names:
        counts, rss = zip(*results[name]["rss_mib"], strict=True)
        memory.plot(counts, rss, marker=".", label=name)
    memory.set_xlabel("events processed")
    memory.set_ylabel("resident memory (MiB)")
    memory.set_title("memory along the stream")
    memory.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
