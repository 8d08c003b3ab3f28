"""Settle charges whose answer from Stripe never reached us.

An operation stays "charging" when the process died between claiming it and recording Stripe's
answer, and "unknown" when Stripe did not answer in time. Either way it keeps its licence
version's lock, so that licence could not be changed again until someone settles it. This pass,
run with the renewal job, asks Stripe what happened to each such operation left alone for a
while, and records it:

- Stripe has a PaymentIntent for it: its outcome is recorded exactly as if the answer had
  arrived (paid: applied, with its document; declined: failed and unlocked; still processing:
  left for the webhook).
- Stripe has none: nothing was charged. A customer's confirm is closed as failed (unlocked, so
  they can confirm again; nobody is charged in the background for a change they are no longer
  looking at). A renewal is set to "unknown", so the renewal job re-sends it under its own
  idempotency key: renewals are charged by the system anyway.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ts_store.billing import charging
from ts_store.billing.gateway import get_gateway
from ts_store.payments.errors import PaymentsError
from ts_store.payments.gateway import StripeGateway
from ts_store.store import audit, customers, operations
from ts_store.store.db import session_scope
from ts_store.store.models import utcnow

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=15)
UNSETTLED = ("charging", "unknown")
NOT_STARTED = "Il pagamento non è partito: nessun addebito è stato fatto. Puoi confermare di nuovo."


@dataclass
class ReconcileReport:
    settled: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"operazioni in sospeso: {len(self.settled)} chiuse, "
            f"{len(self.waiting)} ancora senza risposta da Stripe"
        )


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
            # The renewal job itself re-sends an "unknown" renewal under the same key.
            if not (op.kind == "renewal" and op.status == "unknown")
        ]
    gateway = gateway or get_gateway()
    for operation_id in candidates:
        try:
            line = await _settle(operation_id, gateway)
        except PaymentsError as exc:  # Stripe unreachable again: the next pass tries again
            report.waiting.append(f"operazione {operation_id}: {exc.message}")
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
        if kind == "renewal":
            operations.update_operation(session, operation, status="unknown")
        else:
            operations.update_operation(
                session, operation, status="failed", failure_message=NOT_STARTED, lock_key=None
            )
        status = operation.status
    _audit(operation_id, "stale_operation_settled", status, None)
    return f"operazione {operation_id}: nessun pagamento in Stripe, ora {status}"


def _audit(operation_id: int, action: str, status: str, payment_intent_id: str | None) -> None:
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
            },
        )
    log.info("stale operation %s settled: %s", operation_id, status)
