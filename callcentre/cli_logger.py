"""``callcentre logger`` and ``callcentre replay``: feeding the call logger."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

import click
from rich.progress import Progress, TaskID

from callcentre.cli import CliState, cli, pass_state
from telephony.client import AmiAuthError
from telephony.protocol import parse
from telephony.service import CallLogger

log = logging.getLogger("callcentre.logger")


@cli.command()
@click.option("--ami-host", help="Asterisk host (overrides ami.host).")
@click.option("--ami-port", type=int, help="AMI port (overrides ami.port).")
@click.option("--ami-user", help="AMI username (overrides ami.username).")
@click.option("--ami-secret", help="AMI secret (overrides ami.secret; prefer CALLCENTRE_AMI_SECRET).")
@pass_state
def logger(
    state: CliState, ami_host: str | None, ami_port: int | None, ami_user: str | None, ami_secret: str | None
) -> None:
    """Record every call from Asterisk's AMI until stopped (SIGTERM or Ctrl-C)."""
    app = state.app(
        **{"ami.host": ami_host, "ami.port": ami_port, "ami.username": ami_user, "ami.secret": ami_secret}
    )
    call_logger = app.call_logger()
    restored = call_logger.restore()
    if restored:
        log.info("resumed %d call(s) that were in progress when the logger last stopped", restored)
    supervisor = app.supervisor(call_logger)
    try:
        asyncio.run(serve_until_signal(supervisor.run))
    except AmiAuthError as exc:
        raise click.ClickException(str(exc)) from None
    counters = call_logger.counters
    log.info("stopped: %d events received, %d calls recorded", counters.received, counters.calls)


async def serve_until_signal(run: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run a long-lived service until SIGTERM or Ctrl-C sets its stop event."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await run(stop)


@cli.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@pass_state
def replay(state: CliState, files: tuple[Path, ...]) -> None:
    """Feed recorded AMI traffic (raw bytes as Asterisk sent them) through the call logger.

    Safe to repeat: events already stored are skipped and calls are rebuilt, never duplicated.
    """
    app = state.app()
    call_logger = app.call_logger()
    with Progress() as progress:
        task = progress.add_task("replaying", total=sum(path.stat().st_size for path in files))
        for path in files:
            _replay_file(path, call_logger, progress, task)
    call_logger.flush(everything_ended=True)
    counters = call_logger.counters
    click.echo(f"{counters.received} events read, {counters.kept} kept, {counters.calls} calls built")


def _replay_file(path: Path, call_logger: CallLogger, progress: Progress, task: TaskID) -> None:
    leftover, discarding = b"", False
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            result = parse(leftover + chunk, discarding=discarding)
            leftover, discarding = result.leftover, result.discarding
            for error in result.errors:
                log.warning("%s: skipped a malformed frame: %s", path, error)
            call_logger.handle(result.messages)
            call_logger.flush(wait=False)
            progress.advance(task, len(chunk))
