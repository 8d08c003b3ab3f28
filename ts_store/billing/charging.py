"""Charge-then-apply: the one path by which money is taken and a licence changed.

Every use case that may charge (purchase, change, renewal, past-due retry) builds a
`ChargePlan` and calls `execute`. The steps, in order:

1. Our operation row is created under the plan's idempotency key — before any Stripe call — so a
   double click, a reload or a retried event finds the same row and never charges twice.
2. The row is claimed (pending -> charging) by one caller only.
3. The default card is charged off-session (the same key is passed to Stripe as well).
4. Only when the payment succeeded is the change applied to the licence (optimistic lock), the
   billing document issued and the audit entry written — in one transaction.

A payment that needs 3-D Secure leaves the row in `requires_action`; the page authenticates, then
`complete_after_authentication` re-reads the PaymentIntent from Stripe before applying. A
zero-amount plan applies at once, still through an operation row (idempotent), with no document.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session

from ts_store.billing.errors import ConflictError, NotAllowed
from ts_store.billing.gateway import get_gateway
from ts_store.domain.quote import Quote
from ts_store.domain.quote_contract import quote_to_json
from ts_store.payments.errors import PaymentsError, PaymentsUnavailable
from ts_store.payments.gateway import PaymentOutcome, StripeGateway
from ts_store.store import audit, customers, documents, licences, operations, payment_methods
from ts_store.store.db import session_scope
from ts_store.store.licences import StaleLicenceError
from ts_store.store.models import BillingOperation, Licence

# kind -> function(session, licence, request) -> changes to write on the licence.
# Each use case registers its own at import, so a webhook or a 3-D Secure completion can apply an
# operation long after the request that created it.
Applier = Callable[[Session, Licence, dict[str, Any]], dict[str, Any]]
_APPLIERS: dict[str, Applier] = {}

UNKNOWN_OUTCOME = (
    "Il servizio di pagamento non ha risposto: non sappiamo ancora se l'addebito è avvenuto. "
    "Riprova tra qualche minuto: non ti addebiteremo due volte."
)
LATE_PAYMENT = (
    "Pagamento arrivato dopo un nuovo tentativo già riuscito: non applicato, verrà rimborsato "
    "automaticamente entro poche ore."
)
BUSY_MESSAGE = (
    "Un'altra modifica di questa licenza è in corso o è appena stata fatta in un'altra "
    "finestra. Ricarica la pagina per vedere i dati aggiornati."
)
SUPERSEDED_MESSAGE = (
    "Questa conferma è stata sostituita da una più recente (in un'altra finestra): il suo "
    "pagamento è stato annullato, nessun addebito."
)
NO_CARD_MESSAGE = (
    "Non c'è una carta salvata per questo account: aggiungila in «Metodi di pagamento»."
)


def register_applier(kind: str, applier: Applier) -> None:
    _APPLIERS[kind] = applier


def operation_exists(session: Session, idempotency_key: str) -> bool:
    """A retried confirm (same key) must get the stored outcome, not be re-validated."""
    return operations.find_operation(session, idempotency_key) is not None


@dataclass(frozen=True)
class ChargePlan:
    """What to charge and what to apply once paid."""

    idempotency_key: str
    kind: str
    customer_id: int
    licence_id: int
    licence_version: int
    quote: Quote
    request: dict[str, Any]
    description: str
    today: date
    actor_customer_id: int | None = None  # None when the system acts (renewals)
    line_descriptions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChargeResult:
    """Outcome of `execute`.

    status: succeeded | applied (done) · requires_action (3-D Secure in the page) · failed ·
    unknown (Stripe did not answer: retry with the same key) · pending/charging (in progress).
    """

    status: str
    operation_id: int
    message: str | None = None
    client_secret: str | None = None
    payment_method_id: str | None = None
    document_number: str | None = None

    @property
    def done(self) -> bool:
        return self.status in ("succeeded", "applied")


def _retire_abandoned_holder(session: Session, lock_key: str) -> tuple[int, str] | None:
    """Free the lock held by an attempt that can no longer charge by itself.

    A failed attempt releases its lock at once (see `_fail`); one left waiting for 3-D Secure
    (the customer closed the tab) is superseded, so a new confirm is possible. A superseded
    operation is never applied later, even if its payment completes. Returns its id and
    PaymentIntent, which the caller cancels in Stripe once this transaction is committed.
    """
    holder = operations.lock_holder(session, lock_key)
    if holder is not None and holder.status == "requires_action":
        operations.update_operation(
            session,
            holder,
            status="superseded",
            lock_key=None,
            failure_message=SUPERSEDED_MESSAGE,
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


def _moved_on_since(session: Session, operation: BillingOperation) -> bool:
    """A failed attempt paid late, after the licence changed (e.g. a newer attempt succeeded):
    applying it now would apply the change twice."""
    if operation.status != "failed":
        return False
    licence = licences.get_licence(session, operation.licence_id)
    return licence is None or licence.version != operation.licence_version


def _fail(session: Session, operation: BillingOperation, message: str) -> None:
    operations.update_operation(
        session, operation, status="failed", failure_message=message, lock_key=None
    )


def _result_for_existing(session: Session, operation: BillingOperation) -> ChargeResult:
    document = documents.document_for_operation(session, operation.id)
    return ChargeResult(
        status=operation.status,
        operation_id=operation.id,
        message=operation.failure_message,
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
    if prepared.superseded is not None:
        await _cancel_superseded_payment(prepared.superseded, gateway or get_gateway())
    if prepared.result is not None:
        return prepared.result
    gateway = gateway or get_gateway()
    operation_id = prepared.operation_id
    try:
        outcome = await gateway.charge_off_session(
            customer_id=prepared.stripe_customer_id,
            payment_method_id=prepared.payment_method_id,
            amount_cents=gross,
            idempotency_key=plan.idempotency_key,
            description=plan.description,
            metadata={
                "ts_store_operation_id": str(operation_id),
                "ts_store_licence_id": str(plan.licence_id),
                "ts_store_kind": plan.kind,
            },
        )
    except PaymentsUnavailable:
        # Stripe may or may not have charged: keep the lock, and let a retry re-send this very
        # operation (same idempotency key, which Stripe deduplicates) or the webhook settle it.
        with session_scope() as session:
            operations.update_operation(
                session,
                operations.get_operation(session, operation_id),
                status="unknown",
                failure_message=UNKNOWN_OUTCOME,
            )
        return ChargeResult(status="unknown", operation_id=operation_id, message=UNKNOWN_OUTCOME)
    except PaymentsError as exc:
        with session_scope() as session:
            _fail(session, operations.get_operation(session, operation_id), exc.message)
        return ChargeResult(status="failed", operation_id=operation_id, message=exc.message)
    return record_outcome(operation_id, outcome)


def _prepare(plan: ChargePlan, gross: int) -> _Prepared:
    """The first transaction of `execute`: checks, the operation row, the claim."""
    superseded = None
    with session_scope() as session:
        licence = licences.get_licence(session, plan.licence_id)
        if licence is None or licence.customer_id != plan.customer_id:
            raise NotAllowed("Licenza non trovata.")
        existing = operations.find_operation(session, plan.idempotency_key)
        if existing is not None and existing.customer_id != plan.customer_id:
            raise NotAllowed("Operazione non valida.")
        if existing is None and licence.version != plan.licence_version:
            raise ConflictError()
        lock_key = f"{plan.licence_id}:v{plan.licence_version}"
        if existing is None:
            superseded = _retire_abandoned_holder(session, lock_key)
        try:
            operation, created = operations.start_operation(
                session,
                plan.idempotency_key,
                lock_key=lock_key,
                customer_id=plan.customer_id,
                licence_id=plan.licence_id,
                kind=plan.kind,
                request_json=json.dumps(_request_with_meta(plan), sort_keys=True, default=str),
                quote_json=json.dumps(quote_to_json(plan.quote), sort_keys=True),
                amount_cents=gross,
                licence_version=plan.licence_version,
            )
        except operations.OperationLocked as exc:
            raise ConflictError(BUSY_MESSAGE) from exc
        resend = not created and operation.status == "unknown"
        if not created and not resend:
            return _Prepared(_result_for_existing(session, operation), superseded=superseded)
        if gross == 0:
            _apply(session, operation)
            return _Prepared(_result_for_existing(session, operation), superseded=superseded)
        customer = customers.get_customer(session, plan.customer_id)
        card = payment_methods.default_card(session, plan.customer_id)
        if customer is None or customer.stripe_customer_id is None or card is None:
            _fail(session, operation, NO_CARD_MESSAGE)
            return _Prepared(_result_for_existing(session, operation), superseded=superseded)
        if not operations.claim_operation(
            session, operation, "unknown" if resend else "pending", "charging"
        ):
            return _Prepared(_result_for_existing(session, operation), superseded=superseded)
        return _Prepared(
            stripe_customer_id=customer.stripe_customer_id,
            payment_method_id=card.stripe_payment_method_id,
            operation_id=operation.id,
            superseded=superseded,
        )


# Statuses in which Stripe's answer about an operation's payment is still news. A superseded
# attempt is never applied, but if its payment succeeds anyway (3-D Secure completed in a tab
# left open) it is recorded, to be refunded.
_OPEN_TO_OUTCOMES = frozenset(
    {"pending", "charging", "unknown", "requires_action", "failed", "superseded"}
)


def record_outcome(operation_id: int, outcome: PaymentOutcome) -> ChargeResult:
    """Store what Stripe said about an operation's payment, applying it when it succeeded."""
    with session_scope() as session:
        operation = operations.get_operation(session, operation_id)
        if operation is None:
            raise NotAllowed("Operazione non trovata.")
        if operation.status == "superseded" and outcome.status != "succeeded":
            return _result_for_existing(session, operation)
        if operation.status not in _OPEN_TO_OUTCOMES:
            return _result_for_existing(session, operation)
        if outcome.payment_intent_id:
            operation.stripe_payment_intent_id = outcome.payment_intent_id
        if outcome.status == "succeeded" and (
            operation.status == "superseded" or _moved_on_since(session, operation)
        ):
            operations.update_operation(
                session, operation, status="paid_not_applied", failure_message=LATE_PAYMENT
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
            return _result_for_existing(session, operation)
        if outcome.status == "succeeded":
            if outcome.amount_cents != operation.amount_cents:
                _fail(session, operation, "Importo del pagamento diverso dall'atteso: contattaci.")
                return _result_for_existing(session, operation)
            _apply(session, operation)
            return _result_for_existing(session, operation)
        if outcome.status == "requires_action":
            operations.update_operation(session, operation, status="requires_action")
            return ChargeResult(
                status="requires_action",
                operation_id=operation.id,
                client_secret=outcome.client_secret,
                payment_method_id=outcome.payment_method_id,
                message="La banca chiede di confermare il pagamento (3-D Secure).",
            )
        if outcome.status == "processing":
            operations.update_operation(session, operation, status="charging")
            return _result_for_existing(session, operation)
        _fail(session, operation, outcome.message or "Il pagamento non è andato a buon fine.")
        return _result_for_existing(session, operation)


async def complete_after_authentication(
    customer_id: int, operation_id: int, gateway: StripeGateway | None = None
) -> ChargeResult:
    """After the page ran 3-D Secure: ask Stripe (never the browser) how the payment ended."""
    with session_scope() as session:
        operation = operations.get_operation(session, operation_id)
        if operation is None or operation.customer_id != customer_id:
            raise NotAllowed("Operazione non trovata.")
        waiting = operation.status in ("requires_action", "superseded")
        if not waiting or not operation.stripe_payment_intent_id:
            return _result_for_existing(session, operation)
        payment_intent_id = operation.stripe_payment_intent_id
    gateway = gateway or get_gateway()
    try:
        outcome = await gateway.retrieve_payment(payment_intent_id)
    except PaymentsError as exc:
        return ChargeResult(
            status="requires_action", operation_id=operation_id, message=exc.message
        )
    if outcome.status == "requires_action":
        outcome = PaymentOutcome(
            status="failed",
            payment_intent_id=outcome.payment_intent_id,
            client_secret=None,
            amount_cents=outcome.amount_cents,
            decline_code="payment_intent_authentication_failure",
            message="Autenticazione 3-D Secure non completata: nessun addebito.",
            metadata=outcome.metadata,
        )
    return record_outcome(operation_id, outcome)


def _request_with_meta(plan: ChargePlan) -> dict[str, Any]:
    return {
        **plan.request,
        "_description": plan.description,
        "_today": plan.today.isoformat(),
        "_actor": plan.actor_customer_id,
        "_line_descriptions": plan.line_descriptions,
    }


def _apply(session: Session, operation: BillingOperation) -> None:
    """Apply a paid (or free) operation: licence, document, audit — one transaction."""
    request = json.loads(operation.request_json)
    licence = licences.get_licence(session, operation.licence_id)
    applier = _APPLIERS[operation.kind]
    before = audit.licence_snapshot(licence)
    changes = applier(session, licence, request)
    try:
        licences.update_licence(session, licence, licence.version, **changes)
    except StaleLicenceError as exc:  # pragma: no cover - re-read just above
        raise ConflictError() from exc
    document_number = None
    if operation.amount_cents > 0:
        document_number = _issue_document(session, operation, request).number
    audit.record(
        session,
        action=f"{operation.kind}_applied",
        actor_customer_id=request.get("_actor"),
        licence_id=licence.id,
        before=before,
        after={
            **audit.licence_snapshot(licence),
            "operation": operation.id,
            "document": document_number,
        },
    )
    operations.update_operation(
        session, operation, status="succeeded" if operation.amount_cents > 0 else "applied"
    )


def _issue_document(session: Session, operation: BillingOperation, request: dict[str, Any]):
    quote = json.loads(operation.quote_json)
    charge = quote["charge_now"]
    line_descriptions = request.get("_line_descriptions", {})
    lines = [
        {**line, "description": line_descriptions.get(line["kind"], line["kind"])}
        for line in charge["lines"]
    ]
    profile = customers.billing_profile(session, operation.customer_id)
    customer = customers.get_customer(session, operation.customer_id)
    billing = (
        profile.model_dump(exclude={"id", "customer_id", "updated_at"})
        if profile
        else {"company_name": customer.company_name, "invoice_email": customer.email}
    )
    return documents.issue_document(
        session,
        operation_id=operation.id,
        customer_id=operation.customer_id,
        licence_id=operation.licence_id,
        issued_on=date.fromisoformat(request["_today"]),
        description=request.get("_description", ""),
        lines=lines,
        billing=billing,
        net_cents=charge["net_cents"],
        vat_cents=charge["vat_cents"],
        gross_cents=charge["gross_cents"],
    )
