"""credit notes: a document without an operation, named by its refund (source_key)

Revision ID: i19_credit_notes
Revises: i13_typed_operations
Create Date: 2026-12-02 07:04:55.788526
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'i19_credit_notes'
down_revision = 'i13_typed_operations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('billing_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_key', sa.String(length=120), nullable=True))
        batch_op.alter_column('operation_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_unique_constraint('uq_billing_document_source_key', ['source_key'])


def downgrade() -> None:
    # Credit notes are fiscal documents: never deleted to go back a version.
    notes = op.get_bind().execute(
        sa.text("SELECT count(*) FROM billing_document WHERE operation_id IS NULL")
    ).scalar()
    if notes:
        raise RuntimeError(f"{notes} credit notes exist: this schema cannot hold them")
    with op.batch_alter_table('billing_document', schema=None) as batch_op:
        batch_op.drop_constraint('uq_billing_document_source_key', type_='unique')
        batch_op.alter_column('operation_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('source_key')

