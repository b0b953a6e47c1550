"""Readers for the files under docker/, used by test_docker_config.py: Asterisk's .conf syntax and dialplan,
compose files (with Compose's merge rules for the override file), and callcentre command lines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKER = ROOT / "docker"
ASTERISK = DOCKER / "asterisk"
ETC = ASTERISK / "etc"
EXTENSIONS = ETC / "extensions.conf"
RECORDINGS_DIR = "/srv/asterisk-rec"


# ---------------------------------------------------------------- Asterisk's .conf syntax


def _strip_comment(line: str) -> str:
    """Drop a ';' comment; '\\;' is an escaped semicolon, not a comment."""
    match = re.search(r"(?<!\\);", line)
    return (line[: match.start()] if match else line).strip()


@dataclass(frozen=True)
class Section:
    name: str
    templates: str  # what follows the name in brackets, e.g. "!" or "cc-queue-tpl"
    options: tuple[tuple[str, str], ...]

    def get(self, key: str) -> str | None:
        return next((value for name, value in self.options if name == key), None)

    def all(self, key: str) -> list[str]:
        return [value for name, value in self.options if name == key]


def read_conf(path: Path) -> list[Section]:
    sections: list[Section] = []
    name, templates = "", ""
    options: list[tuple[str, str]] = []
    for raw in path.read_text().splitlines():
        line = _strip_comment(raw)
        if not line or line.startswith("#"):
            continue
        header = re.fullmatch(r"\[([^\]]+)\](?:\(([^)]*)\))?", line)
        if header:
            if name:
                sections.append(Section(name, templates, tuple(options)))
            name, templates, options = header.group(1), header.group(2) or "", []
            continue
        key, _, value = re.split(r"\s*(=>|=)\s*", line, maxsplit=1)
        options.append((key, value))
    if name:
        sections.append(Section(name, templates, tuple(options)))
    return sections


def section(path: Path, name: str) -> Section:
    matches = [s for s in read_conf(path) if s.name == name]
    assert len(matches) == 1, f"{path.name}: expected one [{name}], found {len(matches)}"
    return matches[0]


def split_args(text: str) -> list[str]:
    """Split application arguments at top-level commas (not inside (), {}, [] or quotes)."""
    parts, depth, quoted, current = [], 0, False, ""
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "({[":
            depth += 1
        elif not quoted and char in ")}]":
            depth -= 1
        elif char == "," and depth == 0 and not quoted:
            parts.append(current)
            current = ""
            continue
        current += char
    return [*parts, current]


@dataclass(frozen=True)
class Step:
    label: str
    app: str
    args: list[str]


def read_dialplan(path: Path) -> dict[str, dict[str, list[Step]]]:
    """{context: {extension: [steps in priority order]}} for exten/same lines."""
    dialplan: dict[str, dict[str, list[Step]]] = {}
    context, exten = "", ""
    for raw in path.read_text().splitlines():
        line = _strip_comment(raw)
        if header := re.fullmatch(r"\[([^\]]+)\]", line):
            context = header.group(1)
            dialplan.setdefault(context, {})
            continue
        step = re.fullmatch(r"(exten|same)\s*=>\s*(.*)", line)
        if not step:
            continue
        fields = step.group(2)
        if step.group(1) == "exten":
            exten, fields = fields.split(",", 1)
        priority, command = fields.split(",", 1)
        label = re.fullmatch(r"\w+(?:\((\w+)\))?", priority)
        assert label, f"unparsed priority {priority!r}"
        app, _, args = command.partition("(")
        dialplan[context].setdefault(exten, []).append(
            Step(label.group(1) or "", app.strip(), split_args(args[:-1]) if args else [])
        )
    return dialplan


def set_variables(steps: list[Step]) -> dict[str, str]:
    return dict(step.args[0].split("=", 1) for step in steps if step.app == "Set")


# ---------------------------------------------------------------- compose files


class OverrideMap(dict[str, Any]):
    """A mapping tagged !override (or !reset): replaces the base file's value instead of merging with it."""


class OverrideList(list[Any]):
    """A sequence tagged !override (or !reset)."""


def load_compose(name: str) -> dict[str, Any]:
    yaml = pytest.importorskip("yaml", reason="PyYAML is a dev dependency (pip install -e '.[dev]')")

    def tagged(loader: Any, node: Any) -> Any:
        """Compose's merge tags: the value, marked so that merge_compose replaces rather than merges."""
        if isinstance(node, yaml.MappingNode):
            return OverrideMap(loader.construct_mapping(node, deep=True))
        if isinstance(node, yaml.SequenceNode):
            return OverrideList(loader.construct_sequence(node, deep=True))
        return loader.construct_scalar(node)

    loader: Any = type("ComposeLoader", (yaml.SafeLoader,), {})
    for tag in ("!override", "!reset"):
        loader.add_constructor(tag, tagged)
    data: dict[str, Any] = yaml.load((DOCKER / name).read_text(), Loader=loader)
    return data


def split_volume(volume: Any) -> list[str]:
    """A short-syntax volume "source:target[:mode]" as its parts (a source may be ${NAME:?message})."""
    return re.split(r":(?![^{]*\})", str(volume))


def mount_target(volume: Any) -> str:
    """The container path of a short-syntax volume."""
    return split_volume(volume)[1]


def merge_compose(base: Any, override: Any, key: str = "") -> Any:
    """What `docker compose -f base -f override config` does (docs.docker.com/reference/compose-file/merge):
    mappings merge key by key, sequences append, volumes are unique by mount point, commands and
    !override'd values replace."""
    if isinstance(override, OverrideMap | OverrideList) or key in ("command", "entrypoint", "test"):
        return override
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for name, value in override.items():
            merged[name] = merge_compose(base[name], value, name) if name in base else value
        return merged
    if isinstance(base, list) and isinstance(override, list):
        if key == "volumes":
            by_target = {mount_target(v): v for v in base} | {mount_target(v): v for v in override}
            return list(by_target.values())
        return base + [item for item in override if item not in base]
    return override


@dataclass(frozen=True)
class Mount:
    source: str  # a named volume or a host path
    read_only: bool


def mounts(service: dict[str, Any]) -> dict[str, Mount]:
    """{container path: mount} of a service's short-syntax volumes ("source:target[:mode]")."""
    found: dict[str, Mount] = {}
    for volume in service.get("volumes", []):
        source, target, *mode = split_volume(volume)
        assert target not in found, f"{target} mounted twice"
        found[target] = Mount(source, "ro" in ",".join(mode).split(","))
    return found


def env_reference(value: str) -> str | None:
    """'${NAME}', '${NAME:?msg}' or '${NAME:-default}' -> NAME; anything else -> None."""
    match = re.fullmatch(r"\$\{([A-Z][A-Z0-9_]*)(?::?[-?][^}]*)?\}", str(value))
    return match.group(1) if match else None


def interpolate(value: Any) -> str:
    """Interpolate like compose with a .env that fills in only what is required (${NAME:?...}, ${NAME}):
    those become a stand-in value, ${NAME:-default} becomes its default."""

    def replace(m: re.Match[str]) -> str:
        return m.group(3) if m.group(2) == "-" and m.group(3) else f"{m.group(1).lower()}-value"

    return re.sub(r"\$\{([A-Z][A-Z0-9_]*)(?::?([-?])([^}]*))?\}", replace, str(value))


# ---------------------------------------------------------------- callcentre command lines


def parse_callcentre(argv: list[str]) -> tuple[str, dict[str, Any]]:
    """Parse a container command as the callcentre CLI would, without running it.

    Returns the sub-command's path ("models download") and its parsed parameters; an unknown command or
    option, or a value its type refuses, raises click's UsageError/BadParameter.
    """
    from callcentre import cli_logger, cli_models, cli_transcribe  # noqa: F401  (register the commands)
    from callcentre.cli import cli

    assert argv[0] == "callcentre", argv
    command: click.Command = cli
    context = click.Context(cli, info_name="callcentre")
    path, args = [], list(argv[1:])
    while isinstance(command, click.Group):
        assert args, f"{argv}: no sub-command"
        name, *args = args
        found = command.get_command(context, name)
        if found is None:
            raise click.UsageError(f"no such command {name!r}", context)
        path.append(name)
        command = found
        context = (
            click.Context(command, info_name=name, parent=context)
            if isinstance(command, click.Group)
            else command.make_context(name, args, parent=context)
        )
    return " ".join(path), context.params
