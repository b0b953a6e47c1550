"""The call page with AppTest: who may open it, playing, overriding, disputing, the call record."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from qa.models import Acknowledgement, Dispute, Review
from tests.dashboard.apptest import (
    audited,
    metric,
    open_page,
    session,
    texts,
    titles,
)
from tests.dashboard.conftest import (
    GOOD_ACCOUNT,
    GOOD_FAULT,
    HOLD_CALL,
    PIETER,
    POOR_FAULT,
    THANDI,
    Seeded,
)

pytestmark = pytest.mark.usefixtures("fresh_caches")


# Call detail -----------------------------------------------------------------------------------------


def test_an_agent_is_refused_another_agents_call(app: Callable[[], AppTest], dashboard_env: Seeded) -> None:
    at = open_page(session(app, "thandi"), "call_detail", call=HOLD_CALL)  # Pieter's call
    assert [item.value for item in at.error] == [
        "Not your call: agents can open only the calls they answered or placed."
    ]
    assert [s.value for s in at.subheader] == [] and not at.dataframe
    assert "[ID NUMBER]" not in texts(at) and PIETER not in texts(at)
    assert audited(dashboard_env, "open_call") == []
    assert audited(dashboard_env, "denied") == [("thandi", "denied", HOLD_CALL)]


def test_an_agent_opens_their_own_call_and_it_is_audited_once(
    app: Callable[[], AppTest], dashboard_env: Seeded
) -> None:
    at = open_page(session(app, "pieter"), "call_detail", call=HOLD_CALL)
    assert titles(at) == [f"Call {HOLD_CALL}"]
    at.run()
    assert audited(dashboard_env, "open_call") == [("pieter", "open_call", HOLD_CALL)]


def test_clicking_a_turn_plays_the_redacted_copy_from_that_moment(
    app: Callable[[], AppTest], dashboard_env: Seeded
) -> None:
    at = open_page(session(app, "nomsa"), "call_detail", call=HOLD_CALL)
    assert not at.get("audio")  # nothing plays until asked
    at.button(key="turn_2").click().run()
    (player,) = at.get("audio")
    assert player.proto.start_time == 6  # the turn "may I put you on hold" starts at 6.7 s
    assert "redacted copy" in texts(at)
    at.button(key="evidence_hold_permission_0").click().run()
    plays = audited(dashboard_env, "play")
    assert plays == [("nomsa", "play", HOLD_CALL)] * 2


def test_a_redacted_call_without_a_redacted_copy_is_not_played(app: Callable[[], AppTest]) -> None:
    at = open_page(session(app, "nomsa"), "call_detail", call=GOOD_FAULT)
    assert any("original is not played" in item.value for item in at.warning)
    assert not at.get("audio") and "turn_0" not in [button.key for button in at.button]
    assert "[ID NUMBER]" in texts(at)


def test_an_override_is_saved_and_counts_in_the_score(
    app: Callable[[], AppTest], dashboard_env: Seeded
) -> None:
    at = open_page(session(app, "nomsa"), "call_detail", call=GOOD_ACCOUNT)
    assert metric(at, "Score") == metric(at, "Automatic score") == "100.0"
    at.selectbox(key="override_criterion").set_value("closing")
    at.radio(key="override_verdict").set_value("fail")
    at.text_area(key="override_comment").set_value("closed with a greeting, not a goodbye")
    at.button[-1].click().run()
    assert any(item.value.startswith("Saved: closing is now fail") for item in at.success)
    assert metric(at, "Automatic score") == "100.0" and float(metric(at, "Score")) < 100.0
    assert metric(at, "Counts") == "reviewed"
    with dashboard_env.database.engine.connect() as connection:
        saved = connection.execute(select(Review.reviewer, Review.verdict, Review.auto_verdict)).all()
    assert saved == [("nomsa", "fail", "pass")]
    assert audited(dashboard_env, "review") == [("nomsa", "review", GOOD_ACCOUNT)]


def test_an_override_without_a_comment_is_refused(app: Callable[[], AppTest], dashboard_env: Seeded) -> None:
    at = open_page(session(app, "nomsa"), "call_detail", call=GOOD_ACCOUNT)
    at.radio(key="override_verdict").set_value("fail")
    at.button[-1].click().run()
    assert [item.value for item in at.error] == ["An override needs a comment: the agent reads why."]
    with dashboard_env.database.engine.connect() as connection:
        assert connection.execute(select(Review.id)).all() == []


def test_an_agent_disputes_and_acknowledges_and_qa_resolves(
    app: Callable[[], AppTest], dashboard_env: Seeded
) -> None:
    at = open_page(session(app, "thandi"), "call_detail", call=POOR_FAULT)
    assert "override_criterion" not in [widget.key for widget in at.selectbox]  # agents do not override
    at.selectbox(key="dispute_criterion").set_value("greeting")
    at.text_area(key="dispute_reason").set_value("I greeted the caller before the recording started")
    at.button[-1].click().run()
    assert any(item.value.startswith("Dispute 1 opened") for item in at.success)
    at.button(key="acknowledge").click().run()
    assert at.button(key="acknowledge").disabled
    with dashboard_env.database.engine.connect() as connection:
        disputes = connection.execute(select(Dispute.agent, Dispute.criterion_id, Dispute.status)).all()
        acks = connection.execute(select(Acknowledgement.agent)).scalars().all()
    assert disputes == [(THANDI, "greeting", "open")] and acks == [THANDI]
    qa = open_page(session(app, "nomsa"), "call_detail", call=POOR_FAULT)
    qa.radio(key="resolve_outcome").set_value("rejected")
    qa.text_area(key="resolve_comment").set_value("the greeting is not on the recording")
    qa.button[-1].click().run()
    assert any(item.value == "Dispute 1 rejected." for item in qa.success)
    actions = [
        (who, action) for who, action, _ in audited(dashboard_env) if action not in ("login", "open_call")
    ]
    assert actions == [("thandi", "dispute"), ("thandi", "acknowledge"), ("nomsa", "resolve")]


def test_the_call_record_shows_the_timeline_holds_and_transfers(app: Callable[[], AppTest]) -> None:
    at = open_page(session(app, "sipho"), "call_detail", call=POOR_FAULT)
    assert metric(at, "Transfers") == "1"
    assert "**Transfers**" in texts(at) and "**Queue visits**" in texts(at)
    (chart,) = at.get("vega_lite_chart")
    assert "seconds from the start of the call" in chart.proto.spec
