"""customer.email_skeleton: look-alike logins share it and the column is unique (issue #15)

Revision ID: i15_email_skeleton
Revises: i18_renewal_claim
Create Date: 2026-12-02 11:50:00

Existing rows are filled with ts_store/store/lookalikes.py's skeleton. Two existing customers
whose emails already look alike keep the first one's skeleton only (the other stays NULL and is
logged): the constraint is for new registrations, not a reason to lock anyone out.
"""
from alembic import op
import sqlalchemy as sa


revision = 'i15_email_skeleton'
down_revision = 'i18_renewal_claim'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from ts_store.store.lookalikes import email_skeleton

    # A plain ADD COLUMN and a unique index: SQLite's batch mode would copy and drop the
    # customer table, which the other tables' foreign keys forbid once it has rows.
    op.add_column('customer', sa.Column('email_skeleton', sa.String(length=254), nullable=True))
    bind = op.get_bind()
    taken: set[str] = set()
    rows = bind.execute(sa.text("SELECT id, email FROM customer ORDER BY id")).all()
    for customer_id, email in rows:
        skeleton = email_skeleton(email)
        if skeleton in taken:
            print(f"customer {customer_id}: login looks like an earlier one; skeleton left empty")
            continue
        taken.add(skeleton)
        bind.execute(
            sa.text("UPDATE customer SET email_skeleton = :s WHERE id = :i"),
            {"s": skeleton, "i": customer_id},
        )
    op.create_index('ix_customer_email_skeleton', 'customer', ['email_skeleton'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_customer_email_skeleton', table_name='customer')
    op.drop_column('customer', 'email_skeleton')
