"""Load and validate scorecard YAML; every error names the file, the line and the field.

The YAML is walked as a node tree (``yaml.compose``) rather than loaded into
plain dicts, so that a wrong field can be reported at its own line. The
placeholder ``{municipality}`` in a phrase expands to each of the
municipality's names (a setting), so one scorecard serves any municipality.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from qa.scorecard import (
    CALL_TYPES,
    PRINCIPLES,
    Applicability,
    Criterion,
    Detector,
    PhraseSet,
    Scorecard,
)
from qa.transcript import AGENT, CUSTOMER, DIRECTIONS, normalise_text

DEFAULT_MUNICIPALITY = ("Rivervale Metro",)
#: Stands for the call's agent's first name in a phrase (written ``{agent}`` in YAML).
AGENT_TOKEN = "__agent__"
#: Detector kinds and the numeric limits each one requires.
KINDS: dict[str, tuple[str, ...]] = {
    "phrase": (),
    "absent": (),
    "order": (),
    "conditional": (),
    "hold_permission": (),
    "reference": (),
    "dead_air": ("max_seconds",),
    "overtalk": ("max_seconds",),
    "talk_ratio": ("min_ratio", "max_ratio"),
    "holds": ("max_count", "max_seconds"),
    "handle_time": ("target_seconds",),
}
_NEEDS_TARGET = {"phrase", "absent", "order", "conditional", "hold_permission"}
_PHRASE_KEYS = {"speaker", "phrases", "also", "first_seconds", "last_seconds", "min_similarity"}


class ScorecardError(ValueError):
    """A scorecard that cannot be used; the message reads ``file:line: where: what``."""


class _Reader:
    """Reads typed values out of YAML nodes, raising errors that point at the node's line."""

    def __init__(
        self,
        source: str,
        municipality: Sequence[str],
        shared: Mapping[str, Sequence[str]] | None = None,
        min_similarity: float = 80.0,
    ) -> None:
        self.source = source
        self.municipality = [normalise_text(name) for name in municipality]
        self.shared = shared or {}
        self.used: dict[str, list[str]] = {}
        self.min_similarity = min_similarity

    def error(self, node: yaml.Node, where: str, message: str) -> ScorecardError:
        return ScorecardError(f"{self.source}:{node.start_mark.line + 1}: {where}: {message}")

    def mapping(self, node: yaml.Node, where: str, allowed: set[str] | None = None) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, where, "expected a mapping of keys to values")
        result: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if allowed is not None and key not in allowed:
                raise self.error(
                    key_node, where, f"unknown field '{key}' (allowed: {', '.join(sorted(allowed))})"
                )
            if key in result:
                raise self.error(key_node, where, f"field '{key}' is given twice")
            result[key] = value_node
        return result

    def sequence(self, node: yaml.Node, where: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(node, where, "expected a list")
        return list(node.value)

    def text(self, node: yaml.Node, where: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or node.value == "":
            raise self.error(node, where, "expected a non-empty text")
        return str(node.value)

    def number(self, node: yaml.Node, where: str, minimum: float = 0.0) -> float:
        try:
            value = float(self.text(node, where))
        except ValueError:
            raise self.error(node, where, f"expected a number, got {node.value!r}") from None
        if value < minimum:
            raise self.error(node, where, f"must be at least {minimum:g}, got {value:g}")
        return value

    def boolean(self, node: yaml.Node, where: str) -> bool:
        value = self.text(node, where).lower()
        if value not in ("true", "false", "yes", "no"):
            raise self.error(node, where, f"expected true or false, got {node.value!r}")
        return value in ("true", "yes")

    def choices(self, node: yaml.Node, where: str, allowed: Sequence[str]) -> tuple[str, ...]:
        items = self.sequence(node, where) if isinstance(node, yaml.SequenceNode) else [node]
        values = tuple(self.text(item, where) for item in items)
        for item, value in zip(items, values, strict=True):
            if value not in allowed:
                raise self.error(item, where, f"'{value}' is not one of {', '.join(allowed)}")
        return values

    def phrases(self, node: yaml.Node, where: str) -> tuple[str, ...]:
        result: list[str] = []
        for item in self.sequence(node, where):
            raw = self.text(item, where)
            for line in self._expand_shared(item, raw, where):
                result += self._expand_municipality(item, line, where)
        if not result:
            raise self.error(node, where, "at least one phrase is needed")
        return tuple(dict.fromkeys(result))

    def _expand_shared(self, node: yaml.Node, raw: str, where: str) -> list[str]:
        """``@name`` stands for the shared phrase list ``name`` (``phrases.yaml`` beside the scorecards)."""
        if not raw.startswith("@"):
            return [raw]
        name = raw[1:]
        if name not in self.shared:
            known = ", ".join(sorted(self.shared)) or "none"
            raise self.error(node, where, f"no shared phrase list '{name}' (known: {known})")
        self.used[name] = list(self.shared[name])
        return list(self.shared[name])

    def _expand_municipality(self, node: yaml.Node, raw: str, where: str) -> list[str]:
        """``{municipality}`` stands for each of the municipality's names (a setting).

        ``{agent}`` is kept as the token ``__agent__``: each call fills in its agent's first name.
        """
        raw = raw.replace("{agent}", AGENT_TOKEN)
        lines = (
            [raw.replace("{municipality}", name) for name in self.municipality]
            if "{municipality}" in raw
            else [raw]
        )
        phrases = [normalise_text(line) for line in lines]
        if not all(phrases):
            raise self.error(node, where, "a phrase must hold at least one word")
        return phrases


def load_scorecard(
    path: Path,
    municipality: Sequence[str] = DEFAULT_MUNICIPALITY,
    shared: Mapping[str, Sequence[str]] | None = None,
) -> Scorecard:
    """Read and validate one scorecard file (``shared``: the phrase lists ``@name`` refers to)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScorecardError(f"{path}: cannot read: {exc}") from exc
    return parse_scorecard(text, str(path), municipality, shared)


def load_shared_phrases(path: Path) -> dict[str, list[str]]:
    """The shared phrase lists: a YAML mapping of list name to phrases."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ScorecardError(f"{path}: cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ScorecardError(f"{path}{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(document, dict) or not all(
        isinstance(v, list) and all(isinstance(p, str) for p in v) for v in document.values()
    ):
        raise ScorecardError(f"{path}: expected a mapping of list names to lists of phrases")
    return {str(name): list(phrases) for name, phrases in document.items()}


def parse_scorecard(
    text: str,
    source: str,
    municipality: Sequence[str] = DEFAULT_MUNICIPALITY,
    shared: Mapping[str, Sequence[str]] | None = None,
) -> Scorecard:
    """Validate scorecard YAML ``text``; ``source`` names it in errors."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ScorecardError(f"{source}{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if root is None:
        raise ScorecardError(f"{source}: the file is empty")
    reader = _Reader(source, municipality, shared)
    allowed = {"name", "title", "description", "applies_to", "pass_mark", "min_similarity", "sections"}
    fields = reader.mapping(root, "scorecard", allowed)
    for required in ("name", "title", "applies_to", "sections"):
        if required not in fields:
            raise reader.error(root, "scorecard", f"field '{required}' is missing")
    if "min_similarity" in fields:
        reader.min_similarity = reader.number(fields["min_similarity"], "min_similarity")
    applies = _applicability(reader, fields["applies_to"], "applies_to")
    if not applies.directions:
        raise reader.error(fields["applies_to"], "applies_to", "field 'directions' is missing")
    criteria = _sections(reader, fields["sections"])
    return Scorecard(
        name=reader.text(fields["name"], "name"),
        title=reader.text(fields["title"], "title"),
        criteria=criteria,
        directions=applies.directions,
        call_types=applies.call_types,
        pass_mark=reader.number(fields["pass_mark"], "pass_mark") if "pass_mark" in fields else 80.0,
        description=reader.text(fields["description"], "description") if "description" in fields else "",
        source=_versioned_text(text, reader.used),
        path=source,
    )


def _versioned_text(text: str, used: dict[str, list[str]]) -> str:
    """The scorecard's text plus the shared phrases it used: a change to either makes a new version."""
    if not used:
        return text
    return text + "\n# shared phrase lists used (phrases.yaml):\n" + str(yaml.safe_dump(used, sort_keys=True))


def _sections(reader: _Reader, node: yaml.Node) -> tuple[Criterion, ...]:
    criteria: list[Criterion] = []
    seen: set[str] = set()
    for section_node in reader.sequence(node, "sections"):
        section = reader.mapping(section_node, "section", {"title", "criteria"})
        if "title" not in section or "criteria" not in section:
            raise reader.error(section_node, "section", "needs 'title' and 'criteria'")
        title = reader.text(section["title"], "section title")
        for item in reader.sequence(section["criteria"], f"section '{title}'"):
            criterion = _criterion(reader, item, title)
            if criterion.id in seen:
                raise reader.error(item, f"criterion '{criterion.id}'", "this id is used twice")
            seen.add(criterion.id)
            criteria.append(criterion)
    if not criteria:
        raise reader.error(node, "sections", "a scorecard needs at least one criterion")
    return tuple(criteria)


def _criterion(reader: _Reader, node: yaml.Node, section: str) -> Criterion:
    allowed = {"id", "title", "principle", "weight", "auto_fail", "applies", "detector", "description"}
    fields = reader.mapping(node, f"section '{section}': criterion", allowed)
    if "id" not in fields:
        raise reader.error(node, f"section '{section}': criterion", "field 'id' is missing")
    ident = reader.text(fields["id"], "criterion id")
    where = f"criterion '{ident}'"
    for required in ("title", "principle", "weight", "detector"):
        if required not in fields:
            raise reader.error(node, where, f"field '{required}' is missing")
    return Criterion(
        id=ident,
        title=reader.text(fields["title"], f"{where}: field 'title'"),
        section=section,
        principle=reader.choices(fields["principle"], f"{where}: field 'principle'", PRINCIPLES)[0],
        weight=reader.number(fields["weight"], f"{where}: field 'weight'"),
        detector=_detector(reader, fields["detector"], f"{where}: detector"),
        auto_fail=reader.boolean(fields["auto_fail"], f"{where}: field 'auto_fail'")
        if "auto_fail" in fields
        else False,
        applies=_applicability(reader, fields["applies"], f"{where}: field 'applies'")
        if "applies" in fields
        else Applicability(),
        description=reader.text(fields["description"], where) if "description" in fields else "",
    )


def _applicability(reader: _Reader, node: yaml.Node, where: str) -> Applicability:
    fields = reader.mapping(node, where, {"directions", "call_types", "queues"})
    return Applicability(
        call_types=reader.choices(fields["call_types"], f"{where}.call_types", CALL_TYPES)
        if "call_types" in fields
        else (),
        directions=reader.choices(fields["directions"], f"{where}.directions", DIRECTIONS)
        if "directions" in fields
        else (),
        queues=tuple(reader.text(q, f"{where}.queues") for q in reader.sequence(fields["queues"], where))
        if "queues" in fields
        else (),
    )


def _detector(reader: _Reader, node: yaml.Node, where: str) -> Detector:
    raw = reader.mapping(node, where)
    if "kind" not in raw:
        raise reader.error(node, where, "field 'kind' is missing")
    kind = reader.choices(raw["kind"], f"{where}: field 'kind'", tuple(KINDS))[0]
    limit_names = set(KINDS[kind])
    allowed = {"kind", "first", "trigger"} | _PHRASE_KEYS | limit_names
    fields = reader.mapping(node, f"{where} ({kind})", allowed)
    limits = {}
    for name in KINDS[kind]:
        if name not in fields:
            raise reader.error(node, f"{where} ({kind})", f"field '{name}' is missing")
        limits[name] = reader.number(fields[name], f"{where}: field '{name}'")
    target = _phrase_set(reader, node, fields, where) if "phrases" in fields else None
    if kind in _NEEDS_TARGET and target is None:
        raise reader.error(node, f"{where} ({kind})", "field 'phrases' is missing")
    first = _nested(reader, fields, "first", where)
    trigger = _nested(reader, fields, "trigger", where)
    if kind == "order" and first is None:
        raise reader.error(node, f"{where} (order)", "field 'first' is missing (what must come first)")
    if kind == "conditional" and trigger is None:
        raise reader.error(node, f"{where} (conditional)", "field 'trigger' is missing (when it applies)")
    return Detector(kind=kind, target=target, first=first, trigger=trigger, limits=limits)


def _nested(reader: _Reader, fields: dict[str, yaml.Node], key: str, where: str) -> PhraseSet | None:
    if key not in fields:
        return None
    inner = reader.mapping(fields[key], f"{where}: field '{key}'", _PHRASE_KEYS)
    if "phrases" not in inner:
        raise reader.error(fields[key], f"{where}: field '{key}'", "field 'phrases' is missing")
    return _phrase_set(reader, fields[key], inner, f"{where}: field '{key}'")


def _phrase_set(reader: _Reader, node: yaml.Node, fields: dict[str, yaml.Node], where: str) -> PhraseSet:
    speaker = (
        reader.choices(fields["speaker"], f"{where}: field 'speaker'", (AGENT, CUSTOMER))[0]
        if "speaker" in fields
        else AGENT
    )
    also = tuple(
        reader.phrases(group, f"{where}: field 'also'")
        for group in (reader.sequence(fields["also"], where) if "also" in fields else [])
    )

    def optional(key: str) -> float | None:
        return reader.number(fields[key], f"{where}: field '{key}'") if key in fields else None

    similarity = optional("min_similarity")
    if similarity is not None and not 50 <= similarity <= 100:
        raise reader.error(fields["min_similarity"], where, "min_similarity must be between 50 and 100")
    return PhraseSet(
        speaker=speaker,
        phrases=reader.phrases(fields["phrases"], f"{where}: field 'phrases'"),
        also=also,
        first_seconds=optional("first_seconds"),
        last_seconds=optional("last_seconds"),
        min_similarity=similarity if similarity is not None else reader.min_similarity,
    )
