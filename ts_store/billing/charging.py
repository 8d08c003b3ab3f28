"""Charge-then-apply: the one path by which money is taken and a licence changed.

Every use case that may charge (purchase, change, renewal, past-due retry) builds a
`ChargePlan` (a typed request and its context) and calls `execute`. The steps, in order:

1. Our operation row is created under the plan's idempotency key — before any Stripe call — so a
   double click, a reload or a retried event finds the same row and never charges twice.
2. The row is claimed (pending -> charging) by one caller only.
3. The default card is charged off-session (the same key is passed to Stripe as well).
4. Only when the payment succeeded is the change applied to the licence (optimistic lock), the
   billing document issued and the audit entry written — in one transaction. What a kind of
   operation changes is its applier, wired by the bootstrap (`services().applier(kind)`).

A payment that needs 3-D Secure leaves the row in `requires_action`; the page authenticates, then
`complete_after_authentication` re-reads the PaymentIntent from Stripe before applying. A
zero-amount plan applies at once, still through an operation row (idempotent), with no document.
Every status change is checked against the transition table (`domain/operations.py`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from ts_store.billing import notices
from ts_store.billing.einvoices import issue_file_in_transaction
from ts_store.billing.errors import ConflictError, NotAllowed
from ts_store.billing.services import services
from ts_store.domain.operations import (
    DONE,
    OperationContext,
    OperationRequest,
    OperationStatus,
    can_move,
    request_day,
    request_from_json,
    request_to_json,
)
from ts_store.domain.quote import Quote
from ts_store.domain.quote_contract import quote_to_json
from ts_store.payments.errors import CardError, PaymentsError, PaymentsUnavailable
from ts_store.payments.gateway import PaymentOutcome, PaymentStatus, StripeGateway
from ts_store.store import (
    audit,
    customers,
    documents,
    licences,
    operations,
    payment_methods,
)
from ts_store.store.db import session_scope
from ts_store.store.licences import StaleLicenceError
from ts_store.store.models import BillingDocument, BillingOperation, Customer

S = OperationStatus
# Failure codes stored on operations (their words: ts_store/ui/messages.py).
PAYMENT_UNKNOWN = "payment_unknown"
LATE_PAYMENT = "late_payment"
SUPERSEDED = "attempt_superseded"
NO_CARD = "no_card"
AMOUNT_MISMATCH = "amount_mismatch"
AUTHENTICATION_NOT_COMPLETED = "authentication_not_completed"
LICENCE_BUSY = "licence_busy"
PAYMENT_BEING_VERIFIED = "payment_being_verified"
# A lock holder in these statuses may have charged: until the reconciliation settles it
# (docs/recovery.md), the licence is locked and the customer is told why.
BEING_VERIFIED = frozenset({S.PENDING, S.CHARGING, S.UNKNOWN})


def _payment_failure(error: PaymentsError) -> tuple[str, dict[str, Any]]:
    """The failure code and parameters of a payments error (a decline keeps Stripe's codes)."""
    if isinstance(error, CardError):
        params = {"decline_code": error.decline_code, "stripe_code": error.stripe_code}
        return error.code, {k: v for k, v in params.items() if v}
    return error.code, {}


def _outcome_failure(outcome: PaymentOutcome) -> tuple[str, dict[str, Any]]:
    params = {"decline_code": outcome.decline_code, "stripe_code": outcome.stripe_code}
    return "card_declined", {k: v for k, v in params.items() if v}


def operation_exists(idempotency_key: str) -> bool:
    """A retried confirm (same key) must get the stored outcome, not be re-validated."""
    with session_scope() as session:
        return operations.find_operation(session, idempotency_key) is not None


@dataclass(frozen=True)
class ChargePlan:
    """What to charge (the quote's `charge_now`) and what to apply once paid (the request)."""

    idempotency_key: str
    customer_id: int
    licence_id: int
    licence_version: int
    quote: Quote
    request: OperationRequest
    context: OperationContext
    # The catalogue version whose prices made `quote` (recorded on the operation, and on the
    # licence once applied: docs/pricing-lab.md).
    catalog_version_id: int | None = None

    @property
    def kind(self):
        return self.request.kind


@dataclass(frozen=True)
class ChargeResult:
    """Outcome of `execute`.

    status: succeeded | applied (done) · requires_action (3-D Secure in the page) · failed ·
    unknown (Stripe did not answer: retry with the same key) · pending/charging (in progress) ·
    superseded / paid_not_applied (an abandoned attempt). `failure_code` and `failure_params`
    say why (worded by the UI).
    """

    status: OperationStatus
    operation_id: int
    failure_code: str | None = None
    failure_params: dict[str, Any] = field(default_factory=dict)
    client_secret: str | None = None
    payment_method_id: str | None = None
    document_number: str | None = None

    @property
    def done(self) -> bool:
        return self.status in DONE


def _retire_abandoned_holder(
    session: Session, holder: BillingOperation | None
) -> tuple[int, str] | None:
    """Free the lock held by an attempt that can no longer charge by itself.

    A failed attempt releases its lock at once (see `_fail`); one left waiting for 3-D Secure
    (the customer closed the tab) is superseded, so a new confirm is possible. A superseded
    operation is never applied later, even if its payment completes. Returns its id and
    PaymentIntent, which the caller cancels in Stripe once this transaction is committed.
    `holder`: the operation holding the licence version's lock key, read by the caller in
    this transaction.
    """
    if holder is not None and holder.status == S.REQUIRES_ACTION:
        operations.update_operation(
            session, holder, status=S.SUPERSEDED, lock_key=None, failure_code=SUPERSEDED
        )
        if holder.stripe_payment_intent_id:
            return holder.id, holder.stripe_payment_intent_id
    return None


async def _cancel_superseded_payment(superseded: tuple[int, str], gateway: StripeGateway) -> None:
    """Cancel the superseded attempt's payment, so 3-D Secure can no longer complete it in a tab
    left open. If it was paid meanwhile (or Stripe cannot be asked), its outcome is recorded
    as a late payment, which the reconciliation pass refunds."""
    operation_id, payment_intent_id = superseded
    try:
        await gateway.cancel_payment(payment_intent_id)
        return
    except PaymentsError:
        pass  # already paid, or Stripe unreachable: find out below
    try:
        outcome = await gateway.retrieve_payment(payment_intent_id)
    except PaymentsError:
        return  # the webhook (or the reconciliation pass) will tell
    record_outcome(operation_id, outcome)


def _verification(holder: BillingOperation | None) -> dict[str, str] | None:
    """The parameters of `payment_being_verified` (its kind and the store's day it was made on)
    when `holder` is an operation whose payment is still being verified, else None."""
    if holder is None or holder.status not in BEING_VERIFIED:
        return None
    day = request_day(holder.request_json, holder.created_at.date())
    return {"kind": str(holder.kind), "day": day.isoformat()}


def payment_being_verified(session: Session, licence_id: int, version: int) -> dict | None:
    """Whether the licence is locked by an operation whose payment is being verified (the
    parameters of `payment_being_verified`), for the page to say so before a confirm."""
    return _verification(operations.lock_holder(session, f"{licence_id}:v{version}"))


def _moved_on_since(session: Session, operation: BillingOperation) -> bool:
    """A failed attempt paid late, after the licence changed (e.g. a newer attempt succeeded):
    applying it now would apply the change twice."""
    if operation.status != S.FAILED:
        return False
    licence = licences.get_licence(session, operation.licence_id)
    return licence is None or licence.version != operation.licence_version


def _fail(
    session: Session,
    operation: BillingOperation,
    code: str,
    params: dict[str, Any] | None = None,
) -> None:
    operations.update_operation(
        session,
        operation,
        status=S.FAILED,
        failure_code=code,
        failure_params=params or {},
        lock_key=None,
    )


def result_of(
    session: Session, operation: BillingOperation, document: BillingDocument | None = None
) -> ChargeResult:
    """The stored outcome of an operation, as a ChargeResult (`document`: its document, when
    the caller has it at hand)."""
    if document is None:
        document = documents.document_for_operation(session, operation.id)
    return ChargeResult(
        status=operation.status,
        operation_id=operation.id,
        failure_code=operation.failure_code,
        failure_params=operations.failure_params(operation),
        document_number=document.number if document else None,
    )


@dataclass(frozen=True)
class _Prepared:
    """What `execute` learned in its first transaction: either a result to return at once, or
    what to charge; and the payment of an attempt it superseded, to cancel in Stripe."""

    result: ChargeResult | None = None
    stripe_customer_id: str = ""
    payment_method_id: str = ""
    operation_id: int = 0
    superseded: tuple[int, str] | None = None


async def execute(plan: ChargePlan, gateway: StripeGateway | None = None) -> ChargeResult:
    """Charge the plan's amount now (if any) and apply it once paid. Safe to call again."""
    gross = plan.quote.charge_now.gross_cents
    prepared = _prepare(plan, gross)
    gateway = gateway or services().gateway
    if prepared.superseded is not None:
        await _cancel_superseded_payment(prepared.superseded, gateway)
    if prepared.result is not None:
        return prepared.result
    operation_id = prepared.operation_id
    try:
        outcome = await gateway.charge_off_session(
            customer_id=prepared.stripe_customer_id,
            payment_method_id=prepared.payment_method_id,
            amount_cents=gross,
            idempotency_key=plan.idempotency_key,
            description=plan.context.description,
            metadata={
                "ts_store_operation_id": str(operation_id),
                "ts_store_licence_id": str(plan.licence_id),
                "ts_store_kind": str(plan.kind),
            },
        )
    except PaymentsUnavailable:
        # Stripe may or may not have charged: keep the lock, and let a retry re-send this very
        # operation (same idempotency key, which Stripe deduplicates) or the webhook settle it.
        with session_scope() as session:
            operation = operations.get_operation(session, operation_id)
            operations.update_operation(
                session, operation, status=S.UNKNOWN, failure_code=PAYMENT_UNKNOWN
            )
            return result_of(session, operation)
    except PaymentsError as exc:
        with session_scope() as session:
            operation = operations.get_operation(session, operation_id)
            _fail(session, operation, *_payment_failure(exc))
            return result_of(session, operation)
    return record_outcome(operation_id, outcome)


def _prepare(plan: ChargePlan, gross: int) -> _Prepared:
    """The first transaction of `execute`: checks, the operation row, the claim."""
    superseded = None
    with session_scope() as session:
        licence = licences.get_licence(session, plan.licence_id)
        if licence is None or licence.customer_id != plan.customer_id:
            raise NotAllowed("licence_not_found")
        lock_key = f"{plan.licence_id}:v{plan.licence_version}"
        existing, holder = operations.key_and_lock_holder(session, plan.idempotency_key, lock_key)
        if existing is not None and existing.customer_id != plan.customer_id:
            raise NotAllowed("operation_invalid")
        if existing is None and licence.version != plan.licence_version:
            raise ConflictError()
        if existing is None:
            superseded = _retire_abandoned_holder(session, holder)
        if existing is not None:
            operation, created = existing, False
        else:
            try:
                operation, created = operations.start_operation(
                    session,
                    plan.idempotency_key,
                    kind=plan.kind,
                    looked_up=True,
                    lock_key=lock_key,
                    customer_id=plan.customer_id,
                    licence_id=plan.licence_id,
                    request_json=request_to_json(plan.request, plan.context),
                    quote_json=json.dumps(quote_to_json(plan.quote), sort_keys=True),
                    amount_cents=gross,
                    licence_version=plan.licence_version,
                    catalog_version_id=plan.catalog_version_id,
                )
            except operations.OperationLocked as exc:
                verifying = _verification(operations.lock_holder(session, lock_key))
                if verifying is not None:
                    raise ConflictError(PAYMENT_BEING_VERIFIED, **verifying) from exc
                raise ConflictError(LICENCE_BUSY) from exc
        resend = not created and operation.status == S.UNKNOWN
        if not created and not resend:
            return _Prepared(result_of(session, operation), superseded=superseded)
        if gross == 0:
            _apply(session, operation)
            return _Prepared(result_of(session, operation), superseded=superseded)
        target = payment_methods.off_session_target(session, plan.customer_id)
        if target is None:
            _fail(session, operation, NO_CARD)
            return _Prepared(result_of(session, operation), superseded=superseded)
        if not operations.claim_operation(
            session, operation, S.UNKNOWN if resend else S.PENDING, S.CHARGING
        ):
            return _Prepared(result_of(session, operation), superseded=superseded)
        return _Prepared(
            stripe_customer_id=target[0],
            payment_method_id=target[1],
            operation_id=operation.id,
            superseded=superseded,
        )


# Statuses in which Stripe's answer about an operation's payment is still news. A superseded
# attempt is never applied, but if its payment succeeds anyway (3-D Secure completed in a tab
# left open) it is recorded, to be refunded.
_OPEN_TO_OUTCOMES = frozenset(
    {S.PENDING, S.CHARGING, S.UNKNOWN, S.REQUIRES_ACTION, S.FAILED, S.SUPERSEDED}
)


def record_outcome(operation_id: int, outcome: PaymentOutcome) -> ChargeResult:
    """Store what Stripe said about an operation's payment, applying it when it succeeded."""
    with session_scope() as session:
        operation = operations.get_operation(session, operation_id)
        if operation is None:
            raise NotAllowed("operation_not_found")
        if operation.status not in _OPEN_TO_OUTCOMES:
            return result_of(session, operation)
        paid = outcome.status == PaymentStatus.SUCCEEDED
        if operation.status == S.SUPERSEDED and not paid:
            return result_of(session, operation)
        moved_on = paid and (
            operation.status == S.SUPERSEDED or _moved_on_since(session, operation)
        )
        if paid and not moved_on and outcome.amount_cents == operation.amount_cents:
            # Applied, with the PaymentIntent id written in the same UPDATE as the new status.
            document = _apply(session, operation, payment_intent_id=outcome.payment_intent_id)
            return result_of(session, operation, document)
        if outcome.payment_intent_id:
            operation.stripe_payment_intent_id = outcome.payment_intent_id
        if moved_on:
            operations.update_operation(
                session, operation, status=S.PAID_NOT_APPLIED, failure_code=LATE_PAYMENT
            )
            audit.record(
                session,
                action="late_payment_to_refund",
                actor_customer_id=None,
                licence_id=operation.licence_id,
                after={
                    "operation": operation.id,
                    "payment_intent": outcome.payment_intent_id,
                    "amount_cents": outcome.amount_cents,
                },
            )
            return result_of(session, operation)
        if paid:  # but not the amount asked for
            if can_move(operation.status, S.FAILED):
                _fail(session, operation, AMOUNT_MISMATCH)
            return result_of(session, operation)
        if outcome.status == PaymentStatus.REQUIRES_ACTION:
            if not can_move(operation.status, S.REQUIRES_ACTION):
                return result_of(session, operation)  # e.g. a failed attempt: stays failed
            operations.update_operation(session, operation, status=S.REQUIRES_ACTION)
            return ChargeResult(
                status=S.REQUIRES_ACTION,
                operation_id=operation.id,
                client_secret=outcome.client_secret,
                payment_method_id=outcome.payment_method_id,
            )
        if outcome.status == PaymentStatus.PROCESSING:
            if can_move(operation.status, S.CHARGING):
                operations.update_operation(session, operation, status=S.CHARGING)
            return result_of(session, operation)
        if operation.status != S.FAILED:
            _fail(session, operation, *_outcome_failure(outcome))
        return result_of(session, operation)


async def complete_after_authentication(
    customer_id: int, operation_id: int, gateway: StripeGateway | None = None
) -> ChargeResult:
    """After the page ran 3-D Secure: ask Stripe (never the browser) how the payment ended."""
    with session_scope() as session:
        operation = operations.get_operation(session, operation_id)
        if operation is None or operation.customer_id != customer_id:
            raise NotAllowed("operation_not_found")
        waiting = operation.status in (S.REQUIRES_ACTION, S.SUPERSEDED)
        if not waiting or not operation.stripe_payment_intent_id:
            return result_of(session, operation)
        payment_intent_id = operation.stripe_payment_intent_id
    gateway = gateway or services().gateway
    try:
        outcome = await gateway.retrieve_payment(payment_intent_id)
    except PaymentsError as exc:
        code, params = _payment_failure(exc)
        return ChargeResult(
            status=S.REQUIRES_ACTION,
            operation_id=operation_id,
            failure_code=code,
            failure_params=params,
        )
    if outcome.status == PaymentStatus.REQUIRES_ACTION:
        # The page's window closed without completing the bank's check: nothing was charged.
        with session_scope() as session:
            operation = operations.get_operation(session, operation_id)
            if outcome.payment_intent_id:
                operation.stripe_payment_intent_id = outcome.payment_intent_id
            if operation.status == S.REQUIRES_ACTION:
                _fail(session, operation, AUTHENTICATION_NOT_COMPLETED)
            return result_of(session, operation)
    return record_outcome(operation_id, outcome)


def _apply(
    session: Session, operation: BillingOperation, payment_intent_id: str | None = None
) -> BillingDocument | None:
    """Apply a paid (or free) operation: licence, document, audit — one transaction. Returns
    the document (None for a free operation); `payment_intent_id`: the payment's, recorded
    with the operation's new status."""
    request, context = request_from_json(operation.kind, operation.request_json)
    licence = licences.get_licence(session, operation.licence_id)
    # Read once for the document and its email: while this reference lives, the email's own
    # read of the customer (notifications.notify_billing) is answered by the session.
    customer = customers.get_customer(session, operation.customer_id)
    applier = services().applier(operation.kind)
    before = audit.licence_snapshot(licence)
    was = notices.Before.of(licence)
    changes = applier(licence, request, context)
    if changes and operation.catalog_version_id is not None:
        changes["catalog_version_id"] = operation.catalog_version_id
    try:
        licences.update_licence(session, licence, licence.version, **changes)
    except StaleLicenceError as exc:  # pragma: no cover - re-read just above
        raise ConflictError() from exc
    document = None
    if operation.amount_cents > 0:
        document = _issue_document(session, operation, context, customer)
    document_number = document.number if document is not None else None
    # Its email in the same transaction: sent once it commits, never if it rolls back
    # (docs/notifications.md).
    notices.operation_applied(
        session,
        kind=operation.kind,
        operation_id=operation.id,
        licence=licence,
        before=was,
        document=document,
        charged_gross_cents=operation.amount_cents,
    )
    audit.record(
        session,
        action=f"{operation.kind}_applied",
        actor_customer_id=context.actor_customer_id,
        licence_id=licence.id,
        before=before,
        after={
            **audit.licence_snapshot(licence),
            "operation": operation.id,
            "document": document_number,
        },
    )
    paid_with = {"stripe_payment_intent_id": payment_intent_id} if payment_intent_id else {}
    operations.update_operation(
        session,
        operation,
        status=S.SUCCEEDED if operation.amount_cents > 0 else S.APPLIED,
        **paid_with,
    )
    return document


def _issue_document(
    session: Session, operation: BillingOperation, context: OperationContext, customer: Customer
):
    quote = json.loads(operation.quote_json)
    charge = quote["charge_now"]
    lines = [
        {**line, "description": context.line_descriptions.get(line["kind"], line["kind"])}
        for line in charge["lines"]
    ]
    profile = customers.billing_profile(session, operation.customer_id)
    billing = (
        profile.model_dump(exclude={"id", "customer_id", "updated_at"})
        if profile
        else {"company_name": customer.company_name, "invoice_email": customer.email}
    )
    document = documents.issue_document(
        session,
        operation_id=operation.id,
        customer_id=operation.customer_id,
        licence_id=operation.licence_id,
        issued_on=context.today,
        description=context.description,
        lines=lines,
        billing=billing,
        net_cents=charge["net_cents"],
        vat_cents=charge["vat_cents"],
        gross_cents=charge["gross_cents"],
    )
    # Its FatturaPA XML in the same transaction (docs/fatturapa.md); never fails the charge.
    issue_file_in_transaction(session, document)
    return document
