"""Passwords hashed with Argon2id, and checking a login (no Streamlit here: the CLI uses it too)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, select, update

from dashboard import audit
from dashboard.models import User

#: Argon2id with the library's defaults (RFC 9106's second recommended profile: 64 MiB, 3 passes).
HASHER = PasswordHasher()
#: After this many failed logins of one username within :data:`LOCKOUT`, it is refused for that long.
MAX_FAILURES = 10
LOCKOUT = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class SessionUser:
    """A logged-in user, as kept in the session."""

    username: str
    display_name: str
    role: str
    agent_name: str | None


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password`` (PHC string: parameters and a random salt included)."""
    return HASHER.hash(password)


@functools.cache
def _dummy_hash() -> str:
    return HASHER.hash("no such user: verified anyway so that timing does not tell")


def verify_password(password_hash: str, password: str) -> bool:
    """True if ``password`` matches (Argon2's verification compares in constant time)."""
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(connection: Connection, username: str, password: str) -> SessionUser | None:
    """The user if the password is right and the account enabled; every attempt is audited.

    An unknown username costs the same hashing time as a known one, so timing does not tell them apart.
    """
    row = connection.execute(select(User.__table__).where(User.username == username)).first()
    matches = verify_password(row.password_hash if row is not None else _dummy_hash(), password)
    locked = audit.failures_since(connection, username, datetime.now(UTC) - LOCKOUT) >= MAX_FAILURES
    reason = _refusal(row is not None, matches, bool(row is not None and row.disabled), locked)
    if reason is not None or row is None:
        audit.record(connection, username or "(empty)", "login_failed", None, {"reason": reason})
        return None
    if HASHER.check_needs_rehash(row.password_hash):
        connection.execute(
            update(User).where(User.id == row.id).values(password_hash=hash_password(password))
        )
    audit.record(connection, username, "login")
    return SessionUser(row.username, row.display_name, row.role, row.agent_name)


def _refusal(known: bool, matches: bool, disabled: bool, locked: bool) -> str | None:
    if not known:
        return "unknown user"
    if locked:
        return "too many failed logins"
    if not matches:
        return "wrong password"
    return "disabled" if disabled else None
