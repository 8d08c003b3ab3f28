"""Stripe webhook events, reconciled with our operation rows.

The signature is checked by the route (payments/webhook.py) before this runs. Each event id is
handled once. A PaymentIntent event finishes the operation named in its metadata exactly as the
page would (apply once paid, or record the failure); a refund event gives a refund made from the
Stripe dashboard its credit note (billing/refunds.py); a customer update refreshes our mirror of
the default card.
"""

from __future__ import annotations

import logging
from typing import Any

from ts_store.billing import charging, reconciliation, refunds
from ts_store.billing.cards import mirror_default_card
from ts_store.billing.services import services
from ts_store.payments.gateway import PaymentOutcome, PaymentStatus, StripeGateway
from ts_store.store import customers, operations, payment_methods
from ts_store.store.db import session_scope
from ts_store.store.stripe_events import forget_event, record_event_once

log = logging.getLogger(__name__)
PAYMENT_EVENTS = {
    "payment_intent.succeeded": PaymentStatus.SUCCEEDED,
    "payment_intent.payment_failed": PaymentStatus.FAILED,
}

# A refund made from the Stripe dashboard: its credit note (billing/refunds.py). Our own refunds
# arrive here too and find their credit note already issued (same key: the refund id).
REFUND_EVENTS = {"charge.refunded", "refund.created", "refund.updated"}


async def handle_event(event: dict[str, Any], gateway: StripeGateway | None = None) -> str:
    """Handle one verified event; returns what was done (for logs and tests).

    The event id is recorded first, so a duplicate delivery (or a replay) arriving meanwhile is
    a no-op; if handling then fails, the record is removed and the error re-raised, so the route
    answers 500 and Stripe's retry is handled.
    """
    event_id, event_type = str(event.get("id", "")), str(event.get("type", ""))
    if not event_id:
        return "ignored: no id"
    with session_scope() as session:
        if not record_event_once(session, event_id, event_type):
            return "duplicate"
    try:
        return await _dispatch(event_type, (event.get("data") or {}).get("object") or {}, gateway)
    except BaseException:
        with session_scope() as session:
            forget_event(session, event_id)
        raise


async def _dispatch(event_type: str, data: dict[str, Any], gateway: StripeGateway | None) -> str:
    if event_type in PAYMENT_EVENTS:
        return _reconcile_payment(data, PAYMENT_EVENTS[event_type])
    if event_type in REFUND_EVENTS:
        return await _credit_refunds(data, event_type, gateway)
    if event_type == "customer.updated":
        return await _refresh_default_card(data, gateway or services().gateway)
    return f"ignored: {event_type}"


async def _credit_refunds(
    data: dict[str, Any], event_type: str, gateway: StripeGateway | None
) -> str:
    payment_intent_id = data.get("payment_intent")
    if not isinstance(payment_intent_id, str) or not payment_intent_id:
        return f"ignored: {event_type} without a payment"
    notes = await refunds.credit_dashboard_refunds(payment_intent_id, gateway)
    return f"credit notes: {', '.join(notes)}" if notes else "no credit note due"


def _reconcile_payment(intent: dict[str, Any], status: PaymentStatus) -> str:
    metadata = intent.get("metadata") or {}
    raw_id = str(metadata.get("ts_store_operation_id", ""))
    with session_scope() as session:
        operation = (
            operations.get_operation(session, int(raw_id))
            if raw_id.isascii() and raw_id.isdigit()
            else None
        )
        if operation is None and intent.get("id"):
            operation = operations.operation_by_payment_intent(session, str(intent["id"]))
        if operation is None:
            return "ignored: unknown operation"
        # Operation ids are only ours: another database sharing the Stripe account (staging,
        # tests) has its own. The payment must be for this operation's customer.
        owner = customers.get_customer(session, operation.customer_id)
        if owner is None or owner.stripe_customer_id != _id(intent.get("customer")):
            return "ignored: operation of another customer"
        operation_id = operation.id
        other_payment = operation.stripe_payment_intent_id not in (None, intent.get("id"))
        extra = (
            other_payment
            and status == PaymentStatus.SUCCEEDED
            and operation.status in reconciliation.PAID
            and not operations.is_extra_payment(operation)
        )
    if extra:  # a second payment for one operation: recorded, the reconciliation refunds it
        reconciliation.record_extra_charge(
            operation_id, str(intent["id"]), int(intent.get("amount") or 0)
        )
        return f"operation {operation_id}: extra payment to refund"
    if other_payment:
        return "ignored: not this operation's payment"
    error = intent.get("last_payment_error") or {}
    outcome = PaymentOutcome(
        status=status,
        payment_intent_id=intent.get("id"),
        client_secret=None,
        amount_cents=int(intent.get("amount") or 0),
        decline_code=error.get("decline_code") or error.get("code"),
        metadata={str(k): str(v) for k, v in metadata.items()},
        stripe_code=error.get("code"),
    )
    result = charging.record_outcome(operation_id, outcome)
    return f"operation {operation_id}: {result.status}"


def _id(value: Any) -> str | None:
    """A Stripe reference is an id or an expanded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return str(value) if value else None


async def _refresh_default_card(customer: dict[str, Any], gateway: StripeGateway) -> str:
    stripe_id = str(customer.get("id", ""))
    with session_scope() as session:
        ours = customers.find_by_stripe_id(session, stripe_id) if stripe_id else None
        customer_id = ours.id if ours else None
    if customer_id is None:
        return "ignored: unknown customer"
    card = await gateway.default_card(stripe_id)
    if card is None:
        return "no default card"
    with session_scope() as session:
        current = payment_methods.default_card(session, customer_id)
        if current is not None and current.stripe_payment_method_id == card.payment_method_id:
            return "card unchanged"
        mirror_default_card(session, customer_id, card)
    return "card refreshed"
