"""The ``callcentre`` command: one entry point, a sub-command per process or report."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from callcentre.bootstrap import App, build_app
from callcentre.db import make_engine, safe_url
from callcentre.schema import SchemaOutOfDate, current_revision, head_revision, upgrade
from callcentre.settings import Settings, SettingsError, describe, load_settings


@dataclass
class CliState:
    """Global options, turned into settings on first use."""

    config_file: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict)

    def settings(self, **extra: Any) -> Settings:
        try:
            return load_settings(self.config_file, overrides={**self.overrides, **extra})
        except SettingsError as exc:
            raise click.ClickException(str(exc)) from None

    def app(self, **extra: Any) -> App:
        settings = self.settings(**extra)
        try:
            return build_app(settings)
        except SchemaOutOfDate as exc:
            raise click.ClickException(str(exc)) from None


pass_state = click.make_pass_decorator(CliState)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="TOML settings file.")
@click.option("--data-dir", type=click.Path(path_type=Path), help="Data directory (SQLite file, models...).")
@click.option("--database-url", help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.pass_context
def cli(
    ctx: click.Context,
    config_file: Path | None,
    data_dir: Path | None,
    database_url: str | None,
    verbose: int,
) -> None:
    """Call-centre telephony integration and quality assurance for municipal call centres."""
    level = logging.WARNING - 10 * min(verbose, 2) if verbose else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))
    ctx.obj = CliState(config_file, {"data_dir": data_dir, "database_url": database_url})


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@pass_state
def db_upgrade(state: CliState) -> None:
    """Create or migrate the database schema to this version."""
    settings = state.settings()
    engine = make_engine(settings.sqlalchemy_url())
    upgrade(engine)
    click.echo(f"{safe_url(settings.sqlalchemy_url())} is at revision {current_revision(engine)}")


@db.command("current")
@pass_state
def db_current(state: CliState) -> None:
    """Show the database's schema revision and the one this code needs."""
    settings = state.settings()
    engine = make_engine(settings.sqlalchemy_url())
    click.echo(f"database: {current_revision(engine) or 'empty'}; code needs: {head_revision()}")


@cli.group()
def config() -> None:
    """Settings."""


@config.command("show")
@pass_state
def config_show(state: CliState) -> None:
    """Print the effective settings (secrets masked)."""
    settings = state.settings()
    shown = describe(settings)
    shown["database_url"] = safe_url(settings.sqlalchemy_url())
    click.echo(json.dumps(shown, indent=2, default=str))


def main() -> None:
    """Console-script entry point."""
    from callcentre import (  # noqa: F401  (each registers its commands)
        cli_calls,
        cli_campaigns,
        cli_dashboard,
        cli_dialer,
        cli_ivr,
        cli_logger,
        cli_models,
        cli_qa,
        cli_qa_reviews,
        cli_transcribe,
        demo,
    )

    try:
        cli(prog_name="callcentre")
    except KeyboardInterrupt:
        sys.exit(130)
