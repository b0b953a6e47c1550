"""The demo's revenue agents: after each answered call they fill in the workspace's outcome form.

They use the same service as the dashboard page (:func:`telephony.campaigns.outcomes.record_outcome`),
so promises, arrangements, disputes, wrong numbers and call-backs change the campaign exactly as an
agent's would.
"""

from __future__ import annotations

import datetime as dt
from random import Random

from sqlalchemy import Engine, select

from telephony.campaigns.models import CallOutcome, CampaignAccount, DialAttempt
from telephony.campaigns.outcomes import OutcomeForm, record_outcome

#: What the account holders say, with weights.
OUTCOMES = (
    ("promise", 40),
    ("arrangement", 15),
    ("callback", 10),
    ("refused", 8),
    ("dispute", 7),
    ("wrong_number", 10),
    ("no_contact", 10),
)


class SimulatedAgents:
    """Records an outcome for every answered, ended call that has none yet."""

    def __init__(self, engine: Engine, rng: Random) -> None:
        self.engine, self.rng = engine, rng
        self.recorded: dict[str, int] = {}

    def work(self) -> None:
        """One pass over the calls waiting for their outcome."""
        with self.engine.begin() as conn:
            done = select(CallOutcome.attempt_id).where(CallOutcome.attempt_id.is_not(None))
            waiting = conn.execute(
                select(
                    DialAttempt.campaign_id,
                    DialAttempt.account_id,
                    DialAttempt.agent,
                    CampaignAccount.arrears_cents,
                )
                .join(CampaignAccount, CampaignAccount.id == DialAttempt.account_id)
                .where(
                    DialAttempt.state == "answered",
                    DialAttempt.ended_at.is_not(None),
                    DialAttempt.id.not_in(done),
                )
            ).all()
            for campaign_id, account_id, agent, arrears in waiting:
                form = self.form(arrears)
                record_outcome(conn, campaign_id, account_id, agent, form, dt.datetime.now(dt.UTC))
                self.recorded[form.kind] = self.recorded.get(form.kind, 0) + 1

    def form(self, arrears_cents: int) -> OutcomeForm:
        """A plausible outcome for a debt of ``arrears_cents``."""
        kinds, weights = zip(*OUTCOMES, strict=True)
        kind = self.rng.choices(kinds, weights)[0]
        today = dt.datetime.now(dt.UTC).date()
        if kind == "promise":
            share = self.rng.choice((1.0, 1.0, 0.5, 0.25))
            due = today + dt.timedelta(days=self.rng.randrange(3, 21))
            return OutcomeForm(
                kind, True, "promised on the call", amount_cents=int(arrears_cents * share), due_date=due
            )
        if kind == "arrangement":
            parts = self.rng.choice((2, 3, 4))
            first = today + dt.timedelta(days=self.rng.randrange(3, 10))
            each = arrears_cents // parts
            plan = [(first + dt.timedelta(days=30 * i), each) for i in range(parts)]
            return OutcomeForm(kind, True, f"{parts} monthly instalments", instalments=plan)
        if kind == "callback":
            when = dt.datetime.now(dt.UTC) + dt.timedelta(hours=self.rng.randrange(2, 48))
            return OutcomeForm(kind, True, "asked to be called back", callback_at=when)
        if kind == "dispute":
            return OutcomeForm(kind, True, "says the meter reading is wrong")
        if kind == "refused":
            return OutcomeForm(kind, True, "refused to pay")
        if kind == "wrong_number":
            return OutcomeForm(kind, False, "the person answering does not know the account holder")
        return OutcomeForm("no_contact", False, "a family member answered; the holder is out")
