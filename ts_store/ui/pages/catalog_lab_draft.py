"""'Bozza del catalogo': the draft price list as a form in euros (docs/catalog-lab.md).

The state keeps what the product team typed; the domain (`catalog_draft`) reads it into cents,
names every problem by plan and field, and keeps the annual discount when asked. The other
sections of the lab read the draft through `DraftState.draft_catalog()`. Every handler checks
the role and its arguments (a handler is a public endpoint).
"""

from __future__ import annotations

import dataclasses
from typing import Annotated

import reflex as rx

from ts_store.billing import catalog_lab
from ts_store.billing.errors import InputError
from ts_store.domain import catalog_draft as draft
from ts_store.domain.catalog import Catalog
from ts_store.ui.components.layout import error_callout
from ts_store.ui.event_guard import TextLimit
from ts_store.ui.formatting import format_percent
from ts_store.ui.messages import message_for
from ts_store.ui.product_team import product_team_member_id

MAX_FIELD_CHARS = 100
MAX_FEATURES_CHARS = draft.MAX_FEATURES * (draft.MAX_FEATURE_CHARS + 1)
MAX_TOML_CHARS = 50_000


@dataclasses.dataclass
class DraftPlanRow:
    code: str = ""
    name: str = ""
    monthly: str = ""
    annual: str = ""
    min_seats: str = "1"
    max_seats: str = "1"
    features: str = ""
    keep_discount: bool = True
    discount: str = ""
    # The prices the annual discount is kept from (cents): see docs/catalog-lab.md.
    basis_monthly: int = 0
    basis_annual: int = 0
    problems: list[str] = dataclasses.field(default_factory=list)
    bad_fields: list[str] = dataclasses.field(default_factory=list)


def _row(plan: draft.PlanForm) -> DraftPlanRow:
    row = DraftPlanRow(**{name: getattr(plan, name) for name in draft.PLAN_FIELDS})
    _rebase(row)
    return row


def _cents(text: str) -> int | None:
    try:
        return draft.parse_euros(text)
    except draft.AmountError:
        return None


def _rebase(row: DraftPlanRow) -> None:
    """The current prices become the basis of the discount to keep (when both are readable)."""
    monthly, annual = _cents(row.monthly), _cents(row.annual)
    if monthly is not None and annual is not None:
        row.basis_monthly, row.basis_annual = monthly, annual


def _discount_text(row: DraftPlanRow) -> str:
    monthly, annual = _cents(row.monthly), _cents(row.annual)
    if monthly is None or annual is None:
        return "—"
    discount = draft.annual_discount(monthly, annual)
    return "—" if discount is None else format_percent(discount)


class DraftState(rx.State):
    allowed: bool = False
    plans: list[DraftPlanRow] = []
    vat_percent: str = ""
    trial_days: str = ""
    retention_days: str = ""
    catalog_problems: list[str] = []
    bad_catalog_fields: list[str] = []
    valid: bool = False
    toml_text: str = ""
    toml_error: str = ""

    # --- reading the draft (for the other sections) -------------------------------------

    def _form(self) -> draft.CatalogForm:
        return draft.CatalogForm(
            vat_percent=self.vat_percent,
            trial_days=self.trial_days,
            retention_days=self.retention_days,
            plans=[
                draft.PlanForm(**{name: getattr(row, name) for name in draft.PLAN_FIELDS})
                for row in self.plans
            ],
        )

    def draft_catalog(self) -> Catalog | None:
        """The catalogue the form describes, None while it has problems."""
        catalog, _ = draft.check_form(self._form())
        return catalog

    def _check(self) -> None:
        _, problems = draft.check_form(self._form())
        for index, row in enumerate(self.plans):
            mine = [p for p in problems if p.plan == index]
            row.problems = [p.message for p in mine]
            row.bad_fields = [p.field for p in mine]
            row.discount = _discount_text(row)
        general = [p for p in problems if p.plan is None]
        self.catalog_problems = [p.message for p in general]
        self.bad_catalog_fields = [p.field for p in general]
        self.valid = not problems
        self.plans = list(self.plans)  # reassign: Reflex sends nested changes on assignment

    def _show(self, form: draft.CatalogForm) -> None:
        self.vat_percent = form.vat_percent
        self.trial_days = form.trial_days
        self.retention_days = form.retention_days
        self.plans = [_row(plan) for plan in form.plans]
        self.toml_error = ""
        self._check()

    async def _allowed(self) -> bool:
        self.allowed = await product_team_member_id(self) is not None
        return self.allowed

    def _plan_index(self, index: object) -> int | None:
        if isinstance(index, bool) or not isinstance(index, int):
            return None
        return index if 0 <= index < len(self.plans) else None

    # --- handlers ------------------------------------------------------------------------

    @rx.event
    async def load(self):
        """Start from the published catalogue (only the first time: a reload keeps the draft)."""
        if not await self._allowed():
            self.plans = []
            return
        if not self.plans:
            self._show(catalog_lab.published_form())

    @rx.event
    async def restore_published(self):
        if await self._allowed():
            self._show(catalog_lab.published_form())

    @rx.event
    async def set_plan_field(self, index: int, name: str, value: str):
        if not await self._allowed():
            return
        position = self._plan_index(index)
        limit = MAX_FEATURES_CHARS if name == "features" else MAX_FIELD_CHARS
        if position is None or name not in draft.PLAN_FIELDS or not isinstance(value, str):
            return
        row = self.plans[position]
        setattr(row, name, value[:limit])
        if name == "monthly" and row.keep_discount:
            monthly = _cents(row.monthly)
            if monthly is not None:
                annual = draft.annual_keeping_discount(row.basis_monthly, row.basis_annual, monthly)
                if annual is not None and annual <= draft.MAX_PRICE_CENTS:
                    row.annual = draft.euros_text(annual)
        elif name == "annual":
            _rebase(row)  # a price typed by hand sets the discount to keep from now on
        self._check()

    @rx.event
    async def set_keep_discount(self, index: int, keep: bool):
        if not await self._allowed():
            return
        position = self._plan_index(index)
        if position is None or not isinstance(keep, bool):
            return
        row = self.plans[position]
        row.keep_discount = keep
        if keep:
            _rebase(row)
        self._check()

    @rx.event
    async def set_catalog_field(self, name: str, value: str):
        if not await self._allowed():
            return
        if name not in draft.CATALOG_FIELDS or not isinstance(value, str):
            return
        setattr(self, name, value[:MAX_FIELD_CHARS])
        self._check()

    @rx.event
    async def add_plan(self):
        if not await self._allowed() or len(self.plans) >= draft.MAX_PLANS:
            return
        taken = {row.code for row in self.plans}
        number = next(n for n in range(1, draft.MAX_PLANS + 2) if f"nuovo-{n}" not in taken)
        self.plans = [
            *self.plans,
            DraftPlanRow(
                code=f"nuovo-{number}",
                name=f"Nuovo piano {number}",
                monthly="0,00",
                annual="0,00",
                min_seats="1",
                max_seats="10",
            ),
        ]
        self._check()

    @rx.event
    async def remove_plan(self, index: int):
        if not await self._allowed():
            return
        position = self._plan_index(index)
        if position is not None:
            self.plans = [row for n, row in enumerate(self.plans) if n != position]
            self._check()

    @rx.event
    async def move_plan(self, index: int, step: int):
        """Move a plan one place up (-1) or down (+1): the order of the customer's pages."""
        if not await self._allowed():
            return
        position = self._plan_index(index)
        if position is None or step not in (-1, 1) or isinstance(step, bool):
            return
        other = position + step
        if 0 <= other < len(self.plans):
            plans = list(self.plans)
            plans[position], plans[other] = plans[other], plans[position]
            self.plans = plans
            self._check()

    @rx.event
    async def import_toml(self, form_data: Annotated[dict, TextLimit(MAX_TOML_CHARS)]):
        """Power users: replace the draft with a pasted catalogue file."""
        if not await self._allowed() or not isinstance(form_data, dict):
            return
        text = form_data.get("toml")
        self.toml_text = text[:MAX_TOML_CHARS] if isinstance(text, str) else ""
        try:
            form = catalog_lab.form_from_toml(text)
        except InputError as error:
            self.toml_error = message_for(error)
            return
        self._show(form)

    @rx.event
    async def export_toml(self):
        """Download the draft as the catalogue file (only when it has no problems)."""
        if not await self._allowed():
            return None
        catalog = self.draft_catalog()
        if catalog is None:
            self._check()
            return None
        return rx.download(data=catalog_lab.toml_of(catalog), filename="catalogo-bozza.toml")


# --- components --------------------------------------------------------------------------


def _input(label: str, row: DraftPlanRow, index, name: str, **props) -> rx.Component:
    field_id = f"draft-{name}-{index}"
    return rx.vstack(
        rx.el.label(label, html_for=field_id, font_size="var(--font-size-1)", font_weight="500"),
        rx.input(
            value=getattr(row, name),
            on_change=lambda value: DraftState.set_plan_field(index, name, value),
            id=field_id,
            color_scheme=rx.cond(row.bad_fields.contains(name), "red", "gray"),
            custom_attrs={"aria-invalid": rx.cond(row.bad_fields.contains(name), "true", "false")},
            width="100%",
            **props,
        ),
        spacing="1",
        width="100%",
        min_width="0",
    )


def _plan_card(row: DraftPlanRow, index) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(row.name, size="3", as_="h3"),
                rx.spacer(),
                rx.icon_button(
                    rx.icon("arrow_up", size=16),
                    variant="soft",
                    size="1",
                    on_click=DraftState.move_plan(index, -1),
                    aria_label="Sposta su",
                    disabled=index == 0,
                    class_name="draft-up",
                ),
                rx.icon_button(
                    rx.icon("arrow_down", size=16),
                    variant="soft",
                    size="1",
                    on_click=DraftState.move_plan(index, 1),
                    aria_label="Sposta giù",
                    disabled=index == DraftState.plans.length() - 1,
                    class_name="draft-down",
                ),
                rx.icon_button(
                    rx.icon("trash_2", size=16),
                    variant="soft",
                    color_scheme="red",
                    size="1",
                    on_click=DraftState.remove_plan(index),
                    aria_label="Rimuovi il piano",
                    class_name="draft-remove",
                ),
                width="100%",
                align="center",
                spacing="2",
            ),
            rx.grid(
                _input("Codice", row, index, "code"),
                _input("Nome", row, index, "name"),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            rx.grid(
                _input(
                    "Prezzo mensile per utente (€)", row, index, "monthly", input_mode="decimal"
                ),
                _input("Prezzo annuale per utente (€)", row, index, "annual", input_mode="decimal"),
                rx.vstack(
                    rx.text("Sconto annuale", size="1", weight="medium"),
                    rx.text(row.discount, size="3", weight="bold", class_name="draft-discount"),
                    spacing="1",
                ),
                columns=rx.breakpoints(initial="1", sm="3"),
                spacing="3",
                width="100%",
                align="end",
            ),
            rx.el.label(
                rx.hstack(
                    rx.checkbox(
                        checked=row.keep_discount,
                        on_change=lambda keep: DraftState.set_keep_discount(index, keep),
                        id=f"draft-keep-{index}",
                    ),
                    rx.text("Mantieni lo sconto annuale quando cambia il prezzo mensile", size="2"),
                    spacing="2",
                    align="center",
                ),
            ),
            rx.grid(
                _input("Utenti minimi", row, index, "min_seats", input_mode="numeric"),
                _input("Utenti massimi", row, index, "max_seats", input_mode="numeric"),
                columns="2",
                spacing="3",
                width="100%",
            ),
            rx.vstack(
                rx.el.label(
                    "Caratteristiche (una per riga)",
                    html_for=f"draft-features-{index}",
                    font_size="var(--font-size-1)",
                    font_weight="500",
                ),
                rx.text_area(
                    value=row.features,
                    on_change=lambda value: DraftState.set_plan_field(index, "features", value),
                    id=f"draft-features-{index}",
                    rows="4",
                    width="100%",
                ),
                spacing="1",
                width="100%",
            ),
            rx.foreach(
                row.problems,
                lambda message: rx.text(
                    message, color_scheme="red", size="2", class_name="draft-problem"
                ),
            ),
            spacing="3",
            width="100%",
            min_width="0",
        ),
        id=f"draft-plan-{index}",
        width="100%",
        min_width="0",
    )


def _catalog_input(label: str, name: str, **props) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=f"draft-{name}", font_size="var(--font-size-1)"),
        rx.input(
            value=getattr(DraftState, name),
            on_change=lambda value: DraftState.set_catalog_field(name, value),
            id=f"draft-{name}",
            color_scheme=rx.cond(DraftState.bad_catalog_fields.contains(name), "red", "gray"),
            width="100%",
            **props,
        ),
        spacing="1",
        width="100%",
    )


def _toml_tools() -> rx.Component:
    return rx.el.details(
        rx.el.summary("TOML (per utenti esperti): importa o esporta il file del catalogo"),
        rx.form(
            rx.vstack(
                rx.text_area(
                    name="toml",
                    id="draft-toml",
                    default_value=DraftState.toml_text,
                    placeholder="Incolla qui un file del catalogo (importi in centesimi)",
                    rows="10",
                    font_family="monospace",
                    width="100%",
                ),
                rx.cond(
                    DraftState.toml_error != "",
                    error_callout(DraftState.toml_error, "draft-toml-error"),
                ),
                rx.hstack(
                    rx.button(
                        "Importa nella bozza", type="submit", variant="soft", id="draft-import"
                    ),
                    rx.button(
                        "Esporta la bozza (TOML)",
                        type="button",
                        variant="outline",
                        on_click=DraftState.export_toml,
                        disabled=~DraftState.valid,
                        id="draft-export",
                    ),
                    wrap="wrap",
                    spacing="2",
                ),
                spacing="2",
                width="100%",
                padding_top="0.5rem",
            ),
            on_submit=DraftState.import_toml,
            reset_on_submit=False,
        ),
        width="100%",
    )


def draft_editor() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Prezzi per utente in euro, IVA esclusa (ad esempio 27 o 27,50). Salvare una bozza "
            "non cambia nulla per i clienti: i prezzi cambiano solo quando una versione viene "
            "pubblicata.",
            size="2",
            color_scheme="gray",
        ),
        rx.grid(
            _catalog_input("IVA (%)", "vat_percent", input_mode="decimal"),
            _catalog_input("Giorni di prova", "trial_days", input_mode="numeric"),
            _catalog_input(
                "Giorni di conservazione dei dati", "retention_days", input_mode="numeric"
            ),
            columns=rx.breakpoints(initial="1", sm="3"),
            spacing="3",
            width="100%",
        ),
        rx.foreach(
            DraftState.catalog_problems,
            lambda message: rx.text(
                message, color_scheme="red", size="2", class_name="draft-problem"
            ),
        ),
        rx.foreach(DraftState.plans, _plan_card),
        rx.hstack(
            rx.button(
                rx.icon("plus", size=16),
                "Aggiungi un piano",
                on_click=DraftState.add_plan,
                variant="soft",
                disabled=DraftState.plans.length() >= draft.MAX_PLANS,
                id="draft-add",
            ),
            rx.button(
                "Ricomincia dal catalogo pubblicato",
                on_click=DraftState.restore_published,
                variant="outline",
                id="draft-restore",
            ),
            wrap="wrap",
            spacing="2",
        ),
        rx.cond(
            DraftState.valid,
            rx.callout(
                "La bozza è valida.", icon="circle_check", color_scheme="green", id="draft-valid"
            ),
            rx.callout(
                "La bozza ha errori: correggili per confrontarla, vederne l'impatto e l'anteprima.",
                icon="triangle_alert",
                color_scheme="orange",
                id="draft-invalid",
            ),
        ),
        _toml_tools(),
        spacing="3",
        width="100%",
        min_width="0",
    )
