"""Every path through the shipped menu, generated: breadth-first over engine states.

From a call started at four moments (office hours, after hours, a weekend, a public holiday) with and
without a caller number, every state is fed every input of a finite alphabet: each choice key, `0`,
`*`, `#` alone, a key that is no choice, a digit storm, silence, good and bad numbers for each
collection (too short, too long, wrong check digit, not digits), every back-end answer (found,
unknown, failed, locked, unavailable) and the caller hanging up. States that behave alike (same node,
language, back history, counters, slots ...) are explored once. Every transition is checked as it is
made; the tests below then assert on what the exploration saw.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, deque
from collections.abc import Hashable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest

from ivr import actions as a
from ivr import events as e
from ivr import menu as m
from ivr.engine import Engine
from ivr.engine_state import Outcome, State, Waiting
from ivr.menu_loader import load_menu
from ivr.references import damm_check_digit, luhn_check_digit, make_reference
from ivr.session import session_record

SAST = ZoneInfo("Africa/Johannesburg")
MENU = load_menu()
ENGINE = Engine(MENU)
OFFICE = MENU.schedules["office"]
MAX_DEPTH = 40  # inputs per call; every state of the shipped menu is reached well before this
REFERENCE = make_reference(4242)
MOMENTS = {
    "office hours": dt.datetime(2025, 3, 4, 10, 0, tzinfo=SAST),  # a Tuesday
    "after hours": dt.datetime(2025, 3, 4, 19, 0, tzinfo=SAST),
    "weekend": dt.datetime(2025, 3, 8, 10, 0, tzinfo=SAST),
    "public holiday": dt.datetime(2025, 4, 28, 10, 0, tzinfo=SAST),  # Freedom Day observed
}
KNOWN, WITHHELD = "+27821234567", ""  # a number we can call back, and none
# Each start is walked in full in one language (every language menu choice is still checked).
ROOTS = (
    ("office hours", KNOWN, "en"),
    ("office hours", WITHHELD, "zu"),
    ("after hours", KNOWN, "af"),
    ("weekend", WITHHELD, "st"),
    ("public holiday", KNOWN, "en"),
)
WAITING_FOR = {
    a.CollectDigits: Waiting.DIGITS,
    a.RecordMessage: Waiting.RECORDING,
    a.CreateServiceRequest: Waiting.REQUEST,
    a.LookupStatus: Waiting.STATUS,
    a.VerifyAccount: Waiting.ACCOUNT,
    a.LookupOutages: Waiting.OUTAGES,
    a.RequestCallBack: Waiting.CALLBACK,
}


def good_number(node: m.CollectNode) -> str:
    """A number the node accepts."""
    if node.validate == "reference":
        return REFERENCE
    if node.validate == "za_phone":
        return "0831234567"
    body = ("4123456789" * 4)[: max(node.min_length, min(node.max_length, 8)) - (1 if node.validate else 0)]
    if node.validate == "luhn":
        return body + luhn_check_digit(body)
    return body + damm_check_digit(body) if node.validate == "damm" else body


def digit_inputs(node: m.Node) -> tuple[list[str], list[str]]:
    """Keys to try at a menu or collect node: (every choice, `0`, `*`), (every kind of bad input)."""
    if isinstance(node, m.MenuNode):
        spare = [key for key in "123456789" if key not in node.choices][:1]
        return [*node.choices, "0", "*"], ["#", *spare, "12"]
    assert isinstance(node, m.CollectNode)
    good = good_number(node)
    bad = ["#", "1A#", "9" * (node.max_length + 1) + "#"]
    if node.min_length > 1:
        bad.append(good[: node.min_length - 1] + "#")
    if node.validate:
        bad.append(good[:-1] + str((int(good[-1]) + 1) % 10) + "#")
    return [good + "#", good, "0", "*", "12*"], bad


def answers(node: m.Node, waiting: Waiting) -> tuple[list[e.Event], list[e.Event]]:
    """Back-end answers: (the ones that move on), (the failures that count towards a lock-out)."""
    if waiting is Waiting.STATUS:
        found: list[e.Event] = [
            e.StatusFound(REFERENCE, s) for s in (*getattr(node, "statuses", {}), "on_hold")
        ]
        return [*found, e.ServiceUnavailable()], [e.StatusUnknown(REFERENCE)]
    if waiting is Waiting.ACCOUNT:
        return (
            [e.AccountVerified("41234567", 123456), e.AccountLocked("41234567"), e.ServiceUnavailable()],
            [e.AccountUnknown("41234567"), e.VerificationFailed("41234567")],
        )
    moving: dict[Waiting, list[e.Event]] = {
        Waiting.RECORDING: [e.RecordingDone("rec/1.wav", 12.0), e.NoInput(), e.ServiceUnavailable("disk")],
        Waiting.REQUEST: [e.RequestCreated(REFERENCE), e.ServiceUnavailable("db")],
        Waiting.OUTAGES: [
            e.OutagesFound(()),
            e.OutagesFound((e.Outage("water", "Ward 12"), e.Outage("electricity"), e.Outage("water"))),
            e.OutagesFound((e.Outage("gas"),)),
            e.ServiceUnavailable(),
        ],
        Waiting.CALLBACK: [e.CallbackScheduled(), e.ServiceUnavailable()],
    }
    return moving[waiting], []


def inputs(state: State) -> list[e.Event]:
    """The alphabet for ``state``: what it waits for, and the caller hanging up.

    Mistakes (bad keys, silence) and lookup failures (unknown reference or account, failed
    verification) are tried at one node per call: at the node where the call's first one happened.
    So every retry count, every give-up route and every lock-out is walked at every node, but not
    every way of spreading mistakes over several nodes (test_engine_scenarios.py's
    ``test_mistakes_anywhere_add_up_to_an_agent`` covers those).
    """
    node = MENU.nodes[state.node]
    mistakes_only_here = state.errors == state.tries and set(state.failures) <= {state.node}
    if state.waiting is Waiting.DIGITS:
        good, bad = digit_inputs(node)
        events: list[e.Event] = [e.DigitsEntered(keys) for keys in good]
        if mistakes_only_here and not state.failures:
            events += [*(e.DigitsEntered(keys) for keys in bad), e.NoInput()]
    else:
        events, failures = answers(node, state.waiting)
        if mistakes_only_here and state.errors == 0:
            events = [*events, *failures]
    return [*events, e.CallerHungUp()]


def key(state: State) -> Hashable:
    """What decides where a state can go: not its log (visits, inputs, notes), nor the values of slots
    (they are only said back), nor the moment beyond what the schedule makes of it."""
    return (
        state.node,
        state.waiting,
        state.language,
        state.agent,
        state.history,
        state.tries,
        state.errors,
        frozenset(state.failures.items()),
        bool(state.served),
        state.callback,
        "caller" in state.slots,
        state.slots.get("callback_queue"),
        OFFICE.status(state.local_time),
    )


@dataclass
class Exploration:
    """What the breadth-first walk saw."""

    states: int = 0
    transitions: int = 0
    finished: Counter[str] = field(default_factory=Counter)  # outcome (and queue) of each ending
    nodes: set[str] = field(default_factory=set)
    choices: set[tuple[str, str]] = field(default_factory=set)  # (node, key) taken
    branches: set[tuple[str, str]] = field(default_factory=set)  # (node, the node it led to)
    live: list[State] = field(default_factory=list)  # every state waiting for input
    errors: list[str] = field(default_factory=list)
    deepest: int = 0


def check_step(before: State, event: e.Event, after: State, actions: tuple[a.Action, ...]) -> list[str]:
    """Problems with one transition (an empty list when it is right)."""
    problems: list[str] = []
    where = f"{before.node} --{event}-->"
    if after.ended:
        if isinstance(event, e.CallerHungUp):
            if actions or after.ended_by != "caller" or after.outcome is Outcome.TRANSFERRED:
                problems.append(f"{where} hang-up handled wrongly")
        elif not actions or not isinstance(actions[-1], a.FINAL_ACTIONS):
            problems.append(f"{where} ended without Transfer/Hangup: {actions}")
        elif isinstance(actions[-1], a.Transfer):
            variables = actions[-1].variable_map()
            if after.outcome is not Outcome.TRANSFERRED or actions[-1].queue not in MENU.queues():
                problems.append(f"{where} bad transfer {actions[-1]}")
            if variables.get("CC_LANGUAGE") != after.language or not variables.get("CC_IVR_PATH"):
                problems.append(f"{where} transfer without CC_IVR_PATH / CC_LANGUAGE: {variables}")
        elif after.outcome not in (Outcome.SELF_SERVED, Outcome.CALLBACK, Outcome.DISCONNECTED):
            problems.append(f"{where} hangup with outcome {after.outcome}")
    else:
        if not actions or WAITING_FOR.get(type(actions[-1])) is not after.waiting:
            problems.append(
                f"{where} stuck: last action {actions[-1:]} does not match waiting={after.waiting}"
            )
        if not all(isinstance(action, a.PROMPT_ACTIONS) for action in actions[:-1]):
            problems.append(f"{where} a waiting action before the last: {actions}")
    languages = set(MENU.languages) if after.node == MENU.start else {after.language}
    for action in actions:
        if isinstance(action, a.Play | a.SayDigits | a.SayAmount) and action.language not in languages:
            problems.append(f"{where} {action} not in the caller's language {after.language}")
        if isinstance(action, a.Play) and not action.text:
            problems.append(f"{where} empty prompt {action}")
        if isinstance(action, a.SayAmount) and not isinstance(event, e.AccountVerified):
            problems.append(f"{where} an amount was disclosed without verification: {action}")
        if isinstance(action, a.VerifyAccount) and before.failures.get("account_check", 0) >= 3:
            problems.append(f"{where} verification tried again after the lock-out")
    if isinstance(event, e.RequestCreated):
        read_back = [x for x in actions if isinstance(x, a.SayDigits) and x.digits == event.reference]
        if len(read_back) != 2 or any(x.group != 3 for x in read_back):
            problems.append(f"{where} reference not read back twice in groups: {read_back}")
    return problems


def explore() -> Exploration:
    """Breadth-first over every start and every input, to ``MAX_DEPTH`` inputs."""
    seen: set[Hashable] = set()
    found = Exploration()
    queue: deque[tuple[State, int, str]] = deque()
    for moment, caller, language in ROOTS:
        state, _ = ENGINE.start(e.CallStarted(caller, MOMENTS[moment], call_id="path-test"))
        queue.append((state, 0, language))
        seen.add((key(state), language))
    while queue:
        state, depth, language = queue.popleft()
        found.states += 1
        found.deepest = max(found.deepest, depth)
        found.live.append(state)
        for event in inputs(state):
            after, actions = ENGINE.step(state, event)
            found.transitions += 1
            found.errors.extend(check_step(state, event, after, actions))
            new = after.visits[len(state.visits) - 1 :] if state.visits else after.visits
            found.nodes.update(visit.node for visit in new)
            found.branches.update((one.node, two.node) for one, two in itertools.pairwise(new))
            if isinstance(event, e.DigitsEntered) and isinstance(MENU.nodes[state.node], m.MenuNode):
                found.choices.add((state.node, event.digits))
            if after.ended:
                found.finished[f"{after.outcome}:{after.queue or '-'}"] += 1
            elif after.node != MENU.start and after.language != language:
                continue  # another language: walked from another start
            elif (key(after), language) not in seen and depth + 1 < MAX_DEPTH:
                seen.add((key(after), language))
                queue.append((after, depth + 1, language))
    return found


@pytest.fixture(scope="module")
def walk() -> Exploration:
    return explore()


def test_every_transition_is_sound(walk: Exploration) -> None:
    """No stuck state, right language, nothing disclosed early, references read back twice..."""
    assert walk.errors == []
    assert walk.deepest < MAX_DEPTH - 1, "the walk was cut short: raise MAX_DEPTH"
    assert walk.states > 1000 and walk.transitions > 10_000


def test_every_node_and_every_menu_choice_is_exercised(walk: Exploration) -> None:
    assert walk.nodes == set(MENU.nodes)
    for node in MENU.nodes.values():
        if isinstance(node, m.MenuNode):
            assert {key for (node_id, key) in walk.choices if node_id == node.id} >= set(node.choices), (
                node.id
            )


def test_every_branch_of_every_node_is_taken(walk: Exploration) -> None:
    """Every way out of every node (choices, next, give-up routes, lookup results, schedule branches)."""
    for node in MENU.nodes.values():
        for name, target in node.targets():
            if target == m.BACK:
                assert any(one == node.id for one, _ in walk.branches), node.id
            elif target == m.AGENT:
                assert any(
                    one == node.id and two.startswith(("agent_", "queue_")) for one, two in walk.branches
                )
            else:
                assert (node.id, target) in walk.branches, (node.id, name, target)


def test_every_kind_of_ending_happens(walk: Exploration) -> None:
    outcomes = {ending.split(":")[0] for ending in walk.finished}
    assert outcomes == {outcome.value for outcome in Outcome}
    assert {f"transferred:{queue}" for queue in MENU.queues()} <= set(walk.finished)
    assert sum(walk.finished.values()) > 1000


def test_zero_reaches_an_agent_from_every_menu_node(walk: Exploration) -> None:
    """`0` transfers at once in office hours; after hours the closed menu's `0` reaches the 24/7 desk."""
    for state in walk.live:
        if state.waiting is not Waiting.DIGITS:
            continue
        after, actions = ENGINE.step(state, e.DigitsEntered("0"))
        if not after.ended:
            assert after.node in ("closed_general", "closed_accounts"), (state.node, after.node)
            after, actions = ENGINE.step(after, e.DigitsEntered("0"))
        assert isinstance(actions[-1], a.Transfer), (state.node, actions)
        assert after.outcome is Outcome.TRANSFERRED


def test_star_goes_back_to_the_previous_menu(walk: Exploration) -> None:
    for state in walk.live:
        if state.waiting is not Waiting.DIGITS:
            continue
        expected = state.history[-2] if len(state.history) > 1 else state.history[-1]
        after, actions = ENGINE.step(state, e.DigitsEntered("*"))
        assert (after.node, after.agent) == expected, (state.node, state.history)
        assert isinstance(actions[-1], a.CollectDigits)


def test_the_queue_depends_on_the_path(walk: Exploration) -> None:
    in_hours = [
        s for s in walk.live if s.local_time == MOMENTS["office hours"] and s.waiting is Waiting.DIGITS
    ]
    queue_at: dict[str, set[str]] = {}
    for state in in_hours:
        _, actions = ENGINE.step(state, e.DigitsEntered("0"))
        assert isinstance(actions[-1], a.Transfer)
        queue_at.setdefault(state.node, set()).add(actions[-1].queue)
    assert queue_at["main"] == {"enquiries"}
    assert queue_at["fault_type"] == queue_at["water_meter"] == {"faults"}
    assert queue_at["account_number"] == queue_at["account_verification"] == {"accounts"}


def test_events_that_answer_nothing_are_ignored(walk: Exploration) -> None:
    for state in walk.live[::7]:
        for stray in (e.PromptFinished(), e.RequestCreated("999999999"), e.DigitsEntered("1"), e.NoInput()):
            if type(stray) in ENGINE.expects(state):
                continue
            assert ENGINE.step(state, stray) == (state, ())


def test_the_session_record_is_derivable_at_every_moment(walk: Exploration) -> None:
    for state in walk.live[::11]:
        record = session_record(state)
        assert record.outcome is None and record.last_node == state.node
        assert [step.node for step in record.path] == [visit.node for visit in state.visits]
        assert all(step.seconds >= 0 for step in record.path)
        assert "verification" not in dict(record.slots)
        assert all(set(key.keys) <= {"*"} for key in record.inputs if key.node == "account_verification")
        ended, _ = ENGINE.step(state, e.CallerHungUp(at=state.at + 1))
        final = session_record(ended)
        assert final.hangup_node == state.node and final.ended_by == "caller"
        assert final.outcome in (Outcome.ABANDONED, Outcome.SELF_SERVED, Outcome.CALLBACK)


def test_bad_input_is_retried_with_a_clear_prompt_then_routed_on(walk: Exploration) -> None:
    """At every menu and collection: `retries` re-prompts (saying what was wrong), then the give-up route."""
    for state in walk.live:
        node = MENU.nodes[state.node]
        if state.waiting is not Waiting.DIGITS or state.tries or state.errors:
            continue
        assert isinstance(node, m.MenuNode | m.CollectNode)
        for event, route, prompt in (
            (e.DigitsEntered("#"), node.on_invalid, node.invalid_prompt or MENU.invalid_prompt),
            (e.NoInput(), node.on_no_input, node.no_input_prompt or MENU.no_input_prompt),
        ):
            now = state
            for attempt in range(node.retries):
                now, actions = ENGINE.step(now, event)
                assert (now.node, now.tries) == (node.id, attempt + 1)
                assert isinstance(actions[0], a.Play) and actions[0].prompt == prompt.name
                assert isinstance(actions[-1], a.CollectDigits)
            now, _ = ENGINE.step(now, event)
            expected = now.visits[len(state.visits)].node
            assert expected == (state.agent if route == m.AGENT else route), (node.id, route)
            assert now.inputs[-1].result in ("invalid:empty", "no_input")
