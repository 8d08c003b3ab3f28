"""Staff refunds of an invoiced payment, each with its credit note (TD04) — docs/fatturapa.md,
"Refunds and credit notes".

Three steps, so that money is never given back twice and a credit note never goes missing:
1. the refund row, with its idempotency key, is committed before Stripe is called;
2. Stripe refunds under that key (a retry or a re-send gets the same refund back);
3. the refund id, the credit note and the audit entry are recorded in one transaction.
A crash or an unreachable Stripe between 2 and 3 leaves the row `requested`; the reconcile pass
(`resend_stale_refunds`) re-sends the same key and finishes step 3. A refund made from the
Stripe dashboard reaches us as a webhook and gets its credit note (`credit_dashboard_refunds`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ts_store.billing import clock, credit_notes
from ts_store.billing.catalog import current_catalog
from ts_store.billing.errors import InputError, NotAllowed, PaymentProblem
from ts_store.billing.services import services
from ts_store.domain.einvoice import DocumentKind
from ts_store.payments.errors import PaymentsError
from ts_store.payments.gateway import StripeGateway
from ts_store.store import audit, customers, documents, operations
from ts_store.store import refunds as refund_rows
from ts_store.store.db import session_scope
from ts_store.store.models import BillingDocument

log = logging.getLogger(__name__)

PRODUCT_TEAM = "product_team"
MAX_REASON_LENGTH = 500
# A refund left `requested` longer than this is re-sent by the reconcile pass. A Stripe call
# takes at most 30 s (docs/stripe.md), so a refund still in flight is never re-sent under it.
RESEND_AFTER = timedelta(seconds=60)
_REQUEST_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@dataclass(frozen=True)
class RefundQuote:
    """What the staff may still refund of an invoice (gross cents)."""

    document_id: int
    number: str
    customer: str
    gross_cents: int
    refundable_cents: int


@dataclass(frozen=True)
class RefundDone:
    refund_row_id: int
    amount_cents: int
    credit_note_number: str
    stripe_refund_id: str


def _require_team(session, actor_id: int) -> None:
    actor = customers.get_customer(session, actor_id)
    if actor is None or actor.role != PRODUCT_TEAM:
        raise NotAllowed("refund.not_allowed")


def _invoice(session, document_id: int, lock: bool = False) -> BillingDocument:
    document = (
        documents.lock_document(session, document_id)
        if lock
        else session.get(BillingDocument, document_id)
    )
    if document is None:
        raise NotAllowed("refund.document_not_found")
    if document.kind != DocumentKind.INVOICE or document.operation_id is None:
        raise InputError("document", "refund.not_an_invoice", number=document.number)
    return document


def _refundable(session, invoice: BillingDocument) -> int:
    return (
        invoice.gross_cents
        - documents.credited_cents(session, invoice.id)
        - refund_rows.pending_cents(session, invoice.id)
    )


def refund_quote(actor_id: int, document_id: int) -> RefundQuote:
    """The form's starting point: the invoice and what is left to refund of it."""
    with session_scope() as session:
        _require_team(session, actor_id)
        invoice = _invoice(session, document_id)
        customer = customers.get_customer(session, invoice.customer_id)
        return RefundQuote(
            document_id=invoice.id,
            number=invoice.number,
            customer=customer.company_name if customer else "",
            gross_cents=invoice.gross_cents,
            refundable_cents=_refundable(session, invoice),
        )


def nearest_exact_amounts(amount_cents: int) -> tuple[int, int]:
    """The closest refund amounts below and above that a credit note can carry exactly
    (net + VAT rounded half-up): with 22 % VAT about one gross amount in five has no net."""
    vat = current_catalog().vat_percent
    below = next((c for c in range(amount_cents, 0, -1) if _exact(c, vat)), 0)
    above = next(c for c in range(amount_cents, amount_cents + 10) if _exact(c, vat))
    return below, above


def _exact(amount_cents: int, vat) -> bool:
    try:
        credit_notes.split_refund(amount_cents, vat)
    except credit_notes.CreditNoteNotExact:
        return False
    return True


def _check_request(
    session, invoice: BillingDocument, amount_cents: object, reason: object, request_key: object
) -> tuple[int, str, str]:
    if not isinstance(request_key, str) or not _REQUEST_KEY.match(request_key):
        raise InputError("request", "refund.bad_request")
    if not isinstance(reason, str) or len(reason) > MAX_REASON_LENGTH:
        raise InputError("reason", "refund.reason_too_long", max=MAX_REASON_LENGTH)
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise InputError("amount", "refund.amount_not_positive")
    refundable = _refundable(session, invoice)
    if amount_cents > refundable:
        raise InputError("amount", "refund.amount_too_large", refundable_cents=refundable)
    if amount_cents != invoice.gross_cents and not _exact(
        amount_cents, current_catalog().vat_percent
    ):
        below, above = nearest_exact_amounts(amount_cents)
        raise InputError(
            "amount",
            "refund.amount_not_exact",
            below_cents=below,
            above_cents=min(above, refundable),
        )
    return amount_cents, reason.strip(), f"staff-refund:{invoice.id}:{request_key}"


def _store_request(
    actor_id: int, document_id: int, amount_cents: object, reason: object, request_key: object
) -> tuple[int, bool]:
    """Step 1: (row id, already_done). The same request key twice is the same refund."""
    with session_scope() as session:
        _require_team(session, actor_id)
        invoice = _invoice(session, document_id, lock=True)
        if isinstance(request_key, str):
            existing = refund_rows.refund_for_key(
                session, f"staff-refund:{invoice.id}:{request_key}"
            )
            if existing is not None:
                return existing.id, existing.status != refund_rows.REQUESTED
        amount, text, key = _check_request(session, invoice, amount_cents, reason, request_key)
        operation = operations.get_operation(session, invoice.operation_id)
        if operation is None or not operation.stripe_payment_intent_id:
            raise InputError("document", "refund.no_payment", number=invoice.number)
        row = refund_rows.add_refund(
            session,
            document_id=invoice.id,
            idempotency_key=key,
            amount_cents=amount,
            reason=text,
            actor_customer_id=actor_id,
        )
        audit.record(
            session,
            action="refund_requested",
            actor_customer_id=actor_id,
            licence_id=invoice.licence_id,
            after={"document": invoice.number, "amount_cents": amount, "reason": text},
        )
        return row.id, False


async def refund_invoice(
    actor_id: int,
    document_id: int,
    amount_cents: object,
    reason: object,
    request_key: object,
    gateway: StripeGateway | None = None,
) -> RefundDone:
    """Refund `amount_cents` of an invoice's payment and issue its credit note (3 steps above).
    Raises InputError/NotAllowed before anything is stored, PaymentProblem when Stripe refused or
    could not be reached (the row stays `requested` and the reconcile pass finishes it)."""
    row_id, done = _store_request(actor_id, document_id, amount_cents, reason, request_key)
    if not done:
        await _send(row_id, gateway or services().gateway)
    return _result(row_id)


async def _send(row_id: int, gateway: StripeGateway) -> None:
    """Steps 2 and 3 for one row (also the re-send of the reconcile pass)."""
    with session_scope() as session:
        row = refund_rows.get_refund(session, row_id)
        invoice = session.get(BillingDocument, row.document_id)
        operation = operations.get_operation(session, invoice.operation_id)
        payment_intent_id = operation.stripe_payment_intent_id
        key, amount = row.idempotency_key, row.amount_cents
        metadata = {"ts_store_refund_id": str(row.id), "ts_store_document": invoice.number}
    try:
        refund_id = await gateway.refund_payment(
            payment_intent_id, idempotency_key=key, metadata=metadata, amount_cents=amount
        )
    except PaymentsError as exc:
        if exc.code != "payments_unavailable":
            _mark_failed(row_id, exc.code)
        raise PaymentProblem.from_payments(exc) from exc
    with session_scope() as session:
        row = refund_rows.get_refund(session, row_id)
        if row.status != refund_rows.REQUESTED:
            return
        invoice = session.get(BillingDocument, row.document_id)
        note = credit_notes.credit_note_for_refund(
            session,
            operation_id=invoice.operation_id,
            payment_intent_id=payment_intent_id,
            refund_cents=amount,
            refund_id=refund_id,
            issued_on=clock.today(),
        )
        refund_rows.mark(
            session,
            row,
            refund_rows.REFUNDED,
            stripe_refund_id=refund_id,
            credit_note_id=note.id if note else None,
        )
        audit.record(
            session,
            action="refund_made",
            actor_customer_id=row.actor_customer_id,
            licence_id=invoice.licence_id,
            after={
                "document": invoice.number,
                "amount_cents": amount,
                "refund": refund_id,
                "credit_note": note.number if note else None,
            },
        )


def _mark_failed(row_id: int, code: str) -> None:
    with session_scope() as session:
        row = refund_rows.get_refund(session, row_id)
        if row.status == refund_rows.REQUESTED:
            refund_rows.mark(session, row, refund_rows.FAILED, failure_code=code[:60])


def _result(row_id: int) -> RefundDone:
    with session_scope() as session:
        row = refund_rows.get_refund(session, row_id)
        if row.status == refund_rows.FAILED:
            raise PaymentProblem(row.failure_code or "refund_failed")
        if row.status != refund_rows.REFUNDED:
            raise PaymentProblem("payments_unavailable")
        note = session.get(BillingDocument, row.credit_note_id) if row.credit_note_id else None
        return RefundDone(
            refund_row_id=row.id,
            amount_cents=row.amount_cents,
            credit_note_number=note.number if note else "",
            stripe_refund_id=row.stripe_refund_id or "",
        )


async def resend_stale_refunds(
    gateway: StripeGateway | None = None, now: datetime | None = None
) -> list[str]:
    """The reconcile pass's share: finish every refund left `requested` (same key: Stripe
    refunds once). Returns one line per refund for the command's report."""
    gateway = gateway or services().gateway
    cutoff = (now or datetime.now(UTC)) - RESEND_AFTER
    with session_scope() as session:
        stale = refund_rows.stale_requested(session, cutoff)
    lines = []
    for row_id in stale:
        try:
            await _send(row_id, gateway)
        except PaymentProblem as exc:
            lines.append(f"rimborso {row_id}: non ancora eseguito ({exc.code})")
            continue
        done = _result(row_id)
        lines.append(
            f"rimborso {row_id}: eseguito ({done.stripe_refund_id}), "
            f"nota di credito n. {done.credit_note_number}"
        )
    return lines


async def credit_dashboard_refunds(
    payment_intent_id: str, gateway: StripeGateway | None = None
) -> list[str]:
    """A refund made outside the store (Stripe dashboard) of an invoiced payment: its credit
    note, once per refund (keyed by the refund id, the same key as the store's own refunds)."""
    gateway = gateway or services().gateway
    with session_scope() as session:
        operation = operations.operation_by_payment_intent(session, payment_intent_id)
        operation_id = operation.id if operation else None
    if operation_id is None:
        return []
    issued = []
    for refund in await gateway.refunds_of(payment_intent_id):
        with session_scope() as session:
            if documents.credit_note_for_key(session, f"refund:{refund.refund_id}"):
                continue
            try:
                note = credit_notes.credit_note_for_refund(
                    session,
                    operation_id=operation_id,
                    payment_intent_id=payment_intent_id,
                    refund_cents=refund.amount_cents,
                    refund_id=refund.refund_id,
                    issued_on=clock.today(),
                )
            except credit_notes.CreditNoteNotExact:
                log.warning("refund %s: no exact credit note, left to staff", refund.refund_id)
                continue
            if note is not None:
                audit.record(
                    session,
                    action="dashboard_refund_credited",
                    actor_customer_id=None,
                    licence_id=note.licence_id,
                    after={"refund": refund.refund_id, "credit_note": note.number},
                )
                issued.append(note.number)
    return issued
