"""'I tuoi dati di fatturazione': the customer's Italian billing data, editable after purchase.

The same fields, labels, hints and per-field checks as the wizard's first step; the page saves
only when every field is valid. Each handler checks who is logged in and the type of each value.
"""

from __future__ import annotations

import reflex as rx

from ts_store.billing.billing_data import (
    BillingProfileInvalid,
    billing_data_of,
    update_billing_data,
)
from ts_store.domain.fiscal import BILLING_FIELDS, validate_field
from ts_store.ui import routes
from ts_store.ui.components.billing_fields import billing_fields_grid
from ts_store.ui.components.focus import FOCUS_FIRST_INVALID
from ts_store.ui.components.layout import page_shell
from ts_store.ui.session import customer_id_of

_MAX_VALUE = 1000  # longer than any valid field: refused before any check runs

SAVED = (
    "Dati salvati. Valgono per i prossimi documenti; una fattura scartata da SDI viene "
    "riemessa con questi dati."
)


def _text(value: object) -> str:
    return value[:_MAX_VALUE] if isinstance(value, str) else ""


class BillingDataState(rx.State):
    loaded: bool = False
    profile: dict[str, str] = {}
    errors: dict[str, str] = {}
    saved: str = ""
    form_key: int = 0  # changes after a save, so the inputs show the normalised values

    @rx.event
    async def load(self):
        customer_id = await customer_id_of(self)
        if customer_id is None:
            return rx.redirect(routes.login_url(routes.BILLING_DATA))
        stored = billing_data_of(customer_id)
        self.profile = {name: str(stored.get(name) or "") for name in BILLING_FIELDS}
        self.errors, self.saved = {}, ""
        self.loaded = True
        return None

    @rx.event
    async def check_field(self, field: str, value: str):
        """Live check of one field when it loses focus (all are checked again on save)."""
        if await customer_id_of(self) is None:
            return
        if not isinstance(field, str) or field not in BILLING_FIELDS:
            return
        self.profile[field] = _text(value)
        message = validate_field(field, self.profile[field], self.profile)
        errors = dict(self.errors)
        if message:
            errors[field] = message
        else:
            errors.pop(field, None)
        self.errors = errors
        self.saved = ""

    @rx.event
    async def save(self, form_data: dict):
        customer_id = await customer_id_of(self)
        if customer_id is None:
            return rx.redirect(routes.login_url(routes.BILLING_DATA))
        form_data = form_data if isinstance(form_data, dict) else {}
        raw = {name: _text(form_data.get(name)) for name in BILLING_FIELDS}
        self.profile = raw
        try:
            data = update_billing_data(customer_id, raw)
        except BillingProfileInvalid as exc:
            self.errors, self.saved = exc.errors, ""
            return FOCUS_FIRST_INVALID
        self.profile = {name: getattr(data, name) for name in BILLING_FIELDS}
        self.errors, self.saved = {}, SAVED
        self.form_key += 1
        return None


def _form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(
                "I dati per la fattura elettronica: li salviamo solo quando sono tutti corretti.",
                size="2",
                color_scheme="gray",
            ),
            billing_fields_grid(
                id_prefix="billing",
                values=BillingDataState.profile,
                errors=BillingDataState.errors,
                check_field=BillingDataState.check_field,
            ),
            rx.cond(
                BillingDataState.saved != "",
                rx.callout(
                    BillingDataState.saved,
                    icon="check",
                    color_scheme="green",
                    role="status",
                    id="billing-saved",
                ),
            ),
            rx.button("Salva i dati", type="submit", size="3", id="billing-submit"),
            spacing="4",
            width="100%",
        ),
        on_submit=BillingDataState.save,
        reset_on_submit=False,
        key=BillingDataState.form_key,
    )


def billing_data_page() -> rx.Component:
    return page_shell(
        rx.cond(
            BillingDataState.loaded,
            _form(),
            rx.center(rx.spinner(size="3"), padding="2rem", width="100%"),
        ),
        title="I tuoi dati di fatturazione",
    )
