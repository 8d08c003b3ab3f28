"""Off-session charges against a real localstripe (no mocks)."""

from __future__ import annotations

import uuid

import pytest

from tests.fixtures.localstripe import authenticate_payment_intent, payment_intents_of
from ts_store.payments.errors import PaymentsUnavailable
from ts_store.payments.gateway import StripeGateway
from ts_store.ui.messages import decline_text

pytestmark = pytest.mark.stripe


async def customer_with_card(gateway: StripeGateway, number: str) -> tuple[str, str]:
    customer_id = await gateway.create_customer(
        email="addebiti@example.it", name="Addebiti Srl", metadata={}
    )
    card = await gateway.attach_test_card(customer_id, number)
    return customer_id, card.payment_method_id


async def charge(gateway: StripeGateway, number: str, amount_cents: int = 12_200, **metadata):
    customer_id, method_id = await customer_with_card(gateway, number)
    return await gateway.charge_off_session(
        customer_id=customer_id,
        payment_method_id=method_id,
        amount_cents=amount_cents,
        idempotency_key=f"test-{uuid.uuid4()}",
        description="Rinnovo licenza CRM in Cloud",
        metadata=metadata,
    )


async def test_charge_succeeds_with_amount_and_metadata_round_trip(gateway: StripeGateway) -> None:
    outcome = await charge(gateway, "4242424242424242", 12_345, operation_id="42", kind="renewal")
    assert outcome.status == "succeeded"
    assert outcome.payment_intent_id and outcome.payment_intent_id.startswith("pi_")
    assert outcome.amount_cents == 12_345
    assert outcome.metadata == {"operation_id": "42", "kind": "renewal"}
    assert (outcome.decline_code, outcome.stripe_code, outcome.client_secret) == (None, None, None)
    assert await gateway.retrieve_payment(outcome.payment_intent_id) == outcome


async def test_card_0341_attaches_then_the_charge_fails_with_an_italian_message(
    gateway: StripeGateway,
) -> None:
    """localstripe's 402 carries no PaymentIntent (Stripe's does), hence no id here."""
    outcome = await charge(gateway, "4000000000000341", 5_000, operation_id="7")
    assert outcome.status == "failed"
    assert outcome.decline_code == "card_declined"
    assert decline_text(outcome.decline_code, outcome.stripe_code) == (
        "La carta è stata rifiutata dalla banca."
    )
    assert outcome.amount_cents == 5_000
    assert outcome.metadata == {"operation_id": "7"}
    assert outcome.payment_intent_id is None


@pytest.mark.parametrize("number", ["4000002760003184", "4000002500003155"])
async def test_three_d_secure_off_session_requires_action_then_succeeds(
    gateway: StripeGateway, number: str
) -> None:
    """localstripe answers requires_action (real Stripe: a 402 authentication_required,
    which the gateway turns into the same outcome). 3155 needs authentication here every
    time; on Stripe only at setup."""
    outcome = await charge(gateway, number, 9_900)
    assert outcome.status == "requires_action"
    assert outcome.client_secret and outcome.client_secret.startswith(outcome.payment_intent_id)
    assert outcome.payment_intent_id

    await authenticate_payment_intent(gateway.settings, outcome.payment_intent_id, success=True)
    after = await gateway.retrieve_payment(outcome.payment_intent_id)
    assert (after.status, after.amount_cents, after.client_secret) == ("succeeded", 9_900, None)


async def test_three_d_secure_failure_is_a_failed_payment(gateway: StripeGateway) -> None:
    outcome = await charge(gateway, "4000002760003184")
    assert outcome.payment_intent_id
    await authenticate_payment_intent(gateway.settings, outcome.payment_intent_id, success=False)
    after = await gateway.retrieve_payment(outcome.payment_intent_id)
    assert after.status == "failed"
    assert after.decline_code == "payment_intent_authentication_failure"
    assert decline_text(after.decline_code, after.stripe_code) == (
        "Autenticazione 3-D Secure non riuscita."
    )


async def test_same_key_twice_charges_once_and_answers_with_the_first_payment(
    gateway: StripeGateway, stripe_settings
) -> None:
    """A confirm re-sent after a lost answer (same operation, same key) is not a new charge:
    localstripe now replays the first answer, as Stripe does."""
    customer_id, method_id = await customer_with_card(gateway, "4242424242424242")
    key = f"test-{uuid.uuid4()}"
    outcomes = [
        await gateway.charge_off_session(
            customer_id=customer_id,
            payment_method_id=method_id,
            amount_cents=100,
            idempotency_key=key,
            description="Prova",
            metadata={"ts_store_operation_id": "5"},
        )
        for _ in range(2)
    ]
    assert outcomes[0] == outcomes[1]
    assert outcomes[0].status == "succeeded"
    intents = payment_intents_of(stripe_settings, customer_id)
    assert [intent["id"] for intent in intents] == [outcomes[0].payment_intent_id]


async def test_same_key_with_another_card_is_an_unknown_outcome_never_a_failure(
    gateway: StripeGateway, stripe_settings
) -> None:
    """Stripe refuses a key first used with other parameters (the customer changed card before
    the re-send). The first request may have charged, so the answer is "unknown", which
    billing settles by looking the payment up — never "failed", which would unlock the licence
    and let the customer pay again."""
    customer_id, first_card = await customer_with_card(gateway, "4242424242424242")
    second_card = (
        await gateway.attach_test_card(customer_id, "5555555555554444")
    ).payment_method_id
    key = f"test-{uuid.uuid4()}"

    def send(card: str):
        return gateway.charge_off_session(
            customer_id=customer_id,
            payment_method_id=card,
            amount_cents=1_220,
            idempotency_key=key,
            description="Prova",
            metadata={"ts_store_operation_id": "6"},
        )

    first = await send(first_card)
    with pytest.raises(PaymentsUnavailable):
        await send(second_card)

    intents = payment_intents_of(stripe_settings, customer_id)
    assert [intent["id"] for intent in intents] == [first.payment_intent_id]


@pytest.mark.parametrize(("amount", "key"), [(0, "k"), (-5, "k"), (True, "k"), (100, "")])
async def test_invalid_charge_arguments_never_reach_stripe(
    gateway: StripeGateway, amount: int, key: str
) -> None:
    with pytest.raises(ValueError):
        await gateway.charge_off_session(
            customer_id="cus_x",
            payment_method_id="pm_x",
            amount_cents=amount,
            idempotency_key=key,
            description="",
            metadata={},
        )
