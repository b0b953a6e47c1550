"""The rules that judge one criterion of one call from what was said.

Each rule takes the criterion, the call and its searchable text, and returns
a :class:`~qa.verdict.Verdict` whose evidence says when, who and which words.
The timing rules live in :mod:`qa.detectors_timing`; :data:`RULES` maps every
detector ``kind`` a scorecard may name to its rule.
"""

from __future__ import annotations

from collections.abc import Callable

from qa.detectors_timing import TIMING_RULES
from qa.matching import CallText, Match
from qa.scorecard import Criterion, PhraseSet
from qa.spoken_numbers import digit_runs
from qa.transcript import AGENT, CallInput
from qa.verdict import Verdict

Rule = Callable[[Criterion, CallInput, CallText], Verdict]


def _where(phrases: PhraseSet) -> str:
    window = ""
    if phrases.first_seconds is not None:
        window = f" in the first {phrases.first_seconds:g} s"
    elif phrases.last_seconds is not None:
        window = f" in the last {phrases.last_seconds:g} s"
    return f"{phrases.speaker}{window}"


def _example(phrases: PhraseSet) -> str:
    return f"'{phrases.phrases[0]}'"


def _evidence(matches: list[Match]) -> list[dict[str, object]]:
    return [match.evidence() for match in matches]


def _target(criterion: Criterion) -> PhraseSet:
    target = criterion.detector.target
    assert target is not None, "the loader requires phrases for this kind"
    return target


def phrase_rule(criterion: Criterion, call: CallInput, text: CallText) -> Verdict:
    """Pass when the party said one of the phrases (and each ``also`` group) in the window."""
    target = _target(criterion)
    found = text.find(target)
    if found is None:
        return Verdict.failed(criterion.id, f"nothing like {_example(target)} said by the {_where(target)}")
    return Verdict.passed(criterion.id, f"said by the {_where(target)}", _evidence(found))


def absent_rule(criterion: Criterion, call: CallInput, text: CallText) -> Verdict:
    """Pass when none of the phrases was said; fail with every one that was."""
    target = _target(criterion)
    found = text.find_all(target)
    if found:
        quoted = "; ".join(f"'{match.text}' at {match.start:.0f} s" for match in found[:3])
        return Verdict.failed(criterion.id, f"said by the {target.speaker}: {quoted}", _evidence(found))
    return Verdict.passed(criterion.id, f"nothing of the kind said by the {target.speaker}", [])


def order_rule(criterion: Criterion, call: CallInput, text: CallText) -> Verdict:
    """``first`` must be said before the ``target`` (e.g. verify the customer before disclosing the debt)."""
    target, first = _target(criterion), criterion.detector.first
    assert first is not None
    disclosed = text.first(target)
    if disclosed is None:
        return Verdict.not_applicable(
            criterion.id, f"nothing like {_example(target)} was said: no disclosure"
        )
    verified = text.first(first)
    if verified is not None and verified.start <= disclosed.start:
        return Verdict.passed(
            criterion.id,
            f"'{verified.text}' at {verified.start:.0f} s came before '{disclosed.text}' at "
            f"{disclosed.start:.0f} s",
            _evidence([verified, disclosed]),
        )
    if verified is None:
        reason = f"'{disclosed.text}' at {disclosed.start:.0f} s, and never anything like {_example(first)}"
        return Verdict.failed(criterion.id, reason, _evidence([disclosed]))
    reason = (
        f"'{disclosed.text}' at {disclosed.start:.0f} s "
        f"came before '{verified.text}' at {verified.start:.0f} s"
    )
    return Verdict.failed(criterion.id, reason, _evidence([disclosed, verified]))


def conditional_rule(criterion: Criterion, call: CallInput, text: CallText) -> Verdict:
    """Applies only when the ``trigger`` was said; then the target must follow it."""
    target, trigger = _target(criterion), criterion.detector.trigger
    assert trigger is not None
    cause = text.first(trigger)
    if cause is None:
        return Verdict.not_applicable(
            criterion.id, f"does not apply: the {trigger.speaker} said nothing like {_example(trigger)}"
        )
    found = text.find(target, after=cause.start - 1.0)
    if found is None:
        reason = (
            f"after '{cause.text}' at {cause.start:.0f} s, "
            f"nothing like {_example(target)} by the {target.speaker}"
        )
        return Verdict.failed(criterion.id, reason, _evidence([cause]))
    return Verdict.passed(
        criterion.id, f"answered '{cause.text}' at {cause.start:.0f} s", _evidence([cause, *found])
    )


def hold_permission_rule(criterion: Criterion, call: CallInput, text: CallText) -> Verdict:
    """When the caller was put on hold, the agent asked first (holds from the call record or the words)."""
    target = _target(criterion)
    hold_at: float | None = min((hold.start for hold in call.holds), default=None)
    cause: list[Match] = []
    trigger = criterion.detector.trigger
    if hold_at is None and trigger is not None and not call.holds_known:
        said = text.first(trigger)
        if said is not None:
            hold_at, cause = said.end, [said]
    if hold_at is None:
        return Verdict.not_applicable(criterion.id, "the caller was not put on hold")
    found = text.find(target, before=hold_at + 1.0)
    if found is None:
        return Verdict.failed(
            criterion.id,
            f"put on hold at {hold_at:.0f} s without asking (nothing like {_example(target)})",
            _evidence(cause),
        )
    return Verdict.passed(criterion.id, f"asked before the hold at {hold_at:.0f} s", _evidence(found))


def reference_rule(criterion: Criterion, call: CallInput, text: CallText) -> Verdict:
    """The digits the agent read out are the reference number logged for the call."""
    if not call.reference:
        return Verdict.not_applicable(criterion.id, "no reference number was logged for this call")
    expected = "".join(ch for ch in call.reference if ch.isdigit())
    heard = [
        (turn, run) for turn in call.speech(AGENT) for run in digit_runs(turn.text, max(4, len(expected) - 1))
    ]
    for turn, run in heard:
        if expected in run.digits:
            evidence = {
                "speaker": AGENT,
                "start": turn.start,
                "end": turn.end,
                "text": turn.text,
                "digits": run.digits,
            }
            return Verdict.passed(criterion.id, f"read out {expected} as logged", [evidence])
    complete = [(turn, run) for turn, run in heard if len(run.digits) == len(expected)]
    if not complete:
        return Verdict.not_applicable(
            criterion.id, f"the agent read out no complete reference (logged: {expected})"
        )
    turn, run = complete[0]
    evidence = {
        "speaker": AGENT,
        "start": turn.start,
        "end": turn.end,
        "text": turn.text,
        "digits": run.digits,
    }
    return Verdict.failed(criterion.id, f"read out {run.digits}, but {expected} was logged", [evidence])


RULES: dict[str, Rule] = {
    "phrase": phrase_rule,
    "absent": absent_rule,
    "order": order_rule,
    "conditional": conditional_rule,
    "hold_permission": hold_permission_rule,
    "reference": reference_rule,
    **TIMING_RULES,
}
