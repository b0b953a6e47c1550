"""The Collections page with Streamlit's AppTest: results per campaign and agent, charts, audited exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import audit
from tests.campaigns import seed
from tests.dashboard.apptest import audited, open_page, session, texts, titles
from tests.dashboard.conftest import PIETER, THANDI, Seeded

pytestmark = pytest.mark.usefixtures("fresh_caches")


@pytest.fixture
def results(dashboard_env: Seeded) -> None:
    """An hour ago: Thandi dialled twice (one contact) and took a promise of R 1 200 paid in full;
    Pieter dialled once, reached the holder, and his R 400 promise was broken (R 100 paid)."""
    hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with dashboard_env.database.engine.begin() as conn:
        cid = seed.campaign(conn, "arrears-nov")
        a, b = seed.account(conn, cid, "1001"), seed.account(conn, cid, "1002", phones=("+27825550000",))
        (pa,), (pb,) = seed.phone_ids(conn, a), seed.phone_ids(conn, b)
        seed.attempt(conn, cid, a, pa, THANDI, "no_answer", hour_ago)
        won = seed.attempt(conn, cid, a, pa, THANDI, "answered", hour_ago)
        kept = seed.outcome(conn, cid, a, THANDI, "promise", True, hour_ago, won)
        seed.promise(conn, cid, a, kept, THANDI, 120_000, made_at=hour_ago, status="kept", paid_cents=120_000)
        other = seed.attempt(conn, cid, b, pb, PIETER, "answered", hour_ago)
        broken = seed.outcome(conn, cid, b, PIETER, "promise", True, hour_ago, other)
        seed.promise(
            conn, cid, b, broken, PIETER, 40_000, made_at=hour_ago, status="broken", paid_cents=10_000
        )


def test_a_supervisor_sees_results_per_campaign_and_agent(app: Callable[[], AppTest], results: None) -> None:
    at = open_page(session(app, "sipho"), "collections")
    assert titles(at) == ["Collections"] and not at.error
    metrics = {item.label: item.value for item in at.metric}
    assert metrics["Dials"] == "3" and metrics["Promised"] == "R 1 600.00"
    assert metrics["Collected"] == "R 1 300.00" and metrics["Kept rate"] == "50.0%"
    campaigns = at.dataframe[0].value
    assert list(campaigns["campaign"]) == ["arrears-nov"] and list(campaigns["promised (R)"]) == [
        "R 1 600.00"
    ]
    agents = at.dataframe[1].value
    assert list(agents["agent"]) == [PIETER, THANDI]
    assert list(agents["collected (R)"]) == ["R 100.00", "R 1 200.00"]
    assert list(agents["kept rate"]) == ["0.0%", "100.0%"]
    charts = [chart.proto.spec for chart in at.get("vega_lite_chart")]
    assert len(charts) == 3 and "Promised and collected per agent" in charts[0]
    assert "Kept rate per agent" in charts[1] and "right-party contacts" in charts[2]


def test_the_collections_downloads_are_audited(
    app: Callable[[], AppTest], dashboard_env: Seeded, results: None
) -> None:
    at = open_page(session(app, "nomsa"), "collections")
    at.download_button(key="coll_agents_export_csv").click().run()
    at.download_button(key="coll_campaigns_export_xlsx").click().run()
    assert audited(dashboard_env, "download") == [
        ("nomsa", "download", "collections-agents"),
        ("nomsa", "download", "collections-campaigns"),
    ]
    now = dt.datetime.now(dt.UTC)
    with dashboard_env.database.engine.connect() as conn:
        entries = audit.entries(conn, audit.AuditFilters(now - dt.timedelta(hours=1), now, action="download"))
    assert {entry["detail"]["campaign"] for entry in entries} == {"all"}


def test_without_campaigns_the_page_says_so(app: Callable[[], AppTest]) -> None:
    at = open_page(session(app, "admin"), "collections")
    assert "No campaign yet." in texts(at) and not at.error
    assert {item.label: item.value for item in at.metric}["Kept rate"] == "–"
