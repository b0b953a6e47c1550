"""Varied call dialogues for the simulator (the demo): good and bad agents from the training phrase bank.

The simulator writes what each party said beside each recording; with this
dialogue the demo's calls are worded like the labelled corpus (many phrasings,
agents who skip steps or are rude), so the demo's QA scores differ between
calls and agents as real ones do.
"""

from __future__ import annotations

from random import Random

from qa.corpus.bank import load_bank
from qa.corpus.generator import generate_call

#: The call type each simulator queue handles.
QUEUE_TYPES = {"faults": ("fault", "general"), "accounts": ("account",), "revenue": ("revenue",)}


def corpus_dialogue(
    direction: str, queue: str | None, agent: str | None, rng: Random
) -> dict[str, list[str]]:
    """Lines per party for a call of ``direction`` in ``queue``, spoken by ``agent``."""
    wanted = ("revenue",) if direction == "outbound" else QUEUE_TYPES.get(queue or "", ("fault", "general"))
    bank = load_bank("train")
    for _ in range(200):
        call = generate_call(rng, bank, "sim")
        if call.call_type in wanted:
            break
    first = (agent or "").split(" ")[0].lower()
    external = "customer" if direction == "outbound" else "caller"
    lines: dict[str, list[str]] = {"agent": [], external: []}
    for turn in call.turns:
        text = turn.text.replace(call.agent, first) if first.isalpha() else turn.text
        lines["agent" if turn.speaker == "agent" else external].append(text)
    return lines
