"""What the simulated parties say: short municipal call-centre dialogues, deterministic by seed.

The audio the simulator writes is speech-like but has no words, so the words
are kept beside each recording (``<Linkedid>.script.json``): the demo shows
them as the transcript (engine ``script``) when no English speech model is
installed. Lines are placed on the utterances of the recording in turn.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from random import Random

AGENT_NAMES = ("Thandi", "Pieter", "Lerato", "Johan")

INBOUND = {
    "agent": [
        "good morning you are speaking to {agent} at rivervale metro how can i help you",
        "i am sorry to hear that may i have your street address please",
        "thank you i have logged the fault your reference number is {ref_words}",
        "a team will attend to it within forty eight hours",
        "is there anything else i can help you with today",
        "thank you for calling rivervale metro goodbye",
    ],
    "caller": [
        "hello there is a burst water pipe in my street",
        "it is twelve church street in the city centre",
        "okay thank you",
        "when will they come",
        "no that is all thank you",
        "bye",
    ],
}
OUTBOUND = {
    "agent": [
        "good afternoon my name is {agent} from rivervale metro revenue collection this call is recorded",
        "am i speaking to the account holder",
        "your municipal account is in arrears by two thousand four hundred rand",
        "we can offer a payment arrangement over six months or you can pay at any pay point",
        "so you promise to pay one thousand rand on the twenty fifth",
        "thank you for your time goodbye",
    ],
    "customer": [
        "hello",
        "yes speaking",
        "oh i did not know that",
        "i can pay one thousand rand at the end of the month",
        "yes that is right",
        "goodbye",
    ],
}
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def lines_for(direction: str, rng: Random) -> dict[str, list[str]]:
    """Each party's lines, in order, for a call of ``direction``."""
    script = OUTBOUND if direction == "outbound" else INBOUND
    reference = f"{rng.randrange(10_000, 100_000)}"
    values = {"agent": rng.choice(AGENT_NAMES), "ref_words": " ".join(DIGITS[int(d)] for d in reference)}
    return {party: [line.format(**values) for line in lines] for party, lines in script.items()}


#: Writes a call's lines: (direction, queue, agent name, rng) -> lines per party, in order.
Dialogue = Callable[[str, str | None, str | None, Random], dict[str, list[str]]]
FILLERS = ("mm", "okay", "right", "yes")


def scripted_dialogue(
    direction: str, queue: str | None, agent: str | None, rng: Random
) -> dict[str, list[str]]:
    """The built-in two scripts (one per direction); :mod:`qa.corpus.dialogue` writes varied ones."""
    return lines_for(direction, rng)


def place(lines: list[str], count: int) -> list[str]:
    """``lines`` spread over ``count`` utterances: the first and last lines keep their places.

    Extra utterances in the middle get a short filler; surplus lines are joined onto their neighbours.
    """
    if count <= 0 or not lines:
        return [FILLERS[i % len(FILLERS)] for i in range(max(0, count))]
    if count >= len(lines):
        middle = [FILLERS[i % len(FILLERS)] for i in range(count - len(lines))]
        return [*lines[:-1], *middle, lines[-1]] if count > 1 else [lines[-1]]
    groups = [
        lines[round(i * len(lines) / count) : round((i + 1) * len(lines) / count)] for i in range(count)
    ]
    return [" ".join(group) for group in groups]


def write_script(
    path: Path,
    utterances: list[tuple[str, float, float]],
    direction: str,
    seed: str,
    *,
    dialogue: Dialogue | None = None,
    queue: str | None = None,
    agent: str | None = None,
) -> None:
    """Write ``path``: one line of text per utterance (``caller`` is the customer on outbound calls)."""
    external = "customer" if direction == "outbound" else "caller"
    lines = (dialogue or scripted_dialogue)(direction, queue, agent, Random(seed))
    counts = {"agent": 0, external: 0}
    for speaker, _, _ in utterances:
        counts["agent" if speaker == "agent" else external] += 1
    placed = {party: iter(place(lines.get(party, []), count)) for party, count in counts.items()}
    entries = []
    for speaker, start, end in utterances:
        party = "agent" if speaker == "agent" else external
        text = next(placed[party])
        entries.append({"speaker": party, "start": round(start, 3), "end": round(end, 3), "text": text})
    path.write_text(json.dumps(entries, indent=1) + "\n", encoding="utf-8")
