"""CallText: phrases found despite recognition errors, by the right party, in the right window."""

from __future__ import annotations

import pytest

from qa.matching import CallText, Match
from qa.scorecard import PhraseSet
from qa.transcript import AGENT, CUSTOMER, CallInput, parse_transcript

TurnSpec = tuple[str, str, float, float]
FURTHER_HELP = "is there anything else i can help you with"


def make_call(turns: list[TurnSpec], handle_seconds: float | None = None) -> CallInput:
    document = {
        "direction": "inbound",
        "turns": [{"speaker": s, "text": t, "start": a, "end": b} for s, t, a, b in turns],
    }
    call = parse_transcript(document, "test", "call-1")
    call.handle_seconds = handle_seconds
    return call


CALL = make_call(
    [
        ("agent", "good morning you are speaking to thandi", 0.0, 3.0),
        ("customer", "my water has been off since monday", 3.5, 6.0),
        ("agent", "i am sorry to hear that let me log it", 6.5, 9.0),
        ("customer", "thank you", 9.5, 10.0),
        ("agent", "is there anything else i can kelp you with", 60.0, 64.0),
        ("customer", "no thanks bye", 64.5, 66.0),
        ("agent", "okay thank you goodbye", 66.5, 68.0),
    ]
)


def agent(*phrases: str, first_seconds: float | None = None, last_seconds: float | None = None) -> PhraseSet:
    return PhraseSet(AGENT, phrases, first_seconds=first_seconds, last_seconds=last_seconds)


def only(found: list[Match] | None) -> Match:
    assert found is not None and len(found) == 1
    return found[0]


def assert_inside_turn(match: Match) -> None:
    assert match.turn.start <= match.start < match.end <= match.turn.end
    assert match.text in match.turn.text


def test_a_phrase_with_one_word_misrecognised_is_found() -> None:
    match = only(CallText(CALL).find(agent(FURTHER_HELP)))
    assert match.text == "is there anything else i can kelp you with"
    assert 90 <= match.similarity < 100
    assert match.turn.start == 60.0
    assert_inside_turn(match)


def test_exact_mode_misses_the_misrecognised_phrase_but_finds_whole_words() -> None:
    exact = CallText(CALL, "exact")
    assert exact.find(agent(FURTHER_HELP)) is None
    match = only(exact.find(agent("anything else")))
    assert match.similarity == 100.0 and match.text == "anything else"
    assert_inside_turn(match)


@pytest.mark.parametrize("fragment", ["than", "hand", "thing else", "good bye", "kelp yo"])
def test_exact_mode_only_matches_whole_words(fragment: str) -> None:
    assert CallText(CALL, "exact").find(agent(fragment)) is None


def test_unrelated_text_is_refused() -> None:
    text = CallText(CALL)
    assert text.find(agent("the sheriff will come to your house")) is None
    assert text.find(agent("your account is in arrears")) is None
    assert text.find(agent("may i put you on hold")) is None
    # Short phrases must match (almost) exactly: "hello" is not "thank you goodbye", "sorry" not "story".
    assert text.find(agent("hello")) is None
    assert text.find(agent("story")) is None


def test_phrases_are_searched_in_the_right_speakers_words_only() -> None:
    text = CallText(CALL)
    assert text.find(agent("my water has been off")) is None
    match = only(text.find(PhraseSet(CUSTOMER, ("my water has been off",))))
    assert match.turn.speaker == CUSTOMER and match.turn.start == 3.5
    assert text.find(PhraseSet(CUSTOMER, ("i am sorry to hear that",))) is None


def test_first_seconds_keeps_to_turns_that_start_in_the_window() -> None:
    text = CallText(CALL)
    assert only(text.find(agent("good morning", first_seconds=20))).start == 0.0
    assert text.find(agent("goodbye", first_seconds=20)) is None
    assert text.find(agent(FURTHER_HELP, first_seconds=59)) is None
    assert only(text.find(agent(FURTHER_HELP, first_seconds=60))).turn.start == 60.0


def test_last_seconds_keeps_to_turns_that_end_in_the_window() -> None:
    text = CallText(CALL)
    goodbye = only(text.find(agent("goodbye", last_seconds=10)))
    assert goodbye.turn.start == 66.5 and goodbye.text == "goodbye"
    assert text.find(agent("good morning", last_seconds=40)) is None


def test_last_seconds_counts_back_from_the_handle_time() -> None:
    longer = make_call([("agent", "okay thank you goodbye", 66.5, 68.0)], handle_seconds=200)
    assert CallText(longer).find(agent("goodbye", last_seconds=40)) is None
    assert CallText(longer).find(agent("goodbye", last_seconds=140)) is not None


def test_also_groups_must_each_be_found() -> None:
    text = CallText(CALL)
    found = text.find(PhraseSet(AGENT, ("good morning",), also=(("speaking to", "my name is"),)))
    assert found is not None
    assert [m.text for m in found] == ["good morning", "speaking to"]
    assert text.find(PhraseSet(AGENT, ("good morning",), also=(("rivervale metro",),))) is None


def test_first_returns_the_earliest_occurrence_even_when_a_later_one_matches_better() -> None:
    call = make_call(
        [
            ("agent", "may i put you on hole please", 10.0, 13.0),
            ("customer", "fine", 13.5, 14.0),
            ("agent", "may i put you on hold", 40.0, 42.0),
        ]
    )
    text = CallText(call)
    phrases = agent("may i put you on hold")
    assert only(text.find(phrases)).turn.start == 40.0  # the best match is the later one
    earliest = text.first(phrases)
    assert earliest is not None
    assert earliest.turn.start == 10.0 and earliest.text == "may i put you on hole"
    assert_inside_turn(earliest)


def test_first_returns_the_earliest_of_two_identical_occurrences() -> None:
    call = make_call(
        [
            ("agent", "let me check can you hold for a moment", 5.0, 8.0),
            ("agent", "sorry can you hold for a moment", 30.0, 33.0),
        ]
    )
    earliest = CallText(call).first(agent("can you hold for a moment"))
    assert earliest is not None
    assert earliest.turn.start == 5.0 and earliest.similarity == 100.0
    assert_inside_turn(earliest)


def test_first_considers_every_phrase_of_the_set() -> None:
    found = CallText(CALL).first(agent("goodbye", "good morning"))
    assert found is not None and found.phrase == "good morning" and found.start == 0.0
    assert CallText(CALL).first(agent("nothing of the sort was said")) is None


def test_evidence_times_fall_inside_the_matching_turn_and_follow_the_words() -> None:
    turn_start, turn_end = 6.5, 9.0
    match = only(CallText(CALL).find(agent("let me log it")))
    assert_inside_turn(match)
    assert match.turn.start == turn_start and match.turn.end == turn_end
    # The words come at the end of "i am sorry to hear that let me log it": so does their time.
    assert match.start > turn_start + (turn_end - turn_start) / 2 and match.end == turn_end
    evidence = match.evidence()
    assert evidence["speaker"] == AGENT and evidence["text"] == "let me log it"
    assert evidence["start"] == round(match.start, 2) and evidence["end"] == round(match.end, 2)


def test_find_all_lists_each_phrase_said_in_time_order() -> None:
    found = CallText(CALL).find_all(agent("goodbye", "good morning", "never said anything like it"))
    assert [m.phrase for m in found] == ["good morning", "goodbye"]
    for match in found:
        assert_inside_turn(match)


def test_a_call_without_that_partys_speech_finds_nothing() -> None:
    call = make_call([("customer", "hello is anybody there", 0.0, 2.0)])
    assert CallText(call).find(agent("hello")) is None
    assert CallText(call).first(agent("hello")) is None
    assert CallText(call, "exact").find_all(agent("hello")) == []
