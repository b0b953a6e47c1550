"""Menus from YAML: the shipped menu loads; each kind of mistake is reported with file, line and node."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ivr import menu as m
from ivr.menu_loader import DEFAULT_MENU, MenuError, load_menu, parse_menu

FILE = "test-menu.yaml"
GOOD = textwrap.dedent(
    """\
    menu: test
    languages: [en, zu]
    start: main
    agent: agent
    prompts:
      invalid: {en: "Invalid.", zu: "Akulungile."}
      no_input: {en: "Nothing heard.", zu: "Asizwanga lutho."}
    defaults:
      on_invalid: agent
      on_no_input: agent
    schedules:
      office:
        hours:
          mon-fri: "08:00-16:00"
    nodes:
      main:
        type: menu
        prompt: {en: "Press 1 for a number.", zu: "Cindezela u-1."}
        choices:
          1: number
      number:
        type: collect
        store: n
        min_length: 2
        max_length: 4
        next: confirm
        prompt: {en: "Key in a number.", zu: "Faka inombolo."}
      confirm:
        type: menu
        prompt: {en: "You entered {n}. Press 1 to confirm, 2 to change it.", zu: "Ufake {n}."}
        choices:
          1: bye
          2: "@back"
      bye:
        type: hangup
      agent:
        type: schedule
        schedule: office
        open: queue
        closed: bye
      queue:
        type: transfer
        queue: general
    """
)


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of the first line containing ``fragment``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(f"{fragment!r} not in the menu text")


def problems(text: str) -> list[str]:
    with pytest.raises(MenuError) as raised:
        parse_menu(text, FILE)
    assert raised.value.problems, "a MenuError lists its problems"
    return [str(problem) for problem in raised.value.problems]


def changed(old: str, new: str, text: str = GOOD) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def test_the_shipped_menu_loads_with_every_prompt_in_every_language() -> None:
    menu = load_menu()
    assert menu.source == str(DEFAULT_MENU)
    assert set(menu.languages) >= {"en", "zu", "af", "st"}
    assert menu.queues() == {"enquiries", "accounts", "faults"}
    for node in menu.nodes.values():
        for _, prompt in node.prompts():
            assert set(prompt.texts) == set(menu.languages), node.id
            assert all(prompt.texts[language] for language in menu.languages), node.id
    fault_type = menu.nodes["fault_type"]
    assert isinstance(fault_type, m.MenuNode)
    fault_kinds = {choice.sets.get("service") for choice in fault_type.choices.values()}
    assert fault_kinds == {"water", "electricity", "sewage", "refuse", "roads_stormwater", "illegal_dumping"}


def test_a_good_menu_loads_into_typed_nodes() -> None:
    menu = parse_menu(GOOD, FILE)
    assert menu.start == "main" and menu.languages == ("en", "zu") and menu.default_language == "en"
    number = menu.nodes["number"]
    assert isinstance(number, m.CollectNode)
    assert (number.min_length, number.max_length, number.terminator, number.retries) == (2, 4, "#", 2)
    assert number.line == line_of(GOOD, "  number:")
    confirm = menu.nodes["confirm"]
    assert isinstance(confirm, m.MenuNode) and confirm.choices["2"].target == m.BACK
    assert confirm.prompt is not None
    assert confirm.prompt.texts["en"] == (
        m.Text("confirm.1", "You entered"),
        m.Say("n", m.SayKind.DIGITS),
        m.Text("confirm.2", "Press 1 to confirm, 2 to change it."),
    )


def test_a_menu_file_on_disk_is_named_in_problems(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(changed("next: confirm", "next: nowhere"))
    with pytest.raises(MenuError) as raised:
        load_menu(path)
    assert str(raised.value).startswith(f"{path}:{line_of(path.read_text(), 'next: nowhere')}: node 'number'")


@pytest.mark.parametrize(
    ("old", "new", "marker", "expected"),
    [
        (
            "next: confirm",
            "next: nowhere",
            "next: nowhere",
            "node 'number': field 'next': unknown node 'nowhere'",
        ),
        ("1: number", "1: numbr", "1: numbr", "node 'main': field 'choices.1': unknown node 'numbr'"),
        (
            'prompt: {en: "Key in a number.", zu: "Faka inombolo."}',
            'prompt: {en: "Key in a number."}',
            'prompt: {en: "Key in a number."}',
            "node 'number': field 'prompt': missing prompt for language 'zu'",
        ),
        (
            'zu: "Faka inombolo."}',
            'zu: "Faka inombolo.", xh: "Faka inombolo."}',
            "xh:",
            "node 'number': field 'prompt.xh': language 'xh' is not declared",
        ),
        (
            "max_length: 4",
            "max_length: 1",
            "max_length: 1",
            "node 'number': field 'max_length': is less than",
        ),
        ("min_length: 2", "min_length: 0", "min_length: 0", "field 'min_length': must be between 1 and 32"),
        (
            "store: n",
            'store: n\n    terminator: "*"',
            'terminator: "*"',
            "field 'terminator': must be '#' or ''",
        ),
        (
            "store: n",
            "store: n\n    timeout: 0",
            "timeout: 0",
            "node 'number': field 'timeout': must be more than 0",
        ),
        ("store: n", "store: n\n    timeout: soon", "timeout: soon", "field 'timeout': expected a number"),
        ("store: n", "store: n\n    validate: crc", "validate: crc", "field 'validate': unknown check 'crc'"),
        (
            "min_length: 2",
            "min_length: 1\n    validate: damm",
            "validate: damm",
            "check digit needs min_length",
        ),
        ("store: n", "store: n\n    retries: -1", "retries: -1", "field 'retries': must be between 0 and 9"),
        ("1: number", "0: number", "0: number", "node 'main': field 'choices.0': is reserved"),
        ("1: number", "12: number", "12: number", "field 'choices.12': must be 1-9"),
        (
            "type: hangup",
            "type: hangpu",
            "type: hangpu",
            "node 'bye': field 'type': unknown node type 'hangpu'",
        ),
        (
            "type: hangup",
            "type: hangup\n    nxt: main",
            "nxt: main",
            "node 'bye': field 'nxt': unknown field",
        ),
        (
            "next: confirm",
            'next: "@back"',
            'next: "@back"',
            "field 'next': @back is only allowed as a menu choice",
        ),
        (
            "schedule: office",
            "schedule: offce",
            "schedule: offce",
            "field 'schedule': unknown schedule 'offce'",
        ),
        ("queue: general", "queue: 7", "queue: 7", "node 'queue': field 'queue': expected text, got 7"),
        ("Ufake {n}.", "Ufake {n:words}.", "Ufake {n:words}.", "field 'prompt.zu': unknown placeholder kind"),
        (
            'mon-fri: "08:00-16:00"',
            'mon-fri: "08:00-6:0"',
            "mon-fri:",
            "field 'schedules.office.hours.mon-fri'",
        ),
        (
            'mon-fri: "08:00-16:00"',
            'mon-fry: "08:00-16:00"',
            "mon-fry:",
            "schedules.office.hours.mon-fry': bad day",
        ),
        ("start: main", "start: mian", "start: mian", "field 'start': unknown node 'mian'"),
        (
            "languages: [en, zu]",
            "languages: [en, zu]\ncolour: blue",
            "colour: blue",
            "field 'colour': unknown field",
        ),
    ],
)
def test_each_mistake_names_file_line_node_and_field(old: str, new: str, marker: str, expected: str) -> None:
    text = changed(old, new)
    found = problems(text)
    line = line_of(text, marker)
    assert any(p.startswith(f"{FILE}:{line}:") and expected in p for p in found), (found, line, expected)


def test_bad_yaml_is_reported_with_its_line() -> None:
    text = changed("  bye:\n", "  bye:\n    type: [unclosed\n")
    (problem,) = problems(text)
    assert problem.startswith(f"{FILE}:") and "not valid YAML" in problem
    assert int(problem.split(":")[1]) >= line_of(text, "[unclosed")


def test_a_key_given_twice_is_reported() -> None:
    text = changed("    store: n\n", "    store: n\n    store: m\n")
    (problem,) = problems(text)
    assert problem == f"{FILE}:{line_of(text, 'store: m')}: field 'store': appears twice in the same mapping"


def test_an_unreachable_node_is_rejected() -> None:
    text = GOOD + "  orphan:\n    type: hangup\n"
    message = "unreachable: no path from the start (or from `0`) leads here"
    assert problems(text) == [f"{FILE}:{line_of(text, 'orphan:')}: node 'orphan': {message}"]


def test_a_dead_end_is_rejected() -> None:
    # `loop` and `round` only lead to each other (and to `0`, which does not count): no way to finish.
    text = changed("      1: number", "      1: number\n      2: loop")
    text += textwrap.indent(
        textwrap.dedent(
            """\
            loop:
              type: menu
              on_invalid: round
              on_no_input: round
              prompt: {en: "Loop.", zu: "Loop."}
              choices: {1: round}
            round:
              type: play
              next: loop
              prompt: {en: "Round.", zu: "Round."}
            """
        ),
        "  ",
    )
    found = problems(text)
    message = "dead end: no transfer or hangup can be reached from here"
    assert f"{FILE}:{line_of(text, '  loop:')}: node 'loop': {message}" in found
    assert any(p.startswith(f"{FILE}:{line_of(text, '  round:')}: node 'round': dead end") for p in found)


def test_a_loop_of_nodes_that_never_wait_is_rejected() -> None:
    text = changed("      1: number", "      1: number\n      2: ping")
    text += "  ping:\n    type: play\n    next: pong\n    prompt: {en: a, zu: a}\n"
    text += "  pong:\n    type: branch\n    slot: n\n    present: ping\n    missing: bye\n"
    found = problems(text)
    assert any(p.startswith(f"{FILE}:{line_of(text, '  ping:')}: node 'ping': loops back") for p in found)


def test_every_problem_is_reported_at_once() -> None:
    text = changed("next: confirm", "next: nowhere")
    text = changed("max_length: 4", "max_length: 1", text)
    text = changed("type: hangup", "type: hangup\n    colour: red", text)
    found = problems(text)
    assert len(found) == 3 and all(p.startswith(f"{FILE}:") for p in found)


def test_a_file_that_is_not_a_mapping_is_rejected() -> None:
    assert problems("- just\n- a list\n") == [f"{FILE}:1: expected a mapping with menu, languages, nodes ..."]


def test_defaults_apply_and_can_be_overridden() -> None:
    menu = parse_menu(
        changed("  on_no_input: agent", "  on_no_input: agent\n  timeout: 9\n  retries: 1"), FILE
    )
    number = menu.nodes["number"]
    assert isinstance(number, m.CollectNode) and (number.timeout, number.retries) == (9.0, 1)
    assert number.on_invalid == "agent" and number.on_no_input == "agent"
