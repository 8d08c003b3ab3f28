"""How long one off-session charge waits when Stripe hangs, and what Stripe holds afterwards.

Starts a private localstripe, gives a customer a card, stops the server (SIGSTOP: connections
are accepted by the kernel, never answered), charges the card through the gateway with the
Stripe client settings in force (``TS_STORE_STRIPE_TIMEOUT_SECONDS``,
``TS_STORE_STRIPE_MAX_RETRIES``, see docs/stripe.md), then resumes the server and counts the
requests it received and the PaymentIntents they created.

Run from the repository root: `.venv/bin/python benchmarks/stripe_hang.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixtures.localstripe import (  # noqa: E402
    LocalstripeProcess,
    payment_intents_of,
    started_localstripe,
)
from ts_store.payments.config import StripeSettings, stripe_settings_from_env  # noqa: E402
from ts_store.payments.errors import PaymentsError  # noqa: E402
from ts_store.payments.gateway import StripeGateway  # noqa: E402

SETTLE_SECONDS = 15  # how long to wait for the resumed server to work through its backlog


async def _hung_charge(
    settings: StripeSettings, server: LocalstripeProcess
) -> tuple[str, float, str]:
    gateway = StripeGateway(settings)
    customer = await gateway.create_customer(email="hang@example.it", name="Hang", metadata={})
    card = await gateway.attach_test_card(customer)
    with server.paused():
        started = time.monotonic()
        try:
            outcome = await gateway.charge_off_session(
                customer_id=customer,
                payment_method_id=card.payment_method_id,
                amount_cents=1220,
                idempotency_key="bench-hang-1",
                description="Benchmark",
                metadata={"ts_store_operation_id": "1"},
            )
            answer = f"outcome {outcome.status}"
        except PaymentsError as error:
            answer = type(error).__name__
        waited = time.monotonic() - started
    await gateway.aclose()
    return customer, waited, answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    with started_localstripe(access_log=True) as server:
        configured = stripe_settings_from_env({"TS_STORE_STRIPE_API_BASE": server.url})
        settings = dataclasses.replace(configured, api_base=server.url)
        posts_before = _posts(server)
        customer, waited, answer = asyncio.run(_hung_charge(settings, server))
        attempts = settings.max_network_retries + 1
        deadline = time.monotonic() + SETTLE_SECONDS
        while time.monotonic() < deadline and _posts(server) - posts_before < attempts:
            time.sleep(0.2)
        time.sleep(1)  # anything beyond the expected attempts would show up meanwhile
        sent = _posts(server) - posts_before
        intents = payment_intents_of(settings, customer)
    succeeded = sum(intent["status"] == "succeeded" for intent in intents)
    print(f"client settings: {_describe(settings)}")
    print(f"charge with Stripe paused answered after {waited:.1f} s: {answer}")
    print(f"POST /v1/payment_intents received once resumed: {sent}")
    print(f"PaymentIntents for the customer: {len(intents)} ({succeeded} succeeded)")
    return 0


def _posts(server: LocalstripeProcess) -> int:
    return server.requests_logged("POST", "/v1/payment_intents")


def _describe(settings: StripeSettings) -> str:
    return (
        f"timeout {settings.timeout_seconds:g} s per attempt, "
        f"{settings.max_network_retries} retries, worst case {settings.worst_case_call_seconds:g} s"
    )


if __name__ == "__main__":
    sys.exit(main())
