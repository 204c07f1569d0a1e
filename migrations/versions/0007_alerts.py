"""Trial alerts: subscriptions (the person's profile), the alerts sent, and a lock for the matching job."""

import sqlalchemy as sa
from alembic import op

revision = "0007_alerts"
down_revision = "0006_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add alert_subscriptions, alerts_sent and job_locks."""
    op.create_table(
        "alert_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("thread_key", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("condition", sa.String(length=200), nullable=True),
        sa.Column("terms", sa.JSON(), nullable=True),
        sa.Column("age", sa.Float(), nullable=True),
        sa.Column("sex", sa.String(length=8), nullable=True),
        sa.Column("place_name", sa.String(length=200), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("radius_miles", sa.Float(), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stop_reason", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"], name=op.f("fk_alert_subscriptions_participant_id_participants")
        ),
        sa.ForeignKeyConstraint(
            ["identity_id"],
            ["channel_identities.id"],
            name=op.f("fk_alert_subscriptions_identity_id_channel_identities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_subscriptions")),
    )
    op.create_index(op.f("ix_alert_subscriptions_identity_id"), "alert_subscriptions", ["identity_id"])
    op.create_index(op.f("ix_alert_subscriptions_participant_id"), "alert_subscriptions", ["participant_id"])
    op.create_index(op.f("ix_alert_subscriptions_status"), "alert_subscriptions", ["status"])
    op.create_table(
        "alerts_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("nct_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["alert_subscriptions.id"],
            name=op.f("fk_alerts_sent_subscription_id_alert_subscriptions"),
        ),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name=op.f("fk_alerts_sent_message_id_messages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts_sent")),
    )
    op.create_index(op.f("ix_alerts_sent_subscription_id"), "alerts_sent", ["subscription_id"])
    op.create_index(op.f("ix_alerts_sent_message_id"), "alerts_sent", ["message_id"])
    op.create_index(op.f("ix_alerts_sent_created_at"), "alerts_sent", ["created_at"])
    op.create_table(
        "job_locks",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_locks")),
    )


def downgrade() -> None:
    """Drop what `upgrade` added."""
    op.drop_table("job_locks")
    op.drop_index(op.f("ix_alerts_sent_created_at"), table_name="alerts_sent")
    op.drop_index(op.f("ix_alerts_sent_message_id"), table_name="alerts_sent")
    op.drop_index(op.f("ix_alerts_sent_subscription_id"), table_name="alerts_sent")
    op.drop_table("alerts_sent")
    op.drop_index(op.f("ix_alert_subscriptions_status"), table_name="alert_subscriptions")
    op.drop_index(op.f("ix_alert_subscriptions_participant_id"), table_name="alert_subscriptions")
    op.drop_index(op.f("ix_alert_subscriptions_identity_id"), table_name="alert_subscriptions")
    op.drop_table("alert_subscriptions")
