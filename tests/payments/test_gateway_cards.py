"""Customers and saved cards against a real localstripe (no mocks).

Cards are entered the way the page does it: a SetupIntent created by the gateway, confirmed
"in the browser" (``confirm_setup_intent_with_card``), then read back server-side.
"""

from __future__ import annotations

import asyncio
import itertools

import pytest

from tests.fixtures.localstripe import confirm_setup_intent_with_card
from ts_store.payments.errors import CARD_NOT_FOUND, CardError
from ts_store.payments.gateway import StripeGateway
from ts_store.ui.messages import decline_text, text

pytestmark = pytest.mark.stripe

_counter = itertools.count()


async def new_customer(gateway: StripeGateway) -> str:
    n = next(_counter)
    return await gateway.create_customer(
        email=f"cliente{n}@example.it", name=f"Cliente {n}", metadata={"account_id": str(n)}
    )


async def save_card(gateway: StripeGateway, customer_id: str, number: str):
    intent = await gateway.create_setup_intent(customer_id)
    confirmed = await confirm_setup_intent_with_card(gateway.settings, intent.id, number)
    assert confirmed.get("status") == "succeeded", confirmed
    return await gateway.card_from_setup_intent(intent.id, customer_id)


async def test_customer_exists_only_after_creation(gateway: StripeGateway) -> None:
    customer_id = await new_customer(gateway)
    assert customer_id.startswith("cus_")
    assert await gateway.customer_exists(customer_id)
    assert not await gateway.customer_exists("cus_doesnotexist")


async def test_setup_intent_is_for_off_session_card_use(gateway: StripeGateway) -> None:
    customer_id = await new_customer(gateway)
    intent = await gateway.create_setup_intent(customer_id)
    assert intent.id.startswith("seti_")
    assert intent.client_secret.startswith(f"{intent.id}_secret_")


async def test_visa_saved_through_setup_intent_is_attached_and_listed(
    gateway: StripeGateway,
) -> None:
    """localstripe does not attach the card on confirmation (Stripe does): the gateway must."""
    customer_id = await new_customer(gateway)
    card = await save_card(gateway, customer_id, "4242424242424242")
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("visa", "4242", 12, 2030)
    assert await gateway.list_cards(customer_id) == [card]


async def test_mastercard_is_reported_as_mastercard_4444(gateway: StripeGateway) -> None:
    """Stripe derives the brand from the number; our localstripe launcher does the same
    (stock localstripe says "visa" for every card)."""
    customer_id = await new_customer(gateway)
    card = await save_card(gateway, customer_id, "5555555555554444")
    assert (card.brand, card.last4) == ("mastercard", "4444")


async def test_three_d_secure_card_is_saved_after_authentication(gateway: StripeGateway) -> None:
    customer_id = await new_customer(gateway)
    card = await save_card(gateway, customer_id, "4000002760003184")
    assert card.last4 == "3184"


async def test_setup_intent_of_another_customer_is_refused(gateway: StripeGateway) -> None:
    """The SetupIntent id comes from the browser: it must not hand us someone else's card."""
    owner, intruder = await new_customer(gateway), await new_customer(gateway)
    intent = await gateway.create_setup_intent(owner)
    await confirm_setup_intent_with_card(gateway.settings, intent.id, "4242424242424242")
    with pytest.raises(CardError) as caught:
        await gateway.card_from_setup_intent(intent.id, intruder)
    assert caught.value.code == CARD_NOT_FOUND
    assert text(caught.value.code).startswith("Carta non trovata")
    assert await gateway.list_cards(intruder) == []


async def test_unconfirmed_setup_intent_is_refused(gateway: StripeGateway) -> None:
    customer_id = await new_customer(gateway)
    intent = await gateway.create_setup_intent(customer_id)
    with pytest.raises(CardError, match="requires_payment_method"):
        await gateway.card_from_setup_intent(intent.id, customer_id)


async def test_setup_intent_with_failed_authentication_is_refused(gateway: StripeGateway) -> None:
    """ "Fail authentication" in localstripe's 3-D Secure dialog cancels the SetupIntent."""
    customer_id = await new_customer(gateway)
    intent = await gateway.create_setup_intent(customer_id)
    result = await confirm_setup_intent_with_card(
        gateway.settings, intent.id, "4000002760003184", authenticate=False
    )
    assert result["status"] == "canceled"
    with pytest.raises(CardError, match="canceled"):
        await gateway.card_from_setup_intent(intent.id, customer_id)


async def test_unknown_setup_intent_is_refused(gateway: StripeGateway) -> None:
    customer_id = await new_customer(gateway)
    with pytest.raises(CardError):
        await gateway.card_from_setup_intent("seti_doesnotexist", customer_id)


@pytest.mark.parametrize("number", ["4000000000000002", "4000000000009995"])
async def test_declining_card_is_refused_in_the_browser_by_confirm_card_setup(
    gateway: StripeGateway, number: str
) -> None:
    """Stripe.js gets the 402 (error.code card_declined); the server never sees a card."""
    customer_id = await new_customer(gateway)
    intent = await gateway.create_setup_intent(customer_id)
    result = await confirm_setup_intent_with_card(gateway.settings, intent.id, number)
    assert result["error"]["code"] == "card_declined"
    with pytest.raises(CardError):
        await gateway.card_from_setup_intent(intent.id, customer_id)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("4000000000000002", "La carta è stata rifiutata dalla banca."),
        # Real Stripe adds decline_code insufficient_funds ("Fondi insufficienti sulla
        # carta.", see test_errors.py); localstripe only says card_declined.
        ("4000000000009995", "La carta è stata rifiutata dalla banca."),
    ],
)
async def test_declining_card_raises_card_error_on_attach(
    gateway: StripeGateway, number: str, message: str
) -> None:
    """localstripe declines these cards when they are attached, like Stripe's card check."""
    customer_id = await new_customer(gateway)
    with pytest.raises(CardError) as caught:
        await gateway.attach_test_card(customer_id, number)
    assert caught.value.code == "card_declined"
    assert decline_text(caught.value.decline_code, caught.value.stripe_code) == message
    assert caught.value.decline_code == "card_declined"
    assert await gateway.list_cards(customer_id) == []


async def test_default_card_is_set_and_read_back(gateway: StripeGateway) -> None:
    customer_id = await new_customer(gateway)
    assert await gateway.default_card(customer_id) is None
    first = await gateway.attach_test_card(customer_id)
    second = await save_card(gateway, customer_id, "5555555555554444")
    await gateway.set_default_card(customer_id, second.payment_method_id)
    assert await gateway.default_card(customer_id) == second
    await gateway.set_default_card(customer_id, first.payment_method_id)
    assert await gateway.default_card(customer_id) == first


async def test_default_card_must_belong_to_the_customer(gateway: StripeGateway) -> None:
    """localstripe would accept any pm_ id as default; the gateway checks ownership first."""
    owner, other = await new_customer(gateway), await new_customer(gateway)
    card = await gateway.attach_test_card(owner)
    with pytest.raises(CardError):
        await gateway.set_default_card(other, card.payment_method_id)
    assert await gateway.default_card(other) is None


async def test_detached_card_disappears_even_as_default(gateway: StripeGateway) -> None:
    """localstripe keeps a detached card in invoice_settings; default_card hides it."""
    customer_id = await new_customer(gateway)
    keep = await gateway.attach_test_card(customer_id)
    drop = await gateway.attach_test_card(customer_id, "5555555555554444")
    await gateway.set_default_card(customer_id, drop.payment_method_id)
    await gateway.detach_card(drop.payment_method_id)
    assert await gateway.list_cards(customer_id) == [keep]
    assert await gateway.default_card(customer_id) is None
    await gateway.detach_card(drop.payment_method_id)  # already detached: no error


async def test_detach_refuses_another_customers_card(gateway: StripeGateway) -> None:
    owner, other = await new_customer(gateway), await new_customer(gateway)
    card = await gateway.attach_test_card(owner)
    with pytest.raises(CardError):
        await gateway.detach_card(card.payment_method_id, customer_id=other)
    assert await gateway.list_cards(owner) == [card]


def test_one_gateway_survives_several_event_loops(stripe_settings) -> None:
    """A module-level gateway used by scripts (asyncio.run per call) or by tests with a loop
    per test must not reuse an httpx pool bound to a closed loop."""
    gateway = StripeGateway(stripe_settings)
    first = asyncio.run(new_customer(gateway))
    assert asyncio.run(gateway.customer_exists(first))
