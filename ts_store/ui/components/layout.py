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


def _nav_link(label: str, href: str, current: str | None) -> rx.Component:
    """A header link; the page's own link is marked (aria-current and underlined)."""
    is_current = href == current
    return rx.link(
        label,
        href=href,
        size="2",
        weight="bold" if is_current else "medium",
        underline="always" if is_current else "hover",
        color_scheme="gray",
        high_contrast=True,
        aria_current="page" if is_current else None,
        class_name="ts-tap",
    )


def _visible(component: rx.Component, product_team_only: bool) -> rx.Component:
    return rx.cond(SessionState.is_product_team, component) if product_team_only else component


def _desktop_nav(current: str | None) -> rx.Component:
    return rx.hstack(
        *[_visible(_nav_link(label, href, current), team) for label, href, team in NAV_LINKS],
        rx.button(
            "Esci", on_click=SessionState.logout, variant="soft", size="1", id="logout-button"
        ),
        rx.button(
            "Esci da tutti i dispositivi",
            on_click=SessionState.logout_everywhere,
            variant="ghost",
            size="1",
            id="logout-everywhere-button",
        ),
        spacing="5",
        align="center",
    )


def _mobile_nav(current: str | None) -> rx.Component:
    """The phone menu: a native disclosure (<details>) whose items are real links, each at least
    44 px tall; no script, keyboard and screen readers handle it natively."""

    def item(label: str, href: str) -> rx.Component:
        return rx.el.li(
            rx.link(
                label,
                href=href,
                underline="none",
                color_scheme="gray",
                high_contrast=True,
                weight="bold" if href == current else "regular",
                aria_current="page" if href == current else None,
                class_name="ts-menu-link",
            )
        )

    return rx.el.details(
        rx.el.summary(
            rx.icon("menu", aria_hidden="true"),
            rx.el.span("Menu", class_name="ts-sr-only"),
            class_name="ts-menu-button",
            id="mobile-menu",
        ),
        rx.el.ul(
            *[_visible(item(label, href), team) for label, href, team in NAV_LINKS],
            rx.el.li(
                rx.button(
                    "Esci",
                    on_click=SessionState.logout,
                    variant="soft",
                    color_scheme="red",
                    width="100%",
                    id="mobile-logout",
                )
            ),
            rx.el.li(
                rx.button(
                    "Esci da tutti i dispositivi",
                    on_click=SessionState.logout_everywhere,
                    variant="ghost",
                    color_scheme="red",
                    width="100%",
                    id="mobile-logout-everywhere",
                )
            ),
            class_name="ts-menu-list",
        ),
        class_name="ts-menu",
    )


def header(logged_in: bool = True, current: str | None = None) -> rx.Component:
    # The brand is not a heading: the page's title is its one h1.
    brand = rx.link(
        rx.hstack(
            rx.icon("store", size=22, aria_hidden="true"),
            rx.text("TS Store", size="5", weight="bold", white_space="nowrap"),
            align="center",
            spacing="2",
        ),
        href=routes.MYAREA if logged_in else routes.LOGIN,
        underline="none",
        color_scheme="gray",
        high_contrast=True,
    )
    customer_nav = rx.fragment(
        rx.desktop_only(_desktop_nav(current)),
        rx.mobile_and_tablet(_mobile_nav(current)),
    )
    visitor_nav = rx.hstack(
        rx.link("Accedi", href=routes.LOGIN, size="2", class_name="ts-tap"),
        rx.link(
            "Confronta i piani",
            href=routes.PLANS,
            size="2",
            class_name="ts-tap",
            aria_current="page" if current == routes.PLANS else None,
        ),
        spacing="4",
    )
    right = rx.el.nav(
        customer_nav if logged_in else rx.cond(SessionState.email != "", customer_nav, visitor_nav),
        aria_label="Area clienti",
    )
    return rx.el.header(
        rx.el.a("Vai al contenuto", href="#contenuto", class_name="ts-skip-link"),
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
    return rx.el.footer(
        rx.text(
            "TS Store · CRM in Cloud · Per domande commerciali e amministrative scrivi a ",
            rx.link(STORE_EMAIL, href=f"mailto:{STORE_EMAIL}", underline="always"),
            size="1",
            color_scheme="gray",
            high_contrast=True,
        ),
        style={
            "max_width": PAGE_MAX_WIDTH,
            "margin": "0 auto",
            "padding": "1.5rem 1rem",
            "width": "100%",
        },
    )


def page_shell(
    *children: rx.Component,
    title: str,
    logged_in: bool = True,
    current: str | None = None,
    heading: rx.Var | None = None,
) -> rx.Component:
    """Every page: header (skip link, nav marking `current`, by default the nav entry named
    like the title), the one h1 and the content in <main>, footer; fits 390 px and 1280 px.
    A logged-out page shows the customer's nav anyway when a session exists (e.g. /piani).
    `heading` replaces the title in the h1 when it changes within the page (the wizard's step):
    assets/a11y.js moves focus to the h1 when its text changes."""
    if current is None:
        current = next((href for label, href, _ in NAV_LINKS if label == title), None)
    return rx.box(
        header(logged_in, current),
        rx.el.main(
            rx.vstack(
                rx.heading(
                    heading if heading is not None else title, size="7", as_="h1", id="page-title"
                ),
                *children,
                spacing="5",
                width="100%",
                align="stretch",
            ),
            id="contenuto",
            tab_index=-1,
            style={
                "max_width": PAGE_MAX_WIDTH,
                "margin": "0 auto",
                "padding": "1.5rem 1rem",
                "width": "100%",
                "display": "block",
            },
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
