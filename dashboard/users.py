"""Dashboard users: add, list and disable (used by ``callcentre users`` and the admin page).

Every change is written to the audit log in the same transaction, naming who made it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select, update

from dashboard import audit
from dashboard.models import ROLES, User
from dashboard.passwords import hash_password

USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MIN_PASSWORD_LENGTH = 10


class UserError(ValueError):
    """A user that cannot be added or changed; the message says why."""


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A user as listed (never the password hash)."""

    username: str
    display_name: str
    role: str
    agent_name: str | None
    disabled: bool
    created_at: datetime


def check_password(username: str, password: str) -> None:
    """Raise :class:`UserError` for a password too weak to accept."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip().lower() == username.lower():
        raise UserError("the password must not be the username")


def add_user(
    connection: Connection,
    username: str,
    password: str,
    role: str,
    *,
    by: str,
    display_name: str | None = None,
    agent_name: str | None = None,
) -> int:
    """Add a user; an agent needs the name under which their calls are recorded."""
    if not USERNAME.fullmatch(username):
        raise UserError(
            f"username {username!r}: 1-64 letters, digits or . _ @ -, starting with a letter or digit"
        )
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    agent_name = (agent_name or "").strip() or None
    if role == "agent" and agent_name is None:
        raise UserError("an agent needs --agent-name: the name their calls are recorded under")
    check_password(username, password)
    if connection.execute(select(User.id).where(User.username == username)).first() is not None:
        raise UserError(f"user {username!r} already exists")
    values = {
        "username": username,
        "display_name": (display_name or "").strip() or username,
        "password_hash": hash_password(password),
        "role": role,
        "agent_name": agent_name,
        "disabled": False,
        "created_at": datetime.now(UTC),
    }
    user_id = int(connection.execute(insert(User).values(**values).returning(User.id)).scalar_one())
    audit.record(connection, by, "user_added", username, {"role": role, "agent_name": agent_name})
    return user_id


def list_users(connection: Connection) -> list[UserInfo]:
    """Every user, by username."""
    query = select(
        User.username, User.display_name, User.role, User.agent_name, User.disabled, User.created_at
    ).order_by(User.username)
    return [UserInfo(*row) for row in connection.execute(query)]


def disable_user(connection: Connection, username: str, *, by: str) -> None:
    """Disable a user: they can no longer log in, and an open session ends at its next page view."""
    changed = connection.execute(
        update(User).where(User.username == username, User.disabled.is_(False)).values(disabled=True)
    ).rowcount
    if changed != 1:
        raise UserError(f"no enabled user {username!r}")
    audit.record(connection, by, "user_disabled", username)
