"""The caller's keys at ``menu`` and ``collect`` nodes: choices, `0`, `*`, numbers, and bad input.

Bad input (a key that is no choice, several keys at a one-key menu, ``#`` alone, too few or too many
digits, a failed check digit) and silence are retried with a clear prompt (the node's own, else the
menu's ``invalid`` / ``no_input``) up to the node's ``retries``; then the caller goes to the node's
``on_invalid`` / ``on_no_input``. After ``max_errors`` in one call the caller goes to an agent.
Every entry is kept in the state with what the engine made of it.
"""

from __future__ import annotations

from ivr import events as e
from ivr import menu as m
from ivr.engine_nodes import Actions, ask, enter, say
from ivr.engine_state import Draft, KeyInput


def on_digits(menu: m.Menu, d: Draft, event: e.DigitsEntered, out: Actions) -> None:
    """Keys entered at the current menu or collect node."""
    node = menu.nodes[d.node]
    if isinstance(node, m.MenuNode):
        _menu_keys(menu, d, node, event.digits, out)
    else:
        assert isinstance(node, m.CollectNode)
        _collected(menu, d, node, event.digits, out)


def on_no_input(menu: m.Menu, d: Draft, event: e.NoInput, out: Actions) -> None:
    """The caller said nothing in time."""
    node = menu.nodes[d.node]
    assert isinstance(node, m.MenuNode | m.CollectNode)
    _record(d, "", "no_input")
    _retry(menu, d, node, out, no_input=True)


def _record(d: Draft, keys: str, result: str, secret: bool = False) -> None:
    shown = "*" * len(keys) if secret else keys
    d.inputs = (*d.inputs, KeyInput(d.node, shown, d.at, result))


def _menu_keys(menu: m.Menu, d: Draft, node: m.MenuNode, keys: str, out: Actions) -> None:
    key = keys[:-1] if len(keys) > 1 and keys.endswith("#") else keys
    if key == m.AGENT_KEY:
        _record(d, keys, "agent")
        enter(menu, d, d.agent, out)
    elif key == m.BACK_KEY:
        _record(d, keys, "back")
        enter(menu, d, m.BACK, out)
    elif key in node.choices:
        _record(d, keys, "ok")
        choice = node.choices[key]
        if choice.language is not None:
            d.language = choice.language
        if choice.sets:
            d.slots = {**d.slots, **choice.sets}
        enter(menu, d, choice.target, out)
    else:
        reason = "empty" if key in ("", "#") else "storm" if len(key) > 1 else "not_an_option"
        _record(d, keys, f"invalid:{reason}")
        _retry(menu, d, node, out)


def _collected(menu: m.Menu, d: Draft, node: m.CollectNode, keys: str, out: Actions) -> None:
    digits = keys[: -len(node.terminator)] if node.terminator and keys.endswith(node.terminator) else keys
    if m.BACK_KEY in digits:  # `*` anywhere cancels the entry and goes back
        _record(d, keys, "back", node.secret)
        enter(menu, d, m.BACK, out)
        return
    if digits == m.AGENT_KEY:  # a lone 0 is no number anyone keys in: it asks for an agent, as everywhere
        _record(d, keys, "agent", node.secret)
        enter(menu, d, d.agent, out)
        return
    problem = _check(node, digits)
    _record(d, keys, f"invalid:{problem}" if problem else "ok", node.secret)
    if problem:
        _retry(menu, d, node, out)
        return
    d.set_slot(node.store, digits)
    enter(menu, d, node.next, out)


def _check(node: m.CollectNode, digits: str) -> str:
    if not digits:
        return "empty"
    if not (digits.isascii() and digits.isdigit()):
        return "not_digits"
    if len(digits) < node.min_length:
        return "too_short"
    if len(digits) > node.max_length:
        return "too_long"
    if node.validate is not None and not m.VALIDATORS[node.validate](digits):
        return "check_digit"
    return ""


def _retry(
    menu: m.Menu, d: Draft, node: m.MenuNode | m.CollectNode, out: Actions, no_input: bool = False
) -> None:
    d.errors += 1
    d.tries += 1
    if d.errors >= menu.max_errors:
        d.note("too_many_errors")
        d.errors = 0  # counted afresh from the agent node on (which may be an after-hours menu)
        enter(menu, d, d.agent, out)
    elif d.tries > node.retries:
        d.note("gave_up_no_input" if no_input else "gave_up_invalid")
        enter(menu, d, node.on_no_input if no_input else node.on_invalid, out)
    else:
        if no_input:
            say(node.no_input_prompt or menu.no_input_prompt, d.language, d.slots, out)
        else:
            say(node.invalid_prompt or menu.invalid_prompt, d.language, d.slots, out)
        ask(menu, d, node, out)
