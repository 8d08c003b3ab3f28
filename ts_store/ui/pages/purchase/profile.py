"""Wizard step 1, "I tuoi dati": the billing data for the electronic invoice."""

from __future__ import annotations

import reflex as rx

from ts_store.billing import purchase
from ts_store.domain.fiscal import BILLING_FIELDS, validate_field
from ts_store.ui import routes
from ts_store.ui.components.billing_fields import billing_fields_grid
from ts_store.ui.components.focus import FOCUS_FIRST_INVALID
from ts_store.ui.pages.purchase.wizard import CONFIGURE, PROFILE, PurchaseState
from ts_store.ui.session import customer_id_of


class ProfileStep(PurchaseState):
    """The fields as typed and their messages; saved only when all are valid."""

    profile: dict[str, str] = {}
    profile_errors: dict[str, str] = {}

    def _start(self, stored_profile: dict[str, str]) -> None:
        self.profile = {name: str(stored_profile.get(name) or "") for name in BILLING_FIELDS}
        self.profile_errors = {}

    @rx.event
    def check_field(self, field: str, value: str):
        """Live check of one field when it loses focus (the step is validated again on submit)."""
        if self.step != PROFILE or not isinstance(field, str) or field not in BILLING_FIELDS:
            return
        value = value if isinstance(value, str) else ""
        self.profile[field] = value
        message = validate_field(field, value, self.profile)
        errors = dict(self.profile_errors)
        if message:
            errors[field] = message
        else:
            errors.pop(field, None)
        self.profile_errors = errors

    @rx.event
    async def submit_profile(self, form_data: dict):
        """Validate every field; save the profile and go on only when all are valid."""
        customer_id = await customer_id_of(self)
        if customer_id is None:
            return rx.redirect(routes.login_url(routes.MYAREA))
        if not self.loaded or self.step != PROFILE or not self._is_customer(customer_id):
            return None
        form_data = form_data if isinstance(form_data, dict) else {}
        raw = {name: form_data.get(name) for name in BILLING_FIELDS}
        self.profile = {name: v if isinstance(v, str) else "" for name, v in raw.items()}
        try:
            data = purchase.save_billing_profile(customer_id, raw)
        except purchase.BillingProfileInvalid as exc:
            self.profile_errors = exc.errors
            return FOCUS_FIRST_INVALID
        self.profile = {name: getattr(data, name) for name in BILLING_FIELDS}
        self.profile_errors = {}
        self.step = CONFIGURE
        return None


def step_profile() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(
                "I dati per la fattura elettronica. Li salviamo solo quando sono tutti corretti.",
                size="2",
                color_scheme="gray",
            ),
            billing_fields_grid(
                id_prefix="profile",
                values=ProfileStep.profile,
                errors=ProfileStep.profile_errors,
                check_field=ProfileStep.check_field,
            ),
            rx.button("Continua", type="submit", size="3", id="profile-submit"),
            spacing="4",
            width="100%",
        ),
        on_submit=ProfileStep.submit_profile,
        reset_on_submit=False,
    )
