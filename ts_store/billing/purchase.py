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

from ts_store.billing import charging, clock
from ts_store.billing.catalog import current_catalog
from ts_store.billing.changes import owned_or_refused
from ts_store.billing.charging import ChargePlan, ChargeResult
from ts_store.billing.errors import ConflictError, InputError, NotAllowed
from ts_store.billing.gateway import get_gateway
from ts_store.billing.overview import Renewal, overview
from ts_store.domain.catalog import Catalog
from ts_store.domain.fiscal import BillingProfileData, validate_billing_profile
from ts_store.domain.lifecycle import LicenceStatus
from ts_store.domain.periods import CYCLE_LABELS, Cycle, add_cycle
from ts_store.domain.quote import Configuration, Quote, QuoteError, quote
from ts_store.payments.errors import PaymentsError
from ts_store.store import customers, documents, licences, operations
from ts_store.store.db import session_scope
from ts_store.store.models import Licence

PURCHASE = "purchase"
ALREADY_ACTIVE = (
    "La licenza è già attiva: non serve acquistarne un'altra. Per utenti e piano usa "
    "«Aggiorna servizi» o «Cambia piano»."
)
PROFILE_MISSING = "I tuoi dati: completa i dati di fatturazione prima di acquistare."
SUSPENDED = (
    "La licenza è sospesa per un rinnovo non pagato: non serve acquistarne un'altra. "
    "Sostituisci la carta in «Metodi di pagamento» e il rinnovo viene addebitato subito."
)
DATA_GONE = "Questa licenza non si può più acquistare: i dati non sono più conservati."


class BillingProfileInvalid(InputError):
    """Several billing fields are wrong at once: `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        first_field = next(iter(errors))
        super().__init__(first_field, errors[first_field])
        self.errors = errors


@dataclass(frozen=True)
class Purchasable:
    licence_id: int
    customer_id: int
    version: int
    status: LicenceStatus


def load_purchasable(session: Session, customer_id: int, licence_id: int) -> Purchasable:
    """The licence, if it is this customer's and 'Acquista ora' applies to it today.

    The same rule MyArea uses to show the button (`overview(...).can_purchase`), so a forged
    event can never buy what the page would not offer.
    """
    licence = owned_or_refused(session, customer_id, licence_id)
    view = overview(licence, clock.today(session))
    if not view.can_purchase:
        raise NotAllowed(_refusal(view.status))
    return Purchasable(licence.id, customer_id, licence.version, view.status)


def _refusal(status: LicenceStatus) -> str:
    if status in (LicenceStatus.ACTIVE, LicenceStatus.PAST_DUE):
        return ALREADY_ACTIVE
    if status == LicenceStatus.SUSPENDED:
        return SUSPENDED
    return DATA_GONE


def save_billing_profile(
    session: Session, customer_id: int, raw: Mapping[str, object]
) -> BillingProfileData:
    """Validate every field (Italian message per field); store only when all are valid."""
    data, errors = validate_billing_profile(raw)
    if data is None:
        raise BillingProfileInvalid(errors)
    fields = {name: getattr(data, name) for name in BillingProfileData.__dataclass_fields__}
    customers.save_billing_profile(session, customer_id, fields)
    return data


def billing_profile_fields(session: Session, customer_id: int) -> dict[str, str]:
    """The stored profile as form values; without one, what the account already tells us."""
    profile = customers.billing_profile(session, customer_id)
    if profile is not None:
        return {name: getattr(profile, name) for name in BillingProfileData.__dataclass_fields__}
    customer = customers.get_customer(session, customer_id)
    if customer is None:
        return {}
    return {"company_name": customer.company_name, "invoice_email": customer.email}


def preview(target: Configuration, today: date, catalog: Catalog | None = None) -> Quote:
    """The purchase quote — pure: called on every change in the wizard."""
    try:
        return quote(catalog or current_catalog(), today, None, target)
    except QuoteError as exc:
        raise InputError(exc.field.removeprefix("target."), exc.message) from exc


def _apply_purchase(session: Session, licence: Licence, request: dict[str, Any]) -> dict[str, Any]:
    target = request["target"]
    start = date.fromisoformat(request["_today"])
    cycle = Cycle(target["cycle"])
    return {
        "status": LicenceStatus.ACTIVE,
        "plan": target["plan"],
        "cycle": cycle,
        "seats": target["seats"],
        "renewal_plan": target["plan"],
        "renewal_cycle": cycle,
        "renewal_seats": target["seats"],
        "anchor_day": start.day,
        "period_start": start,
        "period_end": add_cycle(start, cycle, start.day),
        "ended_on": None,
        "cancel_at_period_end": False,
        "cancel_reason": None,
        "cancel_note": None,
        "past_due_since": None,
        "next_retry_on": None,
        "suspended_on": None,
    }


charging.register_applier(PURCHASE, _apply_purchase)


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
    """'Acquista e attiva': charge the first period off-session; activate once paid."""
    catalog = current_catalog()
    with session_scope() as session:
        existing_key = charging.operation_exists(session, idempotency_key)
        if not existing_key:
            purchasable = load_purchasable(session, customer_id, licence_id)
            if purchasable.version != expected_version:
                raise ConflictError()
            if customers.billing_profile(session, customer_id) is None:
                raise InputError("billing_profile", PROFILE_MISSING)
        today = clock.today(session)
    result = preview(target, today, catalog)
    description, line_descriptions = describe(catalog, result)
    return await charging.execute(
        ChargePlan(
            idempotency_key=idempotency_key,
            kind=PURCHASE,
            customer_id=customer_id,
            licence_id=licence_id,
            licence_version=expected_version,
            quote=result,
            request={
                "target": {
                    "plan": target.plan,
                    "cycle": str(target.cycle),
                    "seats": target.seats,
                }
            },
            description=description,
            today=today,
            actor_customer_id=customer_id,
            line_descriptions=line_descriptions,
        ),
        gateway,
    )


async def resume_payment(customer_id: int, operation_id: int, gateway=None) -> ChargeResult:
    """Where a purchase left waiting for 3-D Secure stands now, without giving up on it.

    For a page that lost track of the authentication (reloaded, reconnected): Stripe is asked;
    a payment still waiting returns `requires_action` with its client secret, so the page can
    open the bank's check again; a payment that ended (paid, or authentication failed) is
    recorded through `charging` like any other outcome.
    """
    with session_scope() as session:
        operation = operations.get_operation(session, operation_id)
        if operation is None or operation.customer_id != customer_id or operation.kind != PURCHASE:
            raise NotAllowed("Acquisto non trovato.")
        status, intent_id = operation.status, operation.stripe_payment_intent_id
    if status != "requires_action" or not intent_id:
        return await charging.complete_after_authentication(customer_id, operation_id, gateway)
    try:
        outcome = await (gateway or get_gateway()).retrieve_payment(intent_id)
    except PaymentsError as exc:
        return ChargeResult(
            status="requires_action", operation_id=operation_id, message=exc.message
        )
    if outcome.status == "requires_action" and outcome.client_secret:
        return ChargeResult(
            status="requires_action",
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


def receipt(session: Session, customer_id: int, operation_id: int) -> PurchaseReceipt:
    """The receipt of this customer's completed purchase (read back from the database)."""
    operation = operations.get_operation(session, operation_id)
    if operation is None or operation.customer_id != customer_id or operation.kind != PURCHASE:
        raise NotAllowed("Acquisto non trovato.")
    document = documents.document_for_operation(session, operation_id)
    licence = licences.get_licence(session, operation.licence_id)
    if document is None or licence is None or operation.status != "succeeded":
        raise NotAllowed("Acquisto non trovato.")
    view = overview(licence, clock.today(session))
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
