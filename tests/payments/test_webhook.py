"""Webhook signature checks and the Starlette route, including events signed by localstripe."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from tests.fixtures.localstripe import forwarded_webhooks
from ts_store.payments.gateway import StripeGateway
from ts_store.payments.webhook import (
    WebhookPayloadError,
    WebhookSignatureError,
    sign_payload,
    verify_event,
    webhook_route,
)

SECRET = "whsec_test_webhook"
EVENT = {"id": "evt_1", "object": "event", "type": "payment_intent.succeeded", "data": {}}
PAYLOAD = json.dumps(EVENT).encode()


def test_valid_signature_returns_the_event() -> None:
    assert verify_event(PAYLOAD, sign_payload(PAYLOAD, SECRET), SECRET) == EVENT


def test_signature_header_has_stripe_format() -> None:
    header = sign_payload(PAYLOAD, SECRET, timestamp=1_700_000_000)
    timestamp, signature = header.split(",")
    assert timestamp == "t=1700000000"
    assert signature.startswith("v1=") and len(signature) == 3 + 64


def test_wrong_secret_is_rejected() -> None:
    with pytest.raises(WebhookSignatureError):
        verify_event(PAYLOAD, sign_payload(PAYLOAD, "whsec_other"), SECRET)


def test_tampered_payload_is_rejected() -> None:
    header = sign_payload(PAYLOAD, SECRET)
    with pytest.raises(WebhookSignatureError):
        verify_event(PAYLOAD.replace(b"evt_1", b"evt_2"), header, SECRET)


@pytest.mark.parametrize("header", [None, ""])
def test_missing_signature_is_rejected(header: str | None) -> None:
    with pytest.raises(WebhookSignatureError):
        verify_event(PAYLOAD, header, SECRET)


def test_signature_older_than_five_minutes_is_rejected() -> None:
    """A replayed, correctly signed request is refused once the tolerance has passed."""
    stale = sign_payload(PAYLOAD, SECRET, timestamp=int(time.time()) - 301)
    with pytest.raises(WebhookSignatureError):
        verify_event(PAYLOAD, stale, SECRET)
    recent = sign_payload(PAYLOAD, SECRET, timestamp=int(time.time()) - 240)
    assert verify_event(PAYLOAD, recent, SECRET)["id"] == "evt_1"


@pytest.mark.parametrize("header", ["garbage", "t=abc,v1=00", "t=1700000000", "v1=00"])
def test_malformed_signature_header_is_rejected(header: str) -> None:
    with pytest.raises(WebhookSignatureError):
        verify_event(PAYLOAD, header, SECRET)


def test_empty_secret_is_rejected() -> None:
    with pytest.raises(WebhookSignatureError):
        verify_event(PAYLOAD, sign_payload(PAYLOAD, ""), "")


def test_non_utf8_payload_is_rejected() -> None:
    with pytest.raises(WebhookSignatureError):
        verify_event(b"\xff\xfe", "t=1,v1=00", SECRET)


@pytest.mark.parametrize("payload", [b"not json", b"[1, 2]", b'{"type": "x"}'])
def test_signed_payload_that_is_not_an_event_is_rejected(payload: bytes) -> None:
    with pytest.raises(WebhookPayloadError):
        verify_event(payload, sign_payload(payload, SECRET), SECRET)


# --- the Starlette route ------------------------------------------------------------------


def make_client(handler) -> httpx.AsyncClient:
    """An HTTP client wired to a Starlette app holding only the webhook route.

    (httpx's ASGITransport rather than starlette's TestClient, which Starlette 1.x
    deprecates when used with httpx.)"""
    app = Starlette(routes=[webhook_route("/stripe/webhook", SECRET, handler)])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app")


async def test_route_calls_the_handler_once_and_answers_200() -> None:
    seen: list[dict[str, Any]] = []

    async def handler(event: dict[str, Any]) -> None:
        seen.append(event)

    async with make_client(handler) as client:
        response = await client.post(
            "/stripe/webhook",
            content=PAYLOAD,
            headers={"Stripe-Signature": sign_payload(PAYLOAD, SECRET)},
        )
    assert (response.status_code, response.json()) == (200, {"received": True})
    assert seen == [EVENT]


@pytest.mark.parametrize(
    ("payload", "signing_secret", "error"),
    [
        (PAYLOAD, "whsec_other", "invalid signature"),
        (PAYLOAD, None, "invalid signature"),
        (b"{oops", SECRET, "invalid payload"),
    ],
)
async def test_route_answers_400_and_skips_the_handler(
    payload: bytes, signing_secret: str | None, error: str
) -> None:
    seen: list[dict[str, Any]] = []

    async def handler(event: dict[str, Any]) -> None:
        seen.append(event)

    # signed now, not at collection: a long suite would make the timestamp too old
    header = sign_payload(payload, signing_secret) if signing_secret else None
    headers = {"Stripe-Signature": header} if header else {}
    async with make_client(handler) as client:
        response = await client.post("/stripe/webhook", content=payload, headers=headers)
    assert (response.status_code, response.json()) == (400, {"error": error})
    assert seen == []


async def test_route_answers_500_when_the_handler_fails_so_stripe_retries() -> None:
    async def handler(event: dict[str, Any]) -> None:
        raise RuntimeError("database down")

    async with make_client(handler) as client:
        response = await client.post(
            "/stripe/webhook",
            content=PAYLOAD,
            headers={"Stripe-Signature": sign_payload(PAYLOAD, SECRET)},
        )
    assert response.status_code == 500


async def test_route_accepts_post_only() -> None:
    async def handler(event: dict[str, Any]) -> None:
        raise AssertionError("not called")

    async with make_client(handler) as client:
        assert (await client.get("/stripe/webhook")).status_code == 405


# --- events signed by localstripe ---------------------------------------------------------


@pytest.mark.stripe
async def test_event_signed_by_localstripe_passes_the_route(
    localstripe_url: str, gateway: StripeGateway
) -> None:
    """localstripe posts real signed events (about 1 s after the change) to registered URLs.

    `forwarded_webhooks` hands each request, untouched, to our Starlette route.
    """
    events: list[dict[str, Any]] = []

    async def handler(event: dict[str, Any]) -> None:
        events.append(event)

    app = Starlette(routes=[webhook_route("/stripe/webhook", SECRET, handler)])
    async with forwarded_webhooks(
        localstripe_url, "ts_store_payments_test", app, SECRET, ["customer.created"]
    ) as statuses:
        customer_id = await gateway.create_customer(email="w@example.it", name="W", metadata={})
        async with asyncio.timeout(15):
            while not any(e["data"]["object"]["id"] == customer_id for e in events):
                await asyncio.sleep(0.1)
    event = next(e for e in events if e["data"]["object"]["id"] == customer_id)
    assert event["type"] == "customer.created"
    assert set(statuses) == {200}
