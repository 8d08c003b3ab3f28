"""Demo data for the run command: idempotent, and reconciled with Stripe at every start.

`python -m ts_store.billing.demo [--app-url URL]` creates (once) a customer in trial, a customer
with an active Pro monthly licence (2 users, mid-period, a saved test card) and a product-team
account, then checks that the Stripe server still knows the customer and the card — after a
restart of the local Stripe server they are created again — and prints the logins.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session

from ts_store.billing import accounts, clock
from ts_store.billing.accounts import hash_password
from ts_store.billing.bootstrap import bootstrap
from ts_store.billing.cards import mirror_default_card
from ts_store.domain.lifecycle import LicenceStatus
from ts_store.domain.periods import Cycle, add_cycle
from ts_store.payments.gateway import StripeGateway
from ts_store.store import audit, customers, licences
from ts_store.store.db import session_scope
from ts_store.store.models import Customer

DEMO_PASSWORD = "DemoStore2026"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    company: str
    what: str


TRIAL = DemoLogin("prova@demo.tsstore.it", "Rossi Arredamenti S.r.l.", "cliente in prova")
ACTIVE = DemoLogin(
    "attivo@demo.tsstore.it", "Bianchi Consulting S.r.l.", "cliente con licenza Pro attiva"
)
PRODUCT_TEAM = DemoLogin("prodotto@demo.tsstore.it", "TeamSystem Store", "product team")

ACTIVE_BILLING_PROFILE = {
    "company_name": "Bianchi Consulting S.r.l.",
    "vat_number": "12345670157",
    "tax_code": "12345670157",
    "address": "Via Roma 10",
    "postal_code": "20121",
    "city": "Milano",
    "province": "MI",
    "invoice_email": "amministrazione@bianchi-consulting.it",
    "sdi_code": "M5UXCR1",
    "pec": "",
}

# The active demo licence started this many days ago: mid-period, like the article's example.
ACTIVE_DAYS_INTO_PERIOD = 18


def _ensure_customer(
    session: Session, login: DemoLogin, role: str = "customer"
) -> tuple[Customer, bool]:
    existing = customers.find_by_email(session, login.email)
    if existing is not None:
        return existing, False
    customer = customers.add_customer(
        session,
        email=login.email,
        password_hash=hash_password(DEMO_PASSWORD),
        company_name=login.company,
        role=role,
    )
    return customer, True


def _seed_active_licence(session: Session, customer: Customer, today: date) -> None:
    start = today - timedelta(days=ACTIVE_DAYS_INTO_PERIOD)
    licence = licences.add_licence(
        session,
        customer_id=customer.id,
        status=LicenceStatus.ACTIVE,
        plan="pro",
        cycle=Cycle.MONTHLY,
        seats=2,
        renewal_plan="pro",
        renewal_cycle=Cycle.MONTHLY,
        renewal_seats=2,
        anchor_day=start.day,
        period_start=start,
        period_end=add_cycle(start, Cycle.MONTHLY, start.day),
        trial_ends_on=start,
    )
    customers.save_billing_profile(session, customer.id, ACTIVE_BILLING_PROFILE)
    audit.record(
        session,
        action="demo_seeded",
        actor_customer_id=None,
        licence_id=licence.id,
        after={"plan": "pro", "seats": 2, "period_start": start},
    )


def seed() -> list[str]:
    """Create what is missing; returns what was created (empty on a second run)."""
    today = clock.today()
    with session_scope() as session:
        return _seed(session, today)


def _seed(session: Session, today: date) -> list[str]:
    created: list[str] = []
    trial, is_new = _ensure_customer(session, TRIAL)
    if is_new:
        accounts.start_trial(session, trial, today)
        created.append(TRIAL.email)
    active, is_new = _ensure_customer(session, ACTIVE)
    if is_new:
        _seed_active_licence(session, active, today)
        created.append(ACTIVE.email)
    _, is_new = _ensure_customer(session, PRODUCT_TEAM, role="product_team")
    if is_new:
        created.append(PRODUCT_TEAM.email)
    return created


async def reconcile_stripe(gateway: StripeGateway) -> str:
    """Make Stripe and our database agree on the active demo customer and its card."""
    with session_scope() as session:
        customer = customers.find_by_email(session, ACTIVE.email)
        assert customer is not None, "seed() runs first"
        stripe_id = customer.stripe_customer_id
        customer_id = customer.id
    if stripe_id and await gateway.customer_exists(stripe_id):
        card = await gateway.default_card(stripe_id)
        if card is not None:
            return f"carta {card.brand} •••• {card.last4} già presente"
    else:
        stripe_id = await gateway.create_customer(
            email=ACTIVE.email,
            name=ACTIVE.company,
            metadata={"ts_store_customer_id": str(customer_id)},
        )
    card = await gateway.attach_test_card(stripe_id, "4242424242424242")
    await gateway.set_default_card(stripe_id, card.payment_method_id)
    with session_scope() as session:
        customer = customers.get_customer(session, customer_id)
        customers.set_stripe_customer_id(session, customer, stripe_id)
        mirror_default_card(session, customer_id, card)
    return f"carta {card.brand} •••• {card.last4} salvata su Stripe"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--app-url", default="http://127.0.0.1:3000")
    args = parser.parse_args(argv)
    services = bootstrap()
    created = seed()
    card_note = asyncio.run(reconcile_stripe(services.gateway))
    print(f"Demo: {len(created)} account creati, {card_note}.")
    print(f"\nTS Store: {args.app_url}\nAccessi demo (password: {DEMO_PASSWORD}):")
    for login in (TRIAL, ACTIVE, PRODUCT_TEAM):
        print(f"  {login.email:<28} {login.what}")


if __name__ == "__main__":
    main()
