"""The labelled corpus: its format, its label proportions, labels that match the words, the phrase banks."""

from __future__ import annotations

import itertools
import json
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.corpus.bank import NAME_KEYS, PHRASE_KEYS, SLOTS, PhraseBank, load_bank, placeholders
from qa.corpus.generator import MUNICIPALITIES, generate_corpus, luhn_digit, main, misread
from qa.corpus.model import CRITERIA, REASON_CALL_TYPE, CorpusError, LabelledCall, read_jsonl, write_jsonl
from qa.corpus.spoken import date_words, digit_words, number_words, rand_words, year_words
from qa.ml import default_corpus_path, eval_corpus_path

#: The shipped corpora and how they were made (see qa/corpus/__init__.py).
SHIPPED = {"train": (default_corpus_path(), 1200, 1), "eval": (eval_corpus_path(), 400, 2)}
DIGITS = {digit_words(str(d)): str(d) for d in range(10)}


@pytest.fixture(scope="module")
def corpora() -> dict[str, list[LabelledCall]]:
    """The shipped training and evaluation corpora."""
    return {name: read_jsonl(path) for name, (path, _, _) in SHIPPED.items()}


@pytest.fixture(scope="module")
def banks() -> dict[str, PhraseBank]:
    """Both phrase banks."""
    return {name: load_bank(name) for name in SHIPPED}


def all_calls(corpora: dict[str, list[LabelledCall]]) -> Iterable[tuple[str, LabelledCall]]:
    return ((name, call) for name, calls in corpora.items() for call in calls)


# --- the shipped data -------------------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_corpus_is_what_the_generator_makes_with_its_documented_seed(
    name: str, corpora: dict[str, list[LabelledCall]]
) -> None:
    _, n, seed = SHIPPED[name]
    assert corpora[name] == generate_corpus(name, n, seed)


def test_shipped_corpora_sizes_and_ids(corpora: dict[str, list[LabelledCall]]) -> None:
    assert len(corpora["train"]) == 1200 and len(corpora["eval"]) == 400
    assert sum(path.stat().st_size for path, _, _ in SHIPPED.values()) < 4_000_000
    for name, calls in corpora.items():
        assert [call.id for call in calls] == [f"{name}-{i:06d}" for i in range(len(calls))]


def test_every_call_follows_the_format_rules(corpora: dict[str, list[LabelledCall]]) -> None:
    for _, call in all_calls(corpora):
        if call.direction == "outbound":
            assert (call.call_type, call.reason) == ("revenue", "payment_arrangement")
        else:
            assert call.call_type == REASON_CALL_TYPE[call.reason]
        assert call.language == "en"
        assert set(call.labels) == set(CRITERIA[call.direction])
        if call.call_type == "fault":
            assert call.reference is not None and re.fullmatch(r"[1-9][0-9]{7}", call.reference)
        else:
            assert call.reference is None


def test_turns_are_timed_like_speech(corpora: dict[str, list[LabelledCall]]) -> None:
    for _, call in all_calls(corpora):
        turns = call.turns
        assert turns[0].speaker == "agent" and 1.0 <= turns[0].start <= 3.0
        assert all(a.speaker != b.speaker for a, b in itertools.pairwise(turns))
        assert 60.0 <= turns[-1].end <= 360.0
        hold_gaps = 0
        for before, after in itertools.pairwise(turns):
            gap = after.start - before.end
            held = [h for h in call.holds if before.end <= h.start < h.end <= after.start]
            hold_gaps += len(held)
            assert -0.5 <= gap <= 1.51 + sum(h.end - h.start + 2 for h in held)  # 0.01: times are rounded
        assert hold_gaps == len(call.holds)
        for turn in turns:
            rate = len(turn.text.split()) / (turn.end - turn.start)
            assert 0.5 < rate < 3.2, (call.id, turn)


def test_label_proportions(corpora: dict[str, list[LabelledCall]]) -> None:
    calls = [call for _, call in all_calls(corpora)]
    inbound = [call for call in calls if call.direction == "inbound"]
    outbound = [call for call in calls if call.direction == "outbound"]
    assert 0.35 <= share(calls, lambda c: "fail" not in c.labels.values()) <= 0.45
    assert 0.35 <= share(inbound, lambda c: c.labels["empathy"] != "na") <= 0.45
    assert 0.25 <= share(calls, lambda c: bool(c.holds)) <= 0.35
    assert 0.40 <= share(outbound, lambda c: c.labels["promise_confirmed"] != "na") <= 0.60
    assert set(Counter(call.reason for call in calls)) == set(REASON_CALL_TYPE)
    assert all(
        Counter(call.sentiment for call in calls)[s] > 300 for s in ("positive", "neutral", "frustrated")
    )


@pytest.mark.parametrize("name", SHIPPED)
def test_every_criterion_is_failed_often_enough_to_measure(
    name: str, corpora: dict[str, list[LabelledCall]]
) -> None:
    counts: dict[str, Counter[str]] = {}
    for call in corpora[name]:
        for criterion, label in call.labels.items():
            counts.setdefault(criterion, Counter())[label] += 1
    minimum = 0.15 if name == "train" else 0.12  # the evaluation set is a third of the size
    for criterion, count in counts.items():
        assert count["fail"] / (count["fail"] + count["pass"]) >= minimum, (criterion, count)


def share(calls: list[LabelledCall], predicate: Callable[[LabelledCall], bool]) -> float:
    return sum(bool(predicate(call)) for call in calls) / len(calls)


# --- labels agree with the words -------------------------------------------------------------


def pattern(templates: Iterable[str], call: LabelledCall) -> re.Pattern[str]:
    """A regex matching any of ``templates`` filled with this call's municipality and agent."""
    fill = {"municipality": "(?:" + "|".join(MUNICIPALITIES) + ")", "agent": re.escape(call.agent)}
    alternatives = [
        re.sub(r"\\\{([a-z_]+)\\\}", lambda m: fill.get(m.group(1), "[a-z]+(?: [a-z]+)*?"), re.escape(t))
        for t in templates
    ]
    return re.compile(r"(?<![a-z])(?:" + "|".join(alternatives) + r")(?![a-z])")


def agent_says(bank: PhraseBank, call: LabelledCall, *keys: str, turns: slice = slice(None)) -> bool:
    templates = [template for key in keys for template in bank.phrases[key]]
    regex = pattern(templates, call)
    return any(regex.search(t.text) for t in call.turns[turns] if t.speaker == "agent")


def first_agent_turn(bank: PhraseBank, call: LabelledCall, *keys: str) -> int:
    """Index of the first agent turn saying one of ``keys``' phrases (a large number if none)."""
    regex = pattern([template for key in keys for template in bank.phrases[key]], call)
    return next((i for i, t in enumerate(call.turns) if t.speaker == "agent" and regex.search(t.text)), 999)


PRESENCE = {  # criterion: (phrase keys whose presence in agent turns means pass, or fail if negated)
    "agent_name": ("intro",),
    "reference_given": ("reference",),
    "turnaround": ("turnaround",),
    "empathy": ("empathy",),
    "further_help": ("further_help",),
    "recording_disclosure": ("recording",),
    "purpose_amount": ("purpose_amount",),
    "payment_options": ("options",),
    "promise_confirmed": ("promise_confirm",),
    "hold_permission": ("hold_ask",),
}


def test_labels_match_what_the_agent_says(
    corpora: dict[str, list[LabelledCall]], banks: dict[str, PhraseBank]
) -> None:
    for name, call in all_calls(corpora):
        bank, labels = banks[name], call.labels
        for criterion, keys in PRESENCE.items():
            if labels.get(criterion, "na") != "na":
                assert agent_says(bank, call, *keys) == (labels[criterion] == "pass"), (call.id, criterion)
        greeting = agent_says(bank, call, "welcome", "calling_from", turns=slice(0, 1))
        assert greeting == (labels["greeting"] == "pass"), call.id
        closing = agent_says(bank, call, "closing", "out_closing", turns=slice(-2, None))
        assert closing == (labels["closing"] == "pass"), call.id
        misconduct = "rudeness" if call.direction == "inbound" else "no_threats"
        said = agent_says(bank, call, "rude" if misconduct == "rudeness" else "threat")
        assert said == (labels[misconduct] == "fail"), call.id
        assert (labels["hold_permission"] == "na") == (not call.holds)


def test_verification_comes_before_disclosure_exactly_when_it_passes(
    corpora: dict[str, list[LabelledCall]], banks: dict[str, PhraseBank]
) -> None:
    for name, call in all_calls(corpora):
        bank = banks[name]
        if call.call_type == "account":
            verified = first_agent_turn(bank, call, "verify_ask")
            disclosed = first_agent_turn(bank, call, "disclose_balance")
            assert disclosed < 999
            assert (verified < disclosed) == (call.labels["verification"] == "pass"), call.id
        elif call.direction == "outbound":
            verified = first_agent_turn(bank, call, "right_party_ask")
            disclosed = first_agent_turn(bank, call, "purpose_amount", "purpose_no_amount")
            assert (verified < disclosed) == (call.labels["right_party"] == "pass"), call.id


def test_reference_read_out_matches_the_integrity_label(corpora: dict[str, list[LabelledCall]]) -> None:
    for _, call in all_calls(corpora):
        if call.call_type != "fault":
            continue
        read = digit_runs(" ".join(t.text for t in call.turns if t.speaker == "agent"))
        label = call.labels["reference_integrity"]
        assert len(read) == (0 if label == "na" else 1), call.id
        if label == "pass":
            assert read == [call.reference]
        elif label == "fail":
            assert call.reference is not None and read[0] != call.reference
            assert is_misreading(read[0], call.reference)


def digit_runs(text: str) -> list[str]:
    """Every run of eight or more digits read one at a time ("four seven ...")."""
    runs, current = [], ""
    for word in [*text.split(), "."]:
        if word in DIGITS:
            current += DIGITS[word]
            continue
        if len(current) >= 8:
            runs.append(current)
        current = ""
    return runs


def is_misreading(read: str, reference: str) -> bool:
    """One digit wrong, or two neighbouring digits swapped."""
    differ = [i for i, (a, b) in enumerate(zip(read, reference, strict=True)) if a != b]
    swapped = len(differ) == 2 and differ[1] == differ[0] + 1 and read[differ[0]] == reference[differ[1]]
    return len(differ) == 1 or swapped


# --- phrase banks ------------------------------------------------------------------------------


def test_the_banks_share_no_sentence_and_no_name(banks: dict[str, PhraseBank]) -> None:
    train, evaluation = banks["train"], banks["eval"]
    assert not set(train.templates()) & set(evaluation.templates())
    train_names = {name for pool in train.names.values() for name in pool}
    assert not train_names & {name for pool in evaluation.names.values() for name in pool}


@pytest.mark.parametrize("name", SHIPPED)
def test_each_bank_has_every_step_in_several_wordings(name: str, banks: dict[str, PhraseBank]) -> None:
    bank = banks[name]
    assert set(bank.phrases) == PHRASE_KEYS and set(bank.names) == NAME_KEYS
    for key, templates in bank.phrases.items():
        assert len(templates) >= 5 and len(set(templates)) == len(templates), key
        assert all(placeholders(template) <= SLOTS for template in templates)
    for key in ("empathy", "rude", "threat", "hold_ask", "welcome", "intro", "closing", "further_help"):
        assert len(bank.phrases[key]) >= 6, key
    assert all(len(pool) >= 12 for pool in bank.names.values())


# --- generator, format, spoken numbers --------------------------------------------------------


def test_the_command_line_writes_the_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "calls.jsonl"
    assert main(["--phrasebook", "eval", "--n", "25", "--seed", "9", "--out", str(out)]) == 0
    assert "wrote 25 calls" in capsys.readouterr().out
    assert read_jsonl(out) == generate_corpus("eval", 25, 9)
    assert generate_corpus("eval", 25, 9)[:10] == generate_corpus("eval", 10, 9)
    assert generate_corpus("eval", 10, 9) != generate_corpus("eval", 10, 10)


def test_jsonl_round_trip_and_validation(tmp_path: Path, corpora: dict[str, list[LabelledCall]]) -> None:
    calls = corpora["eval"][:20]
    path = tmp_path / "calls.jsonl"
    assert write_jsonl(calls, path) == 20
    assert read_jsonl(path) == calls
    good = calls[0].to_dict()
    for field, value in (("reason", "parking"), ("reference", "12a4"), ("labels", {"greeting": "pass"})):
        path.write_text(json.dumps(good) + "\n" + json.dumps({**good, field: value}) + "\n")
        with pytest.raises(CorpusError, match=r"calls\.jsonl:2"):
            read_jsonl(path)
    bad_turn = {**good, "turns": [{"speaker": "agent", "text": "Hello, 42", "start": 0, "end": 1}]}
    with pytest.raises(CorpusError, match="lower-case words"):
        LabelledCall.from_dict(bad_turn)


def test_numbers_are_spoken_as_words() -> None:
    assert number_words(2400) == "two thousand four hundred"
    assert rand_words(2450) == "two thousand four hundred and fifty rand"
    assert number_words(48) == "forty eight" and number_words(1005) == "one thousand and five"
    assert digit_words("47102938") == "four seven one zero two nine three eight"
    assert date_words(25, 3) == "the twenty fifth of march" and date_words(30, 6) == "the thirtieth of june"
    assert year_words(1985) == "nineteen eighty five" and year_words(2003) == "two thousand and three"


def test_luhn_check_digit_of_a_known_id_number() -> None:
    assert luhn_digit("800101500908") == "7"  # 8001015009087 is the standard valid example
    assert luhn_digit("7992739871") == "3"


@given(st.from_regex(r"[1-9][0-9]{7}", fullmatch=True), st.integers(min_value=0))
def test_a_misread_reference_is_one_slip_away(reference: str, seed: int) -> None:
    wrong = misread(reference, random.Random(seed))
    assert wrong != reference and len(wrong) == len(reference)
    assert is_misreading(wrong, reference)
