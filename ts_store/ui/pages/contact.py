"""'Contattaci': write to the store from MyArea, with the store's email beside the form."""

from __future__ import annotations

import reflex as rx

from ts_store.billing import support
from ts_store.billing.errors import InputError
from ts_store.billing.overview import licences_overview
from ts_store.ui import routes
from ts_store.ui.components.fields import aria_props, field_error, field_hint, field_label
from ts_store.ui.components.focus import FOCUS_FIRST_INVALID
from ts_store.ui.components.layout import page_shell
from ts_store.ui.messages import message_for
from ts_store.ui.session import client_address, customer_id_of

NO_LICENCE = "none"


class ContactState(rx.State):
    licence_options: list[list[str]] = []  # [value, label]
    errors: dict[str, str] = {}  # field -> Italian message; every problem at once
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
        self.errors, self.sent_reference = {}, ""
        return None

    @rx.event
    async def submit(self, form_data: dict):
        customer_id = await customer_id_of(self)
        if customer_id is None:
            return rx.redirect(routes.login_url(routes.CONTACT))
        form_data = form_data if isinstance(form_data, dict) else {}
        subject = str(form_data.get("subject", ""))[:200]
        message = str(form_data.get("message", ""))[: support.MAX_MESSAGE_CHARS + 100]
        raw_licence = str(form_data.get("licence_id", NO_LICENCE) or NO_LICENCE)[:20]
        errors = {p.field: message_for(p) for p in support.request_problems(subject, message)}
        if raw_licence != NO_LICENCE and not (
            raw_licence.isascii() and raw_licence.isdigit() and len(raw_licence) <= 9
        ):  # "²".isdigit() is True, and 10²³ is no licence id (issue #15)
            errors["licence_id"] = "Licenza: scelta non valida."
        if errors:
            self.errors = errors
            return FOCUS_FIRST_INVALID
        try:
            request = support.send_request(
                customer_id=customer_id,
                subject=subject,
                message=message,
                licence_id=None if raw_licence == NO_LICENCE else int(raw_licence),
                client_address=client_address(self),
            )
        except InputError as exc:
            self.errors = {exc.field: message_for(exc)}
            return FOCUS_FIRST_INVALID
        self.errors = {}
        self.sent_reference = f"#{request.id}"
        return None

    @rx.event
    def new_request(self):
        self.sent_reference = ""


def _invalid(field: str) -> rx.Var:
    return ContactState.errors.contains(field)


def _error_for(field: str) -> rx.Component:
    return field_error(f"contact-{field}", ContactState.errors[field], _invalid(field))


def _form() -> rx.Component:
    return rx.form(
        rx.vstack(
            field_label("Argomento", "contact-subject"),
            rx.select.root(
                rx.select.trigger(
                    placeholder="Scegli un argomento",
                    width="100%",
                    id="contact-subject",
                    **aria_props("contact-subject", _invalid("subject")),
                ),
                rx.select.content(*[rx.select.item(s, value=s) for s in support.SUBJECTS]),
                name="subject",
            ),
            field_hint("contact-subject"),
            _error_for("subject"),
            field_label("Licenza (facoltativa)", "contact-licence"),
            rx.select.root(
                rx.select.trigger(
                    placeholder="Nessuna licenza in particolare",
                    width="100%",
                    id="contact-licence",
                    **aria_props("contact-licence", _invalid("licence_id")),
                ),
                rx.select.content(
                    rx.select.item("Nessuna licenza in particolare", value=NO_LICENCE),
                    rx.foreach(
                        ContactState.licence_options,
                        lambda option: rx.select.item(option[1], value=option[0]),
                    ),
                ),
                name="licence_id",
                default_value=NO_LICENCE,
            ),
            field_hint("contact-licence"),
            field_error(
                "contact-licence", ContactState.errors["licence_id"], _invalid("licence_id")
            ),
            field_label("Messaggio", "contact-message"),
            rx.text_area(
                name="message",
                id="contact-message",
                rows="6",
                width="100%",
                **aria_props("contact-message", _invalid("message")),
            ),
            field_hint(
                "contact-message",
                f"Da {support.MIN_MESSAGE_CHARS} a {support.MAX_MESSAGE_CHARS} caratteri.",
            ),
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
