"""Satisfaction answers: the optional "did it help?" question after a coordinator's part of a conversation."""

import sqlalchemy as sa
from alembic import op

revision = "0005_satisfaction"
down_revision = "0004_handoff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the satisfaction_answers table (one answer per question, keyed by the handoff that asked it)."""
    op.create_table(
        "satisfaction_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("rating IN ('up', 'down')", name=op.f("ck_satisfaction_answers_rating")),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_satisfaction_answers_conversation_id_conversations"),
        ),
        sa.ForeignKeyConstraint(
            ["handoff_id"], ["handoffs.id"], name=op.f("fk_satisfaction_answers_handoff_id_handoffs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_satisfaction_answers")),
        sa.UniqueConstraint("handoff_id", name=op.f("uq_satisfaction_answers_handoff_id")),
    )
    op.create_index(op.f("ix_satisfaction_answers_conversation_id"), "satisfaction_answers", ["conversation_id"])
    op.create_index(op.f("ix_satisfaction_answers_created_at"), "satisfaction_answers", ["created_at"])


def downgrade() -> None:
    """Drop what `upgrade` added."""
    op.drop_index(op.f("ix_satisfaction_answers_created_at"), table_name="satisfaction_answers")
    op.drop_index(op.f("ix_satisfaction_answers_conversation_id"), table_name="satisfaction_answers")
    op.drop_table("satisfaction_answers")
