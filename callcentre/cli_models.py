"""``callcentre models``: the Vosk speech models on this host, and downloading them."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from callcentre.cli import CliState, cli, pass_state
from callcentre.settings import Settings
from transcription.model_download import ModelEntry, download_model, fetch_model_list
from transcription.model_store import (
    ModelError,
    ModelMissing,
    installed_models,
    is_path_setting,
    model_language,
    resolve_model,
)


@cli.group()
def models() -> None:
    """Vosk speech-recognition models."""


def _models_dir(settings: Settings) -> Path:
    return settings.transcription.resolved_models_dir(settings.data_dir)


@models.command("list")
@click.option("--available", is_flag=True, help="The official model list, marking installed models.")
@click.option("--obsolete", is_flag=True, help="With --available: include models marked obsolete.")
@pass_state
def models_list(state: CliState, available: bool, obsolete: bool) -> None:
    """Installed models and the configured one (* marks it)."""
    settings = state.settings()
    configured, models_dir = settings.transcription.model, _models_dir(settings)
    try:
        active: Path | None = resolve_model(configured, models_dir)
        status = f"configured: {configured} (at {active})"
    except ModelMissing as exc:
        active, status = None, f"configured: {exc}"
    console = Console()
    if available:
        try:
            entries = fetch_model_list(settings.transcription.model_list_url)
        except ModelError as exc:
            raise click.ClickException(str(exc)) from None
        installed = {item.name for item in installed_models(models_dir)}
        shown = [entry for entry in entries if obsolete or not entry.obsolete]
        console.print(_available_table(shown, installed, configured))
    else:
        console.print(_installed_table(models_dir, active))
    click.echo(status)


def _installed_table(models_dir: Path, active: Path | None) -> Table:
    table = Table(title=f"Installed Vosk models ({models_dir})")
    for heading in ("", "name", "language"):
        table.add_column(heading)
    table.add_column("path", overflow="fold")  # whole, so it can be copied
    found = installed_models(models_dir)
    for item in found:
        mark = "*" if active is not None and item.path == active else ""
        table.add_row(mark, item.name, model_language(item.name) or "?", str(item.path))
    if active is not None and all(item.path != active for item in found):  # configured as a path
        table.add_row("*", active.name, model_language(active) or "?", str(active))
    return table


def _available_table(entries: list[ModelEntry], installed: set[str], configured: str) -> Table:
    table = Table(title=f"Available Vosk models ({len(entries)})")
    for heading in ("", "name", "lang", "type", "size", "installed"):
        table.add_column(heading)
    for entry in sorted(entries, key=lambda item: (item.lang, item.name)):
        table.add_row(
            "*" if entry.name == configured else "",
            entry.name + (" (obsolete)" if entry.obsolete else ""),
            entry.lang,
            entry.type,
            entry.size_text or ("" if entry.size is None else f"{entry.size / 1e6:.0f} MB"),
            "yes" if entry.name in installed else "",
        )
    return table


@models.command("download")
@click.argument("name", required=False)
@pass_state
def models_download(state: CliState, name: str | None) -> None:
    """Download and unpack model NAME (default: the configured one) into the models folder."""
    settings = state.settings()
    name = name or settings.transcription.model
    models_dir = _models_dir(settings)
    if is_path_setting(name):
        raise click.ClickException(
            f"transcription.model is a folder ({name}), not a model name; give a NAME from "
            "callcentre models list --available"
        )
    try:
        click.echo(f"{name} is already installed at {resolve_model(name, models_dir)}")
        return
    except ModelMissing:
        pass
    console = Console(stderr=True)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(name, total=None)

        def report(done: int, total: int) -> None:
            # Checking the MD5 and unpacking a big model take a while after the last byte.
            description = f"{name}: checking and unpacking" if total and done >= total else name
            bar.update(task, completed=done, total=total or None, description=description)

        try:
            path = download_model(
                name,
                models_dir=models_dir,
                list_url=settings.transcription.model_list_url,
                progress=report,
            )
        except ModelError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"installed {name} at {path}")
