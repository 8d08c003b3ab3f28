"""Form fields that screen readers can use (issue #17, docs/accessibility.md).

Reflex 0.10 renders `rx.text(as_="label", html_for=...)` with `htmlFor` moved into the CSS
object, so the browser gets a `<label>` without `for` and the input stays unnamed. `rx.el.label`
renders `for`. A field in error says so three ways: `aria-invalid`, the message tied to the input
by `aria-describedby` (and announced, role=alert), and a red border (assets/a11y.css).
"""

from __future__ import annotations

import reflex as rx


def field_label(text: str | rx.Var, input_id: str) -> rx.Component:
    return rx.el.label(text, html_for=input_id, class_name="ts-label")


def error_id(input_id: str) -> str:
    return f"{input_id}-error"


def hint_id(input_id: str) -> str:
    return f"{input_id}-hint"


def aria_props(input_id: str, invalid: rx.Var | bool) -> dict:
    """aria-invalid and aria-describedby for the control (its hint; also its error if any)."""
    if isinstance(invalid, bool):
        described = f"{error_id(input_id)} {hint_id(input_id)}" if invalid else hint_id(input_id)
        return {"aria_invalid": "true" if invalid else "false", "aria_describedby": described}
    return {
        "aria_invalid": rx.cond(invalid, "true", "false"),
        "aria_describedby": rx.cond(
            invalid, f"{error_id(input_id)} {hint_id(input_id)}", hint_id(input_id)
        ),
    }


def field_error(input_id: str, message: rx.Var | str, invalid: rx.Var | bool) -> rx.Component:
    """The field's error: red text, announced when it appears, read with the field."""
    text = rx.text(message, color_scheme="red", size="2", id=error_id(input_id), role="alert")
    if isinstance(invalid, bool):
        return text if invalid else rx.fragment()
    return rx.cond(invalid, text)


def field_hint(input_id: str, hint: rx.Var | str = "") -> rx.Component:
    """Always rendered (maybe empty) so aria-describedby never points at nothing."""
    return rx.text(hint, size="1", color_scheme="gray", high_contrast=False, id=hint_id(input_id))


def form_field(
    label: str | rx.Var,
    control: rx.Component,
    input_id: str,
    *,
    error: rx.Var | str = "",
    invalid: rx.Var | bool = False,
    hint: rx.Var | str = "",
) -> rx.Component:
    """Label, control (built with **aria_props(input_id, invalid)), hint and error."""
    return rx.vstack(
        field_label(label, input_id),
        control,
        field_hint(input_id, hint),
        field_error(input_id, error, invalid),
        spacing="1",
        width="100%",
    )


# The keyboard and autofill each billing field wants on a phone (wizard and "Dati di
# fatturazione"). inputmode, not type="email"/"number": the browser would block the submit with
# its own English bubble instead of our Italian per-field message.
BILLING_INPUT_PROPS: dict[str, dict[str, str]] = {
    "company_name": {"auto_complete": "organization"},
    "vat_number": {"input_mode": "numeric", "auto_complete": "off"},
    "tax_code": {"auto_complete": "off", "auto_capitalize": "characters"},
    "address": {"auto_complete": "street-address"},
    "postal_code": {"input_mode": "numeric", "auto_complete": "postal-code"},
    "city": {"auto_complete": "address-level2"},
    "province": {"auto_complete": "off", "auto_capitalize": "characters"},
    "invoice_email": {"input_mode": "email", "auto_complete": "email"},
    "sdi_code": {"auto_complete": "off", "auto_capitalize": "characters"},
    "pec": {"input_mode": "email", "auto_complete": "off"},
}
