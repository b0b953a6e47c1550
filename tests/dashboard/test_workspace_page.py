"""The agent's workspace page with Streamlit's AppTest, on the seeded call centre plus a campaign.

An agent logs in through the form, is given the best account of a preview campaign, presses Dial,
skips, and records outcomes; what the page did is checked in the tables and the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Table, select
from streamlit.testing.v1 import AppTest

from telephony.campaigns.models import CallOutcome, CampaignAccount, DialRequest, Promise
from tests.campaigns import seed
from tests.dashboard.apptest import audited, local_today, open_page, session, texts, titles
from tests.dashboard.conftest import THANDI, Seeded

pytestmark = pytest.mark.usefixtures("fresh_caches")


def rows(seeded: Seeded, model: type[Any]) -> list[Any]:
    table: Table = model.__table__
    with seeded.database.engine.connect() as conn:
        return list(conn.execute(select(table).order_by(table.c.id)))


@pytest.fixture
def campaign(dashboard_env: Seeded) -> dict[str, int]:
    """A preview campaign: Thabo Nkosi owes R 9 000.00 (two numbers), Anna Botha R 500.00."""
    with dashboard_env.database.engine.begin() as conn:
        cid = seed.campaign(conn, "arrears-nov")
        big = seed.account(conn, cid, "1001", "Thabo Nkosi", 900_000, phones=("+27821110001", "+27821110002"))
        small = seed.account(conn, cid, "1002", "Anna Botha", 50_000)
    return {"campaign": cid, "big": big, "small": small}


def workspace(app: Callable[[], AppTest], username: str = "thandi") -> AppTest:
    return open_page(session(app, username), "workspace")


def subheaders(at: AppTest) -> list[str]:
    return [item.value for item in at.subheader]


def test_an_agent_sees_the_best_account_and_the_compliance_reminder(
    app: Callable[[], AppTest], dashboard_env: Seeded, campaign: dict[str, int]
) -> None:
    at = workspace(app)
    assert titles(at) == ["Workspace"] and "Thabo Nkosi" in subheaders(at)
    metrics = {item.label: item.value for item in at.metric}
    assert metrics["Arrears"] == "R 9 000.00" and metrics["Age of the debt"] == "95 days"
    shown = texts(at)
    assert "Verify you are speaking to the **account holder** before you mention the debt" in shown
    assert "**the call is recorded**" in shown and "**never threaten**" in shown
    assert "Rivervale Metro" in shown
    assert list(at.dataframe[0].value["number"]) == ["+27821110001", "+27821110002"]
    assert audited(dashboard_env, "open_account") == [("thandi", "open_account", "1001")]
    at.run()  # a rerun neither takes another account nor audits again
    assert "Thabo Nkosi" in subheaders(at) and len(audited(dashboard_env, "open_account")) == 1


def test_a_qa_user_has_no_workspace(app: Callable[[], AppTest], campaign: dict[str, int]) -> None:
    at = session(app, "nomsa")
    with pytest.raises(Exception, match="Could not find"):
        at.switch_page("pages/workspace.py")


def test_dial_asks_the_dialer_and_shows_the_request(
    app: Callable[[], AppTest], dashboard_env: Seeded, campaign: dict[str, int]
) -> None:
    at = workspace(app)
    with dashboard_env.database.engine.connect() as conn:
        _, second = seed.phone_ids(conn, campaign["big"])  # +27821110002
    at.selectbox(key=f"ws_phone_{campaign['big']}").set_value(second).run()
    at.button(key="ws_dial").click().run()
    (request,) = rows(dashboard_env, DialRequest)
    assert (request.state, request.agent, request.account_id) == ("pending", THANDI, campaign["big"])
    assert request.phone_id == second
    assert "Dial requested: the dialer checks the calling rules" in texts(at)
    assert "waiting for the dialer's compliance check" in texts(at)
    assert at.button(key="ws_dial").disabled
    assert audited(dashboard_env, "dial_request") == [("thandi", "dial_request", "1001")]


def test_a_refused_dial_shows_the_compliance_reason(
    app: Callable[[], AppTest], dashboard_env: Seeded, campaign: dict[str, int]
) -> None:
    at = workspace(app)
    with dashboard_env.database.engine.begin() as conn:
        seed.request(
            conn,
            campaign["campaign"],
            campaign["big"],
            THANDI,
            "refused",
            requested_at=dt.datetime.now(dt.UTC),
            reason="outside the calling window (Sun 10:00)",
        )
    at.run()
    assert any("outside the calling window (Sun 10:00)" in item.value for item in at.error)


def test_a_promise_recorded_on_the_page_lands_in_the_promises(
    app: Callable[[], AppTest], dashboard_env: Seeded, campaign: dict[str, int]
) -> None:
    at = workspace(app)
    at.radio(key="ws_right_party_0").set_value("Yes")
    at.selectbox(key="ws_kind_0").set_value("promise").run()
    due = local_today() + dt.timedelta(days=5)
    at.number_input(key="ws_amount_0").set_value(1500.5)
    at.date_input(key="ws_due_0").set_value(due)
    at.text_area(key="ws_note_0").set_value("pays at the municipal office")
    at.button(key="ws_save").click().run()
    assert not at.exception and not at.error, [item.value for item in at.error]
    (promise,) = rows(dashboard_env, Promise)
    assert (promise.amount_cents, promise.due_date, promise.agent) == (150_050, due, THANDI)
    (outcome,) = rows(dashboard_env, CallOutcome)
    assert (outcome.kind, outcome.right_party, outcome.note) == (
        "promise",
        True,
        "pays at the municipal office",
    )
    big = next(a for a in rows(dashboard_env, CampaignAccount) if a.id == campaign["big"])
    assert big.status == "done"
    assert f"Saved for account 1001: promise to pay, R 1 500.50 by {due}." in texts(at)
    assert "Anna Botha" in subheaders(at)  # on to the next account, with an empty form
    assert at.radio(key="ws_right_party_1").value is None  # a new, empty form
    assert audited(dashboard_env, "outcome") == [("thandi", "outcome", "1001")]


def test_a_promise_without_the_right_party_is_refused_on_the_page(
    app: Callable[[], AppTest], dashboard_env: Seeded, campaign: dict[str, int]
) -> None:
    at = workspace(app)
    at.button(key="ws_save").click().run()
    assert [item.value for item in at.error] == ["Say whether you reached the account holder"]
    at.radio(key="ws_right_party_0").set_value("No")
    at.selectbox(key="ws_kind_0").set_value("promise").run()
    at.number_input(key="ws_amount_0").set_value(100.0)
    at.button(key="ws_save").click().run()
    assert "needs the verified account holder" in at.error[0].value
    assert rows(dashboard_env, CallOutcome) == [] and rows(dashboard_env, Promise) == []
    assert "Thabo Nkosi" in subheaders(at) and at.number_input(key="ws_amount_0").value == 100.0


def test_an_arrangement_makes_one_promise_per_instalment(
    app: Callable[[], AppTest], dashboard_env: Seeded, campaign: dict[str, int]
) -> None:
    at = workspace(app)
    at.radio(key="ws_right_party_0").set_value("Yes")
    at.selectbox(key="ws_kind_0").set_value("arrangement").run()
    first = local_today() + dt.timedelta(days=1)
    at.number_input(key="ws_count_0").set_value(3)
    at.number_input(key="ws_each_0").set_value(3000.0)
    at.date_input(key="ws_first_0").set_value(first).run()
    assert "3 instalments of R 3 000.00" in texts(at) and "R 9 000.00 in all" in texts(at)
    at.button(key="ws_save").click().run()
    found = [(p.instalment, p.amount_cents) for p in rows(dashboard_env, Promise)]
    assert found == [(1, 300_000), (2, 300_000), (3, 300_000)]
    assert rows(dashboard_env, Promise)[0].due_date == first


def test_skip_needs_a_reason_and_moves_on(
    app: Callable[[], AppTest], dashboard_env: Seeded, campaign: dict[str, int]
) -> None:
    at = workspace(app)
    at.button(key="ws_skip").click().run()
    assert [item.value for item in at.error] == ["Say why the account is skipped"]
    at.text_input(key="ws_skip_reason_0").set_value("holder deceased, estate pending")
    at.button(key="ws_skip").click().run()
    (request,) = rows(dashboard_env, DialRequest)
    assert (request.state, request.reason) == ("skipped", "holder deceased, estate pending")
    assert "Anna Botha" in subheaders(at) and at.text_input(key="ws_skip_reason_1").value == ""
    assert audited(dashboard_env, "skip") == [("thandi", "skip", "1001")]


def test_without_a_campaign_the_page_says_so(app: Callable[[], AppTest]) -> None:
    at = workspace(app)
    assert "No campaign is active." in texts(at)
    assert not [button for button in at.button if str(button.key).startswith("ws_")]
