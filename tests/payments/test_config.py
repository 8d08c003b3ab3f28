"""Stripe settings from TS_STORE_STRIPE_* variables."""

from __future__ import annotations

import dataclasses

import pytest

from ts_store.payments.config import (
    DEFAULT_STRIPE_MAX_RETRIES,
    DEFAULT_STRIPE_TIMEOUT_SECONDS,
    STRIPE_CALL_DEADLINE_SECONDS,
    STRIPE_CONNECT_TIMEOUT_SECONDS,
    stripe_backoff_seconds,
    stripe_call_worst_case_seconds,
    stripe_settings_from_env,
)

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


# --- Stripe client settings: chosen so that one call answers within the deadline ------------


def test_client_defaults_fit_the_call_deadline() -> None:
    settings = stripe_settings_from_env({})
    assert (settings.timeout_seconds, settings.max_network_retries) == (
        DEFAULT_STRIPE_TIMEOUT_SECONDS,
        DEFAULT_STRIPE_MAX_RETRIES,
    )
    assert settings.max_network_retries >= 1  # a lost answer is retried, with the same key
    assert settings.worst_case_call_seconds <= STRIPE_CALL_DEADLINE_SECONDS == 30


def test_client_settings_come_from_the_environment() -> None:
    env = {"TS_STORE_STRIPE_TIMEOUT_SECONDS": "4.5", "TS_STORE_STRIPE_MAX_RETRIES": "3"}
    settings = stripe_settings_from_env({**REAL, **env})
    assert (settings.timeout_seconds, settings.max_network_retries) == (4.5, 3)


def test_worst_case_counts_every_attempt_and_the_librarys_longest_back_off() -> None:
    """stripe sleeps at most 0.5, 1, 2, 4, 5 s before retries 1..5 (jitter only shortens)."""
    assert stripe_backoff_seconds(0) == 0
    assert stripe_backoff_seconds(5) == 0.5 + 1 + 2 + 4 + 5
    connect = STRIPE_CONNECT_TIMEOUT_SECONDS
    assert stripe_call_worst_case_seconds(7, 2) == 3 * (connect + 7) + 0.5 + 1


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("TS_STORE_STRIPE_TIMEOUT_SECONDS", "abc", "number of seconds"),
        ("TS_STORE_STRIPE_TIMEOUT_SECONDS", "0", "more than 0"),
        ("TS_STORE_STRIPE_TIMEOUT_SECONDS", "-1", "more than 0"),
        ("TS_STORE_STRIPE_TIMEOUT_SECONDS", "nan", "more than 0"),
        ("TS_STORE_STRIPE_TIMEOUT_SECONDS", "inf", "more than 0"),
        ("TS_STORE_STRIPE_MAX_RETRIES", "two", "whole number"),
        ("TS_STORE_STRIPE_MAX_RETRIES", "1.5", "whole number"),
        ("TS_STORE_STRIPE_MAX_RETRIES", "-1", "between 0 and 5"),
        ("TS_STORE_STRIPE_MAX_RETRIES", "6", "between 0 and 5"),
    ],
)
def test_bad_client_settings_are_refused_naming_the_variable(name, value, says) -> None:
    with pytest.raises(ValueError) as caught:
        stripe_settings_from_env({name: value})
    assert name in str(caught.value)
    assert says in str(caught.value)


def test_settings_that_would_outlast_the_deadline_are_refused_with_the_arithmetic() -> None:
    """The library's own 80 s, or 30 s per attempt with 2 retries (the old choice: 92 s)."""
    env = {"TS_STORE_STRIPE_TIMEOUT_SECONDS": "30", "TS_STORE_STRIPE_MAX_RETRIES": "2"}
    with pytest.raises(ValueError) as caught:
        stripe_settings_from_env(env)
    message = str(caught.value)
    assert "TS_STORE_STRIPE_TIMEOUT_SECONDS=30" in message
    assert "TS_STORE_STRIPE_MAX_RETRIES=2" in message
    assert "97.5 s" in message


def test_longest_timeout_that_fits_is_accepted_at_the_edge() -> None:
    """No retries: 2 s to connect + 28 s = 30 s exactly."""
    env = {"TS_STORE_STRIPE_TIMEOUT_SECONDS": "28", "TS_STORE_STRIPE_MAX_RETRIES": "0"}
    assert stripe_settings_from_env(env).worst_case_call_seconds == 30
    with pytest.raises(ValueError):
        stripe_settings_from_env({**env, "TS_STORE_STRIPE_TIMEOUT_SECONDS": "28.1"})


@pytest.mark.parametrize(
    "fields",
    [{"timeout_seconds": 0}, {"max_network_retries": -1}, {"max_network_retries": True}],
)
def test_settings_built_in_code_are_checked_too(fields) -> None:
    with pytest.raises(ValueError):
        dataclasses.replace(stripe_settings_from_env({}), **fields)
