"""score_call on transcripts built from plain dicts: verdicts, evidence, statuses and the weighted score."""

from __future__ import annotations

from typing import Any

import pytest

from qa.library import load_library
from qa.scorecard import FAIL, NA, PASS, Scorecard
from qa.scoring import score_call
from qa.transcript import CallInput, parse_transcript
from qa.verdict import HUMAN_REVIEW, NOT_APPLICABLE, SCORED, ScoreResult

TurnSpec = tuple[str, str, float, float]
LIBRARY = load_library()
FAULT, ACCOUNT, REVENUE = (LIBRARY.get(n) for n in ("inbound-fault", "account-query", "revenue-collection"))
TEXT_KINDS = {"phrase", "conditional", "hold_permission", "reference"}
TEXT_CRITERIA = [c.id for c in FAULT.criteria if c.detector.kind in TEXT_KINDS]
GOOD_FAULT: list[TurnSpec] = [
    ("agent", "good morning thank you for calling rivervale metro my name is thandi", 0, 5),
    ("customer", "hello i want to report a burst pipe we have been without water since yesterday", 5.5, 12),
    ("agent", "i am sorry to hear that let me log the fault for you what is the address", 12.5, 17),
    ("customer", "it is twelve main road rivervale", 17.5, 20),
    ("agent", "may i put you on hold while i check the system", 20.5, 23),
    ("customer", "yes that is fine", 23.2, 24.5),
    ("agent", "thank you for holding your reference number is four seven one one oh three eight two", 54, 60),
    ("customer", "four seven one one oh three eight two thank you", 60.5, 64),
    ("agent", "a team will be there within twenty four hours", 64.5, 68),
    ("agent", "is there anything else i can help you with", 68.5, 71),
    ("customer", "no that is all thanks", 71.5, 73),
    ("agent", "thank you for calling have a good day goodbye", 73.5, 76),
]
HOLD = {"start": 24, "end": 53}


def make_call(turns: list[TurnSpec], direction: str = "inbound", **fields: Any) -> CallInput:
    document = {
        "direction": direction,
        "turns": [{"speaker": s, "text": t, "start": a, "end": b} for s, t, a, b in turns],
        **fields,
    }
    return parse_transcript(document, "test", "call-1")


def good_fault(**fields: Any) -> CallInput:
    return make_call(GOOD_FAULT, **{"call_type": "fault", "reference": "47110382", "holds": [HOLD], **fields})


def verdicts(result: ScoreResult) -> dict[str, str]:
    return {v.criterion_id: v.verdict for v in result.verdicts}


def judge(call: CallInput, card: Scorecard, criterion: str) -> tuple[str, str]:
    verdict = score_call(call, card).verdict(criterion)
    return verdict.verdict, verdict.reason


def test_a_good_fault_call_passes_every_criterion_with_evidence() -> None:
    call = good_fault()
    result = score_call(call, FAULT)
    assert (result.status, result.score, result.passed, result.auto_failed) == (SCORED, 100.0, True, False)
    assert set(verdicts(result).values()) == {PASS}
    assert len(TEXT_CRITERIA) == 9
    for criterion in TEXT_CRITERIA:
        verdict = result.verdict(criterion)
        assert verdict.evidence, criterion
        for item in verdict.evidence:
            turns = [t for t in call.turns if t.start <= item["start"] <= item["end"] <= t.end]
            assert turns, (criterion, item)
            assert item["text"] and item["text"] in turns[0].text, (criterion, item)
    assert result.verdict("greeting").evidence[1]["text"] == "rivervale metro"
    assert result.verdict("reference_integrity").evidence[0]["digits"] == "47110382"


def test_a_bad_fault_call_fails_the_right_criteria() -> None:
    turns: list[TurnSpec] = [
        ("agent", "yes what is the problem", 0, 2),
        ("customer", "my lights are off and this is the second time i report it nobody came", 2.5, 8),
        ("agent", "okay give me the address", 8.5, 10),
        ("customer", "five oak street rivervale", 10.5, 12),
        ("agent", "okay it is logged", 12.5, 14),
        ("customer", "okay", 14.5, 15),
    ]
    result = score_call(make_call(turns, call_type="fault", reference="47110382"), FAULT)
    got = verdicts(result)
    failed = {"greeting", "agent_name", "reference_given", "turnaround", "empathy", "further_help", "closing"}
    assert {c for c, v in got.items() if v == FAIL} == failed
    assert got["reference_integrity"] == NA and got["hold_permission"] == NA and got["rudeness"] == PASS
    assert any(words in result.verdict("empathy").reason for words in ("second time", "nobody came"))
    assert result.score is not None and result.score < FAULT.pass_mark and result.passed is False


def test_rude_language_auto_fails_the_call_and_keeps_the_other_verdicts() -> None:
    turns = [*GOOD_FAULT, ("agent", "that is not my problem sir", 77, 79)]
    result = score_call(make_call(turns, call_type="fault", reference="47110382", holds=[HOLD]), FAULT)
    assert (result.score, result.auto_failed, result.passed) == (0.0, True, False)
    assert result.reason == "auto-fail: rudeness"
    rudeness = result.verdict("rudeness")
    assert rudeness.verdict == FAIL and "not my problem" in rudeness.reason
    assert rudeness.evidence[0]["start"] >= 77
    others = {c: v for c, v in verdicts(result).items() if c != "rudeness"}
    assert set(others.values()) == {PASS}


ACCOUNT_OPEN: list[TurnSpec] = [
    ("agent", "good afternoon rivervale metro you are speaking to sipho", 0, 4),
    ("customer", "hi i want to know how much i owe on my municipal account please", 4.5, 9),
]
VERIFY: TurnSpec = ("agent", "before i go into your account can you confirm your id number", 0, 0)
DISCLOSE: TurnSpec = ("agent", "your balance is two thousand four hundred rand", 0, 0)
ID_GIVEN: TurnSpec = ("customer", "eight zero zero one zero one five zero eight nine", 0, 0)


def account_call(*middle: TurnSpec) -> CallInput:
    timed = [(s, t, 10 + 6 * i, 14 + 6 * i) for i, (s, t, _, _) in enumerate(middle)]
    return make_call([*ACCOUNT_OPEN, *timed], call_type="account")


def test_verification_order_on_an_account_call() -> None:
    verdict, reason = judge(account_call(DISCLOSE, VERIFY, ID_GIVEN), ACCOUNT, "verification")
    assert verdict == FAIL and "your balance is" in reason and "at 10 s came before" in reason
    assert judge(account_call(VERIFY, ID_GIVEN, DISCLOSE), ACCOUNT, "verification")[0] == PASS
    verdict, reason = judge(account_call(VERIFY, ID_GIVEN), ACCOUNT, "verification")
    assert verdict == NA and "no disclosure" in reason


REVENUE_OPEN: list[TurnSpec] = [
    ("agent", "good morning my name is thandi from rivervale metro this call is being recorded", 0, 6),
]
RIGHT_PARTY: list[TurnSpec] = [
    ("agent", "am i speaking to mister dlamini", 6.5, 8.5),
    ("customer", "yes speaking", 9, 10),
]
DEBT: list[TurnSpec] = [
    ("agent", "mister dlamini your account is in arrears the amount is two thousand rand", 11, 16),
    ("agent", "we can set up a payment arrangement or you can pay at any pay point", 16.5, 20),
]


def revenue_call(*turns: TurnSpec) -> CallInput:
    return make_call([*REVENUE_OPEN, *turns], direction="outbound")


def test_right_party_verified_before_the_debt_passes_on_an_outbound_call() -> None:
    result = score_call(revenue_call(*RIGHT_PARTY, *DEBT), REVENUE)
    got = verdicts(result)
    assert got["right_party"] == PASS and got["recording_disclosure"] == PASS
    assert got["purpose_amount"] == PASS and got["payment_options"] == PASS


def test_right_party_fails_when_the_debt_comes_first() -> None:
    moved = [(s, t, a + 20, b + 20) for s, t, a, b in RIGHT_PARTY]
    verdict, reason = judge(revenue_call(*DEBT, *moved), REVENUE, "right_party")
    assert verdict == FAIL and "account is in arrears" in reason


def test_promise_confirmed_needs_both_amount_and_date() -> None:
    promise: TurnSpec = ("customer", "okay i will pay five hundred rand on friday", 21, 24)

    def confirmed(words: str) -> str:
        return judge(
            revenue_call(*RIGHT_PARTY, *DEBT, promise, ("agent", words, 25, 29)), REVENUE, "promise_confirmed"
        )[0]

    assert confirmed("just to confirm you will pay five hundred rand on friday") == PASS
    assert confirmed("just to confirm you will pay five hundred rand") == FAIL
    assert confirmed("just to confirm you will pay on friday") == FAIL
    assert judge(revenue_call(*RIGHT_PARTY, *DEBT), REVENUE, "promise_confirmed")[0] == NA


def test_empathy_is_na_without_a_grievance_and_fails_when_a_grievance_gets_no_apology() -> None:
    calm = make_call(
        [*ACCOUNT_OPEN, ("agent", "certainly let me look at that for you", 10, 13)], call_type="account"
    )
    verdict, reason = judge(calm, ACCOUNT, "empathy")
    assert verdict == NA and "does not apply" in reason
    upset = ("customer", "this is the third time i am calling and nobody is helping me", 14, 18)
    ignored = make_call(
        [*ACCOUNT_OPEN, upset, ("agent", "okay what is your account number", 19, 21)], call_type="account"
    )
    verdict, reason = judge(ignored, ACCOUNT, "empathy")
    assert verdict == FAIL and ("third time" in reason or "nobody is helping" in reason)


NO_HOLD = [turn for turn in GOOD_FAULT if "put you on hold" not in turn[1]]


def test_hold_permission_na_fail_and_pass() -> None:
    assert judge(good_fault(), FAULT, "hold_permission")[0] == PASS
    verdict, reason = judge(make_call(NO_HOLD, call_type="fault"), FAULT, "hold_permission")
    assert verdict == NA and "not put on hold" in reason
    unasked = make_call(NO_HOLD, call_type="fault", holds=[HOLD])
    verdict, reason = judge(unasked, FAULT, "hold_permission")
    assert verdict == FAIL and "put on hold at 24 s without asking" in reason
    late = make_call([*NO_HOLD, ("agent", "may i put you on hold", 80, 82)], call_type="fault", holds=[HOLD])
    assert judge(late, FAULT, "hold_permission")[0] == FAIL


def test_announcing_a_hold_is_not_asking_permission() -> None:
    told = [*NO_HOLD, ("agent", "i am putting you on hold now", 20.5, 23)]
    assert judge(make_call(told, call_type="fault", holds=[HOLD]), FAULT, "hold_permission")[0] == FAIL


def test_reference_integrity_pass_fail_and_na() -> None:
    assert judge(good_fault(), FAULT, "reference_integrity")[0] == PASS
    misread = [(s, t.replace("eight two", "nine two"), a, b) for s, t, a, b in GOOD_FAULT]
    call = make_call(misread, call_type="fault", reference="4711-0382", holds=[HOLD])
    verdict, reason = judge(call, FAULT, "reference_integrity")
    assert verdict == FAIL and "47110382" in reason and "47110392" in reason
    verdict, reason = judge(good_fault(reference=None), FAULT, "reference_integrity")
    assert verdict == NA and "no reference" in reason


def test_offering_help_does_not_auto_fail_an_outbound_call() -> None:
    offer: TurnSpec = ("agent", "that is fine i can help you set up an arrangement", 24, 27)
    result = score_call(revenue_call(*RIGHT_PARTY, *DEBT, offer), REVENUE)
    assert result.verdict("no_threats").verdict == PASS and not result.auto_failed


SHORT_CALL: list[TurnSpec] = [
    ("agent", "good morning rivervale metro my name is thandi how can i help you today", 0, 20),
    ("customer", "my water has been off since yesterday and nobody has come to fix it", 20.5, 34),
]


def test_dead_air_outside_holds_fails_but_silence_on_hold_does_not() -> None:
    verdict = score_call(make_call(GOOD_FAULT, call_type="fault"), FAULT).verdict("dead_air")
    assert verdict.verdict == FAIL and "longest 29.5 s" in verdict.reason
    assert verdict.evidence == ({"speaker": "both", "start": 24.5, "end": 54.0},)
    assert judge(good_fault(), FAULT, "dead_air")[0] == PASS  # the same silence, on hold 24-53 s


def test_overtalk_and_talk_ratio() -> None:
    apart = make_call(SHORT_CALL, call_type="general")
    assert judge(apart, FAULT, "overtalk") == (PASS, "both spoke at once for 0.0 s (limit 10 s)")
    assert judge(apart, FAULT, "talk_ratio")[0] == PASS
    over = make_call([SHORT_CALL[0], ("customer", SHORT_CALL[1][1], 4, 18)], call_type="general")
    assert judge(over, FAULT, "overtalk") == (FAIL, "both spoke at once for 14.0 s (limit 10 s)")
    monologue = make_call([SHORT_CALL[0], ("customer", SHORT_CALL[1][1], 21, 22.5)], call_type="general")
    assert judge(monologue, FAULT, "talk_ratio") == (FAIL, "agent spoke 93% of the time (target 30%-70%)")


def test_holds_limit_and_handle_time() -> None:
    three = [{"start": 24, "end": 30}, {"start": 31, "end": 40}, {"start": 41, "end": 53}]
    verdict, reason = judge(good_fault(holds=three), FAULT, "holds")
    assert verdict == FAIL and reason.startswith("3 hold(s), 27 s in all")
    verdict, reason = judge(good_fault(holds=[{"start": 24, "end": 224}]), FAULT, "holds")
    assert verdict == FAIL and reason.startswith("1 hold(s), 200 s in all")
    assert judge(good_fault(), FAULT, "handle_time") == (PASS, "handled in 76 s (target 480 s)")
    slow = good_fault()
    slow.handle_seconds = 500.0
    assert judge(slow, FAULT, "handle_time") == (FAIL, "handled in 500 s (target 480 s)")


def test_a_transcript_without_times_makes_speech_timing_rules_na() -> None:
    untimed = [{"speaker": s, "text": t} for s, t, _, _ in GOOD_FAULT]
    call = parse_transcript({"direction": "inbound", "call_type": "fault", "turns": untimed}, "u.json", "u")
    assert call.timed is False
    result = score_call(call, FAULT)
    for criterion in ("dead_air", "overtalk", "talk_ratio", "handle_time"):
        verdict = result.verdict(criterion)
        assert verdict.verdict == NA and "no times" in verdict.reason, criterion
    assert result.verdict("greeting").verdict == PASS and result.status == SCORED


@pytest.mark.parametrize("turns", [[], [("agent", "...", 0, 1), ("customer", "  ", 1, 2)]])
def test_an_empty_transcript_is_not_applicable_with_every_verdict_na(turns: list[TurnSpec]) -> None:
    result = score_call(make_call(turns, call_type="fault"), FAULT)
    assert result.status == NOT_APPLICABLE and "empty" in result.reason and result.score is None
    assert [v.criterion_id for v in result.verdicts] == [c.id for c in FAULT.criteria]
    assert all(v.verdict == NA and v.reason == result.reason for v in result.verdicts)


def test_five_words_are_too_few_to_score() -> None:
    five: list[TurnSpec] = [("agent", "hello rivervale metro", 0, 2), ("customer", "hi there", 2, 3)]
    result = score_call(make_call(five, call_type="fault"), FAULT)
    assert result.status == NOT_APPLICABLE and "only 5 words" in result.reason and result.score is None
    assert {v.verdict for v in result.verdicts} == {NA}


def test_no_agent_speech_goes_to_human_review() -> None:
    only_customer = [(s, t, a, b) for s, t, a, b in GOOD_FAULT if s == "customer"]
    result = score_call(make_call(only_customer, call_type="fault"), FAULT)
    assert (result.status, result.score, result.passed, result.verdicts) == (HUMAN_REVIEW, None, None, [])
    assert "no agent speech" in result.reason


def test_a_transcript_marked_for_human_review_gets_no_score() -> None:
    call = good_fault()
    call.transcript_status, call.review_reason = HUMAN_REVIEW, "no speech model for isiXhosa"
    result = score_call(call, FAULT)
    assert (result.status, result.reason) == (HUMAN_REVIEW, "no speech model for isiXhosa")
    assert result.score is None and result.verdicts == []


NA_FOR_GENERAL = {"hold_permission", "reference_given", "reference_integrity", "turnaround"}


def test_na_criteria_are_left_out_of_the_weighted_score() -> None:
    turns: list[TurnSpec] = [
        ("agent", "good morning thank you for calling rivervale metro my name is thandi", 0, 5),
        ("customer", "hello i am very frustrated i want to know when the library opens", 5.5, 11),
        ("agent", "the library opens at nine on weekdays", 11.5, 15),
        ("customer", "okay thank you", 15.5, 17),
        ("agent", "is there anything else i can help you with", 17.5, 20),
        ("customer", "no thanks", 20.5, 21.5),
        ("agent", "thank you for calling have a good day goodbye", 22, 25),
    ]
    result = score_call(make_call(turns), FAULT, call_type="general")
    got = verdicts(result)
    assert [c for c, v in got.items() if v == FAIL] == ["empathy"]
    assert {c for c, v in got.items() if v == NA} == NA_FOR_GENERAL
    # Applicable weights: 5+5+10+5+5+10+3+3+2+2+2 = 52; empathy (10) failed: 42/52.
    assert result.score == 80.8 and result.passed is True
