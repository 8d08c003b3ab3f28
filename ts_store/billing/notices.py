"""The billing events' emails: each function queues one message in the caller's transaction
(the one that applies the event), with the facts the template needs and a key that makes the
event send one email however often it is retried. Amounts come from the domain quote.

Call them where the event is written, never after its commit (docs/notifications.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from ts_store.billing.catalog import current_catalog
from ts_store.billing.notifications import notify_billing
from ts_store.billing.overview import (
    current_configuration,
    renewal_catalog,
    renewal_charge,
    renewal_configuration,
)
from ts_store.domain.catalog import Catalog
from ts_store.domain.lifecycle import LicenceStatus, retention_until
from ts_store.domain.notifications import MessageKind
from ts_store.domain.operations import OperationKind
from ts_store.domain.quote import Configuration, QuoteError
from ts_store.store import payment_methods
from ts_store.store.models import BillingDocument, Licence, PaymentMethod


def _configuration(prefix: str, catalog: Catalog, configuration: Configuration) -> dict[str, Any]:
    return {
        f"{prefix}plan_name": catalog.plan(configuration.plan).name,
        f"{prefix}cycle": str(configuration.cycle),
        f"{prefix}seats": configuration.seats,
    }


def _current(catalog: Catalog, licence: Licence) -> dict[str, Any]:
    return {
        "plan_name": catalog.plan(licence.plan).name,
        "cycle": str(licence.cycle),
        "seats": licence.seats,
    }


def _renewal(catalog: Catalog, licence: Licence) -> dict[str, Any]:
    """What the next renewal configures and costs (IVA included), as MyArea shows it."""
    target = renewal_configuration(licence)
    catalog = renewal_catalog(licence, catalog)  # its own version, or the one it moves to
    try:
        charge = renewal_charge(licence, catalog)  # the function the renewal job charges with
    except QuoteError:
        charge = None
    if target is None or charge is None:
        return {}
    gross = charge.charge_now.gross_cents
    return {**_configuration("renewal_", catalog, target), "renewal_gross_cents": gross}


def _document(document: BillingDocument) -> dict[str, Any]:
    return {
        "document_id": document.id,
        "document_number": document.number,
        "net_cents": document.net_cents,
        "vat_cents": document.vat_cents,
        "gross_cents": document.gross_cents,
    }


def _card(card: PaymentMethod | None) -> dict[str, Any]:
    if card is None:
        return {"card_brand": "", "card_last4": ""}
    return {"card_brand": card.brand, "card_last4": card.last4}


def purchase_confirmed(session: Session, licence: Licence, document: BillingDocument) -> None:
    catalog = current_catalog()
    notify_billing(
        session,
        licence.customer_id,
        MessageKind.PURCHASE_CONFIRMED,
        f"purchase_confirmed:{document.operation_id}",
        {
            "licence_id": licence.id,
            **_current(catalog, licence),
            **_document(document),
            "vat_percent": str(catalog.vat_percent),
            "next_renewal_on": licence.period_end.isoformat(),
            "renewal_gross_cents": _renewal(catalog, licence).get("renewal_gross_cents", 0),
        },
    )


def change_confirmed(
    session: Session,
    licence: Licence,
    operation_id: int,
    charged_gross_cents: int,
    document: BillingDocument | None,
) -> None:
    catalog = current_catalog()
    notify_billing(
        session,
        licence.customer_id,
        MessageKind.CHANGE_CONFIRMED,
        f"change_confirmed:{operation_id}",
        {
            "licence_id": licence.id,
            **_current(catalog, licence),
            **_renewal(catalog, licence),
            "charged_gross_cents": charged_gross_cents,
            "document_id": document.id if document else None,
            "document_number": document.number if document else "",
            "next_renewal_on": licence.period_end.isoformat(),
        },
    )


def scheduled_change_saved(session: Session, licence: Licence) -> None:
    """A change that waits for the renewal (fewer users, a cheaper plan, another cycle)."""
    catalog = current_catalog()
    notify_billing(
        session,
        licence.customer_id,
        MessageKind.SCHEDULED_CHANGE_SAVED,
        f"scheduled_change_saved:{licence.id}:v{licence.version}",
        {
            "licence_id": licence.id,
            "renewal_on": licence.period_end.isoformat(),
            **_renewal(catalog, licence),
        },
    )


def scheduled_change_applied(session: Session, licence: Licence, applied_on: date) -> None:
    notify_billing(
        session,
        licence.customer_id,
        MessageKind.SCHEDULED_CHANGE_APPLIED,
        f"scheduled_change_applied:{licence.id}:{applied_on}",
        {
            "licence_id": licence.id,
            **_current(current_catalog(), licence),
            "applied_on": applied_on.isoformat(),
        },
    )


def renewal_paid(
    session: Session, licence: Licence, document: BillingDocument, period_start: date
) -> None:
    notify_billing(
        session,
        licence.customer_id,
        MessageKind.RENEWAL_PAID,
        f"renewal_paid:{document.operation_id}",
        {
            "licence_id": licence.id,
            **_current(current_catalog(), licence),
            **_document(document),
            "period_start": period_start.isoformat(),
            "period_end": licence.period_end.isoformat(),
        },
    )


def renewal_failed(
    session: Session,
    licence: Licence,
    *,
    gross_cents: int,
    failure_code: str,
    failure_params: dict[str, Any],
    failed_on: date,
    next_retry_on: date | None,
    suspension_on: date,
) -> None:
    """One email per failed attempt (the first failure and each retry that fails)."""
    notify_billing(
        session,
        licence.customer_id,
        MessageKind.RENEWAL_FAILED,
        f"renewal_failed:{licence.id}:{licence.period_end}:{failed_on}",
        {
            "licence_id": licence.id,
            "gross_cents": gross_cents,
            **_card(payment_methods.default_card(session, licence.customer_id)),
            "failure_code": failure_code,
            "failure_params": failure_params,
            "next_retry_on": next_retry_on.isoformat() if next_retry_on else None,
            "suspension_on": suspension_on.isoformat(),
        },
    )


def licence_suspended(
    session: Session, licence: Licence, *, gross_cents: int, suspended_on: date
) -> None:
    notify_billing(
        session,
        licence.customer_id,
        MessageKind.LICENCE_SUSPENDED,
        f"licence_suspended:{licence.id}:{suspended_on}",
        {
            "licence_id": licence.id,
            "gross_cents": gross_cents,
            "suspended_on": suspended_on.isoformat(),
        },
    )


def payment_recovered(session: Session, licence: Licence, document: BillingDocument) -> None:
    notify_billing(
        session,
        licence.customer_id,
        MessageKind.PAYMENT_RECOVERED,
        f"payment_recovered:{document.operation_id}",
        {
            "licence_id": licence.id,
            **_document(document),
            "next_renewal_on": licence.period_end.isoformat(),
        },
    )


def trial_ended(session: Session, licence: Licence, ended_on: date) -> None:
    notify_billing(
        session,
        licence.customer_id,
        MessageKind.TRIAL_ENDED,
        f"trial_ended:{licence.id}",
        {
            "licence_id": licence.id,
            "ended_on": ended_on.isoformat(),
            "retention_until": retention_until(
                ended_on, current_catalog().retention_days
            ).isoformat(),
        },
    )


def card_replaced(session: Session, customer_id: int, card: PaymentMethod) -> None:
    notify_billing(
        session,
        customer_id,
        MessageKind.CARD_REPLACED,
        f"card_replaced:{card.stripe_payment_method_id}",
        {
            **_card(card),
            "exp_month": card.exp_month,
            "exp_year": card.exp_year,
        },
    )


def cancellation_confirmed(session: Session, licence: Licence) -> None:
    end_on = licence.period_end
    notify_billing(
        session,
        licence.customer_id,
        MessageKind.CANCELLATION_CONFIRMED,
        f"cancellation_confirmed:{licence.id}:v{licence.version}",
        {
            "licence_id": licence.id,
            "end_on": end_on.isoformat(),
            "retention_until": retention_until(
                end_on, current_catalog().retention_days
            ).isoformat(),
        },
    )


def reactivated(session: Session, licence: Licence) -> None:
    catalog = current_catalog()
    notify_billing(
        session,
        licence.customer_id,
        MessageKind.REACTIVATED,
        f"reactivated:{licence.id}:v{licence.version}",
        {
            "licence_id": licence.id,
            "next_renewal_on": licence.period_end.isoformat(),
            "renewal_gross_cents": _renewal(catalog, licence).get("renewal_gross_cents", 0),
        },
    )


def price_change_notice(
    session: Session,
    licence: Licence,
    *,
    catalog_version: int | str,
    effective_on: date,
    renewal_on: date,
    old_gross_cents: int,
    new_gross_cents: int,
    catalog: Catalog | None = None,
) -> None:
    """For #14's publishing with grandfathering policy (b): a licence that moves to the new
    prices at its first renewal on or after `effective_on` is told at least 30 days before."""
    notify_billing(
        session,
        licence.customer_id,
        MessageKind.PRICE_CHANGE_NOTICE,
        f"price_change_notice:{licence.id}:{catalog_version}:{renewal_on}",
        {
            "licence_id": licence.id,
            **_current(catalog or current_catalog(), licence),
            "effective_on": effective_on.isoformat(),
            "renewal_on": renewal_on.isoformat(),
            "old_gross_cents": old_gross_cents,
            "new_gross_cents": new_gross_cents,
        },
    )


def price_change_withdrawn(
    session: Session,
    licence: Licence,
    *,
    catalog_version: int,
    renewal_on: date,
    old_gross_cents: int,
    catalog: Catalog | None = None,
) -> None:
    """A version withdrawn before its date: the licences told of it hear that their renewal
    keeps the price they have (one email per notice taken back)."""
    notify_billing(
        session,
        licence.customer_id,
        MessageKind.PRICE_CHANGE_WITHDRAWN,
        f"price_change_withdrawn:{licence.id}:{catalog_version}",
        {
            "licence_id": licence.id,
            **_current(catalog or current_catalog(), licence),
            "renewal_on": renewal_on.isoformat(),
            "old_gross_cents": old_gross_cents,
        },
    )


# ----- which email an applied operation sends ------------------------------------------------


@dataclass(frozen=True)
class Before:
    """The licence as it was before an operation was applied: what the email compares with."""

    status: str
    current: Configuration | None
    renewal: Configuration | None
    period_end: date | None

    @classmethod
    def of(cls, licence: Licence) -> Before:
        return cls(
            status=licence.status,
            current=current_configuration(licence),
            renewal=renewal_configuration(licence),
            period_end=licence.period_end,
        )


RECOVERING = frozenset({LicenceStatus.PAST_DUE, LicenceStatus.SUSPENDED})


def operation_applied(
    session: Session,
    *,
    kind: OperationKind,
    operation_id: int,
    licence: Licence,
    before: Before,
    document: BillingDocument | None,
    charged_gross_cents: int,
) -> None:
    """Queue the email of an operation just applied, in the transaction that applies it
    (charging._apply): a purchase, a change applied now or only scheduled, a renewal paid or
    recovered after a failure (plus "scheduled change applied" when the renewal applied one)."""
    kind = OperationKind(kind)
    if kind == OperationKind.PURCHASE:
        if document is not None:
            purchase_confirmed(session, licence, document)
    elif kind == OperationKind.CHANGE:
        if current_configuration(licence) != before.current:
            change_confirmed(session, licence, operation_id, charged_gross_cents, document)
        elif renewal_configuration(licence) != before.renewal:
            scheduled_change_saved(session, licence)
    elif kind == OperationKind.RENEWAL:
        if document is not None:
            if before.status in RECOVERING:
                payment_recovered(session, licence, document)
            else:
                renewal_paid(session, licence, document, licence.period_start)
        if before.renewal != before.current and before.period_end is not None:
            scheduled_change_applied(session, licence, before.period_end)
