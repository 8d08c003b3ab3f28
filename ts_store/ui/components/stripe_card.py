"""Stripe's Card Element in a Reflex page, through assets/stripe_bridge.js.

Handlers `yield rx.call_script(mount_card(...), callback=...)` and receive the bridge's result
dict. The browser only ever gets the publishable key and client secrets; card data goes to Stripe.
"""

from __future__ import annotations

import json

import reflex as rx

from ts_store.billing.cards import browser_stripe

CARD_ELEMENT_ID = "card-element"
BRIDGE_SCRIPT = "/stripe_bridge.js"


def _call(function: str, *args: str) -> str:
    return f"window.tsStripeBridge.{function}({', '.join(json.dumps(a) for a in args)})"


def mount_card(element_id: str = CARD_ELEMENT_ID) -> str:
    settings = browser_stripe()
    return _call("mountCard", settings.publishable_key, settings.js_url, element_id)


def confirm_setup(client_secret: str) -> str:
    return _call("confirmSetup", client_secret)


def confirm_payment(client_secret: str, payment_method_id: str | None) -> str:
    settings = browser_stripe()
    return _call(
        "confirmPayment",
        settings.publishable_key,
        settings.js_url,
        client_secret,
        payment_method_id or "",
    )


def card_element(element_id: str = CARD_ELEMENT_ID) -> rx.Component:
    """The box Stripe mounts its card fields into."""
    return rx.box(
        id=element_id,
        padding="0.75rem",
        border="1px solid var(--gray-a7)",
        border_radius="var(--radius-2)",
        background="var(--color-background)",
        min_height="2.75rem",
        width="100%",
    )
