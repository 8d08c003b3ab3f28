"""'Confronta i piani': the comparison of the catalogue in force today, read on every visit.

Read when the page opens, not when the app is built: a catalogue version the product team
publishes (docs/billing-policy.md, "Catalogue versions") shows here from the day it takes
effect, without a restart. Every amount is formatted from the catalogue (the UI computes
nothing but the text).
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from ts_store.billing.catalog import current_catalog
from ts_store.domain.catalog import Catalog, Plan
from ts_store.domain.periods import Cycle
from ts_store.ui.components.layout import page_shell
from ts_store.ui.formatting import format_cents, format_percent


@dataclasses.dataclass
class FeatureRow:
    name: str = ""
    included: bool = False


@dataclasses.dataclass
class PlanCard:
    code: str = ""
    name: str = ""
    monthly: str = ""  # "25,00 €"
    annual_line: str = ""  # "oppure 250,00 € per utente all'anno (risparmi 50,00 €)"
    seats_line: str = ""
    features: list[FeatureRow] = dataclasses.field(default_factory=list)


def plan_cards(catalog: Catalog) -> list[PlanCard]:
    """One card per plan, every feature of the catalogue marked included or not."""
    all_features = list(catalog.all_features())
    return [_card(plan, all_features) for plan in catalog.plans]


def _card(plan: Plan, all_features: list[str]) -> PlanCard:
    included = set(plan.features)
    return PlanCard(
        code=plan.code,
        name=plan.name,
        monthly=format_cents(plan.unit_cents(Cycle.MONTHLY)),
        annual_line=(
            f"oppure {format_cents(plan.unit_cents(Cycle.ANNUAL))} per utente all'anno "
            f"(risparmi {format_cents(plan.annual_saving_cents())})"
        ),
        seats_line=f"Da {plan.min_seats} a {plan.max_seats} utenti",
        features=[FeatureRow(name=f, included=f in included) for f in all_features],
    )


class PlansState(rx.State):
    """The catalogue in force, as text; public (no login), read-only."""

    cards: list[PlanCard] = []
    vat_note: str = ""

    @rx.event
    def load(self):
        catalog = current_catalog()
        self.cards = plan_cards(catalog)
        self.vat_note = (
            f"Prezzi IVA esclusa (IVA {format_percent(catalog.vat_percent)}). "
            "Puoi cambiare piano, utenti e fatturazione in ogni momento dalla tua area."
        )


def _feature(feature: FeatureRow) -> rx.Component:
    return rx.hstack(
        rx.cond(
            feature.included,
            rx.icon("check", size=16, color="var(--green-11)", aria_hidden="true"),
            rx.icon("minus", size=16, color="var(--gray-11)", aria_hidden="true"),
        ),
        rx.text(
            feature.name,
            rx.el.span(
                rx.cond(feature.included, ": incluso", ": non incluso"),
                class_name="ts-sr-only",
            ),
            size="2",
            color=rx.cond(feature.included, "inherit", "var(--gray-11)"),
        ),
        spacing="2",
        align="center",
    )


def plan_card(card: PlanCard, heading: str = "h2", id_prefix: str = "plan-") -> rx.Component:
    """One plan as '/piani' shows it (the lab's Anteprima shows the draft's with it)."""
    return rx.card(
        rx.vstack(
            rx.heading(card.name, size="5", as_=heading),
            rx.text(rx.text.strong(card.monthly), " per utente al mese", size="3"),
            rx.text(card.annual_line, size="2", color_scheme="gray"),
            rx.text(card.seats_line, size="2"),
            rx.separator(),
            rx.foreach(card.features, _feature),
            spacing="2",
        ),
        id=id_prefix + card.code,
    )


def plans_page() -> rx.Component:
    return page_shell(
        rx.text(PlansState.vat_note, color_scheme="gray"),
        rx.grid(
            rx.foreach(PlansState.cards, lambda card: plan_card(card)),
            grid_template_columns="repeat(auto-fit, minmax(min(100%, 15rem), 1fr))",
            spacing="4",
            width="100%",
        ),
        title="Confronta i piani",
        logged_in=False,
    )
