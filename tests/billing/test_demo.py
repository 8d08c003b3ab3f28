"""Demo data: created once, and re-created in Stripe when the local Stripe server lost it."""

import pytest

from ts_store.billing import demo
from ts_store.billing.bootstrap import bootstrap
from ts_store.store import customers, licences, payment_methods
from ts_store.store.db import session_scope


@pytest.fixture
def stripe_env(monkeypatch, stripe_settings, billing_services):
    """The command's own wiring (bootstrap from the environment), pointed at localstripe."""
    monkeypatch.setenv("TS_STORE_STRIPE_SECRET_KEY", stripe_settings.secret_key)
    monkeypatch.setenv("TS_STORE_STRIPE_PUBLISHABLE_KEY", stripe_settings.publishable_key)
    monkeypatch.setenv("TS_STORE_STRIPE_API_BASE", stripe_settings.api_base)
    monkeypatch.setenv("TS_STORE_STRIPE_WEBHOOK_SECRET", stripe_settings.webhook_secret)
    return bootstrap().gateway


def test_seed_twice_creates_the_accounts_once(db_url):
    first = demo.seed()
    second = demo.seed()
    with session_scope() as session:
        active = customers.find_by_email(session, demo.ACTIVE.email)
        [licence] = licences.licences_of(session, active.id)
    assert len(first) == 3 and second == []
    assert (licence.status, licence.plan, licence.seats, licence.cycle) == (
        "active",
        "pro",
        2,
        "monthly",
    )
    assert licence.period_start < licence.period_end  # today (28/11/2026) is mid-period
    assert str(licence.period_start) == "2026-11-10" and str(licence.period_end) == "2026-12-10"


@pytest.mark.stripe
async def test_stripe_customer_and_card_are_recreated_when_stripe_forgot_them(db_url, stripe_env):
    demo.seed()
    note = await demo.reconcile_stripe(stripe_env)
    assert "salvata" in note
    with session_scope() as session:
        active = customers.find_by_email(session, demo.ACTIVE.email)
        first_stripe_id = active.stripe_customer_id
        active.stripe_customer_id = "cus_forgotten_by_stripe"
        session.add(active)

    assert "salvata" in await demo.reconcile_stripe(stripe_env)
    with session_scope() as session:
        active = customers.find_by_email(session, demo.ACTIVE.email)
        card = payment_methods.default_card(session, active.id)
        assert active.stripe_customer_id not in (None, first_stripe_id, "cus_forgotten_by_stripe")
    stripe_card = await stripe_env.default_card(active.stripe_customer_id)
    assert (stripe_card.payment_method_id, stripe_card.last4) == (
        card.stripe_payment_method_id,
        "4242",
    )

    assert "già presente" in await demo.reconcile_stripe(stripe_env)
