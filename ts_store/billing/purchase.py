"""'Acquista ora': buying the licence from a trial (or after it ended, while the data is kept).

The first period starts on the day of purchase and the full period is charged now. The purchase
goes through `charging.execute`, so the licence turns active only once the payment succeeded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from ts_store.billing import catalog_versions, charging, clock
from ts_store.billing.catalog import current_catalog
from ts_store.billing.changes import owned_or_refused
from ts_store.billing.charging import ChargePlan, ChargeResult
from ts_store.billing.errors import (
    ConflictError,
    InputError,
    NotAllowed,
    PaymentProblem,
)
from ts_store.billing.overview import Renewal, overview
from ts_store.billing.services import services
from ts_store.domain.catalog import Catalog
from ts_store.domain.fiscal import BillingProfileData, validate_billing_profile
from ts_store.domain.lifecycle import LicenceStatus
from ts_store.domain.operations import (
    OperationContext,
    OperationKind,
    OperationStatus,
    PurchaseRequest,
)
from ts_store.domain.periods import CYCLE_LABELS, Cycle, add_cycle
from ts_store.domain.quote import Configuration, Quote, QuoteError, quote
from ts_store.payments.errors import PaymentsError
from ts_store.payments.gateway import PaymentStatus
from ts_store.store import customers, documents, licences, operations
from ts_store.store.db import session_scope
from ts_store.store.models import BillingOperation, Licence

ALREADY_ACTIVE = "already_active"
PROFILE_MISSING = "billing_profile_missing"
SUSPENDED = "licence_suspended"
DATA_GONE = "data_gone"
NOT_FOUND = "purchase_not_found"


class BillingProfileInvalid(InputError):
    """Several billing fields are wrong at once: `errors` maps each field to the domain's
    message for it (fiscal checks keep their Italian text)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors)), "billing_profile_invalid", errors=errors)
        self.errors = errors


@dataclass(frozen=True)
class Purchasable:
    licence_id: int
    customer_id: int
    version: int
    status: LicenceStatus


def _load_purchasable(session: Session, customer_id: int, licence_id: int) -> Purchasable:
    licence = owned_or_refused(session, customer_id, licence_id)
    view = overview(licence, clock.today())
    if not view.can_purchase:
        raise NotAllowed(_refusal(view.status))
    return Purchasable(licence.id, customer_id, licence.version, view.status)


def load_purchasable(customer_id: int, licence_id: int) -> Purchasable:
    """The licence, if it is this customer's and 'Acquista ora' applies to it today.

    The same rule MyArea uses to show the button (`overview(...).can_purchase`), so a forged
    event can never buy what the page would not offer.
    """
    with session_scope() as session:
        return _load_purchasable(session, customer_id, licence_id)


def _refusal(status: LicenceStatus) -> str:
    if status in (LicenceStatus.ACTIVE, LicenceStatus.PAST_DUE):
        return ALREADY_ACTIVE
    if status == LicenceStatus.SUSPENDED:
        return SUSPENDED
    return DATA_GONE


def save_billing_profile(customer_id: int, raw: Mapping[str, object]) -> BillingProfileData:
    """Validate every field (the domain's message per field); store only when all are valid."""
    data, errors = validate_billing_profile(raw)
    if data is None:
        raise BillingProfileInvalid(errors)
    fields = {name: getattr(data, name) for name in BillingProfileData.__dataclass_fields__}
    with session_scope() as session:
        customers.save_billing_profile(session, customer_id, fields)
    return data


def billing_profile_fields(customer_id: int) -> dict[str, str]:
    """The stored profile as form values; without one, what the account already tells us."""
    with session_scope() as session:
        profile = customers.billing_profile(session, customer_id)
        if profile is not None:
            return {
                name: getattr(profile, name) for name in BillingProfileData.__dataclass_fields__
            }
        customer = customers.get_customer(session, customer_id)
        if customer is None:
            return {}
        return {"company_name": customer.company_name, "invoice_email": customer.email}


def catalog_on(today: date) -> Catalog:
    """The catalogue a purchase on `today` is priced with: the version in force that day."""
    return catalog_versions.in_force(today).catalog


def preview(target: Configuration, today: date, catalog: Catalog | None = None) -> Quote:
    """The purchase quote — pure: called on every change in the wizard."""
    try:
        return quote(catalog or current_catalog(), today, None, target)
    except QuoteError as exc:
        raise InputError(
            exc.field.removeprefix("target."), "quote_invalid", message=exc.message
        ) from exc


def apply_purchase(
    licence: Licence, request: PurchaseRequest, context: OperationContext
) -> dict[str, Any]:
    """The applier of a paid purchase: active from the day of purchase, one whole period."""
    target = request.target
    start = context.today
    return {
        "status": LicenceStatus.ACTIVE,
        "plan": target.plan,
        "cycle": target.cycle,
        "seats": target.seats,
        "renewal_plan": target.plan,
        "renewal_cycle": target.cycle,
        "renewal_seats": target.seats,
        "anchor_day": start.day,
        "period_start": start,
        "period_end": add_cycle(start, target.cycle, start.day),
        "ended_on": None,
        "cancel_at_period_end": False,
        "cancel_reason": None,
        "cancel_note": None,
        "past_due_since": None,
        "next_retry_on": None,
        "suspended_on": None,
    }


def describe(catalog: Catalog, result: Quote) -> tuple[str, dict[str, str]]:
    target = result.effective_now
    plan = catalog.plan(target.plan).name
    cycle = CYCLE_LABELS[target.cycle].lower()
    until = result.at_renewal.date.strftime("%d/%m/%Y")
    return (
        f"CRM in Cloud – piano {plan}, {target.seats} utenti, fatturazione {cycle} "
        f"(fino al {until})",
        {"new_period": f"Licenza CRM in Cloud {plan}, {cycle}, fino al {until}"},
    )


async def purchase(
    *,
    customer_id: int,
    licence_id: int,
    expected_version: int,
    target: Configuration,
    idempotency_key: str,
    gateway=None,
) -> ChargeResult:
    """'Acquista e attiva': charge the first period off-session; activate once paid.

    Priced by the catalogue version in force on the day of purchase (recorded on the operation
    and the licence)."""
    with session_scope() as session:
        existing_key = operations.find_operation(session, idempotency_key) is not None
        if not existing_key:
            purchasable = _load_purchasable(session, customer_id, licence_id)
            if purchasable.version != expected_version:
                raise ConflictError()
            if customers.billing_profile(session, customer_id) is None:
                raise InputError("billing_profile", PROFILE_MISSING)
    today = clock.today()
    priced = catalog_versions.in_force(today)
    catalog = priced.catalog
    result = preview(target, today, catalog)
    description, line_descriptions = describe(catalog, result)
    return await charging.execute(
        ChargePlan(
            idempotency_key=idempotency_key,
            customer_id=customer_id,
            licence_id=licence_id,
            licence_version=expected_version,
            quote=result,
            catalog_version_id=priced.version_id,
            request=PurchaseRequest(target=target),
            context=OperationContext(
                today=today,
                actor_customer_id=customer_id,
                description=description,
                line_descriptions=line_descriptions,
            ),
        ),
        gateway,
    )


def _own_purchase(session: Session, customer_id: int, operation_id: int) -> BillingOperation:
    """This customer's purchase operation, or NOT_FOUND: someone else's is never told apart."""
    operation = operations.get_operation(session, operation_id)
    if (
        operation is None
        or operation.customer_id != customer_id
        or operation.kind != OperationKind.PURCHASE
    ):
        raise NotAllowed(NOT_FOUND)
    return operation


async def resume_payment(customer_id: int, operation_id: int, gateway=None) -> ChargeResult:
    """Where a purchase left waiting for 3-D Secure stands now, without giving up on it.

    For a page that lost track of the authentication (reloaded, reconnected): Stripe is asked;
    a payment still waiting returns `requires_action` with its client secret, so the page can
    open the bank's check again; a payment that ended (paid, or authentication failed) is
    recorded through `charging` like any other outcome.
    """
    with session_scope() as session:
        operation = _own_purchase(session, customer_id, operation_id)
        status, intent_id = operation.status, operation.stripe_payment_intent_id
    if status != OperationStatus.REQUIRES_ACTION or not intent_id:
        return await charging.complete_after_authentication(customer_id, operation_id, gateway)
    try:
        outcome = await (gateway or services().gateway).retrieve_payment(intent_id)
    except PaymentsError as exc:
        problem = PaymentProblem.from_payments(exc)
        return ChargeResult(
            status=OperationStatus.REQUIRES_ACTION,
            operation_id=operation_id,
            failure_code=problem.code,
            failure_params=problem.params,
        )
    if outcome.status == PaymentStatus.REQUIRES_ACTION and outcome.client_secret:
        return ChargeResult(
            status=OperationStatus.REQUIRES_ACTION,
            operation_id=operation_id,
            client_secret=outcome.client_secret,
            payment_method_id=outcome.payment_method_id,
        )
    return await charging.complete_after_authentication(customer_id, operation_id, gateway)


@dataclass(frozen=True)
class PurchaseReceipt:
    """What the confirmation page shows: the document issued and the next renewal."""

    document_number: str
    issued_on: date
    description: str
    net_cents: int
    vat_cents: int
    gross_cents: int
    plan_name: str
    cycle: Cycle
    seats: int
    period_start: date
    renewal: Renewal | None


def receipt(customer_id: int, operation_id: int) -> PurchaseReceipt:
    """The receipt of this customer's completed purchase (read back from the database)."""
    with session_scope() as session:
        operation = _own_purchase(session, customer_id, operation_id)
        document = documents.document_for_operation(session, operation_id)
        licence = licences.get_licence(session, operation.licence_id)
        if document is None or licence is None or operation.status != OperationStatus.SUCCEEDED:
            raise NotAllowed(NOT_FOUND)
    view = overview(licence, clock.today())
    return PurchaseReceipt(
        document_number=document.number,
        issued_on=document.issued_on,
        description=document.description,
        net_cents=document.net_cents,
        vat_cents=document.vat_cents,
        gross_cents=document.gross_cents,
        plan_name=view.plan_name or "",
        cycle=Cycle(licence.cycle),
        seats=licence.seats or 0,
        period_start=licence.period_start,
        renewal=view.renewal,
    )
