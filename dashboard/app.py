"""The dashboard's entry point: ``streamlit run dashboard/app.py`` (or ``callcentre dashboard``).

Anyone not logged in gets the login page and nothing else; a logged-in user
gets the pages their role may open (see :data:`dashboard.auth.PAGE_ROLES`).
"""

from __future__ import annotations

import streamlit as st

from dashboard import auth

#: (file, title, icon, page key in PAGE_ROLES), in menu order.
PAGES = (
    ("pages/calls.py", "Calls", ":material/call:", "calls"),
    ("pages/call_detail.py", "Call detail", ":material/headset_mic:", "call_detail"),
    ("pages/agents.py", "Agents", ":material/groups:", "agents"),
    ("pages/service_levels.py", "Service levels", ":material/speed:", "service_levels"),
    ("pages/calibration.py", "Calibration", ":material/balance:", "calibration"),
    ("pages/users.py", "Users", ":material/manage_accounts:", "users"),
    ("pages/audit.py", "Audit log", ":material/policy:", "audit"),
    ("pages/scorecards.py", "Scorecards", ":material/checklist:", "scorecards"),
    ("pages/workspace.py", "Workspace", ":material/phone_forwarded:", "workspace"),
    ("pages/collections.py", "Collections", ":material/payments:", "collections"),
)


def pages_for(role: str) -> list[st.Page]:
    """The pages a role may open, in menu order."""
    return [
        st.Page(path, title=title, icon=icon, url_path=key)
        for path, title, icon, key in PAGES
        if role in auth.PAGE_ROLES[key]
    ]


def main() -> None:
    """Log in, or show the menu of the user's pages and run the chosen one."""
    st.set_page_config(page_title="Call centre QA", page_icon=":material/headset_mic:", layout="wide")
    user = auth.current_user()
    if user is None:
        st.navigation([st.Page(auth.login_page, title="Log in", url_path="login")]).run()
        return
    with st.sidebar:
        st.caption(f"Logged in as **{user.display_name}** ({user.role})")
        st.button("Log out", key="logout", on_click=auth.logout)
    st.navigation(pages_for(user.role)).run()


main()
