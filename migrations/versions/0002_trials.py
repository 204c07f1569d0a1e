"""Trials: imported ClinicalTrials.gov studies, condition terms, sites, eligibility, contacts."""

import sqlalchemy as sa
from alembic import op

revision = "0002_trials"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the trial tables and the indexes that searches use."""
    op.create_table(
        "trials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nct_id", sa.String(length=16), nullable=False),
        sa.Column("overall_status", sa.String(length=32), nullable=False),
        sa.Column("phases", sa.String(length=64), nullable=False),
        sa.Column("last_update_date", sa.Date(), nullable=True),
        sa.Column("study_type", sa.String(length=32), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("completion_date", sa.Date(), nullable=True),
        sa.Column("source_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lead_sponsor", sa.String(length=300), nullable=True),
        sa.Column("brief_title", sa.Text(), nullable=False),
        sa.Column("official_title", sa.Text(), nullable=True),
        sa.Column("brief_summary", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trials")),
        sa.UniqueConstraint("nct_id", name=op.f("uq_trials_nct_id")),
    )
    op.create_index(op.f("ix_trials_overall_status"), "trials", ["overall_status"])
    op.create_index(op.f("ix_trials_last_update_date"), "trials", ["last_update_date"])

    op.create_table(
        "condition_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_key", sa.String(length=500), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("mesh_id", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_condition_terms")),
        sa.UniqueConstraint("term_key", name=op.f("uq_condition_terms_term_key")),
    )

    op.create_table(
        "trial_conditions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["trial_id"],
            ["trials.id"],
            name=op.f("fk_trial_conditions_trial_id_trials"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["condition_terms.id"],
            name=op.f("fk_trial_conditions_term_id_condition_terms"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trial_conditions")),
        sa.UniqueConstraint("trial_id", "term_id", "kind", name=op.f("uq_trial_conditions_trial_id")),
    )
    op.create_index("ix_trial_conditions_term_trial", "trial_conditions", ["term_id", "trial_id", "kind"])

    op.create_table(
        "trial_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("site_key", sa.String(length=64), nullable=False),
        sa.Column("facility", sa.String(length=300), nullable=True),
        sa.Column("city", sa.String(length=120), nullable=True),
        sa.Column("state", sa.String(length=120), nullable=True),
        sa.Column("zip", sa.String(length=20), nullable=True),
        sa.Column("country", sa.String(length=120), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["trial_id"],
            ["trials.id"],
            name=op.f("fk_trial_sites_trial_id_trials"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trial_sites")),
    )
    op.create_index("ix_trial_sites_geo", "trial_sites", ["latitude", "longitude", "status", "trial_id"])
    op.create_index("ix_trial_sites_trial_geo", "trial_sites", ["trial_id", "latitude", "longitude"])

    op.create_table(
        "trial_eligibility",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("minimum_age_years", sa.Float(), nullable=True),
        sa.Column("maximum_age_years", sa.Float(), nullable=True),
        sa.Column("sex", sa.String(length=8), nullable=False),
        sa.Column("healthy_volunteers", sa.Boolean(), nullable=True),
        sa.Column("criteria", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["trial_id"],
            ["trials.id"],
            name=op.f("fk_trial_eligibility_trial_id_trials"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trial_eligibility")),
        sa.UniqueConstraint("trial_id", name=op.f("uq_trial_eligibility_trial_id")),
    )

    op.create_table(
        "trial_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("contact_key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("phone_ext", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["trial_id"],
            ["trials.id"],
            name=op.f("fk_trial_contacts_trial_id_trials"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["trial_sites.id"],
            name=op.f("fk_trial_contacts_site_id_trial_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trial_contacts")),
    )
    op.create_index(op.f("ix_trial_contacts_trial_id"), "trial_contacts", ["trial_id"])
    op.create_index(op.f("ix_trial_contacts_site_id"), "trial_contacts", ["site_id"])


def downgrade() -> None:
    """Drop the trial tables, dependants first."""
    op.drop_index(op.f("ix_trial_contacts_site_id"), table_name="trial_contacts")
    op.drop_index(op.f("ix_trial_contacts_trial_id"), table_name="trial_contacts")
    op.drop_table("trial_contacts")
    op.drop_table("trial_eligibility")
    op.drop_index("ix_trial_sites_trial_geo", table_name="trial_sites")
    op.drop_index("ix_trial_sites_geo", table_name="trial_sites")
    op.drop_table("trial_sites")
    op.drop_index("ix_trial_conditions_term_trial", table_name="trial_conditions")
    op.drop_table("trial_conditions")
    op.drop_table("condition_terms")
    op.drop_index(op.f("ix_trials_last_update_date"), table_name="trials")
    op.drop_index(op.f("ix_trials_overall_status"), table_name="trials")
    op.drop_table("trials")
