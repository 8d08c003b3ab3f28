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
idempotency key of their own, so the customer never pays twice for one change; and extra
charges: PaymentIntents beyond the one an operation applied (a key re-sent after Stripe forgot it,
a bug, whatever the cause) are recorded as rows of their own (`extra:<PaymentIntent>`) and
refunded the same way, once, with an audit entry.

Thresholds (docs/recovery.md): an operation is stale `STALE_AFTER` = 60 s after its last
change, twice the Stripe call deadline, so no live request is still waiting on Stripe for it;
the app runs this pass every 30 s, cron every minute: a lost answer is settled within 2 minutes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ts_store.billing import charging, clock, credit_notes, refunds
from ts_store.billing.services import services
from ts_store.domain.operations import UNSETTLED, OperationKind, OperationStatus
from ts_store.payments.config import STRIPE_CALL_DEADLINE_SECONDS
from ts_store.payments.errors import PaymentsError, PaymentsUnavailable
from ts_store.payments.gateway import PaymentStatus, StripeGateway
from ts_store.store import audit, customers, operations
from ts_store.store.db import session_scope
from ts_store.store.models import utcnow

log = logging.getLogger(__name__)

S = OperationStatus
# A confirm's Stripe call answers within the deadline (30 s); twice that, its operation can no
# longer be waiting on a live request, so asking Stripe about it races nobody (docs/recovery.md).
STALE_AFTER = timedelta(seconds=2 * STRIPE_CALL_DEADLINE_SECONDS)
# How long after its last change a paid operation is checked for extra charges, every pass: a
# request still on its way to Stripe when the operation settled arrives well within it.
EXTRA_CHARGES_WINDOW = timedelta(minutes=15)
# PaymentIntents are listed from this long before the operation was made (clocks differ).
LOOKUP_MARGIN = timedelta(hours=1)
# Statuses of an operation that has a payment of its own: any other payment naming it is extra.
PAID = frozenset({S.SUCCEEDED, S.PAID_NOT_APPLIED, S.REFUNDING, S.REFUNDED, S.REFUND_FAILED})
# Failure codes (their words: ts_store/ui/messages.py).
NOT_STARTED = "not_started"
REFUNDED = "late_payment_refunded"
ALREADY_REFUNDED = "late_payment_already_refunded"
EXTRA_CHARGE = "extra_charge"
EXTRA_REFUNDED = "extra_charge_refunded"
EXTRA_ALREADY_REFUNDED = "extra_charge_already_refunded"


@dataclass
class ReconcileReport:
    settled: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    refunded: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"operazioni in sospeso: {len(self.settled)} chiuse, "
            f"{len(self.waiting)} ancora senza risposta da Stripe; "
            f"addebiti in più trovati: {len(self.extras)}; "
            f"pagamenti tardivi o in più rimborsati: {len(self.refunded)}"
        )

    def lines(self) -> list[str]:
        return self.settled + self.extras + self.refunded + self.waiting


async def settle_and_refund(
    now: datetime | None = None, gateway: StripeGateway | None = None
) -> ReconcileReport:
    """The whole pass: lost answers first (they may turn out paid late), then extra charges,
    then refunds of both."""
    gateway = gateway or services().gateway
    report = await reconcile_stale_operations(now, gateway)
    await find_extra_charges(now, gateway, report)
    await refund_late_payments(gateway, report, now)
    report.refunded.extend(await refunds.resend_stale_refunds(gateway, now))
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
            extra = operations.is_extra_payment(operation)
        refunded_code, already_code = (
            (EXTRA_REFUNDED, EXTRA_ALREADY_REFUNDED) if extra else (REFUNDED, ALREADY_REFUNDED)
        )
        prefix = "extra_charge" if extra else "late_payment"
        action = f"{prefix}_refunded"
        try:
            # Staff may have refunded it (or part of it) from the Stripe dashboard already.
            due = amount - await gateway.refunded_cents(payment_intent_id)
            if due <= 0:
                _set_status(operation_id, S.REFUNDED, already_code)
                _audit(operation_id, action, S.REFUNDED, payment_intent_id)
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
            _audit(operation_id, f"{prefix}_refund_failed", S.REFUND_FAILED, payment_intent_id)
            report.waiting.append(f"rimborso operazione {operation_id} rifiutato: {exc.code}")
            continue
        _set_status(operation_id, S.REFUNDED, refunded_code)
        _audit(operation_id, action, S.REFUNDED, payment_intent_id, refund_id)
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
        candidates = [op.id for op in operations.stale_operations(session, UNSETTLED, cutoff)]
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
        kind, claimed = operation.kind, (operation.status, operation.updated_at)
        created_since = operation.created_at - LOOKUP_MARGIN
    if payment_intent_id:
        outcome = await gateway.retrieve_payment(payment_intent_id)
    elif stripe_customer_id:
        outcome = await gateway.find_payment(
            customer_id=stripe_customer_id,
            operation_id=operation_id,
            created_since=_unix(created_since),
        )
    else:
        outcome = None
    if outcome is not None:
        result = charging.record_outcome(operation_id, outcome)
        _audit(operation_id, "stale_operation_settled", result.status, outcome.payment_intent_id)
        return f"operazione {operation_id}: {result.status} (pagamento {outcome.payment_intent_id})"
    with session_scope() as session:
        operation = operations.get_operation(session, operation_id)
        if (operation.status, operation.updated_at) != claimed:
            return None  # settled meanwhile (a webhook, a re-sent confirm): theirs is news
        if kind == OperationKind.RENEWAL:
            if operation.status == S.UNKNOWN:
                return None  # still the renewal job's to re-send under its own key
            # The renewal job re-sends an `unknown` renewal under the same idempotency key.
            operations.update_operation(session, operation, status=S.UNKNOWN)
        else:
            operations.update_operation(
                session, operation, status=S.FAILED, failure_code=NOT_STARTED, lock_key=None
            )
        status = operation.status
    _audit(operation_id, "stale_operation_settled", status, None)
    return f"operazione {operation_id}: nessun pagamento in Stripe, ora {status}"


async def find_extra_charges(
    now: datetime | None = None,
    gateway: StripeGateway | None = None,
    report: ReconcileReport | None = None,
) -> ReconcileReport:
    """Record every succeeded PaymentIntent that names a paid operation but is not its payment
    (to be refunded by `refund_late_payments`). One listing per customer with operations paid
    in the last `EXTRA_CHARGES_WINDOW`."""
    report = report or ReconcileReport()
    gateway = gateway or services().gateway
    since = (now or utcnow()) - EXTRA_CHARGES_WINDOW
    with session_scope() as session:
        paid = [
            op
            for op in operations.recent_paid_operations(session, PAID, since)
            if not operations.is_extra_payment(op)
        ]
        by_customer: dict[str, list[tuple[int, str, datetime]]] = {}
        for op in paid:
            customer = customers.get_customer(session, op.customer_id)
            if customer is None or not customer.stripe_customer_id:
                continue
            by_customer.setdefault(customer.stripe_customer_id, []).append(
                (op.id, op.stripe_payment_intent_id, op.created_at)
            )
    for stripe_customer_id, ops in by_customer.items():
        oldest = min(created for _, _, created in ops) - LOOKUP_MARGIN
        try:
            intents = await gateway.payments_of_customer(
                customer_id=stripe_customer_id, created_since=_unix(oldest)
            )
        except PaymentsError as exc:
            report.waiting.append(f"addebiti in più del cliente {stripe_customer_id}: {exc.code}")
            continue
        for operation_id, payment_intent_id, _ in ops:
            for intent in intents:
                if (
                    intent.metadata.get("ts_store_operation_id") == str(operation_id)
                    and intent.status == PaymentStatus.SUCCEEDED
                    and intent.payment_intent_id != payment_intent_id
                ):
                    line = record_extra_charge(
                        operation_id, intent.payment_intent_id, intent.amount_cents
                    )
                    if line:
                        report.extras.append(line)
    return report


def record_extra_charge(operation_id: int, payment_intent_id: str, amount_cents: int) -> str | None:
    """Record one extra payment of an operation, once (a row keyed by the PaymentIntent), with
    an audit entry; None when it was already recorded."""
    with session_scope() as session:
        original = operations.get_operation(session, operation_id)
        if original is None:
            return None
        row, created = operations.record_extra_payment(
            session,
            original,
            payment_intent_id=payment_intent_id,
            amount_cents=amount_cents,
            failure_code=EXTRA_CHARGE,
        )
        if not created:
            return None
        audit.record(
            session,
            action="extra_charge_to_refund",
            actor_customer_id=None,
            licence_id=original.licence_id,
            after={
                "operation": original.id,
                "paid_by": original.stripe_payment_intent_id,
                "extra_payment_intent": payment_intent_id,
                "amount_cents": amount_cents,
                "refund_row": row.id,
            },
        )
    log.warning("operation %s: extra payment %s to refund", operation_id, payment_intent_id)
    return f"operazione {operation_id}: addebito in più {payment_intent_id}, da rimborsare"


def _unix(moment: datetime) -> int:
    """Unix time of one of our naive UTC timestamps."""
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


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
