"""Every page for every role that may see it, with Streamlit's AppTest, on the seeded call centre.

Each test logs in through the login form, as a person would; what a page did is
checked on the page and in the database (the audit log, users). The call page: test_call_detail_page.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import audit, users
from dashboard.auth import PAGE_ROLES, REFUSED
from dashboard.models import ROLES
from dashboard.passwords import SessionUser
from qa import reviews
from tests.dashboard.apptest import (
    APP,
    TITLES,
    USER_OF_ROLE,
    audited,
    local_today,
    log_in,
    open_page,
    session,
    texts,
    titles,
)
from tests.dashboard.conftest import (
    ABANDONED,
    GOOD_ACCOUNT,
    GOOD_FAULT,
    HOLD_CALL,
    OUTBOUND,
    PIETER,
    POOR_FAULT,
    THANDI,
    USERS,
    Seeded,
    password,
)

pytestmark = pytest.mark.usefixtures("fresh_caches")


# Logging in ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", sorted(PAGE_ROLES))
def test_no_page_shows_anything_without_logging_in(dashboard_env: Seeded, page: str) -> None:
    at = AppTest.from_file(str(APP.parent / "pages" / f"{page}.py"), default_timeout=60).run()
    assert titles(at) == ["Call centre QA — log in"]
    assert not at.dataframe and not at.download_button and not at.get("audio")


def test_the_app_shows_only_the_login_form_until_logged_in(app: Callable[[], AppTest]) -> None:
    at = app().run()
    assert titles(at) == ["Call centre QA — log in"] and not at.dataframe
    with pytest.raises(Exception, match="Could not find"):
        at.switch_page("pages/calls.py")


@pytest.mark.parametrize(("username", "secret"), [("nomsa", "wrong-password-1"), ("gone", password("gone"))])
def test_login_is_refused_for_a_wrong_password_and_for_a_disabled_user(
    app: Callable[[], AppTest], dashboard_env: Seeded, username: str, secret: str
) -> None:
    at = log_in(app(), username, secret)
    assert [item.value for item in at.error] == [REFUSED]
    assert "user" not in at.session_state and titles(at) == ["Call centre QA — log in"]
    assert audited(dashboard_env, "login_failed") == [(username, "login_failed", None)]


def test_logging_out_ends_the_session(app: Callable[[], AppTest], dashboard_env: Seeded) -> None:
    at = session(app, "sipho")
    at.button(key="logout").click().run()
    assert titles(at) == ["Call centre QA — log in"] and "user" not in at.session_state
    assert [action for _, action, _ in audited(dashboard_env)] == ["login", "logout"]


# Every page for every role ---------------------------------------------------------------------------

ALLOWED = [(role, page) for page, roles in PAGE_ROLES.items() for role in roles]
FORBIDDEN = [(role, page) for page, roles in PAGE_ROLES.items() for role in ROLES if role not in roles]


@pytest.mark.parametrize(("role", "page"), ALLOWED)
def test_every_page_opens_for_each_role_that_may_see_it(
    app: Callable[[], AppTest], role: str, page: str
) -> None:
    at = session(app, USER_OF_ROLE[role])
    open_page(at, page, call=HOLD_CALL if role != "agent" else GOOD_FAULT)
    expected = {"calls": "My calls", "agents": "My scores"}.get(page) if role == "agent" else None
    shown = titles(at)
    assert shown and shown[0] in {expected or TITLES[page], f"Call {HOLD_CALL}", f"Call {GOOD_FAULT}"}
    assert not at.error, [item.value for item in at.error]


@pytest.mark.parametrize(("role", "page"), FORBIDDEN)
def test_a_page_not_for_the_role_is_neither_in_the_menu_nor_opened(
    app: Callable[[], AppTest], role: str, page: str
) -> None:
    at = session(app, USER_OF_ROLE[role])
    with pytest.raises(Exception, match="Could not find"):
        at.switch_page(f"pages/{page}.py")
    direct = AppTest.from_file(str(APP.parent / "pages" / f"{page}.py"), default_timeout=60)
    name, (role_, agent, _) = USER_OF_ROLE[role], USERS[USER_OF_ROLE[role]]
    direct.session_state["user"] = SessionUser(name, name, role_, agent)
    direct.run()
    assert [item.value for item in direct.error] == [f"Your role ({role}) may not open this page."]
    assert not direct.dataframe and not direct.download_button


# Calls -----------------------------------------------------------------------------------------------


def table_ids(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value["call id"])


def test_the_calls_page_filters_and_opens_a_call(app: Callable[[], AppTest]) -> None:
    at = open_page(session(app, "nomsa"), "calls")
    assert len(table_ids(at)) == 7 and "**7 calls** · page 1" in texts(at)
    at.multiselect(key="calls_queue").set_value(["faults"]).run()
    assert set(table_ids(at)) == {GOOD_FAULT, POOR_FAULT, ABANDONED}
    at.text_input(key="calls_text").set_value("burst pipe").run()
    assert table_ids(at) == [GOOD_FAULT]
    at.selectbox(key="calls_open").set_value(GOOD_FAULT).run()
    at.button(key="calls_open_button").click().run()
    assert titles(at) == [f"Call {GOOD_FAULT}"] and at.query_params["call"] == GOOD_FAULT
    open_page(at, "calls").selectbox(key="calls_open").set_value(HOLD_CALL).run()
    at.button(key="calls_open_button").click().run()
    assert titles(at) == [f"Call {HOLD_CALL}"]  # the call just picked, not the one before


def test_an_agent_sees_only_their_own_calls_and_no_agent_filter(app: Callable[[], AppTest]) -> None:
    at = open_page(session(app, "thandi"), "calls")
    assert set(table_ids(at)) == {GOOD_FAULT, POOR_FAULT, OUTBOUND}
    assert "calls_agent" not in [widget.key for widget in at.multiselect]


def test_a_download_is_audited_with_the_filters(app: Callable[[], AppTest], dashboard_env: Seeded) -> None:
    at = open_page(session(app, "sipho"), "calls")
    at.multiselect(key="calls_queue").set_value(["accounts"]).run()
    at.download_button(key="calls_export_csv").click().run()
    at.download_button(key="calls_export_xlsx").click().run()
    assert audited(dashboard_env, "download") == [("sipho", "download", "calls")] * 2
    now = datetime.now(UTC)
    with dashboard_env.database.engine.connect() as connection:
        rows = audit.entries(connection, audit.AuditFilters(now - timedelta(hours=1), now, action="download"))
    assert {row["detail"]["format"] for row in rows} == {"csv", "xlsx"}
    assert all(row["detail"]["queues"] == "('accounts',)" for row in rows)


# Agents, service levels, calibration, scorecards, users, audit ---------------------------------------


def test_the_agents_page_compares_the_team_and_an_agent_sees_only_themselves(
    app: Callable[[], AppTest],
) -> None:
    team = open_page(session(app, "sipho"), "agents")
    assert list(team.dataframe[0].value["agent"]) == [PIETER, THANDI]
    assert "Team comparison" in [item.value for item in team.subheader]
    mine = open_page(session(app, "thandi"), "agents")
    assert list(mine.dataframe[0].value["agent"]) == [THANDI]
    assert "Team comparison" not in [item.value for item in mine.subheader]
    assert PIETER not in texts(mine)


def test_service_levels_show_each_queue_against_targets(app: Callable[[], AppTest]) -> None:
    at = open_page(session(app, "sipho"), "service_levels")
    at.date_input(key="sl_period").set_value((date(2026, 11, 22), date(2026, 11, 22))).run()
    frame = at.dataframe[0].value
    assert list(frame["queue"]) == ["accounts", "faults", "all"]
    assert list(frame["service level rag"]) == ["green", "amber", "green"]
    assert "Abandoned callers to call back" in [item.value for item in at.subheader]
    assert any(metric.label == "Containment" and metric.value == "50.0%" for metric in at.metric)


def test_calibration_shows_agreement_once_reviewers_have_judged(
    app: Callable[[], AppTest], dashboard_env: Seeded
) -> None:
    with dashboard_env.database.engine.begin() as connection:
        for linkedid in (GOOD_FAULT, GOOD_ACCOUNT, HOLD_CALL):
            reviews.add_review(connection, linkedid, "greeting", "pass", "nomsa")
    at = open_page(session(app, "nomsa"), "calibration")
    today = local_today()
    at.date_input(key="cal_period").set_value((today - timedelta(days=7), today)).run()
    frame = at.dataframe[0].value
    assert list(frame["criterion"]) == ["greeting"] and list(frame["reviewed"]) == [3]


def test_scorecards_are_readable_by_every_role(app: Callable[[], AppTest]) -> None:
    for role in ROLES:
        at = open_page(session(app, USER_OF_ROLE[role]), "scorecards")
        assert "greeting" in list(at.dataframe[0].value["criterion"])
        assert at.code and "name: " in at.code[0].value


def test_an_admin_adds_and_disables_users(app: Callable[[], AppTest], dashboard_env: Seeded) -> None:
    at = open_page(session(app, "admin"), "users")
    at.text_input(key="user_username").set_value("lindiwe")
    at.selectbox(key="user_role").set_value("agent")
    at.text_input(key="user_agent_name").set_value("Lindiwe Dube")
    at.text_input(key="user_password").set_value("lindiwe-Pa55word!")
    at.text_input(key="user_password_again").set_value("lindiwe-Pa55word!")
    at.button[0].click().run()
    assert [item.value for item in at.success] == ["User lindiwe added."]
    at.selectbox(key="user_disable").set_value("nomsa").run()
    at.button(key="user_disable_button").click().run()
    assert "lindiwe" in list(at.dataframe[0].value["username"])
    assert audited(dashboard_env, "user_added")[-1] == ("admin", "user_added", "lindiwe")
    assert audited(dashboard_env, "user_disabled")[-1] == ("admin", "user_disabled", "nomsa")
    refused = log_in(AppTest.from_file(str(APP), default_timeout=60), "nomsa")
    assert [item.value for item in refused.error] == [REFUSED]
    assert (
        log_in(AppTest.from_file(str(APP), default_timeout=60), "lindiwe", "lindiwe-Pa55word!")
        .session_state["user"]
        .agent_name
        == "Lindiwe Dube"
    )


def test_a_disabled_users_open_session_ends_at_the_next_page_view(
    app: Callable[[], AppTest], dashboard_env: Seeded
) -> None:
    at = open_page(session(app, "nomsa"), "calls")
    with dashboard_env.database.engine.begin() as connection:
        users.disable_user(connection, "nomsa", by="admin")
    at.run()
    assert titles(at) == ["Call centre QA — log in"] and not at.dataframe


def test_the_audit_log_shows_who_did_what(app: Callable[[], AppTest]) -> None:
    reviewer = open_page(session(app, "nomsa"), "call_detail", call=HOLD_CALL)
    reviewer.button(key="play_recording").click().run()
    at = open_page(session(app, "admin"), "audit")
    at.date_input(key="audit_period").set_value((local_today(), local_today())).run()
    frame = at.dataframe[0].value
    seen = set(zip(frame["username"], frame["action"], frame["subject"].fillna(""), strict=True))
    assert {("nomsa", "open_call", HOLD_CALL), ("nomsa", "play", HOLD_CALL), ("admin", "login", "")} <= seen
    at.selectbox(key="audit_action").set_value("play").run()
    assert list(at.dataframe[0].value["action"]) == ["play"]
