"""FatturaPA: document kind and original, electronic invoice files, SDI notifications

Revision ID: i19_fatturapa
Revises: i16_outbox
Create Date: 2026-12-02 05:40:31.387019
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'i19_fatturapa'
down_revision = 'i16_outbox'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('einvoice_counter',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('einvoice_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('progressive', sa.String(length=10), nullable=False),
    sa.Column('file_name', sa.String(length=60), nullable=False),
    sa.Column('xml', sa.LargeBinary(), nullable=False),
    sa.Column('sdi_state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('transmission_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('reason_code', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('reason_text', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('replaces_file_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['billing_document.id'], ),
    sa.ForeignKeyConstraint(['replaces_file_id'], ['einvoice_file.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('file_name'),
    sa.UniqueConstraint('progressive')
    )
    with op.batch_alter_table('einvoice_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_einvoice_file_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_einvoice_file_sdi_state'), ['sdi_state'], unique=False)

    op.create_table('sdi_notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=100), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('errors_json', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['einvoice_file.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('external_id')
    )
    with op.batch_alter_table('sdi_notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sdi_notification_file_id'), ['file_id'], unique=False)

    with op.batch_alter_table('billing_document', schema=None) as batch_op:
        # every document issued so far is an invoice
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default='invoice'))
        batch_op.add_column(sa.Column('original_document_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_billing_document_original_document_id', 'billing_document', ['original_document_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('billing_document', schema=None) as batch_op:
        batch_op.drop_constraint('fk_billing_document_original_document_id', type_='foreignkey')
        batch_op.drop_column('original_document_id')
        batch_op.drop_column('kind')

    with op.batch_alter_table('sdi_notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sdi_notification_file_id'))

    op.drop_table('sdi_notification')
    with op.batch_alter_table('einvoice_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_einvoice_file_sdi_state'))
        batch_op.drop_index(batch_op.f('ix_einvoice_file_document_id'))

    op.drop_table('einvoice_file')
    op.drop_table('einvoice_counter')
