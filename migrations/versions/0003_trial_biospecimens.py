"""Trials: which biospecimens a study collects and keeps (ClinicalTrials.gov designModule.bioSpec).

Rows imported before this migration get no biospecimen details, so their content hashes are
cleared: the next import of the same records (`trialbot trials import ...` or `trials fetch`)
then updates them instead of skipping them as unchanged.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_trial_biospecimens"
down_revision = "0002_trials"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the biospecimen columns and mark every stored trial for refreshing."""
    with op.batch_alter_table("trials") as batch:
        batch.add_column(sa.Column("biospec_retention", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("biospec_description", sa.Text(), nullable=True))
    op.execute("UPDATE trials SET content_hash = ''")


def downgrade() -> None:
    """Drop the biospecimen columns."""
    with op.batch_alter_table("trials") as batch:
        batch.drop_column("biospec_description")
        batch.drop_column("biospec_retention")
