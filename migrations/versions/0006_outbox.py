"""The durable outbox (one row per message to deliver) and when each inbound message was answered."""

import sqlalchemy as sa
from alembic import op

revision = "0006_outbox"
down_revision = "0005_satisfaction"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the outbox table and messages.answered_at (set for every message already stored)."""
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name=op.f("fk_outbox_message_id_messages")),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversations.id"], name=op.f("fk_outbox_conversation_id_conversations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_message_id")),
    )
    op.create_index(op.f("ix_outbox_conversation_id"), "outbox", ["conversation_id"])
    op.create_index(op.f("ix_outbox_state"), "outbox", ["state"])
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE messages SET answered_at = created_at WHERE direction = 'inbound'")


def downgrade() -> None:
    """Drop what `upgrade` added."""
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("answered_at")
    op.drop_index(op.f("ix_outbox_state"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_conversation_id"), table_name="outbox")
    op.drop_table("outbox")
