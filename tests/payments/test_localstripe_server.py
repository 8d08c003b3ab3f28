"""tools/localstripe_server.py: loopback only, state where we say, clean shutdown, and
``Idempotency-Key`` honoured as Stripe honours it."""

from __future__ import annotations

import base64
import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import stripe

from tests.fixtures.localstripe import READY_PREFIX, SERVER, started_localstripe

pytestmark = pytest.mark.stripe

STOCK_PICKLE = Path("/tmp/localstripe.pickle")  # what the stock command would write


def _stat(path: Path) -> tuple[int, int] | None:
    return (path.stat().st_mtime_ns, path.stat().st_size) if path.exists() else None


@contextmanager
def server(*args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    proc = subprocess.Popen(
        [sys.executable, str(SERVER), "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith(READY_PREFIX), line + proc.stderr.read()
        yield line[len(READY_PREFIX) :].strip(), proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def stop(proc: subprocess.Popen[str], sig: signal.Signals) -> str:
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0
    return out


def create_customer(url: str) -> str:
    response = httpx.post(
        f"{url}/v1/customers", data={"email": "s@example.it"}, auth=("sk_test_x", "")
    )
    response.raise_for_status()
    return response.json()["id"]


def customer_ids(url: str) -> set[str]:
    response = httpx.get(f"{url}/v1/customers", auth=("sk_test_x", ""))
    return {c["id"] for c in response.json()["data"]}


def test_listens_on_loopback_and_keeps_state_in_memory_by_default() -> None:
    before = _stat(STOCK_PICKLE)
    with server() as (url, proc):
        assert url.startswith("http://127.0.0.1:")
        customer = create_customer(url)
        assert "localstripe stopped" in stop(proc, signal.SIGTERM)
    with server() as (url, proc):
        assert customer not in customer_ids(url)
        stop(proc, signal.SIGINT)
    assert _stat(STOCK_PICKLE) == before


def test_state_file_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "localstripe.pickle"
    before = _stat(STOCK_PICKLE)
    with server("--state", str(state)) as (url, proc):
        customer = create_customer(url)
        stop(proc, signal.SIGINT)
    assert state.exists()
    with server("--state", str(state)) as (url, proc):
        assert customer in customer_ids(url)
        stop(proc, signal.SIGTERM)
    assert _stat(STOCK_PICKLE) == before


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1"])
def test_refuses_to_listen_beyond_loopback(host: str) -> None:
    result = subprocess.run(
        [sys.executable, str(SERVER), "--port", "0", "--host", host],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert "loopback" in result.stderr


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4242424242424242", "visa"),
        ("5555555555554444", "mastercard"),
        ("2223003122003222", "mastercard"),
        ("378282246310005", "amex"),
    ],
)
def test_launcher_reports_the_brand_stripe_would(number, brand):
    from tools.localstripe_server import card_brand

    assert card_brand(number) == brand


# --- Idempotency-Key, as Stripe honours it (docs/stripe.md) ----------------------------------

SECRET_KEY = "sk_test_idempotency"
CARD_OK = "4242424242424242"
CARD_DECLINED_ON_CHARGE = "4000000000000341"  # attaches, then every charge is declined


@pytest.fixture(scope="module")
def own_server() -> Iterator[str]:
    """A localstripe for this module alone, so that counting objects means something."""
    with started_localstripe() as process:
        yield process.url


def stripe_client(url: str, secret_key: str = SECRET_KEY) -> stripe.StripeClient:
    """The real stripe library, as the gateway uses it (its own retries off: we replay)."""
    return stripe.StripeClient(secret_key, base_addresses={"api": url}, max_network_retries=0)


def customer_with_card(client: stripe.StripeClient, number: str = CARD_OK) -> tuple[str, str]:
    customer = client.v1.customers.create({"email": "idem@example.it"})
    card = {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    method = client.v1.payment_methods.create({"type": "card", "card": card})  # type: ignore[typeddict-item]
    client.v1.payment_methods.attach(method.id, {"customer": customer.id})
    return customer.id, method.id


def charge_params(customer: str, method: str, amount: int = 1220) -> dict:
    return {
        "amount": amount,
        "currency": "eur",
        "customer": customer,
        "payment_method": method,
        "payment_method_types": ["card"],
        "off_session": True,
        "confirm": True,
        "metadata": {"ts_store_operation_id": "7"},
    }


def intents_of(client: stripe.StripeClient, customer: str) -> list:
    return list(client.v1.payment_intents.list({"customer": customer, "limit": 100}).data)


def customer_count(url: str, secret_key: str = SECRET_KEY) -> int:
    response = httpx.get(f"{url}/v1/customers", params={"limit": 100}, auth=(secret_key, ""))
    response.raise_for_status()
    return len(response.json()["data"])


def post_customer(url: str, key: str, email: str, secret_key: str = SECRET_KEY) -> httpx.Response:
    return httpx.post(
        f"{url}/v1/customers",
        data={"email": email},
        auth=(secret_key, ""),
        headers={"Idempotency-Key": key},
    )


def test_replayed_charge_returns_the_same_payment_intent_and_charges_once(own_server):
    client = stripe_client(own_server)
    customer, method = customer_with_card(client)
    params = charge_params(customer, method)

    first = client.v1.payment_intents.create(params, {"idempotency_key": "op-7-charge"})  # type: ignore[arg-type]
    again = client.v1.payment_intents.create(params, {"idempotency_key": "op-7-charge"})  # type: ignore[arg-type]

    assert first.status == "succeeded"
    assert again.id == first.id
    assert [intent.id for intent in intents_of(client, customer)] == [first.id]


def test_replay_is_marked_as_stripe_marks_it_and_keeps_status_and_body(own_server):
    before = customer_count(own_server)
    first = post_customer(own_server, "raw-replay", "raw@example.it")
    again = post_customer(own_server, "raw-replay", "raw@example.it")

    assert first.status_code == again.status_code == 200
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert customer_count(own_server) == before + 1


def test_same_key_with_different_parameters_is_an_idempotency_error_and_creates_nothing(
    own_server,
):
    client = stripe_client(own_server)
    customer, method = customer_with_card(client)
    client.v1.payment_intents.create(
        charge_params(customer, method, 1220),  # type: ignore[arg-type]
        {"idempotency_key": "op-8-charge"},
    )

    with pytest.raises(stripe.IdempotencyError) as caught:
        client.v1.payment_intents.create(
            charge_params(customer, method, 2440),  # type: ignore[arg-type]
            {"idempotency_key": "op-8-charge"},
        )

    assert caught.value.http_status == 400
    assert "same parameters" in str(caught.value)
    assert [intent.amount for intent in intents_of(client, customer)] == [1220]


def test_same_key_with_different_parameters_raw_answer_has_stripes_shape(own_server):
    before = customer_count(own_server)
    post_customer(own_server, "raw-mismatch", "one@example.it").raise_for_status()
    mismatch = post_customer(own_server, "raw-mismatch", "two@example.it")

    assert mismatch.status_code == 400
    assert mismatch.json()["error"]["type"] == "idempotency_error"
    assert customer_count(own_server) == before + 1


def test_a_declined_charge_is_replayed_not_charged_again(own_server):
    """Stripe saves error answers too: the retry of a declined charge is the same decline."""
    client = stripe_client(own_server)
    customer, method = customer_with_card(client, CARD_DECLINED_ON_CHARGE)
    params = charge_params(customer, method)

    declines = []
    for _ in range(2):
        with pytest.raises(stripe.CardError) as caught:
            client.v1.payment_intents.create(params, {"idempotency_key": "op-9-charge"})  # type: ignore[arg-type]
        declines.append(caught.value)

    assert [error.http_status for error in declines] == [402, 402]
    assert declines[1].headers["Idempotent-Replayed"] == "true"
    assert declines[1].json_body == declines[0].json_body
    assert len(intents_of(client, customer)) == 1


def test_keys_are_scoped_to_the_api_key(own_server):
    """Two accounts may use the same key: each gets its own object."""
    ours = post_customer(own_server, "shared-key", "a@example.it", "sk_test_account_a")
    theirs = post_customer(own_server, "shared-key", "a@example.it", "sk_test_account_b")

    assert ours.status_code == theirs.status_code == 200
    assert ours.json()["id"] != theirs.json()["id"]
    assert "Idempotent-Replayed" not in theirs.headers


def test_posts_without_a_key_are_never_merged(own_server):
    before = customer_count(own_server)
    for _ in range(2):
        httpx.post(
            f"{own_server}/v1/customers", data={"email": "nokey@example.it"}, auth=(SECRET_KEY, "")
        ).raise_for_status()
    assert customer_count(own_server) == before + 2


def test_a_key_longer_than_stripes_limit_is_refused_and_creates_nothing(own_server):
    before = customer_count(own_server)
    answer = post_customer(own_server, "k" * 256, "long@example.it")
    assert answer.status_code == 400
    assert customer_count(own_server) == before


def test_concurrent_twin_gets_409_in_use_and_only_one_object_is_created(own_server):
    """The first request is still arriving (half its body sent) when its twin comes: the twin
    is told the key is in use, as Stripe does, and the first then completes alone."""
    before = customer_count(own_server)
    body = b"email=twin%40example.it"
    host, port = own_server.removeprefix("http://").rsplit(":", 1)
    authorization = "Basic " + base64.b64encode(f"{SECRET_KEY}:".encode()).decode()
    head = (
        "POST /v1/customers HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        f"Authorization: {authorization}\r\n"
        "Idempotency-Key: twin-key\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=10) as first:
        first.sendall(head + body[:5])
        time.sleep(1)  # the server has dispatched it and waits for the rest of the body
        twin = post_customer(own_server, "twin-key", "twin@example.it")
        first.sendall(body[5:])
        answer = b""
        while chunk := first.recv(65536):
            answer += chunk

    assert twin.status_code == 409
    assert twin.json()["error"]["code"] == "idempotency_key_in_use"
    assert answer.startswith(b"HTTP/1.1 200")
    created = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert customer_count(own_server) == before + 1
    replay = post_customer(own_server, "twin-key", "twin@example.it")
    assert replay.json()["id"] == created["id"]


def test_saved_answers_survive_a_restart_with_the_state_file(tmp_path: Path) -> None:
    state = tmp_path / "localstripe.pickle"
    with server("--state", str(state)) as (url, proc):
        first = post_customer(url, "restart-key", "restart@example.it").json()["id"]
        stop(proc, signal.SIGTERM)
    with server("--state", str(state)) as (url, proc):
        again = post_customer(url, "restart-key", "restart@example.it")
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json()["id"] == first
        assert customer_count(url) == 1
        stop(proc, signal.SIGTERM)


def test_a_key_is_forgotten_once_it_expires() -> None:
    with server("--idempotency-ttl", "1") as (url, proc):
        first = post_customer(url, "expiring-key", "exp@example.it").json()["id"]
        time.sleep(1.5)
        later = post_customer(url, "expiring-key", "exp@example.it")
        assert "Idempotent-Replayed" not in later.headers
        assert later.json()["id"] != first
        assert customer_count(url) == 2
        stop(proc, signal.SIGTERM)


def test_payment_intents_list_by_created_as_stripe_filters_it(own_server):
    client = stripe_client(own_server)
    customer, method = customer_with_card(client)
    intent = client.v1.payment_intents.create(charge_params(customer, method))  # type: ignore[arg-type]

    def listed(created) -> list[str]:
        params = {"customer": customer, "limit": 100, "created": created}
        return [i.id for i in client.v1.payment_intents.list(params).data]  # type: ignore[arg-type]

    assert listed({"gte": intent.created}) == [intent.id]
    assert listed({"gt": intent.created}) == []
    assert listed({"lte": intent.created, "gt": intent.created - 60}) == [intent.id]
    assert listed(intent.created) == [intent.id]
    with pytest.raises(stripe.InvalidRequestError):
        listed({"after": intent.created})
