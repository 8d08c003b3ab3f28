"""Webhook edges (issue #15, finding 9, and the probes that held): signatures from the future or
the past, wrong secrets, replays, tampered bodies and oversized bodies are refused before the
handler runs."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from ts_store.payments.webhook import MAX_BODY_BYTES, sign_payload, webhook_route

SECRET = "whsec_security_suite"
EVENT = {"id": "evt_sec", "object": "event", "type": "payment_intent.succeeded", "data": {}}
PAYLOAD = json.dumps(EVENT).encode()
YEAR = 365 * 24 * 3600


class Recorder:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    async def __call__(self, event: dict[str, Any]) -> None:
        self.events.append(event)


async def _post(content, headers: dict[str, str]) -> tuple[httpx.Response, Recorder]:
    recorder = Recorder()
    app = Starlette(routes=[webhook_route("/stripe/webhook", SECRET, recorder)])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        response = await client.post("/stripe/webhook", content=content, headers=headers)
    return response, recorder


@pytest.mark.parametrize(
    "offset_seconds",
    [YEAR, 301, -301, -YEAR],
    ids=[
        "one_year_in_the_future",
        "just_over_5_minutes_ahead",
        "just_over_5_minutes_old",
        "a_year_old",
    ],
)
async def test_signature_outside_five_minutes_either_way_is_refused(offset_seconds):
    header = sign_payload(PAYLOAD, SECRET, int(time.time()) + offset_seconds)
    response, recorder = await _post(PAYLOAD, {"Stripe-Signature": header})
    assert response.status_code == 400 and recorder.events == []


async def test_signature_a_minute_ahead_is_accepted_clock_skew():
    header = sign_payload(PAYLOAD, SECRET, int(time.time()) + 60)
    response, recorder = await _post(PAYLOAD, {"Stripe-Signature": header})
    assert response.status_code == 200 and recorder.events == [EVENT]


async def test_twenty_megabyte_body_is_refused_with_413_unread():
    body = b"x" * (20 * 1024 * 1024)
    response, recorder = await _post(body, {"Stripe-Signature": sign_payload(PAYLOAD, SECRET)})
    assert response.status_code == 413 and recorder.events == []


async def test_body_over_the_limit_without_length_is_refused_while_streaming():
    async def chunks():
        for _ in range(MAX_BODY_BYTES // 1024 + 2):
            yield b"y" * 1024

    response, recorder = await _post(chunks(), {"Stripe-Signature": sign_payload(PAYLOAD, SECRET)})
    assert response.status_code == 413 and recorder.events == []


@pytest.mark.parametrize(
    "case",
    ["wrong_secret", "tampered_body", "no_header", "garbage_header", "timestamp_not_a_number"],
)
async def test_bad_signatures_are_refused(case):
    headers = {
        "wrong_secret": {"Stripe-Signature": sign_payload(PAYLOAD, "whsec_other")},
        "tampered_body": {"Stripe-Signature": sign_payload(PAYLOAD + b" ", SECRET)},
        "no_header": {},
        "garbage_header": {"Stripe-Signature": "t=abc,v1=def"},
        "timestamp_not_a_number": {"Stripe-Signature": "t=1e30,v1=" + "0" * 64},
    }[case]
    response, recorder = await _post(PAYLOAD, headers)
    assert response.status_code == 400 and recorder.events == []
