"""Demo data: created once, and re-created in Stripe when the local Stripe server lost it."""

import pytest

from ts_store.billing import demo
from ts_store.billing.gateway import get_gateway
from ts_store.store import customers, licences, payment_methods
from ts_store.store.db import session_scope


@pytest.fixture
def stripe_env(monkeypatch, stripe_settings):
    monkeypatch.setenv("TS_STORE_STRIPE_SECRET_KEY", stripe_settings.secret_key)
    monkeypatch.setenv("TS_STORE_STRIPE_PUBLISHABLE_KEY", stripe_settings.publishable_key)
    monkeypatch.setenv("TS_STORE_STRIPE_API_BASE", stripe_settings.api_base)
    monkeypatch.setenv("TS_STORE_STRIPE_WEBHOOK_SECRET", stripe_settings.webhook_secret)
    get_gateway.cache_clear()
    yield
    get_gateway.cache_clear()


def test_seed_twice_creates_the_accounts_once(db_url):
    with session_scope() as session:
        first = demo.seed(session)
    with session_scope() as session:
        second = demo.seed(session)
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


async def test_stripe_customer_and_card_are_recreated_when_stripe_forgot_them(db_url, stripe_env):
    with session_scope() as session:
        demo.seed(session)
    note = await demo.reconcile_stripe(get_gateway())
    assert "salvata" in note
    with session_scope() as session:
        active = customers.find_by_email(session, demo.ACTIVE.email)
        first_stripe_id = active.stripe_customer_id
        active.stripe_customer_id = "cus_forgotten_by_stripe"
        session.add(active)

    assert "salvata" in await demo.reconcile_stripe(get_gateway())
    with session_scope() as session:
        active = customers.find_by_email(session, demo.ACTIVE.email)
        card = payment_methods.default_card(session, active.id)
        assert active.stripe_customer_id not in (None, first_stripe_id, "cus_forgotten_by_stripe")
    stripe_card = await get_gateway().default_card(active.stripe_customer_id)
    assert (stripe_card.payment_method_id, stripe_card.last4) == (
        card.stripe_payment_method_id,
        "4242",
    )

    assert "già presente" in await demo.reconcile_stripe(get_gateway())
