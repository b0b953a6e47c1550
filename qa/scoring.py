"""Score one call against one scorecard: each criterion judged, then the weighted score.

The score is the weighted share of the applicable criteria that passed, 0-100.
N/A criteria count for nothing either way (never as a zero). A failed
auto-fail criterion makes the score 0 whatever else passed, and says so; the
other verdicts are kept. A call without a usable transcript gets no score at
all: it goes to a person (``human_review``).
"""

from __future__ import annotations

from qa.detectors import RULES
from qa.matching import CallText, Mode
from qa.scorecard import FAIL, PASS, Scorecard
from qa.transcript import AGENT, CallInput
from qa.verdict import HUMAN_REVIEW, NOT_APPLICABLE, SCORED, ScoreResult, Verdict

#: Fewer words than this in the whole call is too little to judge anything.
MIN_WORDS = 12


def unscorable(call: CallInput, min_words: int = MIN_WORDS) -> tuple[str, str] | None:
    """``(status, reason)`` when the call cannot be scored automatically, else ``None``."""
    if call.transcript_status != "done":
        return HUMAN_REVIEW, call.review_reason or f"transcript status is {call.transcript_status}"
    words = sum(len(turn.text.split()) for turn in call.turns)
    if words == 0:
        return NOT_APPLICABLE, "the transcript is empty: nothing to score"
    if not call.speech(AGENT):
        return HUMAN_REVIEW, (
            "no agent speech in the transcript (a mono recording or a silent agent channel): "
            "who said what cannot be told, so a person must review this call"
        )
    if words < min_words:
        return NOT_APPLICABLE, f"only {words} words in the transcript: too short to score"
    return None


def score_call(
    call: CallInput,
    scorecard: Scorecard,
    *,
    call_type: str | None = None,
    mode: Mode = "fuzzy",
    min_words: int = MIN_WORDS,
) -> ScoreResult:
    """Judge every criterion of ``scorecard`` on ``call`` (of ``call_type``) and total the score."""
    call_type = call_type or call.call_type
    result = ScoreResult(call.call_id, scorecard.name, SCORED, call_type=call_type)
    blocked = unscorable(call, min_words)
    if blocked is not None:
        result.status, result.reason = blocked
        if result.status == NOT_APPLICABLE:
            result.verdicts = [Verdict.not_applicable(c.id, result.reason) for c in scorecard.criteria]
        return result
    text = CallText(call, mode)
    for criterion in scorecard.criteria:
        not_here = criterion.applies.reason_not(call_type, call.direction, call.queue)
        if not_here is not None:
            result.verdicts.append(Verdict.not_applicable(criterion.id, not_here))
        else:
            result.verdicts.append(RULES[criterion.detector.kind](criterion, call, text))
    total(result, scorecard)
    return result


def total(result: ScoreResult, scorecard: Scorecard) -> None:
    weights = {criterion.id: criterion.weight for criterion in scorecard.criteria}
    judged = [v for v in result.verdicts if v.verdict in (PASS, FAIL)]
    possible = sum(weights[v.criterion_id] for v in judged)
    if not judged or possible == 0:
        result.status, result.reason = NOT_APPLICABLE, "no criterion of this scorecard applies to the call"
        return
    earned = sum(weights[v.criterion_id] for v in judged if v.verdict == PASS)
    fatal = [
        v.criterion_id for v in judged if v.verdict == FAIL and scorecard.criterion(v.criterion_id).auto_fail
    ]
    result.auto_failed = bool(fatal)
    result.score = 0.0 if fatal else round(100.0 * earned / possible, 1)
    result.passed = not fatal and result.score >= scorecard.pass_mark
    result.reason = f"auto-fail: {', '.join(fatal)}" if fatal else ""
