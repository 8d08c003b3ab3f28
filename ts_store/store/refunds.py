"""Staff refunds of invoiced payments: rows and their state changes (Session in)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlmodel import Session, select

from ts_store.store.models import InvoiceRefund, utcnow


class RefundStatus(enum.StrEnum):
    """A staff refund's way: stored before Stripe is called, then refunded or refused."""

    REQUESTED = "requested"  # row stored; Stripe not known to have refunded yet
    REFUNDED = "refunded"  # refund id and credit note recorded
    FAILED = "failed"  # Stripe refused it (the code says why): staff decide


REQUESTED, REFUNDED, FAILED = RefundStatus.REQUESTED, RefundStatus.REFUNDED, RefundStatus.FAILED


def refund_for_key(session: Session, idempotency_key: str) -> InvoiceRefund | None:
    return session.exec(
        select(InvoiceRefund).where(InvoiceRefund.idempotency_key == idempotency_key)
    ).first()


def get_refund(session: Session, refund_row_id: int) -> InvoiceRefund | None:
    return session.get(InvoiceRefund, refund_row_id)


def pending_cents(session: Session, document_id: int) -> int:
    """What refunds still `requested` may give back of an invoice (not yet credited)."""
    rows = session.exec(
        select(InvoiceRefund).where(
            InvoiceRefund.document_id == document_id, InvoiceRefund.status == REQUESTED
        )
    )
    return sum(row.amount_cents for row in rows)


def add_refund(
    session: Session,
    *,
    document_id: int,
    idempotency_key: str,
    amount_cents: int,
    reason: str,
    actor_customer_id: int,
) -> InvoiceRefund:
    row = InvoiceRefund(
        document_id=document_id,
        idempotency_key=idempotency_key,
        amount_cents=amount_cents,
        reason=reason,
        actor_customer_id=actor_customer_id,
    )
    session.add(row)
    session.flush()
    return row


def mark(session: Session, row: InvoiceRefund, status: str, **values) -> None:
    for name, value in values.items():
        setattr(row, name, value)
    row.status = status
    row.updated_at = utcnow()
    session.add(row)
    session.flush()


def stale_requested(session: Session, older_than: datetime) -> list[int]:
    """Ids of refunds left `requested` (Stripe unreachable, or a crash mid-call)."""
    return list(
        session.exec(
            select(InvoiceRefund.id)
            .where(InvoiceRefund.status == REQUESTED, InvoiceRefund.updated_at < older_than)
            .order_by(InvoiceRefund.id)
        )
    )


def refunds_of_document(session: Session, document_id: int) -> list[InvoiceRefund]:
    return list(
        session.exec(
            select(InvoiceRefund)
            .where(InvoiceRefund.document_id == document_id)
            .order_by(InvoiceRefund.id)
        )
    )
