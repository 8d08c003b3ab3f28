"""Stripe settings from TS_STORE_STRIPE_* variables."""

from __future__ import annotations

import pytest

from ts_store.payments.config import stripe_settings_from_env

REAL = {
    "TS_STORE_STRIPE_SECRET_KEY": "sk_test_real",
    "TS_STORE_STRIPE_PUBLISHABLE_KEY": "pk_test_real",
    "TS_STORE_STRIPE_WEBHOOK_SECRET": "whsec_real",
}


def test_nothing_set_means_localstripe_on_port_8420() -> None:
    settings = stripe_settings_from_env({})
    assert settings.api_base == "http://127.0.0.1:8420"
    assert settings.js_url == "http://127.0.0.1:8420/js.stripe.com/v3/"
    assert (settings.secret_key, settings.publishable_key, settings.webhook_secret) == (
        "sk_test_localstripe",
        "pk_test_localstripe",
        "whsec_localstripe_dev",
    )
    assert settings.uses_localstripe


def test_localstripe_elsewhere_derives_the_js_url() -> None:
    settings = stripe_settings_from_env({"TS_STORE_STRIPE_API_BASE": "http://127.0.0.1:9000/"})
    assert settings.api_base == "http://127.0.0.1:9000"
    assert settings.js_url == "http://127.0.0.1:9000/js.stripe.com/v3/"


def test_real_keys_mean_real_stripe() -> None:
    settings = stripe_settings_from_env(REAL)
    assert settings.api_base is None
    assert settings.js_url == "https://js.stripe.com/v3/"
    assert not settings.uses_localstripe
    assert settings.webhook_secret == "whsec_real"


def test_explicit_js_url_wins() -> None:
    env = {**REAL, "TS_STORE_STRIPE_JS_URL": "https://cdn.example/stripe.js"}
    assert stripe_settings_from_env(env).js_url == "https://cdn.example/stripe.js"


@pytest.mark.parametrize(
    "missing", ["TS_STORE_STRIPE_PUBLISHABLE_KEY", "TS_STORE_STRIPE_WEBHOOK_SECRET"]
)
def test_real_stripe_never_falls_back_to_development_secrets(missing: str) -> None:
    env = {k: v for k, v in REAL.items() if k != missing}
    with pytest.raises(ValueError, match=missing):
        stripe_settings_from_env(env)


def test_keys_are_checked_and_kept_out_of_repr() -> None:
    with pytest.raises(ValueError, match="PUBLISHABLE_KEY"):
        stripe_settings_from_env({**REAL, "TS_STORE_STRIPE_PUBLISHABLE_KEY": "sk_test_oops"})
    shown = repr(stripe_settings_from_env(REAL))
    assert "sk_test_real" not in shown and "whsec_real" not in shown
