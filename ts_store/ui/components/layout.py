"""The page shell: header with MyArea navigation, content column, footer with the store email."""

from __future__ import annotations

import reflex as rx

from ts_store.billing.support import STORE_EMAIL
from ts_store.ui import routes
from ts_store.ui.session import SessionState
from ts_store.ui.theme import PAGE_MAX_WIDTH

# (label, route, visible only to the product team). Only pages that exist are listed.
NAV_LINKS: list[tuple[str, str, bool]] = [
    ("I miei abbonamenti", routes.MYAREA, False),
    ("Confronta i piani", routes.PLANS, False),
    ("Documenti", routes.DOCUMENTS, False),
    ("Dati di fatturazione", routes.BILLING_DATA, False),
    ("Metodi di pagamento", routes.PAYMENT_METHODS, False),
    ("Contattaci", routes.CONTACT, False),
    ("Laboratorio prezzi", routes.LAB, True),
    ("Bozza del catalogo", routes.CATALOG_LAB, True),
    ("Posta inviata", routes.SENT_MAIL, True),
    ("Fatture elettroniche", routes.EINVOICES, True),
]


def _nav_link(label: str, href: str) -> rx.Component:
    return rx.link(
        label, href=href, size="2", weight="medium", color_scheme="gray", high_contrast=True
    )


def _visible(component: rx.Component, product_team_only: bool) -> rx.Component:
    return rx.cond(SessionState.is_product_team, component) if product_team_only else component


def _desktop_nav() -> rx.Component:
    return rx.hstack(
        *[_visible(_nav_link(label, href), team) for label, href, team in NAV_LINKS],
        rx.button(
            "Esci", on_click=SessionState.logout, variant="soft", size="1", id="logout-button"
        ),
        spacing="5",
        align="center",
    )


def _mobile_nav() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.icon_button(rx.icon("menu"), variant="soft", aria_label="Menu", id="mobile-menu")
        ),
        rx.menu.content(
            *[
                _visible(rx.menu.item(label, on_click=rx.redirect(href)), team)
                for label, href, team in NAV_LINKS
            ],
            rx.menu.separator(),
            rx.menu.item("Esci", on_click=SessionState.logout, color="red"),
        ),
    )


def header(logged_in: bool = True) -> rx.Component:
    brand = rx.link(
        rx.hstack(
            rx.icon("store", size=22),
            rx.heading("TS Store", size="5", weight="bold", white_space="nowrap"),
            align="center",
            spacing="2",
        ),
        href=routes.MYAREA if logged_in else routes.LOGIN,
        underline="none",
        color_scheme="gray",
        high_contrast=True,
    )
    right = (
        rx.fragment(
            rx.desktop_only(_desktop_nav()),
            rx.mobile_and_tablet(_mobile_nav()),
        )
        if logged_in
        else rx.link("Confronta i piani", href=routes.PLANS, size="2")
    )
    return rx.box(
        rx.hstack(
            brand,
            rx.spacer(),
            right,
            align="center",
            width="100%",
            max_width=PAGE_MAX_WIDTH,
            margin_x="auto",
            padding_x="1rem",
            padding_y="0.75rem",
        ),
        border_bottom="1px solid var(--gray-a5)",
        background="var(--color-panel-solid)",
        position="sticky",
        top="0",
        z_index="10",
        width="100%",
    )


def footer() -> rx.Component:
    return rx.box(
        rx.text(
            "TS Store · CRM in Cloud · Per domande commerciali e amministrative scrivi a ",
            rx.link(STORE_EMAIL, href=f"mailto:{STORE_EMAIL}"),
            size="1",
            color_scheme="gray",
        ),
        max_width=PAGE_MAX_WIDTH,
        margin_x="auto",
        padding="1.5rem 1rem",
        width="100%",
    )


def page_shell(*children: rx.Component, title: str, logged_in: bool = True) -> rx.Component:
    """Every page: header, a titled content column that fits 390 px and 1280 px, footer."""
    return rx.box(
        header(logged_in),
        rx.box(
            rx.vstack(
                rx.heading(title, size="7", as_="h1"),
                *children,
                spacing="5",
                width="100%",
                align="stretch",
            ),
            max_width=PAGE_MAX_WIDTH,
            margin_x="auto",
            padding_x="1rem",
            padding_y="1.5rem",
            width="100%",
        ),
        footer(),
        min_height="100vh",
        background="var(--gray-2)",
        width="100%",
    )


def error_callout(message: rx.Var | str, field_id: str = "form-error") -> rx.Component:
    return rx.callout(message, icon="triangle_alert", color_scheme="red", role="alert", id=field_id)


def loaded_or_error(
    error: rx.Var, loaded: rx.Var, content: rx.Component, error_id: str
) -> rx.Component:
    """A page body: its error (e.g. not the customer's licence), a spinner, or the content."""
    return rx.cond(
        error != "",
        rx.callout(error, icon="triangle_alert", color_scheme="red", id=error_id),
        rx.cond(loaded, content, rx.center(rx.spinner(size="3"), padding="2rem", width="100%")),
    )
