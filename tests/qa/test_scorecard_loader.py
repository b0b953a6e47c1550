"""Scorecard YAML: the shipped ones load, and every malformed one is refused at its own line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa.corpus.model import INBOUND_CRITERIA, OUTBOUND_CRITERIA
from qa.library import SHARED_FILE, SHIPPED, load_library
from qa.scorecard import PRINCIPLES
from qa.scorecard_loader import ScorecardError, load_shared_phrases, parse_scorecard

SOURCE = "mini.yaml"
# Line numbers below are 1-based lines of this text.
MINI = """\
name: mini
title: Mini scorecard
applies_to:
  directions: [inbound]
sections:
  - title: Opening
    criteria:
      - id: greeting
        title: Greets the caller
        principle: courtesy
        weight: 5
        detector:
          kind: phrase
          phrases: [good morning]
      - id: dead_air
        title: No dead air
        principle: value_for_money
        weight: 2
        detector: {kind: dead_air, max_seconds: 15}
"""
#: Every criterion the labelled corpus (and the issue) names must be on a shipped scorecard.
EXPECTED_IDS = set(INBOUND_CRITERIA) | set(OUTBOUND_CRITERIA)


def test_the_three_shipped_scorecards_load_without_errors() -> None:
    library = load_library()
    assert library.errors == []
    assert sorted(library.scorecards) == ["account-query", "inbound-fault", "revenue-collection"]
    ids = {c.id for card in library.scorecards.values() for c in card.criteria}
    assert ids >= EXPECTED_IDS
    auto_fail = {c.id for card in library.scorecards.values() for c in card.criteria if c.auto_fail}
    assert auto_fail == {"rudeness", "no_threats"}


def test_every_shipped_criterion_has_a_batho_pele_principle_and_a_positive_weight() -> None:
    for card in load_library().scorecards.values():
        for criterion in card.criteria:
            assert criterion.principle in PRINCIPLES, (card.name, criterion.id)
            assert criterion.weight > 0, (card.name, criterion.id)


def test_shipped_scorecards_pick_the_right_calls() -> None:
    library = load_library()
    assert library.get("inbound-fault").fits("inbound", "fault")
    assert library.get("inbound-fault").fits("inbound", "general")
    assert not library.get("inbound-fault").fits("outbound", "fault")
    assert library.get("account-query").fits("inbound", "account")
    assert library.get("revenue-collection").fits("outbound", "revenue")
    with pytest.raises(KeyError, match="no scorecard named 'nope'"):
        library.get("nope")


def test_municipality_placeholder_expands_to_every_name_given() -> None:
    library = load_library(municipality=("Rivervale Metro", "City of Rivervale"))
    greeting = library.get("inbound-fault").criterion("greeting").detector.target
    assert greeting is not None
    names = greeting.also[0]
    assert "rivervale metro" in names and "city of rivervale" in names
    assert not any("{municipality}" in phrase for phrase in names)

    card = parse_scorecard(
        MINI.replace("[good morning]", "['Welcome to {municipality}!']"), SOURCE, ("Rivervale", "Kwa-Nala")
    )
    target = card.criterion("greeting").detector.target
    assert target is not None
    assert target.phrases == ("welcome to rivervale", "welcome to kwa nala")


def test_shared_lists_expand_and_are_recorded_in_the_versioned_source() -> None:
    shared = load_shared_phrases(SHIPPED / SHARED_FILE)
    closing = load_library().get("inbound-fault").criterion("closing").detector.target
    assert closing is not None
    assert set(closing.phrases) == set(shared["closing"])

    text = MINI.replace("[good morning]", "['@hi', also said]")
    card = parse_scorecard(text, SOURCE, shared={"hi": ["hello there", "good day"]})
    target = card.criterion("greeting").detector.target
    assert target is not None
    assert target.phrases == ("hello there", "good day", "also said")
    assert card.source.startswith(text) and "hello there" in card.source[len(text) :]


def test_unknown_shared_list_is_an_error_naming_the_line() -> None:
    with pytest.raises(ScorecardError) as caught:
        parse_scorecard(MINI.replace("[good morning]", "['@nosuch']"), SOURCE, shared={"hi": ["hello"]})
    message = str(caught.value)
    assert message.startswith(f"{SOURCE}:14:")
    assert "'nosuch'" in message and "known: hi" in message and "phrases" in message


def _broken(old: str, new: str) -> str:
    assert old in MINI, old
    return MINI.replace(old, new, 1)


MALFORMED = [
    pytest.param(
        _broken("title: Greets the caller", "title: Greets: the caller"), 9, "YAML", id="broken-yaml"
    ),
    pytest.param(
        _broken("        title: Greets the caller\n", ""), 8, "field 'title' is missing", id="missing"
    ),
    pytest.param(
        _broken("        weight: 5\n", "        weight: 5\n        colour: red\n"),
        12,
        "'colour'",
        id="unknown",
    ),
    pytest.param(_broken("principle: courtesy", "principle: politeness"), 10, "principle", id="principle"),
    pytest.param(_broken("weight: 5", "weight: -5"), 11, "field 'weight'", id="negative-weight"),
    pytest.param(_broken("kind: phrase", "kind: telepathy"), 13, "field 'kind'", id="unknown-kind"),
    pytest.param(
        _broken("{kind: dead_air, max_seconds: 15}", "{kind: dead_air}"), 19, "'max_seconds'", id="limit"
    ),
    pytest.param(_broken("kind: phrase", "kind: order"), 13, "field 'first'", id="order-no-first"),
    pytest.param(_broken("id: dead_air", "id: greeting"), 15, "criterion 'greeting'", id="duplicate-id"),
    pytest.param(_broken("title: Mini scorecard\n", ""), 1, "field 'title' is missing", id="missing-top"),
]


@pytest.mark.parametrize(("text", "line", "field"), MALFORMED)
def test_malformed_scorecard_names_file_line_and_field(text: str, line: int, field: str) -> None:
    with pytest.raises(ScorecardError) as caught:
        parse_scorecard(text, SOURCE)
    message = str(caught.value)
    assert message.startswith(f"{SOURCE}:{line}:"), message
    assert field in message


def test_malformed_messages_say_what_is_wrong() -> None:
    def message(old: str, new: str) -> str:
        with pytest.raises(ScorecardError) as caught:
            parse_scorecard(_broken(old, new), SOURCE)
        return str(caught.value)

    assert "'politeness' is not one of" in message("principle: courtesy", "principle: politeness")
    assert "must be at least 0" in message("weight: 5", "weight: -5")
    assert "'telepathy' is not one of" in message("kind: phrase", "kind: telepathy")
    assert "this id is used twice" in message("id: dead_air", "id: greeting")
    assert "not valid YAML" in message("title: Greets the caller", "title: Greets: the caller")


@pytest.mark.parametrize("text", ["", "# only a comment\n"])
def test_empty_scorecard_is_an_error(text: str) -> None:
    with pytest.raises(ScorecardError, match=rf"^{SOURCE}: the file is empty"):
        parse_scorecard(text, SOURCE)


def test_the_mini_scorecard_itself_is_valid() -> None:
    card = parse_scorecard(MINI, SOURCE)
    assert [c.id for c in card.criteria] == ["greeting", "dead_air"]
    assert card.criterion("dead_air").detector.limits == {"max_seconds": 15.0}
    assert card.pass_mark == 80.0 and card.directions == ("inbound",)


def test_one_malformed_file_is_reported_and_the_good_ones_still_load(tmp_path: Path) -> None:
    shutil.copy(SHIPPED / SHARED_FILE, tmp_path / SHARED_FILE)
    shutil.copy(SHIPPED / "inbound-fault.yaml", tmp_path / "inbound-fault.yaml")
    shutil.copy(SHIPPED / "account-query.yaml", tmp_path / "account-query.yaml")
    (tmp_path / "broken.yaml").write_text(_broken("weight: 5", "weight: -5"), encoding="utf-8")

    library = load_library(tmp_path)

    assert sorted(library.scorecards) == ["account-query", "inbound-fault"]
    assert len(library.errors) == 1
    assert library.errors[0].startswith(f"{tmp_path / 'broken.yaml'}:11:")
    assert "weight" in library.errors[0]


def test_a_folder_without_scorecards_is_reported(tmp_path: Path) -> None:
    library = load_library(tmp_path)
    assert library.scorecards == {}
    assert library.errors == [f"{tmp_path}: no scorecards (*.yaml) found"]


def test_two_files_with_the_same_scorecard_name_keep_the_first(tmp_path: Path) -> None:
    shutil.copy(SHIPPED / SHARED_FILE, tmp_path / SHARED_FILE)
    shutil.copy(SHIPPED / "inbound-fault.yaml", tmp_path / "a.yaml")
    shutil.copy(SHIPPED / "inbound-fault.yaml", tmp_path / "b.yaml")
    library = load_library(tmp_path)
    assert list(library.scorecards) == ["inbound-fault"]
    assert library.scorecards["inbound-fault"].path == str(tmp_path / "a.yaml")
    assert len(library.errors) == 1 and "b.yaml" in library.errors[0] and "already used" in library.errors[0]
