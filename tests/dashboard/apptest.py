"""Helpers for the page tests: log in through the form, open a page, read what it shows and audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from streamlit.testing.v1 import AppTest

import dashboard
from dashboard import audit
from dashboard.models import ROLES
from tests.dashboard.conftest import USERS, Seeded, password

APP = Path(dashboard.__file__).with_name("app.py")
PERIOD = (date(2026, 11, 16), date(2026, 11, 22))
PERIOD_KEYS = ("calls_period", "agents_period", "sl_period", "cal_period", "audit_period")
TITLES = {
    "calls": "Calls",
    "call_detail": "Call detail",
    "agents": "Agents",
    "service_levels": "Service levels",
    "calibration": "Calibration",
    "scorecards": "Scorecards",
    "users": "Users",
    "audit": "Audit log",
    "workspace": "Workspace",
    "collections": "Collections",
}
USER_OF_ROLE = {
    role: next(name for name, (r, _, off) in USERS.items() if r == role and not off) for role in ROLES
}


def log_in(at: AppTest, username: str, secret: str | None = None) -> AppTest:
    """Fill in and send the login form (with the user's seeded password unless told otherwise)."""
    at.run()
    at.text_input(key="login_username").set_value(username)
    at.text_input(key="login_password").set_value(secret if secret is not None else password(username))
    return at.button[0].click().run()


def session(app: Callable[[], AppTest], username: str) -> AppTest:
    """A new session, logged in as ``username``."""
    at = log_in(app(), username)
    assert not at.exception, at.exception
    assert at.session_state["user"].username == username
    return at


def open_page(at: AppTest, page: str, **state: Any) -> AppTest:
    """Go to ``page`` (with ``state`` set first) and pick the week of the seeded calls."""
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(f"pages/{page}.py").run()
    for key in PERIOD_KEYS:
        if any(widget.key == key for widget in at.date_input):
            at.date_input(key=key).set_value(PERIOD).run()
    assert not at.exception, [item.value for item in at.exception]
    return at


def local_today() -> date:
    """Today in the call centre's time zone."""
    return datetime.now(ZoneInfo("Africa/Johannesburg")).date()


def titles(at: AppTest) -> list[str]:
    """The page's titles."""
    return [item.value for item in at.title]


def texts(at: AppTest) -> str:
    """Everything written on the page, one element a line."""
    parts = [*at.markdown, *at.text, *at.caption, *at.error, *at.warning, *at.info, *at.success]
    return "\n".join(str(item.value) for item in parts)


def audited(seeded: Seeded, action: str | None = None) -> list[tuple[str, str, str | None]]:
    """(who, action, subject) of the audit entries of the last hour, oldest first, seeding left out."""
    now = datetime.now(UTC)
    with seeded.database.engine.connect() as connection:
        rows = audit.entries(
            connection, audit.AuditFilters(now - timedelta(hours=1), now + timedelta(hours=1))
        )
    mine = [r for r in reversed(rows) if r["username"] != "seed"]  # not the seeding's user_added
    return [(r["username"], r["action"], r["subject"]) for r in mine if action in (None, r["action"])]


def metric(at: AppTest, label: str) -> str:
    """The value of the metric with this label."""
    return str(next(item.value for item in at.metric if item.label == label))
