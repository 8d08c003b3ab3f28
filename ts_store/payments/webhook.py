"""Stripe webhook endpoint: verify the signature, parse the event, hand it to billing.

Verification uses stripe's own ``WebhookSignature`` so the format stays Stripe's (localstripe
signs the same way). Deduplicating event ids is the handler's job, not this module's.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import stripe
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024  # Stripe's events are a few KB; a bigger body is refused unread
TOLERANCE_SECONDS = 300  # either way: older is a replay, newer is a forged or broken clock

EventHandler = Callable[[dict[str, Any]], Awaitable[None]]


class WebhookError(Exception):
    """The request is not a usable Stripe event (answered with 400)."""


class WebhookSignatureError(WebhookError):
    """Missing, malformed, wrong or stale ``Stripe-Signature``."""


class WebhookPayloadError(WebhookError):
    """Correctly signed, but not a JSON event object."""


class WebhookTooLarge(WebhookError):
    """The body is over MAX_BODY_BYTES (answered with 413, before or while reading it)."""


def _signed_timestamp(signature_header: str | None) -> int | None:
    for item in (signature_header or "").split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit() and len(value) <= 12:
            return int(value)
    return None


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header value for ``payload`` (tests, local tools)."""
    return stripe.WebhookSignature.generate_signature_header(
        payload.decode("utf-8"), secret, timestamp
    )


def verify_event(
    payload: bytes,
    signature_header: str | None,
    secret: str,
    *,
    tolerance_seconds: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> dict[str, Any]:
    """The event as a plain dict, once its signature and timestamp check out.

    The tolerance rejects replays of old, correctly signed requests, and (which stripe's check
    does not) timestamps more than the tolerance in the future (issue #15, finding 9).
    """
    if not secret:
        raise WebhookSignatureError("no webhook secret configured")
    try:
        stripe.WebhookSignature.verify_header(payload, signature_header, secret, tolerance_seconds)
    except stripe.SignatureVerificationError as error:
        raise WebhookSignatureError(str(error)) from error
    except (UnicodeDecodeError, ValueError) as error:
        raise WebhookSignatureError("unreadable payload or header") from error
    timestamp = _signed_timestamp(signature_header)
    current = time.time() if now is None else now
    if timestamp is None or timestamp > current + tolerance_seconds:
        raise WebhookSignatureError("timestamp in the future")
    try:
        event = json.loads(payload)
    except ValueError as error:
        raise WebhookPayloadError("payload is not JSON") from error
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise WebhookPayloadError("payload is not a Stripe event")
    return event


async def read_bounded_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body, refused by its Content-Length before reading, or once the stream passes it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise WebhookTooLarge(f"declared {declared} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise WebhookTooLarge(f"over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def webhook_route(path: str, secret: str, handler: EventHandler) -> Route:
    """A Starlette POST route for Stripe webhooks.

    400 with ``{"error": ...}`` for a bad signature or payload (Stripe shows it in its
    dashboard); 200 ``{"received": true}`` once ``handler`` returns; 500 when the handler
    raises, so that Stripe retries the event later.
    """

    async def endpoint(request: Request) -> JSONResponse:
        try:
            payload = await read_bounded_body(request)
        except WebhookTooLarge as error:
            log.warning("Rejected Stripe webhook: %s", error)
            return JSONResponse({"error": "payload too large"}, status_code=413)
        try:
            event = verify_event(payload, request.headers.get("stripe-signature"), secret)
        except WebhookSignatureError as error:
            log.warning("Rejected Stripe webhook: %s", error)
            return JSONResponse({"error": "invalid signature"}, status_code=400)
        except WebhookPayloadError as error:
            log.warning("Rejected Stripe webhook: %s", error)
            return JSONResponse({"error": "invalid payload"}, status_code=400)
        try:
            await handler(event)
        except Exception:
            log.exception("Stripe webhook handler failed for %s", event["id"])
            return JSONResponse({"error": "handler failed"}, status_code=500)
        return JSONResponse({"received": True})

    return Route(path, endpoint, methods=["POST"], name="stripe_webhook")
