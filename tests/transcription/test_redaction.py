"""Redaction of personal numbers in transcripts: what must go, what QA must keep."""

from __future__ import annotations

import doctest
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transcription import redaction, redaction_patterns
from transcription.redaction import (
    InvalidRedactionRules,
    RedactedSpan,
    RedactionKind,
    RedactionRules,
    Word,
    redact_text,
    redact_words,
)

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def luhn_check_digit(body: str) -> str:
    """The digit that makes ``body + digit`` pass Luhn (written here, not imported, to check the module)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def sa_id(birth: str = "800101", sequence: str = "5009", citizen: str = "0", race: str = "8") -> str:
    """A valid-looking South African ID number with a correct check digit."""
    body = birth + sequence + citizen + race
    return body + luhn_check_digit(body)


def spoken(digits: str) -> str:
    """Digits as Vosk writes them: one lower-case word per digit."""
    return " ".join(DIGIT_WORDS[int(d)] for d in digits)


def words(text: str, step: float = 0.4, pauses: Mapping[int, float] | None = None) -> list[Word]:
    """Words 0.3 s long, ``step`` apart; ``pauses[i]`` adds silence before word i."""
    out: list[Word] = []
    clock = 0.0
    for index, token in enumerate(text.split()):
        clock += (pauses or {}).get(index, 0.0)
        out.append(Word(token, clock, clock + 0.3, 0.9))
        clock += step
    return out


def texts(ws: list[Word]) -> str:
    return " ".join(w.text for w in ws)


def kinds(spans: list[RedactedSpan]) -> list[str]:
    return [str(span.kind) for span in spans]


ID = sa_id()  # 8001015009087


def test_the_helper_builds_the_textbook_example_id() -> None:
    assert ID == "8001015009087"


# --- ID numbers ------------------------------------------------------------------------------------------


def test_a_written_id_number_is_replaced_by_one_placeholder() -> None:
    out, spans = redact_words(words(f"my id is {ID} thanks"))

    assert texts(out) == "my id is [ID NUMBER] thanks"
    assert kinds(spans) == ["id_number"]
    assert (spans[0].word_index_start, spans[0].word_index_end) == (3, 4)


def test_a_spoken_id_number_becomes_one_word_spanning_first_to_last_digit() -> None:
    ws = words(f"it's {spoken(ID)} okay")

    out, spans = redact_words(ws)

    assert texts(out) == "it's [ID NUMBER] okay"
    placeholder = out[1]
    assert (placeholder.start, placeholder.end) == (ws[1].start, ws[13].end)
    assert spans == [RedactedSpan(RedactionKind.ID_NUMBER, ws[1].start, ws[13].end, 1, 14)]


@pytest.mark.parametrize("birth", ["000229", "991231", "240229", "450615"])
def test_ids_from_any_century_and_leap_days_are_recognised(birth: str) -> None:
    assert kinds(redact_words(words(spoken(sa_id(birth))))[1]) == ["id_number"]


@pytest.mark.parametrize("citizen", ["0", "1", "2"])
def test_citizens_residents_and_refugees_ids_are_all_recognised(citizen: str) -> None:
    assert kinds(redact_text(sa_id(citizen=citizen))[1]) == ["id_number"]


def test_a_bad_check_digit_is_not_an_id_number() -> None:
    bad = ID[:-1] + str((int(ID[-1]) + 1) % 10)

    for form in (bad, spoken(bad)):
        out, spans = redact_words(words(form))
        assert spans == []
        assert len(out) == len(form.split())


def test_a_bad_check_digit_can_still_match_an_account_pattern() -> None:
    bad = ID[:-1] + str((int(ID[-1]) + 1) % 10)
    rules = RedactionRules(bank_account=r"\d{9,13}")

    assert kinds(redact_text(bad, rules)[1]) == ["bank_account"]


@pytest.mark.parametrize("birth", ["801301", "800132", "990229", "800431", "800001"])
def test_an_impossible_birth_date_is_not_an_id_even_with_a_correct_check_digit(birth: str) -> None:
    number = sa_id(birth)
    assert redaction_patterns.luhn_valid(number)

    assert redact_text(f"ID {number}") == (f"ID {number}", [])


def test_a_citizenship_digit_above_two_is_not_an_id() -> None:
    number = sa_id(citizen="3")
    assert redaction_patterns.luhn_valid(number)

    assert redact_text(number)[1] == []


@pytest.mark.parametrize(
    "said",
    [
        "800101 5009 087",
        "8001-0150-09087",
        "80 01 01 50 09 08 7",
        "eight 001 015009087",
        "eight zero zero one zero one 5009 zero eight seven",
        "eight oh oh one oh one five oh oh nine oh eight seven",
        "eight double oh one oh one five double zero nine oh eight seven",
        "eight o o one o one five double o nine zero eight seven",
        "eighty oh one oh one fifty oh nine oh eight seven",
        "eight hundred one oh one five double oh nine oh eight seven",
        "eight zero zero one zero one five zero zero nine zero ate seven",
    ],
)
def test_an_id_number_split_across_words_and_groups_is_one_span(said: str) -> None:
    out, spans = redact_words(words(f"my number is {said} thank you"))

    assert texts(out) == "my number is [ID NUMBER] thank you"
    assert kinds(spans) == ["id_number"]


def test_triple_repeats_a_digit_three_times() -> None:
    number = sa_id(sequence="5000")
    said = f"{spoken(number[:7])} triple oh {spoken(number[10:])}"

    assert number[7:10] == "000"
    assert kinds(redact_words(words(said))[1]) == ["id_number"]


def test_fillers_between_digit_groups_are_tolerated_and_redacted_with_the_number() -> None:
    out, spans = redact_words(words("it's 800101 uh 5009 um is 087"))

    assert texts(out) == "it's [ID NUMBER]"
    assert (spans[0].word_index_start, spans[0].word_index_end) == (1, 7)


def test_an_ordinary_word_between_digit_groups_splits_the_number() -> None:
    assert redact_words(words("800101 and then 5009087"))[1] == []


def test_too_many_fillers_split_the_number() -> None:
    assert redact_words(words("800101 uh um uh 5009087"))[1] == []


def test_a_long_pause_between_two_digit_groups_splits_them() -> None:
    first, second = spoken(ID[:6]), spoken(ID[6:])

    long_pause = words(f"{first} {second}", pauses={6: 2.0})
    short_pause = words(f"{first} {second}", pauses={6: 1.0})

    assert redact_words(long_pause)[1] == []
    assert kinds(redact_words(short_pause)[1]) == ["id_number"]


def test_a_long_pause_across_a_filler_also_splits() -> None:
    ws = words(f"{spoken(ID[:6])} uh {spoken(ID[6:])}", pauses={6: 1.0, 7: 1.0})

    assert redact_words(ws)[1] == []


def test_an_id_number_followed_by_more_digits_redacts_only_the_id() -> None:
    out, spans = redact_words(words(f"{spoken(ID)} four five"))

    assert texts(out) == "[ID NUMBER] four five"
    assert (spans[0].word_index_start, spans[0].word_index_end) == (0, 13)


def test_an_id_and_an_account_in_one_breath_are_two_spans() -> None:
    out, spans = redact_words(words(f"{ID} 50012345"))

    assert texts(out) == "[ID NUMBER] [MUNICIPAL ACCOUNT]"
    assert kinds(spans) == ["id_number", "municipal_account"]


# --- cards and accounts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "said",
    ["4111 1111 1111 1111", "4111111111111111", "four one one one " + "one " * 12, "5500 0000 0000 0004"],
)
def test_a_card_number_is_redacted_as_card_number(said: str) -> None:
    out, spans = redact_words(words(f"card {said} expires"))

    assert texts(out) == "card [CARD NUMBER] expires"
    assert kinds(spans) == ["card_number"]


def test_a_sixteen_digit_number_failing_luhn_is_not_redacted() -> None:
    number = "4000 1234 4678 9011"
    assert not redaction_patterns.luhn_valid(number.replace(" ", ""))

    for form in (number, spoken(number.replace(" ", ""))):
        assert redact_words(words(form))[1] == []


def test_a_luhn_number_with_an_implausible_first_digit_is_not_a_card() -> None:
    number = "9" + "0" * 14
    number += luhn_check_digit(number)

    assert redact_text(number)[1] == []


@pytest.mark.parametrize(
    "said", ["50012345", "five zero zero one two three four five", "500 12345", "double five 012345"]
)
def test_a_municipal_account_is_redacted_as_municipal_account(said: str) -> None:
    out, spans = redact_words(words(f"account {said} please"))

    assert texts(out) == "account [MUNICIPAL ACCOUNT] please"
    assert kinds(spans) == ["municipal_account"]


def test_a_bank_account_is_redacted_as_bank_account() -> None:
    assert kinds(redact_text("FNB 62123456789")[1]) == ["bank_account"]


def test_account_patterns_are_municipality_settings() -> None:
    rules = RedactionRules(municipal_account=r"7\d{5}", bank_account=r"(?!)")

    out, spans = redact_text("account 712345, old 50012345", rules)

    assert out == "account [MUNICIPAL ACCOUNT], old 50012345"
    assert kinds(spans) == ["municipal_account"]


def test_an_account_pattern_must_cover_whole_digit_groups() -> None:
    # Nine digits of a 16-digit string are a "bank account" only if the speaker grouped them so.
    assert redact_text("1234 4678 9012 3456")[1] == []
    assert kinds(redact_text("1234 467890123 456")[1]) == ["bank_account"]


def test_placeholders_are_settings_too() -> None:
    placeholders = {kind: "***" for kind in RedactionKind}

    assert redact_text(f"ID {ID}", RedactionRules(placeholders=placeholders))[0] == "ID ***"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"bank_account": "(\\d{9"}, "bank_account pattern"),
        ({"placeholders": {RedactionKind.ID_NUMBER: "[ID]"}}, "no placeholder"),
        ({"max_gap": -1.0}, "negative"),
    ],
)
def test_bad_settings_are_refused_when_loaded(rules: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidRedactionRules, match=message):
        RedactionRules(**rules)  # type: ignore[arg-type]


# --- what must be kept ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "said",
    [
        "your reference is 45127",
        "your reference is four five one two seven",
        "reference double four one two seven",
        "that is one thousand five hundred rand",
        "two hundred and fifty thousand rand",
        "you owe R 1500",
        "you owe R1500 or R1,500.00 or 1 500 000",
        "pay by the 15th at ten thirty",
        "on 2024-03-15 at 10:30",
        "nineteen ninety nine twenty twenty four",
        "from one to five",
        "press one for accounts",
    ],
)
def test_references_amounts_dates_and_times_are_kept(said: str) -> None:
    ws = words(said)

    out, spans = redact_words(ws)

    assert spans == []
    assert out == ws


def test_a_misheard_digit_word_counts_only_between_digits() -> None:
    assert texts(redact_words(words("press for 50012345"))[0]) == "press for [MUNICIPAL ACCOUNT]"
    assert kinds(redact_words(words("five zero zero one two for four five"))[1]) == ["municipal_account"]


def test_the_placeholder_keeps_the_lowest_confidence_of_its_words() -> None:
    ws = [
        Word(w, i * 0.4, i * 0.4 + 0.3, 0.9 if i != 4 else 0.35)
        for i, w in enumerate(spoken("50012345").split())
    ]

    assert redact_words(ws)[0][0].conf == 0.35


def test_no_words_give_no_spans() -> None:
    assert redact_words([]) == ([], [])
    assert redact_text("") == ("", [])


# --- plain text -------------------------------------------------------------------------------------------


def test_redact_text_replaces_numbers_and_reports_character_offsets() -> None:
    text = f"Caller ID {ID[:6]} {ID[6:]}, account 50012345. Ref 45127, owes R1 500."

    out, spans = redact_text(text)

    assert out == "Caller ID [ID NUMBER], account [MUNICIPAL ACCOUNT]. Ref 45127, owes R1 500."
    assert [text[s.word_index_start : s.word_index_end] for s in spans] == [f"{ID[:6]} {ID[6:]}", "50012345"]
    assert all(s.start == s.end == 0.0 for s in spans)


def test_redact_text_tolerates_punctuation_between_groups() -> None:
    assert redact_text(f"({ID[:6]}) - {ID[6:]}!")[0] == "([ID NUMBER]!"


def test_docstring_examples_hold() -> None:
    for module in (redaction, redaction_patterns):
        assert doctest.testmod(module).failed == 0


# --- properties -------------------------------------------------------------------------------------------

VOCABULARY = [
    *DIGIT_WORDS, "oh", "double", "triple", "hundred", "thousand", "fifty", "twelve", "uh", "um", "is",
    "it's", "to", "for", "and", "rand", "the", "account", "my", "R1500", "45127", "50012345", ID, "4111",
    "800101", "5009", "087", "1,500",
]  # fmt: skip


def has_digit(text: str) -> bool:
    """Whether a word could carry a digit, by any reading the redactor might take."""
    return any(c.isdigit() for c in text) or text in {*DIGIT_WORDS, "oh", "fifty", "twelve", "to", "for"}


@st.composite
def transcripts(draw: st.DrawFn) -> list[Word]:
    tokens = draw(st.lists(st.sampled_from(VOCABULARY), max_size=40))
    gaps = draw(st.lists(st.floats(0.0, 3.0), min_size=len(tokens), max_size=len(tokens)))
    out: list[Word] = []
    clock = 0.0
    for token, gap in zip(tokens, gaps, strict=True):
        clock += gap
        out.append(Word(token, clock, clock + 0.3))
        clock += 0.3
    return out


@settings(max_examples=300, deadline=None)
@given(transcripts())
def test_redaction_never_adds_words_and_only_replaces_runs_holding_digits(ws: list[Word]) -> None:
    out, spans = redact_words(ws)

    assert len(out) <= len(ws)
    assert len(out) == len(ws) - sum(s.word_index_end - s.word_index_start - 1 for s in spans)
    previous_end = 0
    for span in spans:
        assert previous_end <= span.word_index_start < span.word_index_end
        assert any(has_digit(w.text) for w in ws[span.word_index_start : span.word_index_end])
        assert (span.start, span.end) == (ws[span.word_index_start].start, ws[span.word_index_end - 1].end)
        previous_end = span.word_index_end


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789 -,.Rrandoh", max_size=60))
def test_redact_text_only_replaces_digit_bearing_text(text: str) -> None:
    out, spans = redact_text(text)

    for span in spans:
        assert any(c.isdigit() for c in text[span.word_index_start : span.word_index_end])
    if not spans:
        assert out == text
