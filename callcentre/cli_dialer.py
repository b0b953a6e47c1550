"""``callcentre dialer``: work the revenue-collection campaigns through Asterisk."""

from __future__ import annotations

import asyncio
import logging

import click

from callcentre.cli import CliState, cli, pass_state
from callcentre.cli_logger import serve_until_signal
from telephony.campaigns.rules import RulesError, rules_from_settings
from telephony.client import AmiAuthError
from telephony.dialer.service import Dialer

log = logging.getLogger("callcentre.dialer")


@cli.command()
@click.option(
    "--campaign", "campaigns", multiple=True, help="Only this campaign (repeatable); default: all active."
)
@click.option("--ami-host", help="Asterisk host (overrides ami.host).")
@click.option("--ami-port", type=int, help="AMI port (overrides ami.port).")
@pass_state
def dialer(state: CliState, campaigns: tuple[str, ...], ami_host: str | None, ami_port: int | None) -> None:
    """Dial campaign accounts until stopped (SIGTERM or Ctrl-C).

    Progressive campaigns: the next eligible account for each free agent of the campaign's queue.
    Preview campaigns: the accounts agents press Dial on in the dashboard's workspace. Every dial
    passes the compliance check first ([dialer] settings) and is logged with its reason.
    """
    app = state.app(**{"ami.host": ami_host, "ami.port": ami_port})
    try:
        rules_from_settings(app.settings.dialer)
    except RulesError as exc:
        raise click.ClickException(str(exc)) from None
    service = Dialer(app.engine, app.settings, frozenset(campaigns))
    try:
        asyncio.run(serve_until_signal(service.run))
    except AmiAuthError as exc:
        raise click.ClickException(str(exc)) from None
    stats = service.stats
    results = ", ".join(f"{n} {state}" for state, n in sorted(stats.results.items())) or "none"
    log.info(
        "stopped: %d dials placed, %d refused by the rules; results: %s",
        stats.originates,
        stats.refused,
        results,
    )
