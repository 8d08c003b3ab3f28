"""catalogue versions in the database (issue #14): drafts, scheduled, published, retired

Seeds version 1 from the catalogue file the store ran on (TS_STORE_CATALOG, else the packaged
one), published since FIRST_EFFECTIVE_ON so that it prices every existing licence and operation,
and backfills their `catalog_version_id` to it. docs/pricing-lab.md.

Revision ID: i14_catalog_versions
Revises: i19_credit_notes
Create Date: 2026-12-02 11:29:31.103079
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa
import sqlmodel

from ts_store.store.catalog_versions import FIRST_EFFECTIVE_ON, seed_text

revision = 'i14_catalog_versions'
down_revision = 'i19_credit_notes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('catalog_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=True),
    sa.Column('grandfathering', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('author_customer_id', sa.Integer(), nullable=True),
    sa.Column('based_on_id', sa.Integer(), nullable=True),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('withdrawn_by', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_customer_id'], ['customer.id'], name='fk_catalog_version_author'),
    sa.ForeignKeyConstraint(['based_on_id'], ['catalog_version.id'], name='fk_catalog_version_based_on'),
    sa.ForeignKeyConstraint(['published_by'], ['customer.id'], name='fk_catalog_version_published_by'),
    sa.ForeignKeyConstraint(['withdrawn_by'], ['customer.id'], name='fk_catalog_version_withdrawn_by'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('catalog_version', schema=None) as batch_op:
        batch_op.create_index('ix_catalog_version_effective_on', ['effective_on'], unique=False)
        batch_op.create_index('ix_catalog_version_status', ['status'], unique=False)

    op.create_table('price_change_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('licence_id', sa.Integer(), nullable=False),
    sa.Column('catalog_version_id', sa.Integer(), nullable=False),
    sa.Column('noticed_on', sa.Date(), nullable=False),
    sa.Column('moves_on', sa.Date(), nullable=False),
    sa.Column('old_net_cents', sa.Integer(), nullable=False),
    sa.Column('new_net_cents', sa.Integer(), nullable=False),
    sa.Column('withdrawn_on', sa.Date(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['catalog_version_id'], ['catalog_version.id'], name='fk_price_change_notice_version'),
    sa.ForeignKeyConstraint(['licence_id'], ['licence.id'], name='fk_price_change_notice_licence'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('licence_id', 'catalog_version_id', name='uq_price_change_notice_licence_version')
    )
    with op.batch_alter_table('price_change_notice', schema=None) as batch_op:
        batch_op.create_index('ix_price_change_notice_catalog_version_id', ['catalog_version_id'], unique=False)
        batch_op.create_index('ix_price_change_notice_licence_id', ['licence_id'], unique=False)

    # SQLite: a plain ADD COLUMN … REFERENCES (a batch copy of `licence` would drop the table,
    # which the rows pointing at it forbid); PostgreSQL: ALTER TABLE as usual.
    bind = op.get_bind()
    for table in ('billing_operation', 'licence'):
        if bind.dialect.name == 'sqlite':
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN catalog_version_id INTEGER "
                "REFERENCES catalog_version (id)"
            )
        else:
            op.add_column(table, sa.Column('catalog_version_id', sa.Integer(), nullable=True))
            op.create_foreign_key(
                f'fk_{table}_catalog_version', table, 'catalog_version',
                ['catalog_version_id'], ['id'],
            )
    op.create_index('ix_licence_catalog_version_id', 'licence', ['catalog_version_id'])

    # Version 1: the file the store ran on until now; it priced everything already stored.
    now = datetime.now(UTC)
    name, note, content = seed_text()
    versions = sa.table(
        'catalog_version',
        sa.column('id', sa.Integer), sa.column('status', sa.String), sa.column('name', sa.String),
        sa.column('note', sa.Text), sa.column('content', sa.Text),
        sa.column('effective_on', sa.Date), sa.column('revision', sa.Integer),
        sa.column('published_at', sqlmodel.sql.sqltypes.UTCDateTime),
        sa.column('created_at', sqlmodel.sql.sqltypes.UTCDateTime),
        sa.column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime),
    )
    op.bulk_insert(versions, [{
        'id': 1, 'status': 'published', 'name': name, 'note': note, 'content': content,
        'effective_on': FIRST_EFFECTIVE_ON, 'revision': 1, 'published_at': now,
        'created_at': now, 'updated_at': now,
    }])
    if bind.dialect.name == 'postgresql':
        bind.execute(sa.text(
            "SELECT setval(pg_get_serial_sequence('catalog_version', 'id'), 1)"
        ))
    bind.execute(sa.text("UPDATE licence SET catalog_version_id = 1"))
    bind.execute(sa.text("UPDATE billing_operation SET catalog_version_id = 1"))


def downgrade() -> None:
    bind = op.get_bind()
    op.drop_index('ix_licence_catalog_version_id', table_name='licence')
    for table in ('licence', 'billing_operation'):
        if bind.dialect.name == 'sqlite':  # the inline REFERENCES has no name: copy the table
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.drop_column('catalog_version_id')
        else:
            op.drop_constraint(f'fk_{table}_catalog_version', table, type_='foreignkey')
            op.drop_column(table, 'catalog_version_id')

    with op.batch_alter_table('price_change_notice', schema=None) as batch_op:
        batch_op.drop_index('ix_price_change_notice_licence_id')
        batch_op.drop_index('ix_price_change_notice_catalog_version_id')
    op.drop_table('price_change_notice')

    with op.batch_alter_table('catalog_version', schema=None) as batch_op:
        batch_op.drop_index('ix_catalog_version_status')
        batch_op.drop_index('ix_catalog_version_effective_on')
    op.drop_table('catalog_version')
