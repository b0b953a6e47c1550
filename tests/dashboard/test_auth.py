"""Passwords, logins and users in a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from dashboard import audit, passwords, users
from dashboard.models import AuditEntry, User
from tests.conftest import Database

PASSWORD = "a-long-Passphrase-7"


def failures(database: Database) -> list[tuple[str, str | None]]:
    now = datetime.now(UTC)
    with database.engine.connect() as connection:
        rows = audit.entries(
            connection, audit.AuditFilters(now - timedelta(hours=1), now + timedelta(hours=1))
        )
    return [(row["username"], row["detail"].get("reason")) for row in rows if row["action"] == "login_failed"]


def add(database: Database, username: str = "nomsa", role: str = "qa", agent: str | None = None) -> None:
    with database.engine.begin() as connection:
        users.add_user(connection, username, PASSWORD, role, by="test", agent_name=agent)


def login(database: Database, username: str, password: str) -> passwords.SessionUser | None:
    with database.engine.begin() as connection:
        return passwords.authenticate(connection, username, password)


def test_passwords_are_stored_as_argon2id_hashes_never_as_text(database: Database) -> None:
    add(database)
    with database.engine.connect() as connection:
        stored = connection.execute(select(User.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert passwords.verify_password(stored, PASSWORD)
    assert not passwords.verify_password(stored, PASSWORD.upper())
    assert not passwords.verify_password("not a hash", PASSWORD)


def test_the_right_password_logs_in_and_is_audited(database: Database) -> None:
    add(database, "thandi", "agent", "Thandi Mokoena")
    user = login(database, "thandi", PASSWORD)
    assert user == passwords.SessionUser("thandi", "thandi", "agent", "Thandi Mokoena")
    now = datetime.now(UTC)
    with database.engine.connect() as connection:
        rows = audit.entries(
            connection, audit.AuditFilters(now - timedelta(hours=1), now + timedelta(hours=1))
        )
    assert [(row["username"], row["action"]) for row in rows][:2] == [
        ("thandi", "login"),
        ("test", "user_added"),
    ]


def test_a_wrong_password_an_unknown_user_and_a_disabled_user_are_refused_and_audited(
    database: Database,
) -> None:
    add(database, "nomsa")
    add(database, "gone")
    with database.engine.begin() as connection:
        users.disable_user(connection, "gone", by="admin")
    assert login(database, "nomsa", "wrong-password-123") is None
    assert login(database, "nobody", PASSWORD) is None
    assert login(database, "gone", PASSWORD) is None  # the right password, but disabled
    assert failures(database) == [
        ("gone", "disabled"),
        ("nobody", "unknown user"),
        ("nomsa", "wrong password"),
    ]


def test_repeated_failures_lock_the_username_out_for_a_while(database: Database) -> None:
    add(database)
    for _ in range(passwords.MAX_FAILURES):
        assert login(database, "nomsa", "guess-guess-guess") is None
    assert login(database, "nomsa", PASSWORD) is None  # locked, even with the right password
    assert failures(database)[0] == ("nomsa", "too many failed logins")
    with database.engine.begin() as connection:  # the failures age out
        connection.execute(
            update(AuditEntry).values(at=datetime.now(UTC) - passwords.LOCKOUT - timedelta(minutes=1))
        )
    assert login(database, "nomsa", PASSWORD) is not None


def test_a_hash_made_with_weaker_parameters_is_upgraded_at_the_next_login(database: Database) -> None:
    add(database)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with database.engine.begin() as connection:
        connection.execute(update(User).values(password_hash=weak))
    assert login(database, "nomsa", PASSWORD) is not None
    with database.engine.connect() as connection:
        stored = connection.execute(select(User.password_hash)).scalar_one()
    assert stored != weak and not passwords.HASHER.check_needs_rehash(stored)


@pytest.mark.parametrize(
    ("username", "password", "role", "agent", "message"),
    [
        ("bad name", PASSWORD, "qa", None, "letters, digits"),
        ("nomsa", "short", "qa", None, "at least 10 characters"),
        ("nomsa", "Nomsa", "qa", None, "at least 10"),
        ("longername1", "longername1", "qa", None, "must not be the username"),
        ("nomsa", PASSWORD, "boss", None, "role must be one of"),
        ("thandi", PASSWORD, "agent", None, "an agent needs --agent-name"),
        ("existing", PASSWORD, "qa", None, "already exists"),
    ],
)
def test_users_that_cannot_be_added_say_why(
    database: Database, username: str, password: str, role: str, agent: str | None, message: str
) -> None:
    add(database, "existing")
    with database.engine.begin() as connection, pytest.raises(users.UserError, match=message):
        users.add_user(connection, username, password, role, by="test", agent_name=agent)


def test_users_are_listed_without_hashes_and_disabled_once(database: Database) -> None:
    add(database, "pieter", "agent", "Pieter van Wyk")
    add(database, "admin", "admin")
    with database.engine.begin() as connection:
        users.disable_user(connection, "pieter", by="admin")
        listed = users.list_users(connection)
        with pytest.raises(users.UserError, match="no enabled user 'pieter'"):
            users.disable_user(connection, "pieter", by="admin")
    assert [(u.username, u.role, u.agent_name, u.disabled) for u in listed] == [
        ("admin", "admin", None, False),
        ("pieter", "agent", "Pieter van Wyk", True),
    ]
    assert not any("argon2" in str(value) for user in listed for value in vars_of(user))


def vars_of(user: users.UserInfo) -> list[object]:
    return [getattr(user, name) for name in user.__dataclass_fields__]
