"""Registration page: the account and a 15-day CRM in Cloud trial."""

from __future__ import annotations

import reflex as rx

from ts_store.billing import accounts
from ts_store.billing.catalog import current_catalog
from ts_store.billing.errors import InputError
from ts_store.ui import routes
from ts_store.ui.components.fields import aria_props, form_field
from ts_store.ui.components.focus import FOCUS_FIRST_INVALID
from ts_store.ui.components.layout import page_shell
from ts_store.ui.messages import message_for
from ts_store.ui.session import client_address

REGISTERED_TEXT = (
    "Grazie. Abbiamo scritto a {email} con i prossimi passi. Se l'indirizzo è nuovo, il tuo "
    "account con la prova gratuita è già pronto: accedi con l'email e la password appena scelte."
)


class RegisterState(rx.State):
    error_field: str = ""
    error: str = ""
    done: str = ""  # the neutral answer, the same whether the email was new or not
    # from the catalogue in force when the page opens (a published version may change it)
    intro: str = ""

    @rx.event
    async def submit(self, form_data: dict):
        """Register; answer the same for a new and a known address (issue #15, finding 5)."""
        email = form_data.get("email", "")
        try:
            accounts.register(
                email=email,
                password=form_data.get("password", ""),
                company_name=form_data.get("company_name", ""),
                client_address=client_address(self),
            )
        except InputError as exc:
            self.error_field, self.error = exc.field, message_for(exc)
            return FOCUS_FIRST_INVALID
        self.error_field = self.error = ""
        self.done = REGISTERED_TEXT.format(email=accounts.normalise_email(email))

    @rx.event
    def start_over(self):
        """The form again (also on every visit of the page: the answer is for one submission)."""
        self.done = ""
        self.error_field = self.error = ""
        self.intro = INTRO_TEXT.format(days=current_catalog().trial_days)


def _field(
    label: str, name: str, field_type: str, autocomplete: str, hint: str = ""
) -> rx.Component:
    input_id = f"register-{name}"
    invalid = RegisterState.error_field == name
    return form_field(
        label,
        rx.input(
            id=input_id,
            name=name,
            type=field_type,
            required=True,
            width="100%",
            auto_complete=autocomplete,
            **aria_props(input_id, invalid),
        ),
        input_id,
        error=RegisterState.error,
        invalid=invalid,
        hint=hint,
    )


def register_page() -> rx.Component:
    return page_shell(
        rx.cond(RegisterState.done != "", _registered(), _form()),
        title="Registrati",
        logged_in=False,
    )


def _registered() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.callout(RegisterState.done, icon="mail", color_scheme="green", id="register-done"),
            rx.link(rx.button("Accedi", width="100%"), href=routes.LOGIN, width="100%"),
            rx.link("Registra un altro indirizzo", on_click=RegisterState.start_over, size="2"),
            spacing="3",
            width="100%",
        ),
        max_width="28rem",
        width="100%",
        margin_x="auto",
    )


INTRO_TEXT = (
    "Crea il tuo account: la prova gratuita di CRM in Cloud dura {days} giorni, "
    "senza carta di credito."
)
PASSWORD_HINT = (
    f"Almeno {accounts.MIN_PASSWORD_LENGTH} caratteri, difficile da indovinare: "
    "per esempio tre o quattro parole non collegate."
)


def _form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.text(RegisterState.intro),
                _field("Azienda (ragione sociale)", "company_name", "text", "organization"),
                _field("Email", "email", "email", "email"),
                _field(
                    "Password",
                    "password",
                    "password",
                    "new-password",
                    PASSWORD_HINT,
                ),
                rx.button("Inizia la prova", type="submit", width="100%", id="register-submit"),
                rx.text("Hai già un account? ", rx.link("Accedi", href=routes.LOGIN), size="2"),
                spacing="3",
                width="100%",
            ),
            on_submit=RegisterState.submit,
            reset_on_submit=False,
        ),
        max_width="28rem",
        width="100%",
        margin_x="auto",
    )
