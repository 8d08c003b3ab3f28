"""The Stripe gateway the use cases share: one per process, configured from the environment."""

from __future__ import annotations

from functools import cache

from ts_store.payments.config import stripe_settings_from_env
from ts_store.payments.gateway import StripeGateway


@cache
def get_gateway() -> StripeGateway:
    return StripeGateway(stripe_settings_from_env())
