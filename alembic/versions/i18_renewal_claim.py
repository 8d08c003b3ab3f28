"""licence.renewal_claimed_until: runs of the renewal job in several processes split the due
licences (issue #18)

Revision ID: i18_renewal_claim
Revises: i14_real_date_repair
Create Date: 2026-12-02 12:00:00
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "i18_renewal_claim"
down_revision = "i14_real_date_repair"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("licence", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("renewal_claimed_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("licence", schema=None) as batch_op:
        batch_op.drop_column("renewal_claimed_until")
