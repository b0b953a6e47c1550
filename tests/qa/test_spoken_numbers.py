"""digit_runs: reference numbers read out as digit words, numerals, "double"/"triple" and sound-alikes."""

from __future__ import annotations

import pytest

from qa.spoken_numbers import DigitRun, digit_runs


def digits(text: str, min_length: int = 4) -> list[str]:
    return [run.digits for run in digit_runs(text, min_length)]


def test_digit_words_with_oh_for_zero() -> None:
    assert digit_runs("four seven one one oh three eight two") == [DigitRun("47110382", 0, 7)]


def test_word_positions_point_at_the_run_inside_a_sentence() -> None:
    runs = digit_runs("your reference number is four seven one one oh three eight two thank you")
    assert runs == [DigitRun("47110382", 4, 11)]


def test_double_and_triple_repeat_the_next_digit() -> None:
    assert digits("double five", min_length=2) == ["55"]
    assert digits("double five") == []  # two digits: shorter than the default minimum of four
    assert digits("my number is double five one two") == ["5512"]
    assert digits("triple seven two") == ["7772"]
    assert digits("double oh seven seven") == ["0077"]


def test_double_without_a_digit_after_it_is_just_a_word() -> None:
    assert digits("double", min_length=1) == []
    assert digits("a double room one two", min_length=1) == ["12"]
    assert digits("one two double", min_length=1) == ["12"]


def test_digits_as_numerals_and_mixed_with_words() -> None:
    assert digits("ref 4711 0382") == ["47110382"]
    assert digits("4 7 1 1 0 3 8 2") == ["47110382"]
    assert digits("call 0123 now") == ["0123"]
    assert digits("four seven 11 oh three 8 two") == ["47110382"]


def test_sound_alikes_count_inside_a_run() -> None:
    assert digits("one two for tree five") == ["12435"]
    assert digits("one two three for tree") == ["1234"]  # a sound-alike counts only before another digit
    assert digits("five won six ate nine") == ["51689"]
    assert digits("seven too fife") == []  # only three digits
    assert digits("seven too fife one", min_length=3) == ["7251"]


@pytest.mark.parametrize("text", ["for", "i want to pay for it", "won to tree for", "i ate it too"])
def test_sound_alikes_alone_are_not_digits(text: str) -> None:
    assert digit_runs(text, min_length=1) == []


def test_a_sound_alike_before_a_run_is_not_part_of_it() -> None:
    assert digit_runs("call me for two three four five") == [DigitRun("2345", 3, 6)]
    assert digits("tree for two", min_length=1) == ["2"]


def test_runs_shorter_than_min_length_are_ignored() -> None:
    text = "unit one two block three four five six"
    assert digits(text) == ["3456"]
    assert digits(text, min_length=2) == ["12", "3456"]
    assert digits(text, min_length=5) == []
    assert digits("one two three") == []


def test_separate_runs_are_reported_separately() -> None:
    text = "account one two three four and reference five six seven eight nine"
    assert digit_runs(text) == [DigitRun("1234", 1, 4), DigitRun("56789", 7, 11)]


def test_text_without_digits_gives_no_runs() -> None:
    assert digit_runs("") == []
    assert digit_runs("good morning you are speaking to thandi", min_length=1) == []


def test_a_sound_alike_after_the_last_digit_is_not_part_of_the_run() -> None:
    assert digits("your reference is one two three four for your records") == ["1234"]
