"""Menus from YAML, checked: every error names the file, the line, the node and the field.

    menu: municipal
    languages: [en, zu, af, st]
    default_language: en
    start: language                  # the first node
    agent: agent_general             # where `0` leads until a node sets `agent:`
    max_errors: 8                    # bad inputs per call before the caller goes to an agent
    prompts: {invalid: {en: ...}, no_input: {en: ...}}
    defaults: {timeout: 5, inter_digit_timeout: 3, retries: 2, terminator: "#",
               on_invalid: agent_general, on_no_input: agent_general}
    schedules: {office: {hours: {mon-fri: "07:30-16:00"}}}      # see callcentre.schedule
    nodes:
      main:
        type: menu
        prompt: {en: "To report a fault, press 1 ...", zu: ...}
        choices: {1: fault_type, 2: {to: status_reference, set: {topic: status}}}

:func:`load_menu` raises :class:`MenuError` listing every problem found, each as
``file:line: node 'x': field 'y': message``. Besides field-by-field checks it rejects unknown node
targets, unreachable nodes, dead ends (no transfer or hangup reachable), prompts missing for a
declared language and collection settings that cannot work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from callcentre.schedule import Schedule, ScheduleError, parse_schedule
from ivr import menu as m
from ivr.menu_yaml import REQUIRED, Context, MenuError, Problem, Reader, YamlMap, read_yaml

__all__ = ["DEFAULT_MENU", "MenuError", "Problem", "load_menu", "parse_menu"]
DEFAULT_MENU = Path(__file__).parent / "menus" / "municipal.yaml"
Defaults = Mapping[str, Any]


def load_menu(path: str | Path = DEFAULT_MENU) -> m.Menu:
    """Load and check the menu at ``path`` (the shipped municipal menu by default)."""
    path = Path(path)
    return parse_menu(path.read_text(encoding="utf-8"), str(path))


def parse_menu(text: str, file: str = "<menu>") -> m.Menu:
    """Load and check a menu from YAML ``text``; ``file`` is the name problems are reported under."""
    data = read_yaml(text, file)
    if not isinstance(data, YamlMap):
        raise MenuError([Problem(file, 1, None, None, "expected a mapping with menu, languages, nodes ...")])
    context = Context(file)
    menu = _read_menu(context, Reader(context, data, None))
    if context.problems:
        raise MenuError(context.problems)
    lines = {node_id: node.line for node_id, node in menu.nodes.items()}
    graph = [Problem(file, lines[node], node, None, message) for node, message in _graph_problems(menu)]
    if graph:
        raise MenuError(graph)
    return menu


def _read_menu(context: Context, top: Reader) -> m.Menu:
    languages = top.typed("languages", list, REQUIRED, "a list of language codes") or []
    context.languages = tuple(dict.fromkeys(str(language) for language in languages))
    if not context.languages:
        top.problem("languages", "declare at least one language")
    default_language = top.text("default_language", context.languages[0] if context.languages else "")
    if context.languages and default_language not in context.languages:
        top.problem("default_language", f"{default_language!r} is not one of the menu's languages")
    nodes_data = top.mapping("nodes")
    context.node_ids = {str(node_id) for node_id in nodes_data}
    if not nodes_data:
        top.problem("nodes", "a menu needs nodes")
    schedules = _read_schedules(top.sub("schedules", YamlMap()))
    context.schedules = set(schedules)
    prompts = top.sub("prompts")
    invalid, no_input = prompts.prompt("invalid", "invalid"), prompts.prompt("no_input", "no_input")
    prompts.finish()
    defaults = _read_defaults(top.sub("defaults", YamlMap()))
    nodes = {
        str(node_id): _read_node(context, defaults, str(node_id), spec, nodes_data.key_lines[node_id])
        for node_id, spec in nodes_data.items()
    }
    menu = m.Menu(
        name=top.text("menu"),
        source=context.file,
        languages=context.languages,
        default_language=default_language,
        start=top.target("start"),
        agent=top.target("agent"),
        max_errors=top.integer("max_errors", 8, 1, 100),
        invalid_prompt=invalid or m.Prompt("invalid", {}),
        no_input_prompt=no_input or m.Prompt("no_input", {}),
        schedules=schedules,
        nodes={node_id: node for node_id, node in nodes.items() if node is not None},
    )
    top.finish()
    return menu


def _read_schedules(reader: Reader) -> dict[str, Schedule]:
    schedules: dict[str, Schedule] = {}
    for name, spec in reader.data.items():
        reader.used.add(name)
        if not isinstance(spec, YamlMap):
            reader.problem(name, "expected a mapping with hours (and timezone, public_holidays)")
            continue
        try:
            schedules[str(name)] = parse_schedule(str(name), spec)
        except ScheduleError as error:
            setting, _, day = error.field.partition(".")
            hours = spec.get(setting)
            line = hours.key_lines.get(day) if day and isinstance(hours, YamlMap) else None
            line = line or spec.key_lines.get(setting, spec.line)
            reader.context.problems.append(
                Problem(reader.context.file, line, None, f"schedules.{name}.{error.field}", str(error))
            )
    return schedules


def _read_defaults(reader: Reader) -> Defaults:
    defaults = {
        "timeout": reader.number("timeout", 5.0, 0, 60),
        "inter_digit_timeout": reader.number("inter_digit_timeout", 3.0, 0, 30),
        "retries": reader.integer("retries", 2, 0, 9),
        "terminator": reader.text("terminator", "#"),
        "on_invalid": reader.target("on_invalid", ""),
        "on_no_input": reader.target("on_no_input", ""),
    }
    reader.finish()
    return defaults


def _read_node(context: Context, defaults: Defaults, node_id: str, spec: Any, line: int) -> m.Node | None:
    if not isinstance(spec, YamlMap):
        context.problems.append(Problem(context.file, line, node_id, None, "expected a mapping with a type"))
        return None
    reader = Reader(context, spec, node_id)
    kind = reader.text("type")
    builder = _BUILDERS.get(kind)
    if builder is None:
        reader.problem("type", f"unknown node type {kind!r} (one of {', '.join(sorted(m.NODE_KINDS))})")
        return None
    common: dict[str, Any] = {"id": node_id, "line": line, "sets": reader.sets()}
    common["agent"] = reader.target("agent", None) or None
    needs_prompt = kind in ("menu", "collect", "play")
    common["prompt"] = reader.prompt("prompt", node_id, required=needs_prompt)
    node = builder(reader, defaults, common)
    reader.finish()
    return node


def _reachable(menu: m.Menu) -> set[str]:
    """Nodes reachable from the start, counting `0` (every ``agent`` node) as a way in."""
    seen: set[str] = set()
    todo = [menu.start, menu.agent, *(n.agent for n in menu.nodes.values() if n.agent)]
    while todo:
        node_id = todo.pop()
        if node_id in seen or node_id not in menu.nodes:
            continue
        seen.add(node_id)
        todo.extend(m.flow_edges(menu.nodes[node_id], menu.agent))
    return seen


def _reaching_a_leaf(menu: m.Menu) -> set[str]:
    """Nodes from which a leaf can be reached by the menu's own choices (without `0` or `*`)."""
    done = {node_id for node_id, node in menu.nodes.items() if isinstance(node, m.LEAVES)}
    changed = True
    while changed:
        changed = False
        for node_id, node in menu.nodes.items():
            if node_id not in done and any(target in done for target in m.flow_edges(node, menu.agent)):
                done.add(node_id)
                changed = True
    return done


def _automatic_loops(menu: m.Menu) -> set[str]:
    """Nodes on a cycle of nodes that never wait (play, schedule, branch): it would spin forever."""
    automatic = {node_id for node_id, node in menu.nodes.items() if isinstance(node, m.AUTOMATIC)}
    on_loop: set[str] = set()
    for start in automatic:
        todo, seen = [start], set()
        while todo:
            node_id = todo.pop()
            for target in m.flow_edges(menu.nodes[node_id], menu.agent):
                if target == start:
                    on_loop.add(start)
                elif target in automatic and target not in seen:
                    seen.add(target)
                    todo.append(target)
    return on_loop


def _graph_problems(menu: m.Menu) -> list[tuple[str, str]]:
    """(node id, message) for unreachable nodes, dead ends and loops that never wait."""
    problems: list[tuple[str, str]] = []
    seen, live, loops = _reachable(menu), _reaching_a_leaf(menu), _automatic_loops(menu)
    for node_id in menu.nodes:
        if node_id not in seen:
            problems.append((node_id, "unreachable: no path from the start (or from `0`) leads here"))
        if node_id not in live:
            problems.append((node_id, "dead end: no transfer or hangup can be reached from here"))
        if node_id in loops:
            problems.append((node_id, "loops back to itself through nodes that never wait for the caller"))
    return problems


def _input_settings(reader: Reader, defaults: Defaults) -> dict[str, Any]:
    settings = {
        "timeout": reader.number("timeout", defaults["timeout"], 0, 60),
        "inter_digit_timeout": reader.number("inter_digit_timeout", defaults["inter_digit_timeout"], 0, 30),
        "retries": reader.integer("retries", defaults["retries"], 0, 9),
        "on_invalid": reader.target("on_invalid", defaults["on_invalid"]),
        "on_no_input": reader.target("on_no_input", defaults["on_no_input"]),
        "invalid_prompt": reader.prompt("invalid_prompt", f"{reader.node}.invalid", required=False),
        "no_input_prompt": reader.prompt("no_input_prompt", f"{reader.node}.no_input", required=False),
    }
    for key in ("on_invalid", "on_no_input"):
        if not settings[key]:
            reader.problem(key, "missing (here or under defaults)")
    return settings


def _menu_node(reader: Reader, defaults: Defaults, common: dict[str, Any]) -> m.Node:
    choices: dict[str, m.Choice] = {}
    keys = reader.sub("choices")
    for key, value in keys.data.items():
        choices[str(key)] = _choice(keys, key, value)
    if not choices:
        reader.problem("choices", "a menu needs at least one choice")
    return m.MenuNode(
        **common,
        **_input_settings(reader, defaults),
        choices=choices,
        all_languages=reader.flag("all_languages"),
        reset_history=reader.flag("reset_history"),
    )


def _choice(keys: Reader, raw_key: Any, value: Any) -> m.Choice:
    keys.used.add(raw_key)
    key = str(raw_key)
    if isinstance(raw_key, bool) or len(key) != 1 or key not in "123456789":
        reserved = key in m.RESERVED_KEYS
        keys.problem(
            raw_key, "is reserved (0: agent, *: back, #: end of entry)" if reserved else "must be 1-9"
        )
    if not isinstance(value, YamlMap):  # `1: node` is short for `1: {to: node}`
        if not isinstance(value, str):
            keys.problem(raw_key, f"expected a node id, got {value!r}")
        keys.context.check_target(keys, raw_key, value if isinstance(value, str) else "", back=True)
        return m.Choice(value if isinstance(value, str) else "")
    choice = Reader(keys.context, value, keys.node, f"{keys.prefix}{key}.")
    target = choice.target("to", back=True)
    language = choice.text("language", None) or None
    if language is not None and language not in keys.context.languages:
        choice.problem("language", f"{language!r} is not one of the menu's languages")
    sets = choice.sets()
    choice.finish()
    return m.Choice(target, language, sets)


def _collect_node(reader: Reader, defaults: Defaults, common: dict[str, Any]) -> m.Node:
    low = reader.integer("min_length", 1, 1, 32)
    high = reader.integer("max_length", REQUIRED, 1, 32)
    if high < low:
        reader.problem("max_length", f"is less than min_length ({high} < {low})")
    terminator = reader.text("terminator", defaults["terminator"])
    if terminator not in ("#", ""):
        reader.problem("terminator", "must be '#' or '' ('*' goes back, digits are data)")
    validate = reader.text("validate", None) or None
    if validate is not None and validate not in m.VALIDATORS:
        reader.problem("validate", f"unknown check {validate!r} (one of {', '.join(sorted(m.VALIDATORS))})")
    elif validate is not None and low < 2:
        reader.problem("validate", "a check digit needs min_length of at least 2")
    return m.CollectNode(
        **common,
        **_input_settings(reader, defaults),
        store=reader.text("store"),
        min_length=low,
        max_length=high,
        terminator=terminator,
        next=reader.target("next"),
        validate=validate,
        secret=reader.flag("secret"),
    )


def _schedule_node(reader: Reader, defaults: Defaults, common: dict[str, Any]) -> m.Node:
    schedule = reader.text("schedule")
    if schedule and schedule not in reader.context.schedules:
        reader.problem("schedule", f"unknown schedule {schedule!r}")
    closed = reader.target("closed")
    return m.ScheduleNode(
        **common,
        schedule=schedule,
        open=reader.target("open"),
        closed=closed,
        holiday=reader.target("holiday", closed),
    )


def _prompts(reader: Reader, key: str) -> dict[str, m.Prompt]:
    sub = reader.sub(key)
    result = {str(name): sub.prompt(str(name), f"{reader.node}.{key}.{name}") for name in sub.data}
    return {name: prompt for name, prompt in result.items() if prompt is not None}


def _status_node(reader: Reader, defaults: Defaults, common: dict[str, Any]) -> m.Node:
    return m.StatusNode(
        **common,
        reference_slot=reader.text("reference_slot", "reference"),
        statuses=_prompts(reader, "statuses"),
        other_status=reader.prompt("other_status", f"{reader.node}.other_status") or m.Prompt("", {}),
        next=reader.target("next"),
        unknown=reader.target("unknown"),
        attempts=reader.integer("attempts", 3, 1, 9),
        too_many=reader.target("too_many"),
        on_error=reader.target("on_error"),
    )


def _outages_node(reader: Reader, defaults: Defaults, common: dict[str, Any]) -> m.Node:
    return m.OutagesNode(
        **common,
        service_slot=reader.text("service_slot", None) or None,
        services=_prompts(reader, "services"),
        other_service=reader.prompt("other_service", f"{reader.node}.other_service") or m.Prompt("", {}),
        found=reader.target("found"),
        none=reader.target("none"),
        on_error=reader.target("on_error"),
    )


def _simple(kind: type[m.Node], **fields: Callable[[Reader], Any]) -> Callable[..., m.Node]:
    def build(reader: Reader, defaults: Defaults, common: dict[str, Any]) -> m.Node:
        return kind(**common, **{name: read(reader) for name, read in fields.items()})

    return build


_BUILDERS: Mapping[str, Callable[[Reader, Defaults, dict[str, Any]], m.Node]] = {
    "menu": _menu_node,
    "collect": _collect_node,
    "schedule": _schedule_node,
    "status": _status_node,
    "outages": _outages_node,
    "play": _simple(m.PlayNode, next=lambda r: r.target("next")),
    "hangup": _simple(m.HangupNode),
    "transfer": _simple(m.TransferNode, queue=lambda r: r.text("queue")),
    "branch": _simple(
        m.BranchNode,
        slot=lambda r: r.text("slot"),
        present=lambda r: r.target("present"),
        missing=lambda r: r.target("missing"),
    ),
    "create_request": _simple(
        m.RequestNode,
        service_slot=lambda r: r.text("service_slot", "service"),
        details=lambda r: tuple(map(str, r.typed("details", list, [], "a list of slot names") or [])),
        next=lambda r: r.target("next"),
        on_error=lambda r: r.target("on_error"),
    ),
    "verify": _simple(
        m.VerifyNode,
        account_slot=lambda r: r.text("account_slot", "account"),
        verification_slot=lambda r: r.text("verification_slot", "verification"),
        next=lambda r: r.target("next"),
        unknown=lambda r: r.target("unknown"),
        failed=lambda r: r.target("failed"),
        attempts=lambda r: r.integer("attempts", 3, 1, 9),
        locked=lambda r: r.target("locked"),
        on_error=lambda r: r.target("on_error"),
    ),
    "callback": _simple(
        m.CallbackNode,
        queue=lambda r: r.text("queue"),
        number_slot=lambda r: r.text("number_slot", "callback_number"),
        next=lambda r: r.target("next"),
        on_error=lambda r: r.target("on_error"),
    ),
    "record": _simple(
        m.RecordNode,
        store=lambda r: r.text("store", "recording"),
        max_seconds=lambda r: r.number("max_seconds", 60.0, 0, 300),
        next=lambda r: r.target("next"),
        on_error=lambda r: r.target("on_error"),
    ),
}
