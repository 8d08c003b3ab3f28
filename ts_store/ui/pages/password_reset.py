""" "Password dimenticata?" (ask for a link) and "Nuova password" (set it through the link).

The request page answers the same whether the email has an account or not. The link's token
comes from the page's URL and is checked again by every handler: nothing about it is trusted
from the browser's state.
"""

from __future__ import annotations

import asyncio

import reflex as rx

from ts_store.billing import password_reset
from ts_store.billing.errors import InputError
from ts_store.ui import routes
from ts_store.ui.components.fields import field_label
from ts_store.ui.components.focus import FOCUS_FIRST_INVALID
from ts_store.ui.components.layout import error_callout, page_shell
from ts_store.ui.messages import message_for
from ts_store.ui.pages.register import PASSWORD_HINT
from ts_store.ui.session import client_address

EMAIL_MAX = 254
PASSWORD_MAX = 1024
REQUEST_SENT = (
    "Se esiste un account con questo indirizzo, ti abbiamo inviato un'email con il link per "
    "scegliere una nuova password. Il link vale 30 minuti. Controlla anche la posta "
    "indesiderata."
)
EMAIL_INVALID = "Email: inserisci un indirizzo email valido."
PASSWORDS_DIFFER = "Conferma password: le due password non coincidono."
PASSWORD_TOO_LONG = f"Password: usa al massimo {PASSWORD_MAX} caratteri."


def _form_text(form_data: object, name: str) -> str | None:
    """A text field of the submitted form, or None when the event was forged."""
    if not isinstance(form_data, dict):
        return None
    value = form_data.get(name, "")
    return value if isinstance(value, str) else None


class ForgotPasswordState(rx.State):
    sent: bool = False
    error: str = ""

    @rx.event
    async def submit(self, form_data: dict):
        email = _form_text(form_data, "email")
        if email is None or not 3 <= len(email.strip()) <= EMAIL_MAX or "@" not in email:
            self.error = EMAIL_INVALID
            return FOCUS_FIRST_INVALID
        try:
            await asyncio.to_thread(
                password_reset.request_reset, email, client_address=client_address(self)
            )
        except InputError as exc:  # throttled: the same for every address (nothing revealed)
            self.error = message_for(exc)
            return
        self.error = ""
        self.sent = True

    @rx.event
    def start_over(self):
        self.sent = False
        self.error = ""


def _token(state: rx.State) -> str:
    token = state.router.url.query_parameters.get("token", "")
    return token if isinstance(token, str) else ""


class ResetPasswordState(rx.State):
    checked: bool = False
    link_valid: bool = False
    link_error: str = ""
    error: str = ""
    done: bool = False

    @rx.event
    async def load(self):
        self.checked = self.done = False
        self.error = ""
        try:
            await asyncio.to_thread(password_reset.check_reset_link, _token(self))
        except password_reset.ResetLinkInvalid as exc:
            self.link_valid, self.link_error = False, message_for(exc)
        else:
            self.link_valid, self.link_error = True, ""
        self.checked = True

    @rx.event
    async def submit(self, form_data: dict):
        password = _form_text(form_data, "password")
        confirm = _form_text(form_data, "password_confirm")
        if password is None or confirm is None:
            self.error = PASSWORDS_DIFFER
            return FOCUS_FIRST_INVALID
        if len(password) > PASSWORD_MAX:
            self.error = PASSWORD_TOO_LONG
            return FOCUS_FIRST_INVALID
        if password != confirm:
            self.error = PASSWORDS_DIFFER
            return FOCUS_FIRST_INVALID
        try:
            await asyncio.to_thread(password_reset.reset_password, _token(self), password)
        except password_reset.ResetLinkInvalid as exc:
            self.link_valid, self.link_error = False, message_for(exc)
            return
        except InputError as exc:
            self.error = message_for(exc)
            return FOCUS_FIRST_INVALID
        self.error = ""
        self.done = True


def _label(text: str, html_for: str) -> rx.Component:
    return field_label(text, html_for)


def _request_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(
                "Scrivi l'email con cui accedi: ti manderemo un link per scegliere una nuova "
                "password."
            ),
            rx.cond(
                ForgotPasswordState.error != "",
                error_callout(ForgotPasswordState.error, "forgot-error"),
            ),
            _label("Email", "forgot-email"),
            rx.input(
                id="forgot-email",
                name="email",
                type="email",
                required=True,
                width="100%",
                auto_complete="email",
                max_length=EMAIL_MAX,
                aria_invalid=rx.cond(ForgotPasswordState.error != "", "true", "false"),
                aria_describedby="forgot-error",
            ),
            rx.button("Invia il link", type="submit", width="100%", id="forgot-submit"),
            rx.link("Torna all'accesso", href=routes.LOGIN, size="2"),
            spacing="3",
            width="100%",
        ),
        on_submit=ForgotPasswordState.submit,
        reset_on_submit=False,
    )


def _request_sent() -> rx.Component:
    return rx.vstack(
        rx.callout(
            REQUEST_SENT, icon="mail", color_scheme="green", id="forgot-sent", role="status"
        ),
        rx.link("Torna all'accesso", href=routes.LOGIN, size="2"),
        rx.button(
            "Usa un altro indirizzo",
            on_click=ForgotPasswordState.start_over,
            variant="soft",
            id="forgot-again",
        ),
        spacing="3",
        width="100%",
    )


def forgot_password_page() -> rx.Component:
    return page_shell(
        rx.card(
            rx.cond(ForgotPasswordState.sent, _request_sent(), _request_form()),
            max_width="28rem",
            width="100%",
            margin_x="auto",
        ),
        title="Password dimenticata?",
        logged_in=False,
    )


def _new_password_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.cond(
                ResetPasswordState.error != "",
                error_callout(ResetPasswordState.error, "reset-error"),
            ),
            _label("Nuova password", "reset-password"),
            rx.input(
                id="reset-password",
                name="password",
                type="password",
                required=True,
                width="100%",
                auto_complete="new-password",
                aria_invalid=rx.cond(ResetPasswordState.error != "", "true", "false"),
                aria_describedby="reset-error reset-password-hint",
            ),
            rx.text(
                PASSWORD_HINT,
                size="1",
                color_scheme="gray",
                id="reset-password-hint",
            ),
            _label("Conferma password", "reset-password-confirm"),
            rx.input(
                id="reset-password-confirm",
                name="password_confirm",
                type="password",
                required=True,
                width="100%",
                auto_complete="new-password",
            ),
            rx.button("Salva la nuova password", type="submit", width="100%", id="reset-submit"),
            spacing="3",
            width="100%",
        ),
        on_submit=ResetPasswordState.submit,
        reset_on_submit=False,
    )


def _reset_done() -> rx.Component:
    return rx.vstack(
        rx.callout(
            "Password aggiornata. Per sicurezza abbiamo chiuso tutte le sessioni aperte: "
            "accedi con la nuova password.",
            icon="circle_check",
            color_scheme="green",
            id="reset-done",
            role="status",
        ),
        rx.link("Accedi", href=routes.LOGIN, id="reset-login"),
        spacing="3",
    )


def _link_refused() -> rx.Component:
    return rx.vstack(
        error_callout(ResetPasswordState.link_error, "reset-link-invalid"),
        rx.link("Chiedi un nuovo link", href=routes.FORGOT_PASSWORD, id="reset-ask-again"),
        spacing="3",
    )


def reset_password_page() -> rx.Component:
    return page_shell(
        rx.card(
            rx.cond(
                ResetPasswordState.checked,
                rx.cond(
                    ResetPasswordState.done,
                    _reset_done(),
                    rx.cond(ResetPasswordState.link_valid, _new_password_form(), _link_refused()),
                ),
                rx.center(rx.spinner(size="3"), padding="2rem", width="100%"),
            ),
            max_width="28rem",
            width="100%",
            margin_x="auto",
        ),
        title="Nuova password",
        logged_in=False,
    )
