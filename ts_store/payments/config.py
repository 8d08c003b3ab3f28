"""Stripe settings from the environment.

With no Stripe variables set the app talks to a local localstripe server (see
tools/localstripe_server.py); with real keys it talks to Stripe, unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlparse

LOCALSTRIPE_API_BASE = "http://127.0.0.1:8420"
LOCALSTRIPE_SECRET_KEY = "sk_test_localstripe"
LOCALSTRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"
LOCALSTRIPE_WEBHOOK_SECRET = "whsec_localstripe_dev"
STRIPE_JS_URL = "https://js.stripe.com/v3/"

_PREFIX = "TS_STORE_STRIPE_"


@dataclass(frozen=True)
class StripeSettings:
    secret_key: str = field(repr=False)  # secrets stay out of logs and tracebacks
    publishable_key: str
    api_base: str | None  # None means api.stripe.com
    js_url: str
    webhook_secret: str = field(repr=False)

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

    return StripeSettings(
        secret_key=str(secret_key),
        publishable_key=str(publishable_key),
        api_base=api_base,
        js_url=_get(env, "JS_URL") or (f"{api_base}/js.stripe.com/v3/" if local else STRIPE_JS_URL),
        webhook_secret=str(webhook_secret),
    )
