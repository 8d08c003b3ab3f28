"""'Contattaci': write to the store from MyArea, with the store's email beside the form."""

from __future__ import annotations

import reflex as rx

from ts_store.billing import support
from ts_store.billing.errors import InputError
from ts_store.billing.overview import licences_overview
from ts_store.ui import routes
from ts_store.ui.components.layout import page_shell
from ts_store.ui.messages import message_for
from ts_store.ui.session import customer_id_of

NO_LICENCE = "none"


class ContactState(rx.State):
    licence_options: list[list[str]] = []  # [value, label]
    error_field: str = ""
    error: str = ""
    sent_reference: str = ""

    @rx.event
    async def load(self):
        customer_id = await customer_id_of(self)
        if customer_id is None:
            return rx.redirect(routes.login_url(routes.CONTACT))
        views = licences_overview(customer_id)
        self.licence_options = [
            [str(v.id), f"{v.product} — {v.status_label} (n. {v.id})"] for v in views
        ]
        self.error_field = self.error = self.sent_reference = ""
        return None

    @rx.event
    async def submit(self, form_data: dict):
        customer_id = await customer_id_of(self)
        if customer_id is None:
            return rx.redirect(routes.login_url(routes.CONTACT))
        raw_licence = str(form_data.get("licence_id", NO_LICENCE) or NO_LICENCE)
        if raw_licence != NO_LICENCE and not raw_licence.isdigit():
            self.error_field, self.error = "licence_id", "Licenza: scelta non valida."
            return None
        try:
            request = support.send_request(
                customer_id=customer_id,
                subject=str(form_data.get("subject", "")),
                message=str(form_data.get("message", "")),
                licence_id=None if raw_licence == NO_LICENCE else int(raw_licence),
            )
        except InputError as exc:
            self.error_field, self.error = exc.field, message_for(exc)
            return None
        self.error_field = self.error = ""
        self.sent_reference = f"#{request.id}"
        return None

    @rx.event
    def new_request(self):
        self.sent_reference = ""


def _error_for(field: str) -> rx.Component:
    return rx.cond(
        ContactState.error_field == field,
        rx.text(ContactState.error, color_scheme="red", size="2", id=f"contact-{field}-error"),
    )


def _form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text("Argomento", as_="label", weight="medium"),
            rx.select(
                list(support.SUBJECTS),
                name="subject",
                placeholder="Scegli un argomento",
                width="100%",
                id="contact-subject",
            ),
            _error_for("subject"),
            rx.text("Licenza (facoltativa)", as_="label", weight="medium"),
            rx.select.root(
                rx.select.trigger(placeholder="Nessuna licenza in particolare", width="100%"),
                rx.select.content(
                    rx.select.item("Nessuna licenza in particolare", value=NO_LICENCE),
                    rx.foreach(
                        ContactState.licence_options,
                        lambda option: rx.select.item(option[1], value=option[0]),
                    ),
                ),
                name="licence_id",
                default_value=NO_LICENCE,
                id="contact-licence",
            ),
            _error_for("licence_id"),
            rx.text("Messaggio", as_="label", html_for="contact-message", weight="medium"),
            rx.text_area(name="message", id="contact-message", rows="6", width="100%"),
            _error_for("message"),
            rx.button("Invia richiesta", type="submit", id="contact-submit"),
            spacing="2",
            width="100%",
        ),
        on_submit=ContactState.submit,
        reset_on_submit=False,
    )


def _sent() -> rx.Component:
    return rx.vstack(
        rx.callout(
            rx.text(
                "Richiesta inviata (riferimento ",
                rx.text.strong(ContactState.sent_reference),
                "). Lo staff dello store ti risponderà via email.",
            ),
            icon="circle_check",
            color_scheme="green",
            id="contact-sent",
        ),
        rx.button("Scrivi un'altra richiesta", on_click=ContactState.new_request, variant="soft"),
        spacing="3",
    )


def contact_page() -> rx.Component:
    return page_shell(
        rx.callout(
            "La chat di CRM in Cloud non può intervenire su questioni commerciali o "
            "amministrative (acquisti, rinnovi, fatture, pagamenti): per queste contatta lo "
            "store da questo modulo oppure via email.",
            icon="info",
        ),
        rx.grid(
            rx.card(rx.cond(ContactState.sent_reference != "", _sent(), _form())),
            rx.card(
                rx.vstack(
                    rx.heading("Email dello store", size="3", as_="h2"),
                    rx.link(
                        support.STORE_EMAIL, href=f"mailto:{support.STORE_EMAIL}", id="store-email"
                    ),
                    rx.text(
                        "Per problemi tecnici sull'uso del CRM resta a disposizione la chat "
                        "di supporto di CRM in Cloud.",
                        size="2",
                        color_scheme="gray",
                    ),
                    spacing="2",
                )
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        title="Contattaci",
    )
