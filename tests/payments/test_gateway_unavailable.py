"""Stripe out of reach: callers get PaymentsUnavailable (worded in Italian by the UI), not a
traceback."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from ts_store.payments import gateway as gateway_module
from ts_store.payments.config import StripeSettings
from ts_store.payments.errors import PaymentsUnavailable
from ts_store.payments.gateway import StripeGateway
from ts_store.ui.messages import text

MESSAGE = "Il servizio di pagamento non è raggiungibile. Riprova tra qualche minuto."


def settings_for(url: str) -> StripeSettings:
    return StripeSettings(
        secret_key="sk_test_localstripe",
        publishable_key="pk_test_localstripe",
        api_base=url,
        js_url=f"{url}/js.stripe.com/v3/",
        webhook_secret="whsec_test",
    )


@pytest.fixture
def closed_port_url() -> Iterator[str]:
    """A port that refuses connections: bound (so nobody else takes it) but not listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
def silent_server_url() -> Iterator[str]:
    """A port that accepts connections and never answers: a hung Stripe."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


async def test_closed_port_raises_payments_unavailable(closed_port_url: str) -> None:
    gateway = StripeGateway(settings_for(closed_port_url), max_network_retries=0)
    with pytest.raises(PaymentsUnavailable) as caught:
        await gateway.create_customer(email="a@example.it", name="A", metadata={})
    assert caught.value.code == "payments_unavailable"
    assert text(caught.value.code) == MESSAGE


async def test_charge_on_closed_port_raises_rather_than_reporting_a_decline(
    closed_port_url: str,
) -> None:
    """Unknown outcome is not "failed": billing retries later with the same idempotency key."""
    gateway = StripeGateway(settings_for(closed_port_url), max_network_retries=1)
    with pytest.raises(PaymentsUnavailable):
        await gateway.charge_off_session(
            customer_id="cus_x",
            payment_method_id="pm_x",
            amount_cents=100,
            idempotency_key="k-unavailable",
            description="Prova",
            metadata={},
        )


async def test_every_call_maps_connection_errors(closed_port_url: str) -> None:
    gateway = StripeGateway(settings_for(closed_port_url), max_network_retries=0)
    calls = [
        lambda: gateway.customer_exists("cus_x"),
        lambda: gateway.create_setup_intent("cus_x"),
        lambda: gateway.card_from_setup_intent("seti_x", "cus_x"),
        lambda: gateway.set_default_card("cus_x", "pm_x"),
        lambda: gateway.default_card("cus_x"),
        lambda: gateway.list_cards("cus_x"),
        lambda: gateway.detach_card("pm_x"),
        lambda: gateway.retrieve_payment("pi_x"),
        lambda: gateway.attach_test_card("cus_x"),
    ]
    for call in calls:
        with pytest.raises(PaymentsUnavailable):
            await call()


async def test_hung_server_times_out_as_payments_unavailable(silent_server_url: str) -> None:
    gateway = StripeGateway(
        settings_for(silent_server_url), timeout_seconds=0.5, max_network_retries=0
    )
    started = time.monotonic()
    with pytest.raises(PaymentsUnavailable):
        await gateway.list_cards("cus_x")
    assert time.monotonic() - started < 5


@pytest.fixture
def counting_silent_server() -> Iterator[tuple[str, list[socket.socket]]]:
    """A hung Stripe that counts the connections it accepts (one per attempt) and never answers."""
    accepted: list[socket.socket] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", accepted
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()


async def test_hung_server_gets_the_configured_attempts_then_unavailable(
    counting_silent_server,
) -> None:
    """The retries the settings choose are the retries made (each after its read timeout)."""
    url, accepted = counting_silent_server
    settings = dataclasses.replace(settings_for(url), timeout_seconds=0.3, max_network_retries=2)
    gateway = StripeGateway(settings)
    with pytest.raises(PaymentsUnavailable):
        await gateway.charge_off_session(
            customer_id="cus_x",
            payment_method_id="pm_x",
            amount_cents=100,
            idempotency_key="k-attempts",
            description="Prova",
            metadata={},
        )
    assert len(accepted) == 3


async def test_call_deadline_cuts_a_call_that_its_timeouts_would_let_wait_longer(
    silent_server_url: str, monkeypatch
) -> None:
    """Whatever the timeouts, no call outlives the deadline (here shortened to 1 s)."""
    monkeypatch.setattr(gateway_module, "STRIPE_CALL_DEADLINE_SECONDS", 1.0)
    gateway = StripeGateway(
        settings_for(silent_server_url), timeout_seconds=20, max_network_retries=0
    )
    started = time.monotonic()
    with pytest.raises(PaymentsUnavailable):
        await gateway.list_cards("cus_x")
    assert time.monotonic() - started < 5
