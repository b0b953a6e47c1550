"""call logger: raw events and call records

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import callcentre.db

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "calls",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("linkedid", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("disposition", sa.String(length=16), nullable=False),
        sa.Column("caller_number", sa.String(length=32), nullable=True),
        sa.Column("caller_name", sa.String(length=128), nullable=True),
        sa.Column("dialled_number", sa.String(length=32), nullable=True),
        sa.Column("start_time", callcentre.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answer_time", callcentre.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_time", callcentre.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ivr_seconds", sa.Float(), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=True),
        sa.Column("queue_wait_seconds", sa.Float(), nullable=True),
        sa.Column("queue_position", sa.Integer(), nullable=True),
        sa.Column("abandoned", sa.Boolean(), nullable=False),
        sa.Column("agent", sa.String(length=128), nullable=True),
        sa.Column("agent_interface", sa.String(length=128), nullable=True),
        sa.Column("ring_seconds", sa.Float(), nullable=True),
        sa.Column("talk_seconds", sa.Float(), nullable=False),
        sa.Column("hold_seconds", sa.Float(), nullable=False),
        sa.Column("hold_count", sa.Integer(), nullable=False),
        sa.Column("hung_up_by", sa.String(length=16), nullable=True),
        sa.Column("hangup_cause", sa.Integer(), nullable=True),
        sa.Column("hangup_cause_text", sa.String(length=64), nullable=True),
        sa.Column("dtmf", sa.String(length=256), nullable=False),
        sa.Column("ivr_path", sa.String(length=512), nullable=True),
        sa.Column("campaign", sa.String(length=64), nullable=True),
        sa.Column("account", sa.String(length=64), nullable=True),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("recording_path", sa.String(length=1024), nullable=True),
        sa.Column("recording_status", sa.String(length=16), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.Column("partial_reason", sa.Text(), nullable=True),
        sa.Column("built_at", callcentre.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("linkedid", name=op.f("uq_calls_linkedid")),
    )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calls_account"), ["account"], unique=False)
        batch_op.create_index(batch_op.f("ix_calls_agent"), ["agent"], unique=False)
        batch_op.create_index(batch_op.f("ix_calls_caller_number"), ["caller_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_calls_campaign"), ["campaign"], unique=False)
        batch_op.create_index(batch_op.f("ix_calls_disposition"), ["disposition"], unique=False)
        batch_op.create_index(batch_op.f("ix_calls_queue"), ["queue"], unique=False)
        batch_op.create_index(batch_op.f("ix_calls_start_time"), ["start_time"], unique=False)

    op.create_table(
        "raw_events",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("linkedid", sa.String(length=64), nullable=True),
        sa.Column("uniqueid", sa.String(length=64), nullable=True),
        sa.Column("pbx_time", sa.Float(), nullable=True),
        sa.Column("received_at", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("frame", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raw_events")),
        sa.UniqueConstraint("digest", name=op.f("uq_raw_events_digest")),
    )
    with op.batch_alter_table("raw_events", schema=None) as batch_op:
        batch_op.create_index("ix_raw_events_linkedid_id", ["linkedid", "id"], unique=False)

    op.create_table(
        "call_legs",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("call_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("channel", sa.String(length=128), nullable=False),
        sa.Column("uniqueid", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=True),
        sa.Column("start_time", callcentre.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answer_time", callcentre.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_time", callcentre.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hangup_cause", sa.Integer(), nullable=True),
        sa.Column("hangup_cause_text", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_call_legs_call_id_calls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_legs")),
    )
    with op.batch_alter_table("call_legs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_legs_call_id"), ["call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_legs_uniqueid"), ["uniqueid"], unique=False)

    op.create_table(
        "holds",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("call_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("channel", sa.String(length=128), nullable=False),
        sa.Column("start_time", callcentre.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_time", callcentre.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_holds_call_id_calls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
    )
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_holds_call_id"), ["call_id"], unique=False)

    op.create_table(
        "queue_visits",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("call_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("joined_at", callcentre.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("left_at", callcentre.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("wait_seconds", sa.Float(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("agent", sa.String(length=128), nullable=True),
        sa.Column("agent_interface", sa.String(length=128), nullable=True),
        sa.Column("ring_no_answer", sa.Integer(), nullable=False),
        sa.Column("talk_seconds", sa.Float(), nullable=True),
        sa.Column("agent_complete_reason", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_queue_visits_call_id_calls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_visits")),
    )
    with op.batch_alter_table("queue_visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_queue_visits_call_id"), ["call_id"], unique=False)

    op.create_table(
        "transfers",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("call_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", callcentre.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("from_agent", sa.String(length=128), nullable=True),
        sa.Column("target", sa.String(length=128), nullable=True),
        sa.Column("other_linkedid", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_transfers_call_id_calls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfers")),
    )
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfers_call_id"), ["call_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfers_call_id"))

    op.drop_table("transfers")
    with op.batch_alter_table("queue_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_queue_visits_call_id"))

    op.drop_table("queue_visits")
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_holds_call_id"))

    op.drop_table("holds")
    with op.batch_alter_table("call_legs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_legs_uniqueid"))
        batch_op.drop_index(batch_op.f("ix_call_legs_call_id"))

    op.drop_table("call_legs")
    with op.batch_alter_table("raw_events", schema=None) as batch_op:
        batch_op.drop_index("ix_raw_events_linkedid_id")

    op.drop_table("raw_events")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calls_start_time"))
        batch_op.drop_index(batch_op.f("ix_calls_queue"))
        batch_op.drop_index(batch_op.f("ix_calls_disposition"))
        batch_op.drop_index(batch_op.f("ix_calls_campaign"))
        batch_op.drop_index(batch_op.f("ix_calls_caller_number"))
        batch_op.drop_index(batch_op.f("ix_calls_agent"))
        batch_op.drop_index(batch_op.f("ix_calls_account"))

    op.drop_table("calls")
