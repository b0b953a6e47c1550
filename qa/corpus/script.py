"""The words of a synthetic call: the script writer turns a :class:`Scenario` into lines.

Lines are drawn from a phrase bank and filled with the call's slot values; a hold is a marker
between lines. Consecutive lines of one speaker are merged, so the finished script alternates
agent and customer. What a criterion's failure looks like is decided here, one step at a time:
an agent who fails ``turnaround`` never states one, one who fails ``verification`` discloses the
balance first (or never verifies), and so on.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from qa.corpus.bank import PhraseBank
from qa.corpus.model import Speaker
from qa.corpus.scenario import Scenario

__all__ = ["Line", "write_script"]


@dataclass(frozen=True)
class Line:
    """One line of the script; ``speaker`` None marks a hold (the customer hears music)."""

    speaker: Speaker | None
    text: str
    body: bool = False


class _Writer:
    """Accumulates a call's lines from phrase-bank keys."""

    def __init__(self, rng: random.Random, bank: PhraseBank, slots: Mapping[str, str], scenario: Scenario):
        self.rng, self.bank, self.slots, self.scenario = rng, bank, slots, scenario
        self.lines: list[Line] = []
        self._after_hold = ""

    def phrase(self, key: str | None) -> str:
        """A random filled-in phrase for ``key``; "" for None (a step left out)."""
        return self.bank.pick(self.rng, key).format_map(self.slots) if key else ""

    def agent(self, *keys: str | None, body: bool = False) -> None:
        """An agent line made of one phrase per key, after any "thank you for holding"."""
        self._add("agent", [self._after_hold, *map(self.phrase, keys)], body)
        self._after_hold = ""

    def customer(self, *keys: str | None) -> None:
        """A customer line made of one phrase per key."""
        self._add("customer", [self.phrase(key) for key in keys], False)

    def _add(self, speaker: Speaker, parts: list[str], body: bool) -> None:
        text = " ".join(part for part in parts if part)
        if text:
            self.lines.append(Line(speaker, text, body))

    def fails(self, criterion: str) -> bool:
        """Whether this call's agent breaks ``criterion``."""
        return self.scenario.fails(criterion)

    @property
    def mood(self) -> str:
        """The customer's sentiment, the suffix of the mood-specific keys."""
        return self.scenario.sentiment

    def hold(self) -> None:
        """If the call has a hold: the agent asks (or just says "hold on"), then the hold."""
        if not self.scenario.hold:
            return
        if self.fails("hold_permission"):
            self.agent("hold_abrupt")
            self.customer("cut_off")
        else:
            self.agent("hold_ask")
            self.customer("hold_agree")
        self.lines.append(Line(None, ""))
        self._after_hold = self.phrase("hold_return")

    def maybe(self, key: str, criterion: str) -> str | None:
        """``key`` unless the agent fails ``criterion``."""
        return None if self.fails(criterion) else key


def _inbound(w: _Writer) -> None:
    """Greeting, the customer's request, the body for the call type, the ending."""
    salutation = "salutation" if not w.fails("greeting") or w.rng.random() < 0.5 else None
    w.agent(salutation, w.maybe("welcome", "greeting"), w.maybe("intro", "agent_name"), "offer_help")
    scenario = w.scenario
    request = scenario.topic or scenario.reason
    kind = "angry" if scenario.sentiment == "frustrated" else "calm"
    grievance = f"grievance_{scenario.call_type}_{kind}" if scenario.grievance else None
    w.customer(f"open_{w.mood}", f"request_{request}", grievance)
    empathy = "empathy" if scenario.grievance and not w.fails("empathy") else None
    {"fault": _fault_body, "account": _account_body, "general": _general_body}[scenario.call_type](w, empathy)
    w.agent(w.maybe("further_help", "further_help"))
    if not w.fails("further_help"):
        w.customer("no_further")
    w.agent("no_closing" if w.fails("closing") else "closing")
    w.customer(f"bye_{w.mood}")


def _fault_body(w: _Writer, empathy: str | None) -> None:
    """Address and contact details, the logged request, its reference number and turnaround."""
    for ask, answer in (
        ("ask_address", "give_address"),
        ("ask_name", "give_name"),
        ("ask_contact", "give_contact"),
    ):
        w.agent(empathy, ask, body=True)
        w.customer(answer)
        empathy = None
    w.hold()
    w.agent(f"fault_confirm_{w.scenario.reason}", w.maybe("reference", "reference_given"), body=True)
    w.customer(f"ack_{w.mood}")
    if not w.fails("turnaround"):
        w.agent("turnaround", body=True)
        w.customer(f"ack_{w.mood}")


def _account_body(w: _Writer, empathy: str | None) -> None:
    """Verification (first, late or never) and the account details: balance, explanation, action."""
    billing = w.scenario.reason == "billing"
    explain, action = (
        ("billing_explain", "billing_action") if billing else ("arrangement_offer", "arrangement_done")
    )
    answer = f"ack_{w.mood}" if billing else "arrangement_accept"
    order = "late" if w.rng.random() < 0.6 else "never"
    if not w.fails("verification"):
        w.agent(empathy, "verify_ask", body=True)
        w.customer("give_id")
        w.agent("verify_more", body=True)
        w.customer("give_holder")
        w.agent("verified")
    elif order == "late":
        w.agent(empathy, "disclose_balance", body=True)
        w.customer(f"ack_{w.mood}")
        w.agent("verify_ask", body=True)
        w.customer("give_id")
        w.agent("verified")
    else:
        w.agent(empathy)
    w.hold()
    disclose = "disclose_balance" if not w.fails("verification") or order == "never" else None
    w.agent(disclose, explain, body=True)
    w.customer(answer)
    w.agent(action, body=True)
    w.customer(f"ack_{w.mood}")
    w.agent("ask_contact", body=True)
    w.customer("give_contact")


def _general_body(w: _Writer, empathy: str | None) -> None:
    """The answer to the caller's question and an offer to send it by SMS."""
    w.agent(empathy)
    w.hold()
    w.agent(f"answer_{w.scenario.topic}", body=True)
    w.customer(f"ack_{w.mood}")
    w.agent("offer_sms", body=True)
    w.customer("accept_sms")
    w.agent("ask_contact", body=True)
    w.customer("give_contact")
    w.agent("sms_sent", body=True)
    w.customer(f"ack_{w.mood}")


def _outbound(w: _Writer) -> None:
    """Introduction, right-party check and the debt (in the order the agent chose), options, outcome."""
    w.agent("salutation", w.maybe("intro", "agent_name"), w.maybe("calling_from", "greeting"))
    verify = [("agent", "right_party_ask"), ("customer", "confirm_identity"), ("agent", "verify_identity")]
    verify += [("customer", "give_dob"), ("agent", "verified_out")]
    purpose = [("agent", "purpose_no_amount" if w.fails("purpose_amount") else "purpose_amount")]
    purpose += [("customer", f"debt_reaction_{w.mood}")]
    steps = verify + purpose
    if w.fails("right_party"):
        steps = purpose + (verify if w.rng.random() < 0.5 else [])
    if not w.fails("recording_disclosure"):
        steps.insert(0 if w.rng.random() < 0.5 else 2, ("agent", "recording"))
    for speaker, key in steps:
        (w.agent if speaker == "agent" else w.customer)(key)
    w.hold()
    w.agent("no_options" if w.fails("payment_options") else "options", body=True)
    w.customer("promise" if w.scenario.promise else "no_promise")
    if not w.scenario.promise:
        w.agent("no_promise_reply", body=True)
    else:
        w.agent("promise_no_confirm" if w.fails("promise_confirmed") else "promise_confirm", body=True)
    w.customer(f"ack_{w.mood}")
    w.agent("ask_contact")
    w.customer("give_contact")
    w.agent("no_closing" if w.fails("closing") else "out_closing")
    w.customer(f"bye_{w.mood}")


def _misbehave(w: _Writer) -> None:
    """Put the rude remark (inbound) or the threat (outbound) into one of the agent's body lines."""
    fault, key = ("rudeness", "rude") if w.scenario.direction == "inbound" else ("no_threats", "threat")
    if not w.fails(fault):
        return
    index = w.rng.choice([i for i, line in enumerate(w.lines) if line.body])
    line = w.lines[index]
    remark = w.phrase(key)
    text = f"{remark} {line.text}" if fault == "rudeness" else f"{line.text} {remark}"
    w.lines[index] = Line(line.speaker, text, line.body)


def _merged(lines: list[Line]) -> list[Line]:
    """Join consecutive lines of one speaker into one, so speakers alternate."""
    merged: list[Line] = []
    for line in lines:
        if merged and line.speaker is not None and merged[-1].speaker == line.speaker:
            merged[-1] = Line(line.speaker, f"{merged[-1].text} {line.text}", merged[-1].body or line.body)
        else:
            merged.append(line)
    return merged


def write_script(
    rng: random.Random, bank: PhraseBank, slots: Mapping[str, str], scenario: Scenario
) -> list[Line]:
    """The lines of a call for ``scenario``, worded from ``bank`` with ``slots`` filled in."""
    writer = _Writer(rng, bank, slots, scenario)
    (_inbound if scenario.direction == "inbound" else _outbound)(writer)
    _misbehave(writer)
    return _merged(writer.lines)
