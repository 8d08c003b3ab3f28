"""Stripe webhook endpoint: verify the signature, parse the event, hand it to billing.

Verification uses stripe's own ``WebhookSignature`` so the format stays Stripe's (localstripe
signs the same way). Deduplicating event ids is the handler's job, not this module's.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import stripe
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

log = logging.getLogger(__name__)

EventHandler = Callable[[dict[str, Any]], Awaitable[None]]


class WebhookError(Exception):
    """The request is not a usable Stripe event (answered with 400)."""


class WebhookSignatureError(WebhookError):
    """Missing, malformed, wrong or stale ``Stripe-Signature``."""


class WebhookPayloadError(WebhookError):
    """Correctly signed, but not a JSON event object."""


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
    tolerance_seconds: int = 300,
) -> dict[str, Any]:
    """The event as a plain dict, once its signature and timestamp check out.

    The tolerance rejects replays of old, correctly signed requests.
    """
    if not secret:
        raise WebhookSignatureError("no webhook secret configured")
    try:
        stripe.WebhookSignature.verify_header(payload, signature_header, secret, tolerance_seconds)
    except stripe.SignatureVerificationError as error:
        raise WebhookSignatureError(str(error)) from error
    except (UnicodeDecodeError, ValueError) as error:
        raise WebhookSignatureError("unreadable payload or header") from error
    try:
        event = json.loads(payload)
    except ValueError as error:
        raise WebhookPayloadError("payload is not JSON") from error
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise WebhookPayloadError("payload is not a Stripe event")
    return event


def webhook_route(path: str, secret: str, handler: EventHandler) -> Route:
    """A Starlette POST route for Stripe webhooks.

    400 with ``{"error": ...}`` for a bad signature or payload (Stripe shows it in its
    dashboard); 200 ``{"received": true}`` once ``handler`` returns; 500 when the handler
    raises, so that Stripe retries the event later.
    """

    async def endpoint(request: Request) -> JSONResponse:
        payload = await request.body()
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
