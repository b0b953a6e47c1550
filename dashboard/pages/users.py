"""Users (admins only): who may log in, with which role; add and disable users."""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from dashboard import auth, data, export, users, widgets
from dashboard.auth import SessionUser
from dashboard.models import ROLES


def _add(by: str) -> None:
    state = st.session_state
    password = str(state.get("user_password") or "")
    if password != state.get("user_password_again"):
        widgets.flash("The two passwords differ.", "error")
        return
    username = str(state.get("user_username") or "").strip()
    try:
        with data.engine().begin() as connection:
            users.add_user(
                connection,
                username,
                password,
                str(state.get("user_role") or ""),
                by=by,
                display_name=str(state.get("user_display_name") or ""),
                agent_name=str(state.get("user_agent_name") or ""),
            )
    except users.UserError as exc:
        widgets.flash(str(exc), "error")
        return
    widgets.flash(f"User {username} added.")


def _disable(by: str) -> None:
    username = str(st.session_state.get("user_disable") or "")
    if username == by:
        widgets.flash("You cannot disable yourself.", "error")
        return
    try:
        with data.engine().begin() as connection:
            users.disable_user(connection, username, by=by)
    except users.UserError as exc:
        widgets.flash(str(exc), "error")
        return
    widgets.flash(f"User {username} disabled: they can no longer log in.")


def render(user: SessionUser) -> None:
    """The page."""
    st.title("Users")
    widgets.show_flash()
    with data.engine().connect() as connection:
        everyone = users.list_users(connection)
    frame = widgets.table([asdict(item) for item in everyone])
    widgets.show(frame)
    export.download_buttons(user, "users", frame, "users_export")
    st.subheader("Add a user")
    with st.form("add_user", clear_on_submit=True):
        a, b = st.columns(2)
        a.text_input("Username", key="user_username")
        b.text_input("Display name", key="user_display_name")
        a.selectbox("Role", ROLES, key="user_role")
        b.text_input("Agent name (agents: as calls record it)", key="user_agent_name")
        a.text_input("Password", type="password", key="user_password")
        b.text_input("Password again", type="password", key="user_password_again")
        st.form_submit_button("Add user", on_click=_add, args=(user.username,))
    enabled = [item.username for item in everyone if not item.disabled and item.username != user.username]
    if enabled:
        st.subheader("Disable a user")
        st.selectbox("User", enabled, key="user_disable")
        st.button("Disable user", key="user_disable_button", on_click=_disable, args=(user.username,))


render(auth.require_page("users"))
