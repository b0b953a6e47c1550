"""Reference numbers: the Damm check digit catches every single-digit error and adjacent transposition."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.references import (
    _BODY_SPAN,
    _MULTIPLIER,
    CAPACITY,
    REFERENCE_LENGTH,
    damm_check_digit,
    damm_valid,
    format_reference,
    is_valid_reference,
    luhn_check_digit,
    luhn_valid,
    make_reference,
    normalise,
    reading_groups,
)

sequences = st.integers(min_value=0, max_value=CAPACITY - 1)
digit_strings = st.text(alphabet="0123456789", min_size=1, max_size=20)


def single_digit_errors(text: str) -> list[str]:
    """Every string that differs from ``text`` in exactly one digit."""
    return [text[:i] + d + text[i + 1 :] for i in range(len(text)) for d in "0123456789" if d != text[i]]


def adjacent_transpositions(text: str) -> list[str]:
    """Every string with two neighbouring, different digits of ``text`` swapped."""
    return [
        text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        for i in range(len(text) - 1)
        if text[i] != text[i + 1]
    ]


@given(sequences)
def test_every_reference_is_nine_digits_and_valid(sequence: int) -> None:
    reference = make_reference(sequence)
    assert len(reference) == REFERENCE_LENGTH and reference.isdigit() and reference[0] != "0"
    assert is_valid_reference(reference)


@given(sequences)
def test_every_single_digit_error_in_a_reference_is_detected(sequence: int) -> None:
    reference = make_reference(sequence)
    for wrong in single_digit_errors(reference):
        assert not is_valid_reference(wrong), (reference, wrong)


@given(sequences)
def test_every_adjacent_transposition_in_a_reference_is_detected(sequence: int) -> None:
    reference = make_reference(sequence)
    swapped = adjacent_transpositions(reference)
    for wrong in swapped:
        assert not is_valid_reference(wrong), (reference, wrong)


@given(digit_strings)
def test_damm_detects_single_errors_and_transpositions_in_any_number(body: str) -> None:
    number = body + damm_check_digit(body)
    assert damm_valid(number)
    assert not any(damm_valid(wrong) for wrong in single_digit_errors(number))
    assert not any(damm_valid(wrong) for wrong in adjacent_transpositions(number))


@given(st.lists(sequences, min_size=2, max_size=200, unique=True))
def test_distinct_sequence_numbers_give_distinct_references(numbers: list[int]) -> None:
    references = [make_reference(n) for n in numbers]
    assert len(set(references)) == len(references)


def test_the_first_hundred_thousand_references_are_unique_and_not_consecutive() -> None:
    references = [make_reference(n) for n in range(100_000)]
    assert len(set(references)) == len(references)
    bodies = [int(reference[:-1]) for reference in references[:50]]
    assert all(abs(b - a) > 1 for a, b in itertools.pairwise(bodies))  # not guessable by +1


def test_the_encoding_is_a_bijection_on_its_capacity() -> None:
    assert math.gcd(_MULTIPLIER, _BODY_SPAN) == 1  # so n -> n * M + c (mod span) never repeats


@pytest.mark.parametrize("sequence", [-1, CAPACITY])
def test_sequence_numbers_outside_the_capacity_are_refused(sequence: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        make_reference(sequence)


def test_references_are_read_back_in_groups_of_three_and_accept_spaces() -> None:
    reference = make_reference(1)
    assert reading_groups(reference) == (reference[:3], reference[3:6], reference[6:])
    assert format_reference(reference) == " ".join(reading_groups(reference))
    assert normalise(format_reference(reference)) == reference
    assert is_valid_reference(format_reference(reference))
    assert is_valid_reference(f"{reference[:3]}-{reference[3:6]}-{reference[6:]}")


@pytest.mark.parametrize(
    "text", ["", "12345678", "1234567890", "01234567x", "abcdefghi", "０１２３４５６７８"]
)
def test_malformed_references_are_invalid(text: str) -> None:
    assert not is_valid_reference(text)


def test_a_reference_starting_with_zero_is_invalid_even_with_a_good_check_digit() -> None:
    body = "01234567"
    assert damm_valid(body + damm_check_digit(body))
    assert not is_valid_reference(body + damm_check_digit(body))


def test_damm_check_digit_refuses_non_digits() -> None:
    with pytest.raises(ValueError):
        damm_check_digit("12a")


def test_luhn_known_numbers() -> None:
    assert luhn_valid("79927398713")  # the textbook example
    assert not luhn_valid("79927398710")
    assert luhn_check_digit("7992739871") == "3"


@settings(max_examples=200)
@given(st.text(alphabet="0123456789", min_size=1, max_size=18))
def test_luhn_catches_every_single_digit_error(body: str) -> None:
    number = body + luhn_check_digit(body)
    assert luhn_valid(number)
    assert not any(luhn_valid(wrong) for wrong in single_digit_errors(number))
