"""Logging in and out, and the guard every page calls first (passwords: :mod:`dashboard.passwords`).

Which role may open which page is defined once, in :data:`PAGE_ROLES`: the
navigation is built from it and each page checks it again, so a page that is
not in a user's menu cannot be opened by its address either.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy import select

from dashboard import audit, data
from dashboard.models import User
from dashboard.passwords import SessionUser, authenticate

__all__ = ["PAGE_ROLES", "REVIEWERS", "SessionUser", "current_user", "login_page", "logout", "require_page"]

SESSION_KEY = "user"
REFUSED = "Login refused: wrong username or password, or the account is disabled."

PAGE_ROLES: dict[str, tuple[str, ...]] = {
    "calls": ("qa", "supervisor", "agent"),
    "call_detail": ("qa", "supervisor", "agent"),
    "agents": ("qa", "supervisor", "agent"),
    "service_levels": ("supervisor",),
    "calibration": ("qa", "supervisor"),
    "scorecards": ("qa", "supervisor", "agent", "admin"),
    "users": ("admin",),
    "audit": ("admin",),
    "workspace": ("agent",),
    "collections": ("supervisor", "qa", "admin"),
}
#: Who may override a verdict and resolve disputes; agents dispute and acknowledge their own calls.
REVIEWERS = ("qa", "supervisor")


def current_user() -> SessionUser | None:
    """The logged-in user, checked against the database on every page view (disabled: logged out)."""
    user = st.session_state.get(SESSION_KEY)
    if not isinstance(user, SessionUser):
        return None
    with data.engine().connect() as connection:
        row = connection.execute(
            select(User.role, User.agent_name, User.disabled).where(User.username == user.username)
        ).first()
    if row is None or row.disabled or (row.role, row.agent_name) != (user.role, user.agent_name):
        st.session_state.pop(SESSION_KEY, None)
        return None
    return user


def require_login() -> SessionUser:
    """The logged-in user; anyone else sees the login form instead and the page stops."""
    user = current_user()
    if user is None:
        login_page()
        st.stop()
    return user


def require_page(page: str) -> SessionUser:
    """The logged-in user, if their role may open ``page``; otherwise the page stops with a message."""
    user = require_login()
    if user.role not in PAGE_ROLES[page]:
        st.error(f"Your role ({user.role}) may not open this page.")
        st.stop()
    return user


def login_page() -> None:
    """The login form."""
    st.title("Call centre QA — log in")
    with st.form("login"):
        st.text_input("Username", key="login_username")
        st.text_input("Password", type="password", key="login_password")
        st.form_submit_button("Log in", on_click=_log_in)
    if st.session_state.get("login_error"):
        st.error(REFUSED)


def _log_in() -> None:
    username = str(st.session_state.get("login_username", "")).strip()
    password = str(st.session_state.get("login_password", ""))
    st.session_state["login_password"] = ""
    with data.engine().begin() as connection:
        user = authenticate(connection, username, password)
    st.session_state["login_error"] = user is None
    if user is not None:
        st.session_state[SESSION_KEY] = user


def logout() -> None:
    """End the session (audited)."""
    user = st.session_state.get(SESSION_KEY)
    if isinstance(user, SessionUser):
        with data.engine().begin() as connection:
            audit.record(connection, user.username, "logout")
    for key in list(st.session_state.keys()):
        del st.session_state[key]
