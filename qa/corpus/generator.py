"""Generate a labelled corpus of synthetic municipal call-centre calls.

Usage::

    python -m qa.corpus.generator --phrasebook train --n 1200 --seed 1 --out qa/data/train.jsonl
    python -m qa.corpus.generator --phrasebook eval --n 400 --seed 2 --out qa/data/eval.jsonl

Each call is drawn in three steps: a :class:`~qa.corpus.scenario.Scenario` (direction, reason,
mood, hold, promise and which criteria the agent breaks; the labels follow from it), slot values
(names, address, amounts, dates, reference number), and the script the chosen phrase bank words.
Turns are then timed like speech: about 2.5 words a second, 0.2-1.5 s between turns with the odd
slight overlap, the greeting within the first three seconds, holds between turns.

One master random generator draws the calls in order, so the first ``k`` calls of a corpus do not
depend on ``n``: the same bank and seed always give the same calls.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from pathlib import Path

from qa.corpus.bank import PhraseBank, load_bank
from qa.corpus.model import Hold, LabelledCall, Turn, write_jsonl
from qa.corpus.scenario import Scenario, sample_scenario
from qa.corpus.script import Line, write_script
from qa.corpus.spoken import date_words, digit_words, number_words, rand_words, year_words

__all__ = [
    "MIN_SECONDS",
    "MUNICIPALITIES",
    "TURNAROUNDS",
    "generate_call",
    "generate_corpus",
    "luhn_digit",
    "main",
    "misread",
]

#: The ways agents name the municipality.
MUNICIPALITIES = ("rivervale metro", "rivervale metropolitan municipality", "the city of rivervale")
_TITLES = ("mister", "missus", "miss")
#: Turnaround times agents promise: a number and its unit.
TURNAROUNDS: tuple[tuple[int, str], ...] = (
    (24, "hours"),
    (48, "hours"),
    (72, "hours"),
    (3, "working days"),
    (5, "working days"),
    (7, "working days"),
    (14, "days"),
)
#: Calls shorter than this get small-talk exchanges added.
MIN_SECONDS = 60.0


def luhn_digit(digits: str) -> str:
    """The Luhn check digit that makes ``digits`` + it valid (as on South African ID numbers)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def misread(reference: str, rng: random.Random) -> str:
    """``reference`` read out wrongly: one digit changed, or two neighbours swapped."""
    digits = list(reference)
    i = rng.randrange(len(digits) - 1)
    if digits[i] != digits[i + 1] and rng.random() < 0.5:
        digits[i], digits[i + 1] = digits[i + 1], digits[i]
    else:
        digits[i] = rng.choice([d for d in "0123456789" if d != digits[i]])
    return "".join(digits)


def _slots(rng: random.Random, bank: PhraseBank, scenario: Scenario, reference: str | None) -> dict[str, str]:
    """Values for every placeholder a template may use, drawn for one call."""
    year, month, day = rng.randint(1950, 2002), rng.randint(1, 12), rng.randint(1, 28)
    id_stem = f"{year % 100:02d}{month:02d}{day:02d}{rng.randrange(10000):04d}08"
    amount = rng.randrange(600, 30000, 10)
    months = rng.randint(3, 12)
    read = reference and (misread(reference, rng) if scenario.fails("reference_integrity") else reference)
    n, unit = rng.choice(TURNAROUNDS)
    phone = "0" + rng.choice("678") + "".join(rng.choice("0123456789") for _ in range(8))
    return {
        "municipality": rng.choice(MUNICIPALITIES),
        "agent": bank.draw(rng, "agents"),
        "first": bank.draw(rng, "first_names"),
        "surname": bank.draw(rng, "surnames"),
        "title": rng.choice(_TITLES),
        "street": bank.draw(rng, "streets"),
        "suburb": bank.draw(rng, "suburbs"),
        "house": number_words(rng.randint(1, 300)),
        "days": number_words(rng.randint(2, 9)),
        "reference": digit_words(read) if read else "",
        "duration": f"{number_words(n)} {unit}",
        "amount": rand_words(amount),
        "instalment": rand_words(max(100, amount // months // 10 * 10)),
        "months": number_words(months),
        "phone": digit_words(phone),
        "id_number": digit_words(id_stem + luhn_digit(id_stem)),
        "dob": f"{date_words(day, month)} {year_words(year)}",
        "promise_amount": rand_words(rng.randrange(200, amount, 50)),
        "promise_date": date_words(rng.randint(1, 28), rng.randint(1, 12)),
    }


def _timed(rng: random.Random, lines: Sequence[Line]) -> tuple[list[Turn], list[Hold]]:
    """Times for the script's lines: speech at about 2.5 words/s, short gaps, holds as gaps."""
    rates = {"agent": rng.uniform(2.2, 2.8), "customer": rng.uniform(2.1, 2.8)}
    turns: list[Turn] = []
    holds: list[Hold] = []
    clock = rng.uniform(1.0, 3.0)
    for line in lines:
        if line.speaker is None:
            start = clock + rng.uniform(0.3, 1.0)
            holds.append(Hold(round(start, 2), round(start + rng.uniform(15.0, 90.0), 2)))
            clock = holds[-1].end + rng.uniform(0.2, 0.8)
            continue
        words = len(line.text.split())
        length = words / rates[line.speaker] * rng.uniform(0.9, 1.1) + 0.3
        start = clock if not turns else clock + rng.uniform(0.2, 1.5)
        if turns and not _after_hold(turns, holds) and length > 2 and rng.random() < 0.06:
            start = clock - rng.uniform(0.1, 0.4)
        turns.append(Turn(line.speaker, line.text, round(start, 2), round(start + length, 2)))
        clock = start + length
    return turns, holds


def _after_hold(turns: Sequence[Turn], holds: Sequence[Hold]) -> bool:
    """Whether the last hold started after the last turn ended (the next turn follows a hold)."""
    return bool(holds) and holds[-1].start >= turns[-1].end


def _pad(rng: random.Random, bank: PhraseBank, lines: list[Line], filler: str) -> list[Line] | None:
    """``lines`` with one small-talk exchange (the agent's ``filler``) after a customer line mid-call.

    Exchanges are not put next to one another; None when there is no place left for one.
    """
    small_talk = {*bank.phrases["filler_agent"], *bank.phrases["filler_customer"]}
    places = [
        i + 1
        for i in range(1, len(lines) - 2)
        if (lines[i].speaker, lines[i + 1].speaker) == ("customer", "agent")
        and not {lines[i].text, lines[i + 1].text} & small_talk
    ]
    if not places:
        return None
    at = rng.choice(places)
    return [
        *lines[:at],
        Line("agent", filler),
        Line("customer", bank.pick(rng, "filler_customer")),
        *lines[at:],
    ]


def generate_call(rng: random.Random, bank: PhraseBank, call_id: str) -> LabelledCall:
    """One labelled call drawn from ``rng`` and worded from ``bank``."""
    scenario = sample_scenario(rng)
    reference = None
    if scenario.call_type == "fault":
        reference = str(rng.randint(10_000_000, 99_999_999))
    slots = _slots(rng, bank, scenario, reference)
    lines = write_script(rng, bank, slots, scenario)
    turns, holds = _timed(rng, lines)
    fillers = rng.sample(bank.phrases["filler_agent"], len(bank.phrases["filler_agent"]))
    while turns[-1].end < MIN_SECONDS and fillers:
        padded = _pad(rng, bank, lines, fillers.pop())
        if padded is None:
            break
        lines = padded
        turns, holds = _timed(rng, lines)
    return LabelledCall(
        id=call_id,
        direction=scenario.direction,
        call_type=scenario.call_type,
        reason=scenario.reason,
        sentiment=scenario.sentiment,
        reference=reference,
        agent=slots["agent"],
        turns=tuple(turns),
        holds=tuple(holds),
        labels=scenario.labels(),
    )


def generate_corpus(phrasebook: str, n: int, seed: int) -> list[LabelledCall]:
    """``n`` labelled calls worded from the phrase bank ``phrasebook`` ("train" or "eval")."""
    bank = load_bank(phrasebook)
    rng = random.Random(seed)
    return [generate_call(rng, bank, f"{phrasebook}-{i:06d}") for i in range(n)]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write a generated corpus to a JSONL file."""
    parser = argparse.ArgumentParser(
        prog="python -m qa.corpus.generator", description="Generate a labelled corpus of synthetic calls."
    )
    parser.add_argument("--phrasebook", choices=("train", "eval"), required=True)
    parser.add_argument("--n", type=int, required=True, help="number of calls")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="JSONL file to write")
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("--n must not be negative")
    count = write_jsonl(generate_corpus(args.phrasebook, args.n, args.seed), args.out)
    print(f"wrote {count} calls to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
