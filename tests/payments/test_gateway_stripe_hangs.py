"""Stripe hangs mid-charge: the caller hears back within the deadline, and the retries the
stripe library sent meanwhile (all with the same idempotency key) make one payment.

A localstripe of this test's own is paused with SIGSTOP — the kernel still accepts the
connections, nobody answers — so the session-wide one the other tests share never stops. The
gateway runs with the settings the app gets from an empty environment (docs/stripe.md).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Iterator

import pytest

from tests.fixtures.localstripe import (
    LocalstripeProcess,
    payment_intents_of,
    started_localstripe,
)
from ts_store.payments.config import STRIPE_CALL_DEADLINE_SECONDS, stripe_settings_from_env
from ts_store.payments.errors import PaymentsUnavailable
from ts_store.payments.gateway import StripeGateway

pytestmark = pytest.mark.stripe

BACKLOG_SECONDS = 20  # how long the resumed server may take to work through what it queued
CHARGE_PATH = "/v1/payment_intents"


@pytest.fixture
def own_localstripe() -> Iterator[LocalstripeProcess]:
    with started_localstripe(access_log=True) as server:
        yield server


async def _wait_for_requests(server: LocalstripeProcess, count: int) -> int:
    deadline = time.monotonic() + BACKLOG_SECONDS
    while (seen := server.requests_logged("POST", CHARGE_PATH)) < count:
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    return seen


async def test_charge_while_stripe_hangs_answers_unavailable_within_the_deadline_then_one_payment(
    own_localstripe: LocalstripeProcess,
) -> None:
    settings = dataclasses.replace(stripe_settings_from_env({}), api_base=own_localstripe.url)
    gateway = StripeGateway(settings)
    customer = await gateway.create_customer(email="fermo@example.it", name="Fermo", metadata={})
    card = await gateway.attach_test_card(customer)
    charge = {
        "customer_id": customer,
        "payment_method_id": card.payment_method_id,
        "amount_cents": 1_220,
        "idempotency_key": "op-31-charge",
        "description": "Aggiorna servizi",
        "metadata": {"ts_store_operation_id": "31"},
    }
    attempts = settings.max_network_retries + 1

    with own_localstripe.paused():
        started = time.monotonic()
        with pytest.raises(PaymentsUnavailable):
            await gateway.charge_off_session(**charge)
        waited = time.monotonic() - started

    assert waited <= STRIPE_CALL_DEADLINE_SECONDS
    # Resumed, the server answers every attempt queued while it was stopped, in order: the
    # first charges, the others replay it.
    assert await _wait_for_requests(own_localstripe, attempts) == attempts
    intents = payment_intents_of(settings, customer, operation_id=31)
    assert [intent["status"] for intent in intents] == ["succeeded"]
    assert len(payment_intents_of(settings, customer)) == 1

    # The recovery path: the confirm re-sent with the same key hears of that one payment.
    again = await gateway.charge_off_session(**charge)
    assert (again.status, again.payment_intent_id) == ("succeeded", intents[0]["id"])
    assert len(payment_intents_of(settings, customer)) == 1
    await gateway.aclose()
