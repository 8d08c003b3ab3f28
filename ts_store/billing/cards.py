"""Saving and replacing the customer's card.

The page confirms a SetupIntent that the backend created for this customer; the backend then
re-reads it from Stripe (status and customer) before anything changes. The new card becomes the
default first and only then is the old one detached: after a success the old card is never the
default, after a failure it is never removed.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from ts_store.billing import clock, notices, renewals
from ts_store.billing.charging import ChargeResult
from ts_store.billing.errors import NotAllowed, PaymentProblem, UseCaseError
from ts_store.billing.services import services
from ts_store.payments.config import stripe_settings_from_env
from ts_store.payments.errors import PaymentsError
from ts_store.payments.gateway import CardInfo, SetupIntentInfo, StripeGateway
from ts_store.store import audit, customers, payment_methods
from ts_store.store.db import session_scope

log = logging.getLogger(__name__)
EXPIRY_WARNING_DAYS = 30


@dataclass(frozen=True)
class SavedCard:
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    replaced_last4: str | None


def mirror_default_card(session: Session, customer_id: int, card: CardInfo) -> None:
    """Record in our database the card Stripe now holds as the customer's default."""
    payment_methods.replace_default_card(
        session,
        customer_id,
        stripe_payment_method_id=card.payment_method_id,
        brand=card.brand,
        last4=card.last4,
        exp_month=card.exp_month,
        exp_year=card.exp_year,
    )


@dataclass(frozen=True)
class BrowserStripe:
    """What the page's Stripe.js needs: the publishable key (never a secret) and the script."""

    publishable_key: str
    js_url: str


def browser_stripe() -> BrowserStripe:
    settings = stripe_settings_from_env()
    return BrowserStripe(settings.publishable_key, settings.js_url)


async def ensure_stripe_customer(customer_id: int, gateway: StripeGateway | None = None) -> str:
    """The customer's Stripe id, creating the Stripe customer the first time."""
    gateway = gateway or services().gateway
    with session_scope() as session:
        customer = customers.get_customer(session, customer_id)
        if customer is None:
            raise NotAllowed("account_not_found")
        if customer.stripe_customer_id:
            return customer.stripe_customer_id
        email, name = customer.email, customer.company_name
    stripe_id = await gateway.create_customer(
        email=email, name=name, metadata={"ts_store_customer_id": str(customer_id)}
    )
    with session_scope() as session:
        customer = customers.get_customer(session, customer_id)
        if customer.stripe_customer_id:  # another tab won the race: keep theirs
            return customer.stripe_customer_id
        customers.set_stripe_customer_id(session, customer, stripe_id)
    return stripe_id


async def start_card_setup(
    customer_id: int, gateway: StripeGateway | None = None
) -> SetupIntentInfo:
    """A SetupIntent for this customer; the page confirms it with the Card Element.
    Raises PaymentProblem when Stripe refuses or cannot be reached."""
    gateway = gateway or services().gateway
    try:
        stripe_id = await ensure_stripe_customer(customer_id, gateway)
        return await gateway.create_setup_intent(stripe_id)
    except PaymentsError as exc:
        raise PaymentProblem.from_payments(exc) from exc


async def save_card_from_setup(
    customer_id: int, setup_intent_id: str, gateway: StripeGateway | None = None
) -> SavedCard:
    """Make the card of a confirmed SetupIntent the customer's default; detach the old one.

    `setup_intent_id` must be the one the backend created for this customer (kept server-side);
    Stripe is asked again whether it succeeded and for whom. Raises PaymentProblem (a code)
    when it did not; then nothing changed.
    """
    gateway = gateway or services().gateway
    with session_scope() as session:
        customer = customers.get_customer(session, customer_id)
        if customer is None or not customer.stripe_customer_id:
            raise NotAllowed("account_not_found")
        stripe_id = customer.stripe_customer_id
        old = payment_methods.default_card(session, customer_id)
        old_id, old_last4 = (old.stripe_payment_method_id, old.last4) if old else (None, None)
    try:
        card = await gateway.card_from_setup_intent(setup_intent_id, stripe_id)
        await gateway.set_default_card(stripe_id, card.payment_method_id)
    except PaymentsError as exc:
        raise PaymentProblem.from_payments(exc) from exc
    replaced = old_id is not None and old_id != card.payment_method_id
    with session_scope() as session:
        mirror_default_card(session, customer_id, card)
        audit.record(
            session,
            action="card_replaced" if old_id else "card_added",
            actor_customer_id=customer_id,
            before={"card": old_last4},
            after={"card": card.last4, "brand": card.brand},
        )
        if replaced:  # the first card (saved while buying) is no news; a new one is
            notices.card_replaced(
                session, customer_id, payment_methods.default_card(session, customer_id)
            )
    if old_id and old_id != card.payment_method_id:
        try:
            await gateway.detach_card(old_id, customer_id=stripe_id)
        except PaymentsError:  # the new card is already the default; a stale card is harmless
            log.warning("could not detach old card %s of customer %s", old_id, customer_id)
    return SavedCard(
        brand=card.brand,
        last4=card.last4,
        exp_month=card.exp_month,
        exp_year=card.exp_year,
        replaced_last4=old_last4 if replaced else None,
    )


@dataclass(frozen=True)
class CardOnFile:
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    expires_soon: bool


def card_on_file(customer_id: int, today: date | None = None) -> CardOnFile | None:
    """The default card as we mirror it; 'scade presto' within 30 days of its last valid day
    (counted from `today`, by default the store's)."""
    with session_scope() as session:
        card = payment_methods.default_card(session, customer_id)
    if card is None:
        return None
    today = today or clock.today()
    last_day = date(
        card.exp_year, card.exp_month, calendar.monthrange(card.exp_year, card.exp_month)[1]
    )
    return CardOnFile(
        brand=card.brand,
        last4=card.last4,
        exp_month=card.exp_month,
        exp_year=card.exp_year,
        expires_soon=(last_day - today).days <= EXPIRY_WARNING_DAYS,
    )


@dataclass(frozen=True)
class CardReplaced:
    card: SavedCard
    retried: list[ChargeResult]
    # The retry could not start (the card is replaced anyway): why, as an error with a code.
    retry_error: UseCaseError | None = None


async def replace_card(
    customer_id: int,
    setup_intent_id: str,
    today: date | None = None,
    gateway: StripeGateway | None = None,
) -> CardReplaced:
    """'Sostituisci carta': save the new default card, then retry at once any unpaid renewal.

    The retry is idempotent (renewals.retry_past_due): a repeated call finds the first attempt.
    Once the card is saved, a problem with the retry never turns the replacement into a failure.
    """
    gateway = gateway or services().gateway
    saved = await save_card_from_setup(customer_id, setup_intent_id, gateway)
    try:
        retried = await renewals.retry_past_due(customer_id, today or clock.today(), gateway)
    except UseCaseError as exc:
        log.warning("past-due retry after card replacement failed for %s: %s", customer_id, exc)
        return CardReplaced(card=saved, retried=[], retry_error=exc)
    except PaymentsError as exc:
        log.warning("past-due retry after card replacement failed for %s: %s", customer_id, exc)
        return CardReplaced(card=saved, retried=[], retry_error=PaymentProblem.from_payments(exc))
    return CardReplaced(card=saved, retried=retried)
