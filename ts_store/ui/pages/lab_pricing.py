"""'Prova un catalogo' in the Laboratorio prezzi: edit a draft catalogue and see its prorations.

The product team edits a copy of the live catalogue (TOML), picks a date and a situation — a new
purchase, or a change of an active licence in a given period — and reads the quote exactly as a
customer would see it (the same summary card, from the same domain quote). Nothing is saved:
the live catalogue changes only when the file is shipped. Every handler re-checks the role.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated

import reflex as rx

from ts_store.billing import clock, pricing_sandbox
from ts_store.billing.errors import InputError
from ts_store.domain.catalog import Catalog
from ts_store.domain.periods import CYCLE_LABELS, Cycle
from ts_store.ui.components.fields import field_label
from ts_store.ui.components.layout import error_callout
from ts_store.ui.components.quote_summary import QuoteView, quote_summary, quote_view
from ts_store.ui.event_guard import TextLimit
from ts_store.ui.formatting import format_cents, format_date, format_percent
from ts_store.ui.messages import message_for
from ts_store.ui.product_team import product_team_member_id
from ts_store.ui.theme import NATIVE_SELECT_STYLE


@dataclasses.dataclass
class DraftPlanRow:
    code: str = ""
    name: str = ""
    monthly: str = ""
    annual: str = ""
    seats: str = ""


@dataclasses.dataclass
class PlanOption:
    code: str = ""
    label: str = ""


def _plan_rows(catalog: Catalog) -> list[DraftPlanRow]:
    return [
        DraftPlanRow(
            code=plan.code,
            name=plan.name,
            monthly=format_cents(plan.monthly_cents),
            annual=format_cents(plan.annual_cents),
            seats=f"da {plan.min_seats} a {plan.max_seats}",
        )
        for plan in catalog.plans
    ]


class PricingLabState(rx.State):
    catalog_text: str = ""
    today_value: str = ""
    period_start_value: str = ""
    situation: str = pricing_sandbox.CHANGE
    plan_options: list[PlanOption] = []
    plans_key: str = ""  # remounts the plan fields when the plans change, so "pro" is selected
    draft_plans: list[DraftPlanRow] = []
    draft_terms: str = ""
    error: str = ""
    error_field: str = ""
    has_result: bool = False
    result_title: str = ""
    result: QuoteView = QuoteView()

    def _show_catalog(self, catalog: Catalog) -> None:
        self.plan_options = [PlanOption(plan.code, plan.name) for plan in catalog.plans]
        self.plans_key = ",".join(catalog.plan_codes())
        self.draft_plans = _plan_rows(catalog)
        self.draft_terms = (
            f"IVA {format_percent(catalog.vat_percent)} · prova {catalog.trial_days} giorni · "
            f"dati conservati {catalog.retention_days} giorni"
        )

    @rx.event
    async def load(self):
        if await product_team_member_id(self) is None:
            return
        self.catalog_text = pricing_sandbox.live_catalog_text()
        today = clock.today()
        self.today_value = today.isoformat()
        self.period_start_value = today.replace(day=1).isoformat()  # a monthly period under way
        self._show_catalog(pricing_sandbox.parse_draft(self.catalog_text))
        self.error = self.error_field = ""
        self.has_result = False

    @rx.event
    async def restore_live_catalog(self):
        if await product_team_member_id(self) is None:
            return
        self.catalog_text = pricing_sandbox.live_catalog_text()
        self._show_catalog(pricing_sandbox.parse_draft(self.catalog_text))
        self.error = self.error_field = ""
        self.has_result = False

    @rx.event
    def set_situation(self, value: str):
        if value in (pricing_sandbox.PURCHASE, pricing_sandbox.CHANGE):
            self.situation = value
            self.has_result = False

    @rx.event
    async def calculate(
        self, form_data: Annotated[dict, TextLimit(pricing_sandbox.MAX_DRAFT_CHARS)]
    ):
        """Quote the form's situation with the draft catalogue (nothing stored)."""
        if await product_team_member_id(self) is None or not isinstance(form_data, dict):
            return
        text = form_data.get("catalog")
        self.catalog_text = text[: pricing_sandbox.MAX_DRAFT_CHARS] if isinstance(text, str) else ""
        try:
            outcome = pricing_sandbox.sandbox_quote(text, form_data)
        except InputError as exc:
            self.error, self.error_field = message_for(exc), exc.field
            self.has_result = False
            return
        self.error = self.error_field = ""
        self._show_catalog(outcome.catalog)
        self.result = quote_view(outcome.quote, outcome.catalog)
        self.result_title = (
            "Nuovo acquisto"
            if outcome.period_end is None
            else f"Modifica nel periodo in corso (fino al {format_date(outcome.period_end)})"
        )
        self.has_result = True


def _field(label: str, control: rx.Component) -> rx.Component:
    """A label tied to its control (by the control's id)."""
    return rx.vstack(field_label(label, control.id), control, spacing="1", width="100%")


def _plan_select(name: str) -> rx.Component:
    return rx.el.select(
        rx.foreach(
            PricingLabState.plan_options,
            lambda option: rx.el.option(option.label, value=option.code),
        ),
        name=name,
        id=f"sandbox-{name}",
        default_value="pro",
        key=PricingLabState.plans_key,
        style=NATIVE_SELECT_STYLE,
    )


def _cycle_select(name: str) -> rx.Component:
    return rx.el.select(
        rx.el.option(CYCLE_LABELS[Cycle.MONTHLY], value=Cycle.MONTHLY),
        rx.el.option(CYCLE_LABELS[Cycle.ANNUAL], value=Cycle.ANNUAL),
        name=name,
        id=f"sandbox-{name}",
        style=NATIVE_SELECT_STYLE,
    )


def _seats_input(name: str, default: str) -> rx.Component:
    return rx.input(
        name=name, id=f"sandbox-{name}", default_value=default, input_mode="numeric", width="100%"
    )


def _current_licence_fields() -> rx.Component:
    return rx.grid(
        _field("Piano attuale", _plan_select("current_plan")),
        _field("Fatturazione attuale", _cycle_select("current_cycle")),
        _field("Utenti attuali", _seats_input("current_seats", "2")),
        _field(
            "Inizio del periodo in corso",
            rx.input(
                type="date",
                name="period_start",
                id="sandbox-period_start",
                default_value=PricingLabState.period_start_value,
                key=PricingLabState.period_start_value,
            ),
        ),
        columns=rx.breakpoints(initial="1", sm="2", md="4"),
        spacing="3",
        width="100%",
    )


def _draft_plans_table() -> rx.Component:
    return rx.vstack(
        rx.text("Piani del catalogo provato", size="2", weight="medium"),
        rx.box(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *(
                            rx.table.column_header_cell(label)
                            for label in ("Codice", "Piano", "Al mese", "All'anno", "Utenti")
                        )
                    )
                ),
                rx.table.body(
                    rx.foreach(
                        PricingLabState.draft_plans,
                        lambda row: rx.table.row(
                            rx.table.cell(row.code),
                            rx.table.cell(row.name),
                            rx.table.cell(row.monthly),
                            rx.table.cell(row.annual),
                            rx.table.cell(row.seats),
                        ),
                    )
                ),
                size="1",
                id="sandbox-plans",
            ),
            overflow_x="auto",
            width="100%",
        ),
        rx.text(PricingLabState.draft_terms, size="1", color_scheme="gray"),
        spacing="2",
        width="100%",
    )


def pricing_sandbox_card() -> rx.Component:
    """The card on the Laboratorio prezzi page (shown to the product team only)."""
    return rx.card(
        rx.vstack(
            rx.heading("Prova un catalogo", size="4", as_="h2"),
            rx.text(
                "Modifica una copia del catalogo (prezzi in centesimi, limiti, caratteristiche), "
                "scegli una data e una situazione e guarda il riepilogo come lo vedrebbe il "
                "cliente. Non viene salvato nulla: il catalogo del negozio cambia solo quando "
                "una bozza viene pubblicata in «Pubblica».",
                size="2",
                color_scheme="gray",
            ),
            rx.form(
                rx.vstack(
                    _field(
                        "Catalogo (TOML)",
                        rx.text_area(
                            name="catalog",
                            id="sandbox-catalog",
                            default_value=PricingLabState.catalog_text,
                            key=PricingLabState.catalog_text,
                            rows="14",
                            font_family="monospace",
                            width="100%",
                        ),
                    ),
                    rx.grid(
                        _field(
                            "Data",
                            rx.input(
                                type="date",
                                name="today",
                                id="sandbox-today",
                                default_value=PricingLabState.today_value,
                                key=PricingLabState.today_value,
                            ),
                        ),
                        _field(
                            "Situazione",
                            rx.el.select(
                                rx.el.option("Licenza attiva", value=pricing_sandbox.CHANGE),
                                rx.el.option("Nuovo acquisto", value=pricing_sandbox.PURCHASE),
                                name="situation",
                                id="sandbox-situation",
                                value=PricingLabState.situation,
                                on_change=PricingLabState.set_situation,
                                style=NATIVE_SELECT_STYLE,
                            ),
                        ),
                        columns=rx.breakpoints(initial="1", sm="2"),
                        spacing="3",
                        width="100%",
                    ),
                    rx.cond(
                        PricingLabState.situation == pricing_sandbox.CHANGE,
                        _current_licence_fields(),
                    ),
                    rx.text("Nuova configurazione", size="2", weight="bold"),
                    rx.grid(
                        _field("Piano", _plan_select("target_plan")),
                        _field("Fatturazione", _cycle_select("target_cycle")),
                        _field("Utenti", _seats_input("target_seats", "5")),
                        columns=rx.breakpoints(initial="1", sm="3"),
                        spacing="3",
                        width="100%",
                    ),
                    rx.cond(
                        PricingLabState.error != "",
                        error_callout(PricingLabState.error, "sandbox-error"),
                    ),
                    rx.hstack(
                        rx.button("Calcola", type="submit", id="sandbox-calculate"),
                        rx.button(
                            "Torna al catalogo del negozio",
                            type="button",
                            variant="soft",
                            on_click=PricingLabState.restore_live_catalog,
                            id="sandbox-restore",
                        ),
                        rx.button(
                            "Scarica il catalogo provato",
                            type="button",
                            variant="outline",
                            on_click=rx.download(
                                data=PricingLabState.catalog_text, filename="catalog.toml"
                            ),
                            id="sandbox-download",
                        ),
                        wrap="wrap",
                        spacing="2",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=PricingLabState.calculate,
                reset_on_submit=False,
                width="100%",
            ),
            rx.cond(
                PricingLabState.has_result,
                rx.vstack(
                    rx.text(PricingLabState.result_title, weight="bold", id="sandbox-result-title"),
                    rx.box(
                        quote_summary(PricingLabState.result, prefix="sandbox"), max_width="32rem"
                    ),
                    spacing="2",
                    width="100%",
                ),
            ),
            _draft_plans_table(),
            spacing="3",
            width="100%",
            min_width="0",
        ),
        id="lab-sandbox",
        width="100%",
        min_width="0",
    )
