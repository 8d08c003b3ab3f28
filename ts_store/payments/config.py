"""Stripe settings from the environment.

With no Stripe variables set the app talks to a local localstripe server (see
tools/localstripe_server.py); with real keys it talks to Stripe, unchanged.

The Stripe client's timeouts and retries are chosen here, not inherited from the stripe library
(80 s per attempt there): one gateway call must answer within ``STRIPE_CALL_DEADLINE_SECONDS``
even when Stripe hangs. The arithmetic is in docs/stripe.md.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlparse

import stripe

LOCALSTRIPE_API_BASE = "http://127.0.0.1:8420"
LOCALSTRIPE_SECRET_KEY = "sk_test_localstripe"
LOCALSTRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"
LOCALSTRIPE_WEBHOOK_SECRET = "whsec_localstripe_dev"
STRIPE_JS_URL = "https://js.stripe.com/v3/"

_PREFIX = "TS_STORE_STRIPE_"

# The longest one gateway call may take, every attempt and back-off included: a customer's
# confirm waits at most this long for Stripe, and an operation still "charging" after it (plus
# margin) can no longer be waiting on a live request — the reconciliation's notion of stale.
STRIPE_CALL_DEADLINE_SECONDS = 30.0
# Opening a TCP (and TLS) connection to Stripe takes well under a second; 2 s also covers one
# lost SYN (Linux retransmits it after 1 s). Writing the small request body and waiting for a
# pooled connection get the same limit.
STRIPE_CONNECT_TIMEOUT_SECONDS = 2.0
# Per attempt, how long to wait for Stripe's answer once the request is sent. Stripe answers a
# confirmed off-session PaymentIntent in 1-3 s; 7 s leaves room for a slow card network and
# lets 3 attempts fit in the deadline.
DEFAULT_STRIPE_TIMEOUT_SECONDS = 7.0
# Retries of a request Stripe did not answer (or answered 409/5xx), always with the same
# idempotency key, so Stripe merges them.
DEFAULT_STRIPE_MAX_RETRIES = 2
MAX_STRIPE_RETRIES = 5


def stripe_backoff_seconds(max_network_retries: int) -> float:
    """The longest the stripe library sleeps between attempts, all retries together: retry n
    waits at most min(INITIAL_DELAY * 2**(n-1), MAX_DELAY) (jitter only shortens it)."""
    initial, ceiling = stripe.HTTPClient.INITIAL_DELAY, stripe.HTTPClient.MAX_DELAY
    return sum(min(initial * 2 ** (n - 1), ceiling) for n in range(1, max_network_retries + 1))


def stripe_call_worst_case_seconds(timeout_seconds: float, max_network_retries: int) -> float:
    """How long one request may take when Stripe hangs: every attempt connects and then waits
    for the answer until its timeout, with the longest back-off between attempts."""
    attempts = max_network_retries + 1
    per_attempt = STRIPE_CONNECT_TIMEOUT_SECONDS + timeout_seconds
    return attempts * per_attempt + stripe_backoff_seconds(max_network_retries)


@dataclass(frozen=True)
class StripeSettings:
    secret_key: str = field(repr=False)  # secrets stay out of logs and tracebacks
    publishable_key: str
    api_base: str | None  # None means api.stripe.com
    js_url: str
    webhook_secret: str = field(repr=False)
    timeout_seconds: float = DEFAULT_STRIPE_TIMEOUT_SECONDS  # per attempt, for the answer
    max_network_retries: int = DEFAULT_STRIPE_MAX_RETRIES

    def __post_init__(self) -> None:
        if not (math.isfinite(self.timeout_seconds) and self.timeout_seconds > 0):
            raise ValueError("timeout_seconds must be a positive number of seconds")
        retries = self.max_network_retries
        if isinstance(retries, bool) or not isinstance(retries, int):
            raise ValueError(f"max_network_retries must be an int, not {retries!r}")
        if not 0 <= retries <= MAX_STRIPE_RETRIES:
            raise ValueError(f"max_network_retries must be between 0 and {MAX_STRIPE_RETRIES}")

    @property
    def worst_case_call_seconds(self) -> float:
        """How long one request may take with these settings when Stripe hangs."""
        return stripe_call_worst_case_seconds(self.timeout_seconds, self.max_network_retries)

    @property
    def uses_localstripe(self) -> bool:
        """Any api_base other than Stripe's own is taken to be localstripe.

        The gateway uses this to work around localstripe's gaps (see gateway.py).
        """
        return _is_localstripe(self.api_base)


def _is_localstripe(api_base: str | None) -> bool:
    return api_base is not None and urlparse(api_base).hostname != "api.stripe.com"


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(_PREFIX + name, "").strip()
    return value or None


def stripe_settings_from_env(env: Mapping[str, str] | None = None) -> StripeSettings:
    """Read ``TS_STORE_STRIPE_*``; with no secret key and no API base, use localstripe.

    Against real Stripe every key is required: a default webhook secret would let anyone
    who read this file forge events.
    """
    env = os.environ if env is None else env
    secret_key = _get(env, "SECRET_KEY")
    publishable_key = _get(env, "PUBLISHABLE_KEY")
    webhook_secret = _get(env, "WEBHOOK_SECRET")
    api_base = _get(env, "API_BASE")
    if secret_key is None and api_base is None:
        api_base = LOCALSTRIPE_API_BASE
    if api_base is not None:
        api_base = api_base.rstrip("/")
    local = _is_localstripe(api_base)

    if local:
        secret_key = secret_key or LOCALSTRIPE_SECRET_KEY
        publishable_key = publishable_key or LOCALSTRIPE_PUBLISHABLE_KEY
        webhook_secret = webhook_secret or LOCALSTRIPE_WEBHOOK_SECRET
    else:
        required = {
            "SECRET_KEY": secret_key,
            "PUBLISHABLE_KEY": publishable_key,
            "WEBHOOK_SECRET": webhook_secret,
        }
        missing = [_PREFIX + name for name, value in required.items() if not value]
        if missing:
            raise ValueError(f"Stripe needs these environment variables: {', '.join(missing)}")
    if not (secret_key or "").startswith(("sk_", "rk_")):
        raise ValueError(f"{_PREFIX}SECRET_KEY must start with sk_ or rk_")
    if not (publishable_key or "").startswith("pk_"):
        raise ValueError(f"{_PREFIX}PUBLISHABLE_KEY must start with pk_")

    timeout_seconds, max_network_retries = _client_settings(env)
    return StripeSettings(
        secret_key=str(secret_key),
        publishable_key=str(publishable_key),
        api_base=api_base,
        js_url=_get(env, "JS_URL") or (f"{api_base}/js.stripe.com/v3/" if local else STRIPE_JS_URL),
        webhook_secret=str(webhook_secret),
        timeout_seconds=timeout_seconds,
        max_network_retries=max_network_retries,
    )


def _client_settings(env: Mapping[str, str]) -> tuple[float, int]:
    """``TIMEOUT_SECONDS`` and ``MAX_RETRIES``, refused unless a call still fits the deadline."""
    timeout_name, retries_name = _PREFIX + "TIMEOUT_SECONDS", _PREFIX + "MAX_RETRIES"
    raw_timeout, raw_retries = _get(env, "TIMEOUT_SECONDS"), _get(env, "MAX_RETRIES")
    try:
        timeout = DEFAULT_STRIPE_TIMEOUT_SECONDS if raw_timeout is None else float(raw_timeout)
    except ValueError:
        raise ValueError(
            f"{timeout_name} must be a number of seconds, not {raw_timeout!r}"
        ) from None
    if not (math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"{timeout_name} must be more than 0 seconds, not {raw_timeout!r}")
    try:
        retries = DEFAULT_STRIPE_MAX_RETRIES if raw_retries is None else int(raw_retries)
    except ValueError:
        raise ValueError(f"{retries_name} must be a whole number, not {raw_retries!r}") from None
    if not 0 <= retries <= MAX_STRIPE_RETRIES:
        raise ValueError(f"{retries_name} must be between 0 and {MAX_STRIPE_RETRIES}")
    worst = stripe_call_worst_case_seconds(timeout, retries)
    if worst > STRIPE_CALL_DEADLINE_SECONDS:
        raise ValueError(
            f"{timeout_name}={timeout:g} with {retries_name}={retries} would let one Stripe call "
            f"take up to {worst:g} s when Stripe hangs; it must fit in "
            f"{STRIPE_CALL_DEADLINE_SECONDS:g} s: (retries + 1) x "
            f"({STRIPE_CONNECT_TIMEOUT_SECONDS:g} s to connect + the timeout) + the back-off "
            "between retries (docs/stripe.md)"
        )
    return timeout, retries
