"""When an import found a trial open after it was not (or first imported it open): trial alerts' "newly open"."""

import sqlalchemy as sa
from alembic import op

revision = "0008_trial_opened"
down_revision = "0007_alerts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add trials.opened_at; trials open now count as opened when they were first imported."""
    with op.batch_alter_table("trials") as batch:
        batch.add_column(sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_trials_opened_at"), "trials", ["opened_at"])
    op.execute("UPDATE trials SET opened_at = imported_at WHERE overall_status IN ('RECRUITING', 'NOT_YET_RECRUITING')")


def downgrade() -> None:
    """Drop what `upgrade` added."""
    op.drop_index(op.f("ix_trials_opened_at"), table_name="trials")
    with op.batch_alter_table("trials") as batch:
        batch.drop_column("opened_at")
