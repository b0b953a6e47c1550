"""YAML with line numbers, and a field reader that collects problems (used by :mod:`ivr.menu_loader`).

The document is composed (``yaml.compose``-style, safe tags only) and turned into plain data whose
mappings remember where each key was, so every problem can be reported as
``file:line: node 'x': field 'y': message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from ivr import menu as m

REQUIRED: Any = object()  # the default of a field that must be given
_PLACEHOLDER = re.compile(r"\{(\w+)(?::(\w+))?\}")
_MAX_DEPTH = 64


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a menu file."""

    file: str
    line: int
    node: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:"
        if self.node is not None:
            where += f" node '{self.node}':"
        if self.field is not None:
            where += f" field '{self.field}':"
        return f"{where} {self.message}"


class MenuError(ValueError):
    """A menu file that cannot be used; ``problems`` lists everything found wrong."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = tuple(problems)


class YamlMap(dict[Any, Any]):
    """A YAML mapping that remembers its line and each key's line (1-based)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.line = 0
        self.key_lines: dict[Any, int] = {}


def read_yaml(text: str, file: str) -> Any:
    """Plain data from YAML ``text``, mappings as :class:`YamlMap`; raises :class:`MenuError`."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _plain(loader, node, file, 0)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise MenuError([Problem(file, line, None, None, f"not valid YAML: {error.problem}")]) from error
    finally:
        loader.dispose()


def _plain(loader: Any, node: Any, file: str, depth: int) -> Any:
    line = node.start_mark.line + 1
    if depth > _MAX_DEPTH:
        raise MenuError([Problem(file, line, None, None, "nested too deeply (a recursive alias?)")])
    if isinstance(node, yaml.SequenceNode):
        return [_plain(loader, item, file, depth + 1) for item in node.value]
    if not isinstance(node, yaml.MappingNode):
        return loader.construct_object(node, deep=True)
    loader.flatten_mapping(node)  # `<<` merge keys
    result = YamlMap()
    result.line = line
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1
        key = _plain(loader, key_node, file, depth + 1)
        if not isinstance(key, str | int | float | bool):
            raise MenuError([Problem(file, key_line, None, None, "a key must be a plain value")])
        if key in result:
            raise MenuError([Problem(file, key_line, None, str(key), "appears twice in the same mapping")])
        result[key] = _plain(loader, value_node, file, depth + 1)
        result.key_lines[key] = key_line
    return result


class Context:
    """What the readers of one file share: the problems so far, the languages and the node ids."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.languages: tuple[str, ...] = ()
        self.problems: list[Problem] = []
        self.node_ids: set[str] = set()
        self.schedules: set[str] = set()

    def check_target(self, reader: Reader, key: Any, target: str, back: bool) -> None:
        """Note a problem unless ``target`` names a node (or ``@agent``, or ``@back`` where allowed)."""
        if target == m.BACK and not back:
            reader.problem(key, f"{m.BACK} is only allowed as a menu choice")
        elif target == m.AGENT and key in ("agent", "start"):
            reader.problem(key, f"{m.AGENT} cannot be used here: name a node")
        elif target and target not in (m.BACK, m.AGENT) and target not in self.node_ids:
            reader.problem(key, f"unknown node {target!r}")


class Reader:
    """Reads typed fields from one YAML mapping, noting problems instead of stopping at the first."""

    def __init__(self, context: Context, data: YamlMap, node: str | None, prefix: str = "") -> None:
        self.context, self.data, self.node, self.prefix = context, data, node, prefix
        self.used: set[Any] = set()

    def line(self, key: Any = None) -> int:
        """The line of ``key`` (of the mapping itself if absent)."""
        return self.data.key_lines.get(key, self.data.line)

    def problem(self, key: Any, message: str) -> None:
        """Note a problem with field ``key`` (``None``: with the mapping as a whole)."""
        name = f"{self.prefix}{key}" if key is not None else (self.prefix.rstrip(".") or None)
        self.context.problems.append(Problem(self.context.file, self.line(key), self.node, name, message))

    def sub(self, key: str, default: Any = REQUIRED) -> Reader:
        """A reader for the mapping under ``key``."""
        return Reader(self.context, self.mapping(key, default), self.node, f"{self.prefix}{key}.")

    def raw(self, key: str, default: Any) -> Any:
        """The value of ``key`` as it is, or ``default`` (noting a problem if it was required)."""
        self.used.add(key)
        if key in self.data:
            return self.data[key]
        if default is REQUIRED:
            self.problem(key, "missing")
        return default

    def typed(self, key: str, kind: type | tuple[type, ...], default: Any, what: str) -> Any:
        """The value of ``key`` if it is a ``kind`` (booleans are not numbers here), else None."""
        value = self.raw(key, default)
        if value is REQUIRED or value is None or (key not in self.data):
            return None if value is REQUIRED else value
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            self.problem(key, f"expected {what}, got {value!r}")
            return None
        return value

    def text(self, key: str, default: Any = REQUIRED) -> str:
        """A text field."""
        value = self.typed(key, str, default, "text")
        return value if isinstance(value, str) else ""

    def integer(self, key: str, default: Any, low: int, high: int) -> int:
        """A whole number in ``low..high``."""
        value = self.typed(key, int, default, "a whole number")
        if isinstance(value, int) and not low <= value <= high:
            self.problem(key, f"must be between {low} and {high}, got {value}")
        return value if isinstance(value, int) else low

    def number(self, key: str, default: Any, low: float, high: float) -> float:
        """A number of seconds, more than ``low`` and at most ``high``."""
        value = self.typed(key, (int, float), default, "a number of seconds")
        if isinstance(value, int | float) and not low < value <= high:
            self.problem(key, f"must be more than {low} and at most {high}, got {value}")
        return float(value) if isinstance(value, int | float) else high

    def flag(self, key: str, default: bool = False) -> bool:
        """true or false."""
        return bool(self.typed(key, bool, default, "true or false"))

    def target(self, key: str, default: Any = REQUIRED, back: bool = False) -> str:
        """A node id (checked against the file's nodes)."""
        value = self.text(key, default)
        self.context.check_target(self, key, value, back)
        return value

    def mapping(self, key: str, default: Any = REQUIRED) -> YamlMap:
        """A nested mapping (empty if absent or wrong)."""
        value = self.typed(key, dict, default, "a mapping")
        return value if isinstance(value, YamlMap) else YamlMap()

    def sets(self, key: str = "set") -> dict[str, str]:
        """A ``set:`` mapping of slot names to values."""
        return {str(name): str(value) for name, value in self.mapping(key, YamlMap()).items()}

    def prompt(self, key: str, name: str, required: bool = True) -> m.Prompt | None:
        """The prompt under ``key``: text in every language of the menu."""
        if key not in self.data and not required:
            self.used.add(key)
            return None
        return read_prompt(self.sub(key), name)

    def finish(self) -> None:
        """Note every field that was not read: a typo, or a setting this kind of node does not have."""
        for key in self.data:
            if key not in self.used:
                self.problem(key, "unknown field")


def read_prompt(reader: Reader, name: str) -> m.Prompt:
    """A prompt from ``{language: text}``; each language of the menu must be there."""
    languages = reader.context.languages
    texts: dict[str, tuple[m.Segment, ...]] = {}
    for key in reader.data:
        if key not in languages:
            reader.used.add(key)
            reader.problem(key, f"language {key!r} is not declared in the menu's languages")
    for language in languages:
        if language not in reader.data:
            reader.problem(None, f"missing prompt for language {language!r}")
            continue
        texts[language] = _segments(reader, language, name, reader.text(language))
    reader.finish()
    return m.Prompt(name, texts)


def _segments(reader: Reader, language: str, name: str, text: str) -> tuple[m.Segment, ...]:
    if not text.strip():
        reader.problem(language, "empty prompt")
    pieces = _PLACEHOLDER.split(text)  # text, slot, kind, text, slot, kind, ..., text
    texts = [pieces[0].strip(), *(piece.lstrip(" .,;:").strip() for piece in pieces[3::3])]
    numbered = sum(1 for piece in texts if piece) > 1
    result: list[m.Segment] = []
    count = 0
    for index in range(0, len(pieces), 3):
        if texts[index // 3]:
            count += 1
            result.append(m.Text(f"{name}.{count}" if numbered else name, texts[index // 3]))
        if index + 1 < len(pieces):
            slot, kind = pieces[index + 1], pieces[index + 2] or "digits"
            if kind not in {say.value for say in m.SayKind}:
                reader.problem(language, f"unknown placeholder kind {kind!r} (digits, reference, amount)")
                kind = "digits"
            result.append(m.Say(slot, m.SayKind(kind)))
    return tuple(result)
