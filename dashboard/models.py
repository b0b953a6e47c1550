"""Tables owned by the dashboard: its users and the audit log of who saw or changed what.

Passwords are stored only as Argon2id hashes (see :mod:`dashboard.auth`). The
audit log is append-only: nothing in the suite updates or deletes its rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from callcentre.db import Base, BigId, UTCDateTime

#: ``qa`` reviews scored calls; ``supervisor`` watches the centre; ``agent`` sees only their own calls;
#: ``admin`` manages users and reads the audit log.
ROLES = ("qa", "supervisor", "agent", "admin")


class User(Base):
    """A person who may log in to the dashboard."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    #: Argon2id, in the PHC string format (algorithm, parameters, salt and hash).
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    #: For an agent: the name that appears in ``calls.agent`` and ``qa_scores.agent``.
    agent_name: Mapped[str | None] = mapped_column(String(128))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """Who did what to which call (or user), and when. Never updated, never deleted."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    #: ``login``, ``login_failed``, ``logout``, ``open_call``, ``denied``, ``play``, ``download``,
    #: ``review``, ``dispute``, ``resolve``, ``acknowledge``, ``user_added``, ``user_disabled``.
    action: Mapped[str] = mapped_column(String(32))
    #: What it was about: a call's linkedid, a username, an export's name.
    subject: Mapped[str | None] = mapped_column(String(128), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
