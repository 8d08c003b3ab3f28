"""staff refunds of invoiced payments: the row and its idempotency key precede the Stripe call

Revision ID: i19_invoice_refunds
Revises: i14_catalog_versions
Create Date: 2026-12-02 11:50:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "i19_invoice_refunds"
down_revision = "i14_catalog_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_refund",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("failure_code", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("stripe_refund_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("credit_note_id", sa.Integer(), nullable=True),
        sa.Column("actor_customer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["billing_document.id"]),
        sa.ForeignKeyConstraint(["credit_note_id"], ["billing_document.id"]),
        sa.ForeignKeyConstraint(["actor_customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key", name="uq_invoice_refund_idempotency_key"),
    )
    op.create_index("ix_invoice_refund_document_id", "invoice_refund", ["document_id"])
    op.create_index("ix_invoice_refund_status", "invoice_refund", ["status"])


def downgrade() -> None:
    # Refund rows record money given back: never dropped while any exists.
    rows = op.get_bind().execute(sa.text("SELECT count(*) FROM invoice_refund")).scalar()
    if rows:
        raise RuntimeError(f"{rows} refunds recorded: refusing to drop invoice_refund")
    op.drop_index("ix_invoice_refund_status", table_name="invoice_refund")
    op.drop_index("ix_invoice_refund_document_id", table_name="invoice_refund")
    op.drop_table("invoice_refund")
