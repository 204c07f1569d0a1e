"""Handoff and console: queue priority and wait times, console sessions, audit log, account status."""

import sqlalchemy as sa
from alembic import op

revision = "0004_handoff"
down_revision = "0003_trial_biospecimens"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add queue columns, disable-able accounts, console sessions and the audit log."""
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("priority", sa.String(length=16), nullable=False, server_default="normal"))
        batch.add_column(sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("offer_due_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("coordinators") as batch:
        batch.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "console_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("coordinator_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coordinator_id"], ["coordinators.id"], name=op.f("fk_console_sessions_coordinator_id_coordinators")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_console_sessions")),
    )
    op.create_index(op.f("ix_console_sessions_coordinator_id"), "console_sessions", ["coordinator_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coordinator_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["coordinator_id"], ["coordinators.id"], name=op.f("fk_audit_events_coordinator_id_coordinators")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversations.id"], name=op.f("fk_audit_events_conversation_id_conversations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_coordinator_id"), "audit_events", ["coordinator_id"])
    op.create_index(op.f("ix_audit_events_conversation_id"), "audit_events", ["conversation_id"])


def downgrade() -> None:
    """Drop what `upgrade` added."""
    op.drop_index(op.f("ix_audit_events_conversation_id"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_coordinator_id"), table_name="audit_events")
    op.drop_table("audit_events")
    op.drop_index(op.f("ix_console_sessions_coordinator_id"), table_name="console_sessions")
    op.drop_table("console_sessions")
    with op.batch_alter_table("coordinators") as batch:
        batch.drop_column("active")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("offer_due_at")
        batch.drop_column("waiting_since")
        batch.drop_column("priority")
