"""Database tables. Our own integer keys; Stripe ids stored beside them; money in integer cents.

Every table lives here so relationships and migrations are read in one place.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ts_store.domain.catalog_versions import VersionStatus
from ts_store.domain.lifecycle import LicenceStatus
from ts_store.domain.notifications import OutboxStatus
from ts_store.domain.operations import OperationKind, OperationStatus
from ts_store.store.types import TextEnum


def utcnow() -> datetime:
    return datetime.now(UTC)


class Customer(SQLModel, table=True):
    """A login of the store: a customer company, or a member of the product team."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_column=sa.Column(sa.String(254), unique=True, nullable=False, index=True))
    # store/lookalikes.py: look-alike addresses share it, so the second is refused (issue #15)
    email_skeleton: str | None = Field(
        default=None,
        sa_column=sa.Column(
            "email_skeleton", sa.String(254), nullable=True, index=True, unique=True
        ),
    )
    password_hash: str
    company_name: str
    role: str = Field(default="customer", max_length=20)  # "customer" | "product_team"
    stripe_customer_id: str | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class AuthSession(SQLModel, table=True):
    """A login session. Only the SHA-256 of the random token is stored."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    token_hash: str = Field(sa_column=sa.Column(sa.String(64), unique=True, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None


class BillingProfile(SQLModel, table=True):
    """Italian billing data of a customer, one row per customer (docs/billing-policy.md,
    "Italian billing data")."""

    __tablename__ = "billing_profile"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", unique=True)
    company_name: str
    vat_number: str
    tax_code: str
    address: str
    postal_code: str
    city: str
    province: str
    invoice_email: str
    sdi_code: str = ""
    pec: str = ""
    updated_at: datetime = Field(default_factory=utcnow)


class Licence(SQLModel, table=True):
    """A CRM in Cloud subscription: what is current, what applies at renewal, and its period.

    `version` is an optimistic lock: every write checks the version it read.
    """

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    product: str = "CRM in Cloud"
    status: LicenceStatus = Field(
        sa_column=sa.Column(TextEnum(LicenceStatus), nullable=False, index=True)
    )
    plan: str | None = None
    cycle: str | None = None
    seats: int | None = None
    renewal_plan: str | None = None
    renewal_cycle: str | None = None
    renewal_seats: int | None = None
    anchor_day: int | None = None
    period_start: date | None = None
    period_end: date | None = Field(default=None, index=True)
    trial_ends_on: date | None = None
    ended_on: date | None = None
    cancel_at_period_end: bool = False
    cancel_reason: str | None = None
    cancel_note: str | None = None
    past_due_since: date | None = None
    next_retry_on: date | None = None
    suspended_on: date | None = None
    data_removed_on: date | None = None
    # Claimed by a run of the renewal job until then, so that runs in several processes split
    # the due licences (renewal_queries.claim_due). Only an optimisation: a charge is made once
    # by its idempotency key whoever claims the licence; an expired claim is free again.
    renewal_claimed_until: datetime | None = None
    version: int = 1
    # The catalogue version that priced the licence's current terms (docs/pricing-lab.md).
    catalog_version_id: int | None = Field(
        default=None, foreign_key="catalog_version.id", index=True
    )
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CatalogVersion(SQLModel, table=True):
    """One version of the plan catalogue: a draft, or published with an effective date.

    The content is the catalogue's TOML text, validated by the domain loader on every save. A
    published version is never edited (replaced by a newer one); a draft carries `revision`, an
    optimistic lock, because several product-team members may edit drafts.
    Statuses and rules: ts_store/domain/catalog_versions.py; API: docs/pricing-lab.md.
    """

    __tablename__ = "catalog_version"

    id: int | None = Field(default=None, primary_key=True)
    status: VersionStatus = Field(
        sa_column=sa.Column(TextEnum(VersionStatus), nullable=False, index=True)
    )
    name: str = Field(max_length=120)
    note: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, default=""))
    content: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    effective_on: date | None = Field(default=None, index=True)
    grandfathering: str | None = Field(default=None, max_length=30)
    author_customer_id: int | None = Field(default=None, foreign_key="customer.id")
    based_on_id: int | None = Field(default=None, foreign_key="catalog_version.id")
    published_by: int | None = Field(default=None, foreign_key="customer.id")
    published_at: datetime | None = None
    withdrawn_by: int | None = Field(default=None, foreign_key="customer.id")
    withdrawn_at: datetime | None = None
    revision: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PriceChangeNotice(SQLModel, table=True):
    """Policy (b): a licence told that its price moves to a version's at a given renewal.

    One row per (licence, version), written with the outbox email in one transaction; the
    renewal at `moves_on` (at least 30 days after `noticed_on`) is the first priced by the
    new version. Withdrawing the version sets `withdrawn_on` (the licence keeps its prices).
    """

    __tablename__ = "price_change_notice"
    __table_args__ = (
        sa.UniqueConstraint(
            "licence_id", "catalog_version_id", name="uq_price_change_notice_licence_version"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    licence_id: int = Field(foreign_key="licence.id", index=True)
    catalog_version_id: int = Field(foreign_key="catalog_version.id", index=True)
    noticed_on: date
    moves_on: date
    old_net_cents: int
    new_net_cents: int
    withdrawn_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)


class PaymentMethod(SQLModel, table=True):
    """Our mirror of a card saved in Stripe (no card data beyond brand, last4 and expiry)."""

    __tablename__ = "payment_method"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    stripe_payment_method_id: str = Field(
        sa_column=sa.Column(sa.String(255), unique=True, nullable=False)
    )
    brand: str
    last4: str = Field(max_length=4)
    exp_month: int
    exp_year: int
    is_default: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class BillingOperation(SQLModel, table=True):
    """One attempt to change money or a licence. The unique key makes every confirm idempotent."""

    __tablename__ = "billing_operation"

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(sa_column=sa.Column(sa.String(120), unique=True, nullable=False))
    customer_id: int = Field(foreign_key="customer.id", index=True)
    licence_id: int | None = Field(default=None, foreign_key="licence.id", index=True)
    kind: OperationKind = Field(sa_column=sa.Column(TextEnum(OperationKind), nullable=False))
    status: OperationStatus = Field(
        default=OperationStatus.PENDING,
        sa_column=sa.Column(TextEnum(OperationStatus), nullable=False),
    )
    request_json: str = "{}"
    quote_json: str = "{}"
    amount_cents: int = 0
    licence_version: int | None = None
    # "<licence id>:v<version>" while the operation may still charge: one confirm per licence
    # version at a time, across tabs and processes; cleared when the attempt fails.
    lock_key: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(60), unique=True, nullable=True)
    )
    stripe_payment_intent_id: str | None = Field(default=None, index=True)
    # Why it failed (or what happened to it): a code the UI words (ts_store/ui/messages.py).
    failure_code: str | None = Field(default=None, max_length=60)
    failure_params_json: str = "{}"
    # The catalogue version whose prices made this operation's quote.
    catalog_version_id: int | None = Field(default=None, foreign_key="catalog_version.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None


class DocumentCounter(SQLModel, table=True):
    """Last progressive number used in a calendar year: numbering with no gaps or duplicates."""

    __tablename__ = "document_counter"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_sequence: int = 0


class BillingDocument(SQLModel, table=True):
    """The billing document issued for every successful charge."""

    __tablename__ = "billing_document"
    __table_args__ = (sa.UniqueConstraint("year", "sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=sa.Column(sa.String(20), unique=True, nullable=False))
    year: int
    sequence: int
    customer_id: int = Field(foreign_key="customer.id", index=True)
    licence_id: int | None = Field(default=None, foreign_key="licence.id")
    # The charge's operation; None for a credit note, whose refund is named by source_key.
    operation_id: int | None = Field(default=None, foreign_key="billing_operation.id", unique=True)
    description: str
    lines_json: str
    billing_json: str
    net_cents: int
    vat_cents: int
    gross_cents: int
    issued_on: date
    issued_at: datetime = Field(default_factory=utcnow)
    # DocumentKind: "invoice" (TD01) or "credit_note" (TD04), which names the invoice it corrects.
    kind: str = Field(default="invoice", max_length=20)
    original_document_id: int | None = Field(default=None, foreign_key="billing_document.id")
    # A credit note's refund ("refund:<Stripe refund id>"): one credit note per refund.
    source_key: str | None = Field(
        default=None, sa_column=sa.Column(sa.String(120), unique=True, nullable=True)
    )


class EinvoiceCounter(SQLModel, table=True):
    """Last number used for an electronic invoice file's progressivo (unique, never reused)."""

    __tablename__ = "einvoice_counter"

    name: str = Field(primary_key=True, max_length=20)
    last_value: int = 0


class EinvoiceFile(SQLModel, table=True):
    """One FatturaPA XML file of a document and its way through SDI (SdiState).

    A rejected file is never changed: its re-issue is a new row (new progressivo, new name).
    The XML is stored as sent, so a download or an export is byte-identical.
    """

    __tablename__ = "einvoice_file"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="billing_document.id", index=True)
    progressive: str = Field(sa_column=sa.Column(sa.String(10), unique=True, nullable=False))
    file_name: str = Field(sa_column=sa.Column(sa.String(60), unique=True, nullable=False))
    xml: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    sdi_state: str = Field(default="generated", max_length=20, index=True)
    transmission_id: str | None = Field(default=None, max_length=100)
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    reason_code: str | None = Field(default=None, max_length=100)
    reason_text: str | None = None
    replaces_file_id: int | None = Field(default=None, foreign_key="einvoice_file.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class SdiNotificationRecord(SQLModel, table=True):
    """Every notification SDI sent about a file (RC, NS, MC), kept as received."""

    __tablename__ = "sdi_notification"

    id: int | None = Field(default=None, primary_key=True)
    file_id: int = Field(foreign_key="einvoice_file.id", index=True)
    external_id: str = Field(sa_column=sa.Column(sa.String(100), unique=True, nullable=False))
    type: str = Field(max_length=4)
    errors_json: str = "[]"
    received_at: datetime = Field(default_factory=utcnow)


class AuditEntry(SQLModel, table=True):
    """Who changed what and when, with the state before and after. Never deleted."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    actor_customer_id: int | None = Field(default=None, index=True)
    licence_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=60)
    before_json: str = "{}"
    after_json: str = "{}"
    created_at: datetime = Field(default_factory=utcnow)


class SupportRequest(SQLModel, table=True):
    """A 'Contattaci' request sent from MyArea."""

    __tablename__ = "support_request"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    licence_id: int | None = Field(default=None, foreign_key="licence.id")
    subject: str = Field(max_length=120)
    message: str
    status: str = Field(default="open", max_length=20)
    created_at: datetime = Field(default_factory=utcnow)


class StripeEvent(SQLModel, table=True):
    """Each webhook event id once: duplicates and replays become no-ops."""

    __tablename__ = "stripe_event"

    id: str = Field(primary_key=True, max_length=255)
    type: str
    received_at: datetime = Field(default_factory=utcnow)


class AppSetting(SQLModel, table=True):
    """Small key/value settings shared by every process."""

    __tablename__ = "app_setting"

    key: str = Field(primary_key=True, max_length=60)
    value: str


class OutboxMessage(SQLModel, table=True):
    """An email to send, written in the same transaction as the event that causes it.

    One row per (event, recipient): the unique key makes an event send one email however often
    it is retried. The sender claims due rows, delivers them and records the result; the
    Message-ID is fixed here so a retried delivery carries the same one (docs/notifications.md).
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.UniqueConstraint("event_key", "recipient", name="uq_outbox_message_event_recipient"),
        sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_key: str = Field(max_length=160)
    recipient: str = Field(max_length=254)
    kind: str = Field(max_length=40)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    params_json: str = "{}"
    status: str = Field(default=OutboxStatus.PENDING, max_length=20)
    attempts: int = 0
    unconfirmed_attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    message_id: str = Field(sa_column=sa.Column(sa.String(255), unique=True, nullable=False))
    subject: str = Field(default="", max_length=255)
    last_error: str | None = Field(default=None, max_length=500)
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PasswordReset(SQLModel, table=True):
    """A "Password dimenticata?" link: only the SHA-256 of its random token is stored.

    Valid until `expires_at`, once: `used_at` is set by the first successful use.
    """

    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    token_hash: str = Field(sa_column=sa.Column(sa.String(64), unique=True, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class InvoiceRefund(SQLModel, table=True):
    """A refund of an invoiced payment asked by the staff (docs/fatturapa.md, "Refunds").

    The row, with its idempotency key, is committed before Stripe is called: a crash after
    Stripe refunded is settled by re-sending the same key (Stripe answers with the same refund),
    so a refund is never made twice and its credit note is issued once.
    """

    __tablename__ = "invoice_refund"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="billing_document.id", index=True)
    idempotency_key: str = Field(sa_column=sa.Column(sa.String(120), unique=True, nullable=False))
    amount_cents: int
    reason: str = Field(default="", max_length=500)
    # "requested" (row stored, Stripe not known to have refunded) → "refunded" | "failed"
    status: str = Field(default="requested", max_length=20, index=True)
    failure_code: str | None = Field(default=None, max_length=60)
    stripe_refund_id: str | None = Field(default=None, max_length=100)
    credit_note_id: int | None = Field(default=None, foreign_key="billing_document.id")
    actor_customer_id: int = Field(foreign_key="customer.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
