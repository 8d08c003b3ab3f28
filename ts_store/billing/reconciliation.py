"""Settle charges whose answer from Stripe never reached us.

An operation stays `charging` when the process died between claiming it and recording Stripe's
answer, and `unknown` when Stripe did not answer in time. Either way it keeps its licence
version's lock, so that licence could not be changed again until someone settles it. This pass,
run with the renewal job, asks Stripe what happened to each such operation left alone for a
while, and records it:

- Stripe has a PaymentIntent for it: its outcome is recorded exactly as if the answer had
  arrived (paid: applied, with its document; declined: failed and unlocked; still processing:
  left for the webhook).
- Stripe has none: nothing was charged. A customer's confirm is closed as failed (unlocked, so
  they can confirm again; nobody is charged in the background for a change they are no longer
  looking at). A renewal is set to `unknown`, so the renewal job re-sends it under its own
  idempotency key: renewals are charged by the system anyway.

The same pass refunds payments that arrived too late to be applied (`paid_not_applied`: an
abandoned attempt paid after a newer one had already changed the licence), in full, under an
idempotency key of their own, so the customer never pays twice for one change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ts_store.billing import charging, clock, credit_notes
from ts_store.billing.services import services
from ts_store.domain.operations import UNSETTLED, OperationKind, OperationStatus
from ts_store.payments.errors import PaymentsError, PaymentsUnavailable
from ts_store.payments.gateway import StripeGateway
from ts_store.store import audit, customers, operations
from ts_store.store.db import session_scope
from ts_store.store.models import utcnow

log = logging.getLogger(__name__)

S = OperationStatus
STALE_AFTER = timedelta(minutes=15)
# Failure codes (their words: ts_store/ui/messages.py).
NOT_STARTED = "not_started"
REFUNDED = "late_payment_refunded"
ALREADY_REFUNDED = "late_payment_already_refunded"


@dataclass
class ReconcileReport:
    settled: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    refunded: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"operazioni in sospeso: {len(self.settled)} chiuse, "
            f"{len(self.waiting)} ancora senza risposta da Stripe; "
            f"pagamenti tardivi rimborsati: {len(self.refunded)}"
        )

    def lines(self) -> list[str]:
        return self.settled + self.refunded + self.waiting


async def settle_and_refund(
    now: datetime | None = None, gateway: StripeGateway | None = None
) -> ReconcileReport:
    """The whole pass: lost answers first (they may turn out paid late), then refunds."""
    gateway = gateway or services().gateway
    report = await reconcile_stale_operations(now, gateway)
    await refund_late_payments(gateway, report, now)
    return report


async def refund_late_payments(
    gateway: StripeGateway | None = None,
    report: ReconcileReport | None = None,
    now: datetime | None = None,
) -> ReconcileReport:
    """Refund every payment recorded as `paid_not_applied`, once; a refund left `refunding`
    by a crash is re-sent under the same key once stale (Stripe refunds it only once)."""
    report = report or ReconcileReport()
    gateway = gateway or services().gateway
    cutoff = (now or utcnow()) - STALE_AFTER
    with session_scope() as session:
        late = [op.id for op in operations.operations_with_status(session, S.PAID_NOT_APPLIED)]
        late += [op.id for op in operations.stale_operations(session, [S.REFUNDING], cutoff)]
    for operation_id in late:
        with session_scope() as session:
            operation = operations.get_operation(session, operation_id)
            if operation is None or not operation.stripe_payment_intent_id:
                continue
            if operation.status == S.REFUNDING:
                claimed = operations.claim_stale(session, operation)
            else:
                claimed = operations.claim_operation(
                    session, operation, S.PAID_NOT_APPLIED, S.REFUNDING
                )
            if not claimed:
                continue  # another pass has it
            payment_intent_id = operation.stripe_payment_intent_id
            amount = operation.amount_cents
            key = f"refund:{operation.idempotency_key}"
        try:
            # Staff may have refunded it (or part of it) from the Stripe dashboard already.
            due = amount - await gateway.refunded_cents(payment_intent_id)
            if due <= 0:
                _set_status(operation_id, S.REFUNDED, ALREADY_REFUNDED)
                _audit(operation_id, "late_payment_refunded", S.REFUNDED, payment_intent_id)
                report.refunded.append(
                    f"operazione {operation_id}: pagamento {payment_intent_id} già rimborsato"
                )
                continue
            refund_id = await gateway.refund_payment(
                payment_intent_id,
                idempotency_key=key,
                metadata={"ts_store_operation_id": str(operation_id)},
                amount_cents=due if due < amount else None,
            )
        except PaymentsUnavailable as exc:  # maybe refunded: the next pass re-sends the same key
            _set_status(operation_id, S.PAID_NOT_APPLIED, None)
            report.waiting.append(f"rimborso operazione {operation_id}: {exc.code}")
            continue
        except PaymentsError as exc:  # Stripe refused (e.g. a disputed payment): staff decide
            _set_status(operation_id, S.REFUND_FAILED, exc.code)
            _audit(operation_id, "late_payment_refund_failed", S.REFUND_FAILED, payment_intent_id)
            report.waiting.append(f"rimborso operazione {operation_id} rifiutato: {exc.code}")
            continue
        _set_status(operation_id, S.REFUNDED, REFUNDED)
        _audit(operation_id, "late_payment_refunded", S.REFUNDED, payment_intent_id, refund_id)
        note = _credit_note(operation_id, payment_intent_id, due, refund_id)
        report.refunded.append(
            f"operazione {operation_id}: pagamento {payment_intent_id} rimborsato ({refund_id})"
            + (f", nota di credito n. {note}" if note else "")
        )
    return report


def _credit_note(
    operation_id: int, payment_intent_id: str, refund_cents: int, refund_id: str
) -> str | None:
    """Every refund made here goes through credit_notes.credit_note_for_refund (the one place
    that decides): a late payment was never invoiced, so it issues none (docs/fatturapa.md,
    "Refunds and credit notes"). Refunds of extra charges belong here too."""
    with session_scope() as session:
        note = credit_notes.credit_note_for_refund(
            session,
            operation_id=operation_id,
            payment_intent_id=payment_intent_id,
            refund_cents=refund_cents,
            refund_id=refund_id,
            issued_on=clock.today(),
        )
        return note.number if note else None


def _set_status(operation_id: int, status: OperationStatus, code: str | None) -> None:
    with session_scope() as session:
        operation = operations.get_operation(session, operation_id)
        changes: dict = {"status": status}
        if code is not None:
            changes["failure_code"] = code
        operations.update_operation(session, operation, **changes)


async def reconcile_stale_operations(
    now: datetime | None = None,
    gateway: StripeGateway | None = None,
    stale_after: timedelta = STALE_AFTER,
) -> ReconcileReport:
    """Ask Stripe about every operation unsettled for longer than `stale_after`."""
    report = ReconcileReport()
    cutoff = (now or utcnow()) - stale_after
    with session_scope() as session:
        candidates = [
            op.id
            for op in operations.stale_operations(session, UNSETTLED, cutoff)
            # The renewal job itself re-sends an `unknown` renewal under the same key.
            if not (op.kind == OperationKind.RENEWAL and op.status == S.UNKNOWN)
        ]
    gateway = gateway or services().gateway
    for operation_id in candidates:
        try:
            line = await _settle(operation_id, gateway)
        except PaymentsError as exc:  # Stripe unreachable again: the next pass tries again
            report.waiting.append(f"operazione {operation_id}: {exc.code}")
            continue
        if line is not None:
            report.settled.append(line)
    return report


async def _settle(operation_id: int, gateway: StripeGateway) -> str | None:
    with session_scope() as session:
        operation = operations.get_operation(session, operation_id)
        if operation is None or operation.status not in UNSETTLED:
            return None
        if not operations.claim_stale(session, operation):
            return None  # another pass (another worker) has it
        customer = customers.get_customer(session, operation.customer_id)
        stripe_customer_id = customer.stripe_customer_id if customer else None
        payment_intent_id = operation.stripe_payment_intent_id
        kind = operation.kind
    if payment_intent_id:
        outcome = await gateway.retrieve_payment(payment_intent_id)
    elif stripe_customer_id:
        outcome = await gateway.find_payment(
            customer_id=stripe_customer_id, operation_id=operation_id
        )
    else:
        outcome = None
    if outcome is not None:
        result = charging.record_outcome(operation_id, outcome)
        _audit(operation_id, "stale_operation_settled", result.status, outcome.payment_intent_id)
        return f"operazione {operation_id}: {result.status} (pagamento {outcome.payment_intent_id})"
    with session_scope() as session:
        operation = operations.get_operation(session, operation_id)
        if kind == OperationKind.RENEWAL:
            operations.update_operation(session, operation, status=S.UNKNOWN)
        else:
            operations.update_operation(
                session, operation, status=S.FAILED, failure_code=NOT_STARTED, lock_key=None
            )
        status = operation.status
    _audit(operation_id, "stale_operation_settled", status, None)
    return f"operazione {operation_id}: nessun pagamento in Stripe, ora {status}"


def _audit(
    operation_id: int,
    action: str,
    status: OperationStatus,
    payment_intent_id: str | None,
    refund_id: str | None = None,
) -> None:
    with session_scope() as session:
        operation = operations.get_operation(session, operation_id)
        audit.record(
            session,
            action=action,
            actor_customer_id=None,
            licence_id=operation.licence_id if operation else None,
            after={
                "operation": operation_id,
                "status": status,
                "payment_intent": payment_intent_id,
                **({"refund": refund_id} if refund_id else {}),
            },
        )
    log.info("operation %s: %s", operation_id, status)
