"""'Confronta i piani': the comparison generated from the catalogue at start-up."""

from __future__ import annotations

import reflex as rx

from ts_store.billing.catalog import current_catalog
from ts_store.domain.catalog import Plan
from ts_store.domain.periods import Cycle
from ts_store.ui.components.layout import page_shell
from ts_store.ui.formatting import format_cents, format_percent


def _plan_card(plan: Plan, all_features: list[str]) -> rx.Component:
    features = set(plan.features)
    return rx.card(
        rx.vstack(
            rx.heading(plan.name, size="5", as_="h2"),
            rx.text(
                rx.text.strong(format_cents(plan.unit_cents(Cycle.MONTHLY))),
                " per utente al mese",
                size="3",
            ),
            rx.text(
                f"oppure {format_cents(plan.unit_cents(Cycle.ANNUAL))} per utente all'anno "
                f"(risparmi {format_cents(plan.annual_saving_cents())})",
                size="2",
                color_scheme="gray",
            ),
            rx.text(f"Da {plan.min_seats} a {plan.max_seats} utenti", size="2"),
            rx.separator(),
            *[
                rx.hstack(
                    rx.icon(
                        "check" if f in features else "minus",
                        size=16,
                        color="var(--green-11)" if f in features else "var(--gray-11)",
                        aria_hidden="true",
                    ),
                    rx.text(
                        f,
                        rx.el.span(
                            ": incluso" if f in features else ": non incluso",
                            class_name="ts-sr-only",
                        ),
                        size="2",
                        color_scheme=None if f in features else "gray",
                    ),
                    spacing="2",
                    align="center",
                )
                for f in all_features
            ],
            spacing="2",
        ),
        id=f"plan-{plan.code}",
    )


def plans_page() -> rx.Component:
    catalog = current_catalog()
    all_features = list(catalog.all_features())
    return page_shell(
        rx.text(
            f"Prezzi IVA esclusa (IVA {format_percent(catalog.vat_percent)}). "
            "Puoi cambiare piano, utenti e fatturazione in ogni momento dalla tua area.",
            color_scheme="gray",
        ),
        rx.grid(
            *[_plan_card(plan, all_features) for plan in catalog.plans],
            columns=rx.breakpoints(initial="1", sm="2", lg=str(min(len(catalog.plans), 4))),
            spacing="4",
            width="100%",
        ),
        title="Confronta i piani",
        logged_in=False,
    )
