"""Phrase banks: the wordings the generator draws every line of a call from.

A bank is a module ``qa.corpus.phrases_<name>`` holding two mappings:

* ``PHRASES``: key -> templates, one key per step of a call (``"welcome"``, ``"request_water"``,
  ``"turnaround"`` ...). Templates are lower-case words with ``{slot}`` placeholders that the
  generator fills per call (:data:`SLOTS`).
* ``NAMES``: the pools slot values are drawn from (agents, customers, streets, suburbs).

Two banks ship: ``train`` and ``eval``, written with different sentences for every step so the
evaluation set measures generalisation to new phrasings rather than recall of the training ones.
Every bank must provide exactly the keys in :data:`PHRASE_KEYS` and :data:`NAME_KEYS`.
"""

from __future__ import annotations

import importlib
import random
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from qa.corpus.model import FAULT_REASONS, SENTIMENTS

__all__ = [
    "BANK_NAMES",
    "NAME_KEYS",
    "PHRASE_KEYS",
    "SLOTS",
    "TOPICS",
    "BankError",
    "BankName",
    "PhraseBank",
    "load_bank",
    "placeholders",
]

BankName = Literal["train", "eval"]
BANK_NAMES: tuple[BankName, ...] = ("train", "eval")

#: Topics of the general-information calls (call reason "other").
TOPICS = ("clinic", "library", "vacancies", "pool", "building_plans", "hall")

_COMMON = [
    "salutation",
    "welcome",
    "intro",
    "offer_help",
    "empathy",
    "rude",
    "hold_ask",
    "hold_agree",
    "hold_abrupt",
    "cut_off",
    "hold_return",
    "further_help",
    "no_further",
    "closing",
    "no_closing",
    "ask_name",
    "give_name",
    "ask_contact",
    "give_contact",
    "filler_agent",
    "filler_customer",
]
_PER_SENTIMENT = ("open", "ack", "bye", "debt_reaction")
_FAULT = ["ask_address", "give_address", "reference", "turnaround"]
_ACCOUNT = [
    "verify_ask",
    "give_id",
    "verify_more",
    "give_holder",
    "verified",
    "disclose_balance",
    "billing_explain",
    "billing_action",
    "arrangement_offer",
    "arrangement_accept",
    "arrangement_done",
]
_GENERAL = ["offer_sms", "accept_sms", "sms_sent"]
_OUTBOUND = [
    "calling_from",
    "recording",
    "right_party_ask",
    "confirm_identity",
    "verify_identity",
    "give_dob",
    "verified_out",
    "purpose_amount",
    "purpose_no_amount",
    "options",
    "no_options",
    "promise",
    "promise_confirm",
    "promise_no_confirm",
    "no_promise",
    "no_promise_reply",
    "threat",
    "out_closing",
]

#: Every key a phrase bank's PHRASES must have.
PHRASE_KEYS: frozenset[str] = frozenset(
    [*_COMMON, *_FAULT, *_ACCOUNT, *_GENERAL, *_OUTBOUND]
    + [f"{step}_{sentiment}" for step in _PER_SENTIMENT for sentiment in SENTIMENTS]
    + [f"request_{reason}" for reason in (*FAULT_REASONS, "billing", "payment_arrangement", *TOPICS)]
    + [f"fault_confirm_{reason}" for reason in FAULT_REASONS]
    + [f"answer_{topic}" for topic in TOPICS]
    + [f"grievance_{kind}_{mood}" for kind in ("fault", "account", "general") for mood in ("angry", "calm")]
)
#: Every key a phrase bank's NAMES must have.
NAME_KEYS: frozenset[str] = frozenset({"agents", "first_names", "surnames", "streets", "suburbs"})

#: The placeholders templates may use; the generator provides a value for each on every call.
SLOTS: frozenset[str] = frozenset(
    [
        "municipality",
        "agent",
        "first",
        "surname",
        "title",
        "street",
        "suburb",
        "house",
        "days",
        "reference",
        "duration",
        "amount",
        "instalment",
        "months",
        "phone",
        "id_number",
        "dob",
        "promise_amount",
        "promise_date",
    ]
)

_WORDS = re.compile(r"^[a-z]+( [a-z]+)*$")


class BankError(ValueError):
    """A phrase bank that lacks a key, uses an unknown slot or has a badly formed template."""


@dataclass(frozen=True)
class PhraseBank:
    """The phrases and name pools of one bank."""

    name: str
    phrases: Mapping[str, tuple[str, ...]]
    names: Mapping[str, tuple[str, ...]]

    def pick(self, rng: random.Random, key: str) -> str:
        """A random template for ``key`` (placeholders unfilled)."""
        return rng.choice(self.phrases[key])

    def draw(self, rng: random.Random, pool: str) -> str:
        """A random value from the name pool ``pool`` ("agents", "surnames", ...)."""
        return rng.choice(self.names[pool])

    def templates(self) -> list[str]:
        """Every template of the bank, in key order."""
        return [template for key in sorted(self.phrases) for template in self.phrases[key]]


def placeholders(template: str) -> set[str]:
    """The ``{slot}`` names a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _check(bank: PhraseBank) -> None:
    """Raise :class:`BankError` unless ``bank`` has every key and only well-formed templates."""
    for got, want, what in ((bank.phrases, PHRASE_KEYS, "PHRASES"), (bank.names, NAME_KEYS, "NAMES")):
        if set(got) != want:
            missing, extra = sorted(want - set(got)), sorted(set(got) - want)
            raise BankError(f"bank {bank.name}: {what} missing {missing}, unexpected {extra}")
    for key, templates in bank.phrases.items():
        for template in templates:
            unknown = placeholders(template) - SLOTS
            bare = re.sub(r"\{[a-z_]+\}", "x", template)
            if unknown or not _WORDS.match(bare):
                raise BankError(f"bank {bank.name}: {key}: bad template {template!r}")


def load_bank(name: str) -> PhraseBank:
    """Load and check the phrase bank ``name`` ("train" or "eval")."""
    if name not in BANK_NAMES:
        raise BankError(f"unknown phrase bank {name!r}; choose one of {', '.join(BANK_NAMES)}")
    module = importlib.import_module(f"qa.corpus.phrases_{name}")
    phrases = {key: tuple(value) for key, value in module.PHRASES.items()}
    names = {key: tuple(value) for key, value in module.NAMES.items()}
    bank = PhraseBank(name, phrases, names)
    _check(bank)
    return bank
