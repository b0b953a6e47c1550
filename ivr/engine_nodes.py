"""Entering nodes: what the engine says and asks for when the caller arrives at each kind of node.

``enter`` follows automatic nodes (play, schedule, branch) until it reaches one that waits for the
caller or the back end, or a leaf that ends the session.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from callcentre.schedule import ScheduleStatus
from ivr import actions as a
from ivr import menu as m
from ivr.engine_state import Draft, Outcome, Visit, Waiting
from ivr.references import GROUP_SIZE

Actions = list[a.Action]
MAX_CHAIN = 64  # automatic nodes in a row (the loader rejects loops of them; this is a backstop)
MAX_PATH = 500  # the call logger stores CC_IVR_PATH in 512 characters


def say(prompt: m.Prompt, language: str, slots: Mapping[str, str], out: Actions) -> None:
    """Append the prompt's segments in ``language``; placeholders whose slot is empty are skipped."""
    for segment in prompt.texts[language]:
        if isinstance(segment, m.Text):
            out.append(a.Play(segment.key, language, segment.text))
            continue
        value = slots.get(segment.slot, "")
        if not value:
            continue
        if segment.kind is m.SayKind.AMOUNT:
            out.append(a.SayAmount(int(value), language))
        else:
            group = GROUP_SIZE if segment.kind is m.SayKind.REFERENCE else 0
            out.append(a.SayDigits(value, language, group))


def ask(menu: m.Menu, d: Draft, node: m.MenuNode | m.CollectNode, out: Actions) -> None:
    """Say the node's prompt and collect keys for it."""
    assert node.prompt is not None  # the loader requires one
    if isinstance(node, m.MenuNode) and node.all_languages:
        for language in menu.languages:
            say(node.prompt, language, d.slots, out)
    else:
        say(node.prompt, d.language, d.slots, out)
    if isinstance(node, m.MenuNode):
        out.append(a.CollectDigits(1, 1, "", node.timeout, node.inter_digit_timeout))
    else:
        out.append(
            a.CollectDigits(
                node.min_length, node.max_length, node.terminator, node.timeout, node.inter_digit_timeout
            )
        )
    d.waiting = Waiting.DIGITS


def ivr_path(d: Draft) -> str:
    """The nodes visited, ``/``-separated (the ``CC_IVR_PATH`` channel variable), at most
    ``MAX_PATH`` characters: a long path keeps its end, after ``.../``."""
    path = "/".join(visit.node for visit in d.visits)
    if len(path) <= MAX_PATH:
        return path
    return ".../" + path[-(MAX_PATH - 4) :].partition("/")[2]


def finish(d: Draft, outcome: Outcome, by: str, queue: str | None = None) -> None:
    """End the session."""
    d.outcome, d.queue, d.ended_by, d.ended_at = outcome, queue, by, d.at
    d.waiting = Waiting.NOTHING


def outcome_without_transfer(d: Draft, abandoned: Outcome) -> Outcome:
    """A call-back beats self-service; otherwise ``abandoned`` (caller or IVR gave up) unless served."""
    if d.callback:
        return Outcome.CALLBACK
    return Outcome.SELF_SERVED if d.served else abandoned


def enter(menu: m.Menu, d: Draft, target: str, out: Actions, back: bool = False) -> None:
    """Go to node ``target`` (``back``: by `*`, so the back history is already right)."""
    for _ in range(MAX_CHAIN):
        if target == m.BACK:
            target, back = go_back(d), True
        elif target == m.AGENT:
            target = d.agent
        node = menu.nodes[target]
        d.node, d.tries = node.id, 0
        d.visits = (*d.visits, Visit(node.id, d.at))
        if node.sets:
            d.slots = {**d.slots, **node.sets}
        if node.agent:
            d.agent = node.agent
        following = _ENTER[type(node)](menu, d, node, out, back)
        if following is None:
            return
        target, back = following, False
    raise RuntimeError(f"more than {MAX_CHAIN} automatic nodes in a row from {d.node!r}")


def go_back(d: Draft) -> str:
    """Pop the current menu off the back history; the node to return to (the same one at the first menu)."""
    if len(d.history) > 1:
        d.history = d.history[:-1]
    node, agent = d.history[-1]
    d.agent = agent
    return node


def _remember(d: Draft, node: m.MenuNode | m.CollectNode, back: bool) -> None:
    if back:
        return
    if isinstance(node, m.MenuNode) and node.reset_history:
        d.history = ((node.id, d.agent),)
        return
    for index, (seen, _) in enumerate(d.history):
        if seen == node.id:  # been here before on this path: return to that point
            d.history = (*d.history[:index], (node.id, d.agent))
            return
    d.history = (*d.history, (node.id, d.agent))


def _input(menu: m.Menu, d: Draft, node: m.Node, out: Actions, back: bool) -> str | None:
    assert isinstance(node, m.MenuNode | m.CollectNode)
    _remember(d, node, back)
    if isinstance(node, m.CollectNode) and node.secret:
        d.secrets = d.secrets | {node.store}
    ask(menu, d, node, out)
    return None


def _prompt_first(d: Draft, node: m.Node, out: Actions) -> None:
    if node.prompt is not None:
        say(node.prompt, d.language, d.slots, out)


def _play(menu: m.Menu, d: Draft, node: m.Node, out: Actions, back: bool) -> str | None:
    assert isinstance(node, m.PlayNode)
    _prompt_first(d, node, out)
    return node.next


def _schedule(menu: m.Menu, d: Draft, node: m.Node, out: Actions, back: bool) -> str | None:
    assert isinstance(node, m.ScheduleNode)
    _prompt_first(d, node, out)
    status = menu.schedules[node.schedule].status(d.now())
    if status is ScheduleStatus.OPEN:
        return node.open
    return node.holiday if status is ScheduleStatus.HOLIDAY else node.closed


def _branch(menu: m.Menu, d: Draft, node: m.Node, out: Actions, back: bool) -> str | None:
    assert isinstance(node, m.BranchNode)
    _prompt_first(d, node, out)
    return node.present if d.slots.get(node.slot) else node.missing


def transfer_variables(d: Draft) -> tuple[tuple[str, str], ...]:
    """Channel variables for the agent's screen: path, language, reference and account when known."""
    variables = [("CC_IVR_PATH", ivr_path(d)), ("CC_LANGUAGE", d.language)]
    reference = d.references[-1] if d.references else d.slots.get("reference", "")
    if reference:
        variables.append(("CC_REFERENCE", reference))
    if d.slots.get("account"):
        variables.append(("CC_ACCOUNT", d.slots["account"]))
        variables.append(("CC_ACCOUNT_VERIFIED", "yes" if "balance" in d.served else "no"))
    return tuple(variables)


def _transfer(menu: m.Menu, d: Draft, node: m.Node, out: Actions, back: bool) -> str | None:
    assert isinstance(node, m.TransferNode)
    _prompt_first(d, node, out)
    out.append(a.Transfer(node.queue, transfer_variables(d)))
    finish(d, Outcome.TRANSFERRED, "ivr", node.queue)
    return None


def _hangup(menu: m.Menu, d: Draft, node: m.Node, out: Actions, back: bool) -> str | None:
    _prompt_first(d, node, out)
    out.append(a.Hangup())
    finish(d, outcome_without_transfer(d, Outcome.DISCONNECTED), "ivr")
    return None


def _create_request(menu: m.Menu, d: Draft, node: m.Node, out: Actions, back: bool) -> str | None:
    assert isinstance(node, m.RequestNode)
    _prompt_first(d, node, out)
    details = tuple((name, d.slots[name]) for name in node.details if d.slots.get(name))
    service = d.slots.get(node.service_slot, "")
    out.append(a.CreateServiceRequest(service, details, d.caller, d.language))
    d.waiting = Waiting.REQUEST
    return None


def _status(menu: m.Menu, d: Draft, node: m.Node, out: Actions, back: bool) -> str | None:
    assert isinstance(node, m.StatusNode)
    _prompt_first(d, node, out)
    out.append(a.LookupStatus(d.slots.get(node.reference_slot, "")))
    d.waiting = Waiting.STATUS
    return None


def _verify(menu: m.Menu, d: Draft, node: m.Node, out: Actions, back: bool) -> str | None:
    assert isinstance(node, m.VerifyNode)
    if d.failures.get(node.id, 0) >= node.attempts:  # locked out earlier in this call
        d.note("account_locked")
        return node.locked
    _prompt_first(d, node, out)
    verification = d.slots.get(node.verification_slot, "")
    out.append(a.VerifyAccount(d.slots.get(node.account_slot, ""), verification))
    d.slots = {name: value for name, value in d.slots.items() if name != node.verification_slot}
    d.waiting = Waiting.ACCOUNT
    return None


def _outages(menu: m.Menu, d: Draft, node: m.Node, out: Actions, back: bool) -> str | None:
    assert isinstance(node, m.OutagesNode)
    _prompt_first(d, node, out)
    service = d.slots.get(node.service_slot, "") if node.service_slot else ""
    out.append(a.LookupOutages(d.caller, service))
    d.waiting = Waiting.OUTAGES
    return None


def _callback(menu: m.Menu, d: Draft, node: m.Node, out: Actions, back: bool) -> str | None:
    assert isinstance(node, m.CallbackNode)
    _prompt_first(d, node, out)
    number = d.slots.get(node.number_slot) or d.slots.get("caller", "")
    queue = d.slots.get("callback_queue") or node.queue
    out.append(a.RequestCallBack(number, queue, d.language, ivr_path(d)))
    d.waiting = Waiting.CALLBACK
    return None


def _record(menu: m.Menu, d: Draft, node: m.Node, out: Actions, back: bool) -> str | None:
    assert isinstance(node, m.RecordNode)
    _prompt_first(d, node, out)
    out.append(a.RecordMessage(node.max_seconds))
    d.waiting = Waiting.RECORDING
    return None


_ENTER: Mapping[type[m.Node], Callable[[m.Menu, Draft, m.Node, Actions, bool], str | None]] = {
    m.MenuNode: _input,
    m.CollectNode: _input,
    m.PlayNode: _play,
    m.ScheduleNode: _schedule,
    m.BranchNode: _branch,
    m.TransferNode: _transfer,
    m.HangupNode: _hangup,
    m.RequestNode: _create_request,
    m.StatusNode: _status,
    m.VerifyNode: _verify,
    m.OutagesNode: _outages,
    m.CallbackNode: _callback,
    m.RecordNode: _record,
}
