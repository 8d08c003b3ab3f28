"""Login page ("Accedi")."""

from __future__ import annotations

import reflex as rx

from ts_store.billing import accounts
from ts_store.billing.errors import InputError
from ts_store.ui import routes
from ts_store.ui.components.fields import field_label
from ts_store.ui.components.focus import FOCUS_FIRST_INVALID
from ts_store.ui.components.layout import error_callout, page_shell
from ts_store.ui.messages import message_for
from ts_store.ui.session import SessionState, client_address


def _safe_next(path: str | None, product_team: bool = False) -> str:
    """Only paths of this site, so the login cannot be used to bounce users elsewhere: a browser
    reads "/\\evil" as "//evil", and a control character can split a header (issue #15).
    Without one, the product team lands on its own page (it has no licences to show)."""
    if (
        isinstance(path, str)
        and path.startswith("/")
        and not path.startswith("//")
        and "\\" not in path
        and "%0" not in path.lower()
        and path.isprintable()
        and " " not in path
    ):
        return path
    return routes.LAB if product_team else routes.MYAREA


class LoginState(rx.State):
    error: str = ""

    @rx.event
    async def submit(self, form_data: dict):
        email = str(form_data.get("email", ""))
        password = str(form_data.get("password", ""))
        try:
            logged_in = accounts.login(
                email=email, password=password, client_address=client_address(self)
            )
        except InputError as exc:
            self.error = message_for(exc)
            return FOCUS_FIRST_INVALID
        self.error = ""
        session_state = await self.get_state(SessionState)
        session_state._sign_in(logged_in.token)
        return rx.redirect(
            _safe_next(self.router.url.query_parameters.get("next"), session_state.is_product_team)
        )


def login_page() -> rx.Component:
    return page_shell(
        rx.card(
            rx.form(
                rx.vstack(
                    rx.text(
                        "Accedi alla tua area dedicata per gestire la licenza di CRM in Cloud."
                    ),
                    rx.cond(LoginState.error != "", error_callout(LoginState.error, "login-error")),
                    field_label("Email", "login-email"),
                    rx.input(
                        id="login-email",
                        name="email",
                        type="email",
                        required=True,
                        width="100%",
                        auto_complete="username",
                        aria_invalid=rx.cond(LoginState.error != "", "true", "false"),
                        aria_describedby="login-error",
                    ),
                    field_label("Password", "login-password"),
                    rx.input(
                        id="login-password",
                        name="password",
                        type="password",
                        required=True,
                        width="100%",
                        auto_complete="current-password",
                        aria_invalid=rx.cond(LoginState.error != "", "true", "false"),
                        aria_describedby="login-error",
                    ),
                    rx.link(
                        "Password dimenticata?",
                        href=routes.FORGOT_PASSWORD,
                        size="2",
                        id="forgot-password-link",
                    ),
                    rx.button("Accedi", type="submit", width="100%", id="login-submit"),
                    rx.text(
                        "Non hai un account? ",
                        rx.link("Registrati e prova CRM in Cloud gratis", href=routes.REGISTER),
                        size="2",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=LoginState.submit,
                reset_on_submit=False,
            ),
            max_width="28rem",
            width="100%",
            margin_x="auto",
        ),
        title="Accedi",
        logged_in=False,
    )
