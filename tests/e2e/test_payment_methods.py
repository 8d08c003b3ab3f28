"""'Metodi di pagamento' in Chromium: Visa replaced by Mastercard, then a declined card."""

import json
import time

import httpx
import pytest

from tests.e2e.helpers import login, run_async, text_of, type_card, wait_for_text
from tests.fixtures.app import screenshots
from tests.fixtures.factories import give_card, make_active_licence, make_customer
from ts_store.payments.gateway import StripeGateway
from ts_store.payments.webhook import sign_payload
from ts_store.store import payment_methods
from ts_store.store.models import StripeEvent

pytestmark = [pytest.mark.e2e, pytest.mark.stripe]


def test_replace_visa_with_mastercard_then_a_declined_card_keeps_it(
    page, running_app, stripe_settings
):
    with running_app.session() as session:
        customer = make_customer(session)
        run_async(give_card(session, StripeGateway(stripe_settings), customer))
        make_active_licence(session, customer.id)
    login(page, running_app, customer.email)
    page.goto(f"{running_app.url}/myarea/metodi-di-pagamento")
    page.wait_for_selector("#current-card")
    assert text_of(page, "#current-card") == "Visa •••• 4242"
    assert text_of(page, "#card-expiry") == "Scadenza 12/2030"

    page.click("#replace-card")
    type_card(page, "5555555555554444")
    screenshots(page, "metodi-pagamento-nuova-carta")
    page.click("#save-new-card")
    wait_for_text(page, "#card-message", "Carta sostituita")
    assert text_of(page, "#current-card") == "Mastercard •••• 4444"
    screenshots(page, "metodi-pagamento-sostituita")

    page.click("#replace-card")
    type_card(page, "4000000000000002")
    page.click("#save-new-card")
    wait_for_text(page, "#card-message", "rifiutata")
    assert text_of(page, "#card-message") == (
        "La carta è stata rifiutata dalla banca. La carta attuale resta invariata."
    )
    assert text_of(page, "#current-card") == "Mastercard •••• 4444"
    with running_app.session() as session:
        card = payment_methods.default_card(session, customer.id)
        assert (card.brand, card.last4) == ("mastercard", "4444")
    screenshots(page, "metodi-pagamento-rifiutata")


def test_webhook_on_the_app_port_checks_signatures_and_localstripe_events_reach_it(
    running_app, stripe_settings
):
    """The production build serves POST /stripe/webhook on its one port; localstripe (registered
    by the fixture as `make run` registers it) delivers a customer.updated that refreshes our
    card mirror when the default card changed in Stripe, not through our page."""
    url = f"{running_app.url}/stripe/webhook"
    payload = json.dumps({"id": "evt_e2e_once", "type": "ping.e2e", "data": {"object": {}}})
    secret = stripe_settings.webhook_secret
    stale = sign_payload(payload.encode(), secret, int(time.time()) - 6 * 60)

    assert httpx.post(url, content=payload).status_code == 400
    assert httpx.post(url, content=payload, headers={"Stripe-Signature": stale}).status_code == 400
    wrong = sign_payload(payload.encode(), "whsec_wrong")
    assert httpx.post(url, content=payload, headers={"Stripe-Signature": wrong}).status_code == 400
    for _ in range(2):  # the second delivery is a duplicate: accepted, not handled again
        signed = {"Stripe-Signature": sign_payload(payload.encode(), secret)}
        response = httpx.post(url, content=payload, headers=signed)
        assert (response.status_code, response.json()) == (200, {"received": True})
    with running_app.session() as session:
        assert session.get(StripeEvent, "evt_e2e_once").type == "ping.e2e"

    gateway = StripeGateway(stripe_settings)
    with running_app.session() as session:
        customer = make_customer(session)
        run_async(give_card(session, gateway, customer))

    async def change_default_in_stripe():
        card = await gateway.attach_test_card(customer.stripe_customer_id, "5555555555554444")
        await gateway.set_default_card(customer.stripe_customer_id, card.payment_method_id)

    run_async(change_default_in_stripe())
    deadline = time.monotonic() + 30  # localstripe posts events about 1 s after the change
    while True:
        with running_app.session() as session:
            card = payment_methods.default_card(session, customer.id)
        if (card.brand, card.last4) == ("mastercard", "4444") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert (card.brand, card.last4) == ("mastercard", "4444"), running_app.log_tail()
