"""Stripe gateway: the only code that talks to Stripe (or to localstripe in development).

Async only: a blocking Stripe call inside a Reflex event handler would stall every client.
Callers get small frozen dataclasses and ``ts_store.payments.errors`` exceptions with codes,
never ``stripe`` objects or ``stripe`` errors.

Every public call answers within ``STRIPE_CALL_DEADLINE_SECONDS`` (30 s), retries and back-off
included, even when Stripe hangs: the client's timeouts and retries come from the settings
(docs/stripe.md), and the deadline is enforced around each call as well.

Where localstripe differs from Stripe the code handles both (docs/stripe.md):
a confirmed SetupIntent leaves the card unattached, so we attach it; PaymentIntents do not
accept ``description``, so it is dropped there; declines carry no ``decline_code``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import enum
import functools
import inspect
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import stripe

from ts_store.payments.config import (
    STRIPE_CALL_DEADLINE_SECONDS,
    STRIPE_CONNECT_TIMEOUT_SECONDS,
    StripeSettings,
)
from ts_store.payments.errors import (
    CARD_DECLINED,
    CARD_NOT_FOUND,
    CARD_NOT_VERIFIED,
    CardError,
    PaymentsError,
    PaymentsUnavailable,
)

log = logging.getLogger(__name__)

CURRENCY = "eur"
# Pages of 100 read when listing a customer's payments (an operation is looked up with the
# date it was created, so one page is the usual case).
MAX_LIST_PAGES = 20

# Real Stripe refuses raw card numbers from servers; its test mode offers these ids instead
# (https://docs.stripe.com/testing#cards). Used by attach_test_card only.
STRIPE_TEST_PAYMENT_METHODS: Mapping[str, str] = {
    "4242424242424242": "pm_card_visa",
    "5555555555554444": "pm_card_mastercard",
    "4000000000000002": "pm_card_visa_chargeDeclined",
    "4000000000009995": "pm_card_visa_chargeDeclinedInsufficientFunds",
    "4000000000000341": "pm_card_chargeCustomerFail",
    "4000002760003184": "pm_card_authenticationRequired",
    "4000002500003155": "pm_card_authenticationRequiredOnSetup",
}


@dataclass(frozen=True)
class CardInfo:
    payment_method_id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True)
class SetupIntentInfo:
    id: str
    client_secret: str


@dataclass(frozen=True)
class RefundInfo:
    refund_id: str
    amount_cents: int


class PaymentStatus(enum.StrEnum):
    """How a payment stands, in our words (Stripe's PaymentIntent statuses map onto these)."""

    SUCCEEDED = "succeeded"
    REQUIRES_ACTION = "requires_action"
    FAILED = "failed"
    PROCESSING = "processing"


@dataclass(frozen=True)
class PaymentOutcome:
    """Result of a charge (``status``: a PaymentStatus).

    On ``requires_action`` the page calls
    ``stripe.confirmCardPayment(client_secret, {payment_method: payment_method_id})``
    (passing the card is required by real Stripe after an off-session
    ``authentication_required``; localstripe ignores it), then the server calls
    ``retrieve_payment``. On ``failed`` nothing was charged; ``decline_code`` (Stripe's
    decline_code, else its error code) and ``stripe_code`` (the error code) say why.
    """

    status: PaymentStatus
    payment_intent_id: str | None
    client_secret: str | None
    amount_cents: int
    decline_code: str | None
    metadata: dict[str, str]
    payment_method_id: str | None = None
    stripe_code: str | None = None


_Gateway = TypeVar("_Gateway", bound=type)


def _within_call_deadline(cls: _Gateway) -> _Gateway:
    """Wrap every public coroutine of the gateway in the call deadline.

    The timeouts and retries already fit in it when Stripe hangs; this also bounds what they do
    not cover (a call made of several requests, a slow trickle of bytes), so a caller — the
    customer waiting on a confirm — never waits longer. Past it the outcome is unknown:
    ``PaymentsUnavailable``, as for any lost answer.
    """
    for name, method in list(vars(cls).items()):
        if name.startswith("_") or name == "aclose" or not inspect.iscoroutinefunction(method):
            continue

        @functools.wraps(method)
        async def bounded(self: Any, *args: Any, __method: Callable = method, **kwargs: Any) -> Any:
            try:
                async with asyncio.timeout(STRIPE_CALL_DEADLINE_SECONDS):
                    return await __method(self, *args, **kwargs)
            except TimeoutError as error:
                log.warning(
                    "Stripe call %s exceeded the %ss deadline",
                    __method.__name__,
                    STRIPE_CALL_DEADLINE_SECONDS,
                )
                raise PaymentsUnavailable(
                    detail=f"no answer within {STRIPE_CALL_DEADLINE_SECONDS:g} s"
                ) from error

        setattr(cls, name, bounded)
    return cls


@_within_call_deadline
class StripeGateway:
    """Thin async façade over ``stripe.StripeClient``; one per app is enough."""

    def __init__(
        self,
        settings: StripeSettings,
        *,
        timeout_seconds: float | None = None,
        max_network_retries: int | None = None,
    ) -> None:
        """Timeouts and retries come from ``settings``; the keywords override them (tests)."""
        overrides: dict[str, Any] = {}
        if timeout_seconds is not None:
            overrides["timeout_seconds"] = timeout_seconds
        if max_network_retries is not None:
            overrides["max_network_retries"] = max_network_retries
        self._settings = dataclasses.replace(settings, **overrides) if overrides else settings
        self._client: stripe.StripeClient | None = None
        self._http: stripe.HTTPXClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def settings(self) -> StripeSettings:
        return self._settings

    def _stripe(self) -> stripe.StripeClient:
        """The client for the running event loop.

        httpx connection pools belong to one loop; rebuilding on a new loop keeps the gateway
        usable from tests (a loop per test) and from long-lived singletons alike.
        """
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            settings = self._settings
            timeout = httpx.Timeout(
                connect=STRIPE_CONNECT_TIMEOUT_SECONDS,
                read=settings.timeout_seconds,
                write=STRIPE_CONNECT_TIMEOUT_SECONDS,
                pool=STRIPE_CONNECT_TIMEOUT_SECONDS,
            )
            self._http = _HTTPXClient(timeout=timeout)  # async only: no sync calls
            base = {"api": settings.api_base} if settings.api_base else None
            self._client = stripe.StripeClient(
                settings.secret_key,
                base_addresses=base,
                http_client=self._http,
                max_network_retries=settings.max_network_retries,
            )
            self._loop = loop
        return self._client

    async def aclose(self) -> None:
        """Close the HTTP connections (optional; call at shutdown)."""
        if self._http is not None and self._loop is asyncio.get_running_loop():
            await self._http.close_async()
        self._client = self._http = self._loop = None

    # --- customers -------------------------------------------------------------------

    async def create_customer(
        self,
        *,
        email: str,
        name: str,
        metadata: dict[str, str],
        idempotency_key: str | None = None,
    ) -> str:
        params = {"email": email, "name": name, "metadata": metadata}
        with _mapped_errors():
            customer = await self._stripe().v1.customers.create_async(
                params, _options(idempotency_key)
            )
        return customer.id

    async def customer_exists(self, customer_id: str) -> bool:
        data = await self._retrieve_or_none("customers", customer_id)
        return data is not None and not data.get("deleted", False)

    # --- cards -------------------------------------------------------------------------

    async def create_setup_intent(self, customer_id: str) -> SetupIntentInfo:
        params = {"customer": customer_id, "usage": "off_session", "payment_method_types": ["card"]}
        with _mapped_errors():
            intent = await self._stripe().v1.setup_intents.create_async(params)
        return SetupIntentInfo(id=intent.id, client_secret=intent.client_secret)

    async def card_from_setup_intent(self, setup_intent_id: str, customer_id: str) -> CardInfo:
        """The card saved by a SetupIntent the browser confirmed, checked server-side.

        The id comes from the browser, so it proves nothing: the SetupIntent must belong to
        ``customer_id`` and have succeeded. localstripe does not attach the card to the
        customer on confirmation (Stripe does), so attach it here when needed.
        """
        intent = await self._retrieve_or_none("setup_intents", setup_intent_id)
        if intent is None or _id(intent.get("customer")) != customer_id:
            raise CardError(CARD_NOT_FOUND, detail=f"setup intent {setup_intent_id!r} not found")
        if intent.get("status") != "succeeded":
            error = intent.get("last_setup_error") or {}
            raise CardError(
                CARD_DECLINED if error else CARD_NOT_VERIFIED,
                decline_code=error.get("decline_code") or error.get("code"),
                stripe_code=error.get("code"),
                detail=f"setup intent status {intent.get('status')!r}",
            )
        method = await self._owned_card(_id(intent.get("payment_method")), customer_id)
        if method.get("customer") is None:
            method = await self._attach(method["id"], customer_id)
        return _card_info(method)

    async def set_default_card(self, customer_id: str, payment_method_id: str) -> None:
        await self._owned_card(payment_method_id, customer_id, must_be_attached=True)
        params = {"invoice_settings": {"default_payment_method": payment_method_id}}
        with _mapped_errors():
            await self._stripe().v1.customers.update_async(customer_id, params)

    async def default_card(self, customer_id: str) -> CardInfo | None:
        """The customer's default card, or None (also when that card was detached since:
        localstripe keeps a detached card as the default)."""
        customer = await self._retrieve_or_none("customers", customer_id)
        settings = (customer or {}).get("invoice_settings") or {}
        method_id = _id(settings.get("default_payment_method"))
        if method_id is None:
            return None
        method = await self._retrieve_or_none("payment_methods", method_id)
        if method is None or _id(method.get("customer")) != customer_id:
            return None
        return _card_info(method)

    async def list_cards(self, customer_id: str) -> list[CardInfo]:
        params = {"customer": customer_id, "type": "card", "limit": 100}
        with _mapped_errors():
            page = await self._stripe().v1.payment_methods.list_async(params)
        return [_card_info(method.to_dict()) for method in page.data]

    async def detach_card(self, payment_method_id: str, *, customer_id: str | None = None) -> None:
        """Detach a card; a no-op when already detached. With ``customer_id``, refuse a card
        that belongs to someone else."""
        if customer_id is not None:
            method = await self._owned_card(payment_method_id, customer_id)
        else:
            method = await self._retrieve_or_none("payment_methods", payment_method_id)
            if method is None:
                raise CardError(CARD_NOT_FOUND, detail=f"no payment method {payment_method_id!r}")
        if method.get("customer") is None:
            return
        with _mapped_errors():
            await self._stripe().v1.payment_methods.detach_async(payment_method_id)

    async def attach_test_card(
        self, customer_id: str, number: str = "4242424242424242"
    ) -> CardInfo:
        """Demo data and tests only: attach a Stripe test card without a browser.

        localstripe takes raw card data; real Stripe (test mode) takes ``pm_card_*`` ids.
        Declining cards raise ``CardError`` here, as they do on attach in both.
        """
        if self._settings.uses_localstripe:
            card = {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}
            with _mapped_errors():
                created = await self._stripe().v1.payment_methods.create_async(
                    {"type": "card", "card": card}  # type: ignore[typeddict-item]
                )
            method_id = created.id
        else:
            try:
                method_id = STRIPE_TEST_PAYMENT_METHODS[number]
            except KeyError:
                raise ValueError(f"no Stripe test payment method for card {number}") from None
        return _card_info(await self._attach(method_id, customer_id))

    # --- charges -----------------------------------------------------------------------

    async def charge_off_session(
        self,
        *,
        customer_id: str,
        payment_method_id: str,
        amount_cents: int,
        idempotency_key: str,
        description: str,
        metadata: dict[str, str],
    ) -> PaymentOutcome:
        """Charge a saved card with the customer away (renewals, upgrades).

        ``idempotency_key`` makes Stripe (and our localstripe, tools/localstripe_server.py)
        answer a retry with the first result: the stripe library's own retries and a later
        confirm of the same operation charge once. A decline is an outcome (``failed``), not an
        exception; ``PaymentsUnavailable`` means "unknown, retry with the same key" — also when
        Stripe says the key was first used with other parameters (e.g. another card): a charge
        may exist under it, so the operation must be looked up, never closed as failed.
        """
        if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
            raise ValueError(f"amount_cents must be a positive int, not {amount_cents!r}")
        if not idempotency_key:
            raise ValueError("idempotency_key is required")
        params: dict[str, Any] = {
            "amount": amount_cents,
            "currency": CURRENCY,
            "customer": customer_id,
            "payment_method": payment_method_id,
            "payment_method_types": ["card"],
            "off_session": True,
            "confirm": True,
            "metadata": metadata,
        }
        if not self._settings.uses_localstripe:  # localstripe answers 400 to description
            params["description"] = description
        try:
            intent = await self._stripe().v1.payment_intents.create_async(
                params,  # type: ignore[arg-type]
                _options(idempotency_key),
            )
        except stripe.CardError as error:
            return _declined(error, amount_cents, metadata, payment_method_id)
        except stripe.IdempotencyError as error:
            log.error("Charge %s re-sent with other parameters: %r", idempotency_key, error)
            raise PaymentsUnavailable(detail=str(error)) from error
        except stripe.StripeError as error:
            raise _translate(error) from error
        return _outcome(intent.to_dict())

    async def retrieve_payment(self, payment_intent_id: str) -> PaymentOutcome:
        with _mapped_errors():
            intent = await self._stripe().v1.payment_intents.retrieve_async(payment_intent_id)
        return _outcome(intent.to_dict())

    async def find_payment(
        self, *, customer_id: str, operation_id: int, created_since: int | None = None
    ) -> PaymentOutcome | None:
        """The payment our charge for `operation_id` made, or None if Stripe has none.

        Used when we never got Stripe's answer (a crash or a timeout mid-charge). When several
        PaymentIntents name the operation (extra charges), the oldest succeeded one is the
        payment; the others are extras (``payments_for_operation``).
        """
        intents = await self.payments_for_operation(
            customer_id=customer_id, operation_id=operation_id, created_since=created_since
        )
        paid = [intent for intent in intents if intent.status == PaymentStatus.SUCCEEDED]
        if paid:
            return paid[-1]
        return intents[0] if intents else None

    async def payments_for_operation(
        self, *, customer_id: str, operation_id: int, created_since: int | None = None
    ) -> list[PaymentOutcome]:
        """Every PaymentIntent whose metadata names `operation_id` (charges carry
        ``ts_store_operation_id``), newest first."""
        wanted = str(operation_id)
        return [
            intent
            for intent in await self.payments_of_customer(
                customer_id=customer_id, created_since=created_since
            )
            if intent.metadata.get("ts_store_operation_id") == wanted
        ]

    async def payments_of_customer(
        self, *, customer_id: str, created_since: int | None = None
    ) -> list[PaymentOutcome]:
        """The customer's PaymentIntents, newest first, only those created since
        `created_since` (Unix time) when given. Listing is strongly consistent, unlike Stripe's
        search (which may lag a minute): what was just charged is there."""
        params: dict[str, Any] = {"customer": customer_id, "limit": 100}
        if created_since is not None:
            params["created"] = {"gte": int(created_since)}
        found: list[PaymentOutcome] = []
        for _page in range(MAX_LIST_PAGES):
            with _mapped_errors():
                page = await self._stripe().v1.payment_intents.list_async(params)  # type: ignore[arg-type]
            found.extend(_outcome(intent.to_dict()) for intent in page.data)
            if not page.has_more or not page.data:
                break
            params["starting_after"] = page.data[-1].id
        return found

    async def cancel_payment(self, payment_intent_id: str) -> None:
        """Cancel a payment that has not succeeded (e.g. one waiting for 3-D Secure); Stripe
        refuses once it has succeeded (PaymentsError)."""
        with _mapped_errors():
            await self._stripe().v1.payment_intents.cancel_async(payment_intent_id)

    async def refunded_cents(self, payment_intent_id: str) -> int:
        """How much of a payment has been refunded so far (by us or from the dashboard)."""
        return sum(refund.amount_cents for refund in await self.refunds_of(payment_intent_id))

    async def refunds_of(self, payment_intent_id: str) -> list[RefundInfo]:
        """The refunds of a payment that give money back (succeeded or pending), oldest first."""
        params = {"payment_intent": payment_intent_id, "limit": 100}
        with _mapped_errors():
            page = await self._stripe().v1.refunds.list_async(params)  # type: ignore[arg-type]
        refunds = [
            RefundInfo(refund_id=refund.id, amount_cents=int(refund.amount))
            for refund in page.data
            if refund.status in (None, "succeeded", "pending")
        ]
        return list(reversed(refunds))

    async def refund_payment(
        self,
        payment_intent_id: str,
        *,
        idempotency_key: str,
        metadata: dict[str, str],
        amount_cents: int | None = None,
    ) -> str:
        """Refund a payment (in full, or `amount_cents` of it); returns the refund id. The key
        makes a retry safe."""
        if not idempotency_key:
            raise ValueError("idempotency_key is required")
        params: dict[str, Any] = {"payment_intent": payment_intent_id, "metadata": metadata}
        if amount_cents is not None:
            params["amount"] = amount_cents
        with _mapped_errors():
            refund = await self._stripe().v1.refunds.create_async(
                params,  # type: ignore[arg-type]
                _options(idempotency_key),
            )
        return refund.id

    # --- helpers -----------------------------------------------------------------------

    async def _retrieve_or_none(self, service: str, object_id: str | None) -> dict[str, Any] | None:
        """Retrieve an object as a plain dict; None when Stripe says 404 (or no id)."""
        if not object_id:
            return None
        try:
            obj = await getattr(self._stripe().v1, service).retrieve_async(object_id)
        except stripe.InvalidRequestError as error:
            if error.http_status == 404:
                return None
            raise _translate(error) from error
        except stripe.StripeError as error:
            raise _translate(error) from error
        return obj.to_dict()

    async def _owned_card(
        self, method_id: str | None, customer_id: str, *, must_be_attached: bool = False
    ) -> dict[str, Any]:
        """A card payment method that is this customer's or (unless must_be_attached) nobody's."""
        method = await self._retrieve_or_none("payment_methods", method_id)
        owner = _id((method or {}).get("customer"))
        allowed = {customer_id} if must_be_attached else {customer_id, None}
        if method is None or method.get("type") != "card" or owner not in allowed:
            raise CardError(CARD_NOT_FOUND, detail=f"card {method_id!r} is not {customer_id}'s")
        return method

    async def _attach(self, method_id: str, customer_id: str) -> dict[str, Any]:
        with _mapped_errors():
            method = await self._stripe().v1.payment_methods.attach_async(
                method_id, {"customer": customer_id}
            )
        return method.to_dict()


class _HTTPXClient(stripe.HTTPXClient):
    """stripe 16 hands httpx the encoded form body as ``data=``, which httpx deprecates for
    raw text (a DeprecationWarning on every call); send it as ``content=`` instead."""

    def _get_request_args_kwargs(self, method, url, headers, post_data):  # type: ignore[no-untyped-def]
        args, kwargs = super()._get_request_args_kwargs(method, url, headers, post_data)
        if isinstance(kwargs.get("data"), str | bytes):
            kwargs["content"] = kwargs.pop("data")
        return args, kwargs


# --- translation of Stripe answers ---------------------------------------------------------


def _options(idempotency_key: str | None) -> stripe.RequestOptions | None:
    return {"idempotency_key": idempotency_key} if idempotency_key else None


def _id(value: Any) -> str | None:
    """An id from a field that may be an id, an expanded object or empty."""
    if isinstance(value, dict):
        return value.get("id")
    return value or None


def _card_info(method: Mapping[str, Any]) -> CardInfo:
    card = method.get("card") or {}
    if method.get("type") != "card" or not card:
        raise CardError(CARD_NOT_FOUND, detail=f"{method.get('id')!r} is not a card")
    return CardInfo(
        payment_method_id=method["id"],
        brand=str(card.get("brand", "")),
        last4=str(card.get("last4", "")),
        exp_month=int(card.get("exp_month", 0)),
        exp_year=int(card.get("exp_year", 0)),
    )


def _str_dict(value: Mapping[str, Any] | None) -> dict[str, str]:
    return {str(k): str(v) for k, v in (value or {}).items()}


def _outcome(intent: Mapping[str, Any]) -> PaymentOutcome:
    status = _STATUSES.get(intent.get("status", ""), PaymentStatus.FAILED)
    error = (intent.get("last_payment_error") or {}) if status == PaymentStatus.FAILED else {}
    return PaymentOutcome(
        status,
        payment_intent_id=intent["id"],
        client_secret=intent.get("client_secret")
        if status == PaymentStatus.REQUIRES_ACTION
        else None,
        amount_cents=int(intent["amount"]),
        decline_code=error.get("decline_code") or error.get("code"),
        metadata=_str_dict(intent.get("metadata")),
        payment_method_id=_id(intent.get("payment_method")),
        stripe_code=error.get("code"),
    )


# PaymentIntent status -> ours. Anything else (requires_payment_method after a decline or a
# failed 3-D Secure, canceled, requires_confirmation) means nothing was charged: failed.
_STATUSES = {
    "succeeded": PaymentStatus.SUCCEEDED,
    "requires_action": PaymentStatus.REQUIRES_ACTION,
    "processing": PaymentStatus.PROCESSING,
    "requires_capture": PaymentStatus.PROCESSING,
}


def _declined(
    error: stripe.CardError, amount_cents: int, metadata: dict[str, str], method_id: str
) -> PaymentOutcome:
    """A 402 on an off-session charge. Real Stripe includes the PaymentIntent in the error
    (and asks for authentication with ``authentication_required``); localstripe does not."""
    body = _error_body(error)
    intent = body.get("payment_intent") or {}
    if error.code == "authentication_required" and intent.get("client_secret"):
        return PaymentOutcome(
            PaymentStatus.REQUIRES_ACTION,
            payment_intent_id=intent["id"],
            client_secret=intent["client_secret"],
            amount_cents=int(intent.get("amount", amount_cents)),
            decline_code=None,
            metadata=_str_dict(intent.get("metadata", metadata)),
            payment_method_id=method_id,
        )
    return PaymentOutcome(
        PaymentStatus.FAILED,
        payment_intent_id=intent.get("id"),
        client_secret=None,
        amount_cents=int(intent.get("amount", amount_cents)),
        decline_code=body.get("decline_code") or error.code,
        metadata=_str_dict(intent.get("metadata", metadata)),
        payment_method_id=method_id,
        stripe_code=error.code,
    )


def _error_body(error: stripe.StripeError) -> dict[str, Any]:
    body = error.json_body
    inner = body.get("error") if isinstance(body, dict) else None
    return inner if isinstance(inner, dict) else {}


def _translate(error: stripe.StripeError) -> PaymentsError:
    """Map a stripe error to ours. Details go to the log and to ``str()``, never to ``code``."""
    if isinstance(error, stripe.CardError):
        decline = _error_body(error).get("decline_code")
        return CardError(
            CARD_DECLINED,
            decline_code=decline or error.code,
            stripe_code=error.code,
            detail=str(error),
        )
    if isinstance(error, stripe.APIConnectionError | stripe.RateLimitError | stripe.APIError):
        log.warning("Stripe unavailable: %r", error)
        return PaymentsUnavailable(detail=str(error))
    log.error("Stripe request failed: %r", error)
    return PaymentsError(detail=str(error))


@contextlib.contextmanager
def _mapped_errors() -> Iterator[None]:
    try:
        yield
    except stripe.StripeError as error:
        raise _translate(error) from error
