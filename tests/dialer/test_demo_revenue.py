"""The demo's revenue campaign end to end: import, dial over AMI, outcomes, payments, results."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from sqlalchemy import func, select

from callcentre.bootstrap import build_app
from callcentre.db import make_engine
from callcentre.demo import _demo_settings
from callcentre.demo_revenue import run_revenue_campaign
from callcentre.schema import upgrade
from callcentre.settings import Settings
from telephony.campaigns.models import CallOutcome, DialAttempt, Promise
from telephony.models import Call


def test_the_demo_campaign_is_dialled_worked_paid_and_reported(tmp_path: Path) -> None:
    settings = _demo_settings(Settings(data_dir=tmp_path))
    upgrade(make_engine(settings.sqlalchemy_url()))
    app = build_app(settings)
    out = io.StringIO()
    run_revenue_campaign(app, Console(file=out, width=200), seed=4, speed=300.0, accounts=12)
    text = out.getvalue()
    with app.engine.connect() as conn:
        dialled = conn.scalar(select(func.count(func.distinct(DialAttempt.account_id))))
        attempts = conn.scalar(select(func.count()).select_from(DialAttempt))
        answered = conn.scalars(select(DialAttempt.id).where(DialAttempt.state == "answered")).all()
        outcomes = [a for a in conn.scalars(select(CallOutcome.attempt_id)) if a is not None]
        promises = conn.scalar(select(func.count()).select_from(Promise))
        linked = conn.scalar(select(func.count()).select_from(Call).where(Call.campaign == "demo-arrears"))
    assert "12 accounts added" in text and "3 rows refused" in text and "row 7:" in text
    assert dialled == 12, text
    assert answered and sorted(outcomes) == sorted(answered), "every answered call has its outcome"
    assert promises, text
    assert linked == attempts, "every dial's call record is linked to the campaign"
    assert "Revenue collection per agent" in text and "amount collected" in text
