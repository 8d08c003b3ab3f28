"""'Versioni del catalogo', 'Pubblica' and 'Simulazione' in the Laboratorio prezzi.

Versions: every catalogue version with its status and author. Pubblica: a draft, an effective
date (today or later) and a grandfathering policy; a scheduled version can be withdrawn.
Simulazione: the store's job over a horizon on a copy of the data (never the live store, never
Stripe). Product team only: every handler checks the role in the database (docs/pricing-lab.md).
"""

from __future__ import annotations

import dataclasses
import logging

import reflex as rx

from ts_store.billing import catalog_versions, clock, simulation
from ts_store.billing.errors import InputError, UseCaseError
from ts_store.domain.catalog_versions import GRANDFATHERING_LABELS, Grandfathering
from ts_store.ui.components.fields import field_label
from ts_store.ui.components.layout import error_callout
from ts_store.ui.formatting import format_cents, format_date, format_datetime
from ts_store.ui.messages import message_for, text
from ts_store.ui.product_team import product_team_member_id
from ts_store.ui.theme import NATIVE_SELECT_STYLE

log = logging.getLogger(__name__)

STATUS_COLORS = {
    "draft": "gray",
    "scheduled": "amber",
    "published": "green",
    "retired": "gray",
    "withdrawn": "red",
}
PUBLISHED_CATALOG = "pubblicato"  # the simulation's choice "catalogue as published"
MAX_ID_CHARS = 10


@dataclasses.dataclass
class VersionRow:
    id: str = ""
    name: str = ""
    status: str = ""
    status_label: str = ""
    status_color: str = "gray"
    effective_on: str = ""
    policy: str = ""
    author: str = ""
    updated: str = ""
    withdrawable: bool = False


@dataclasses.dataclass
class Choice:
    value: str = ""
    label: str = ""


@dataclasses.dataclass
class MrrRow:
    on: str = ""
    mrr: str = ""
    paying: str = ""
    suspended: str = ""


@dataclasses.dataclass
class ChargeRow:
    on: str = ""
    licence: str = ""
    customer: str = ""
    amount: str = ""
    document: str = ""


def _version_row(view: catalog_versions.VersionView) -> VersionRow:
    return VersionRow(
        id=str(view.id),
        name=view.name,
        status=str(view.status),
        status_label=view.status_label,
        status_color=STATUS_COLORS.get(str(view.status), "gray"),
        effective_on=format_date(view.effective_on) if view.effective_on else "—",
        policy=(
            "mantengono i prezzi"
            if view.grandfathering == Grandfathering.KEEP
            else "nuovi prezzi al rinnovo, con avviso"
            if view.grandfathering == Grandfathering.MOVE_AT_RENEWAL
            else "—"
        ),
        author=view.author_email or "file iniziale",
        updated=format_datetime(view.updated_at),
        withdrawable=str(view.status) == "scheduled",
    )


def _id(raw: object) -> int | None:
    # isascii: "²".isdigit() is True and int("²") raises (found by tests/security, issue #15)
    text = raw.strip() if isinstance(raw, str) else ""
    if text.isascii() and text.isdigit() and len(text) <= MAX_ID_CHARS:
        return int(text)
    return None


class VersionsState(rx.State):
    allowed: bool = False
    versions: list[VersionRow] = []
    drafts: list[Choice] = []
    draft_id: str = ""
    effective_value: str = ""
    policy: str = str(Grandfathering.MOVE_AT_RENEWAL)
    error: str = ""
    message: str = ""
    _revisions: dict[int, int] = {}

    def _reload(self, actor: int) -> None:
        views = catalog_versions.list_versions(actor)
        self.versions = [_version_row(v) for v in views]
        self._revisions = {v.id: v.revision for v in views}
        self.drafts = [Choice(str(v.id), f"{v.name} (n. {v.id})") for v in views if v.editable]
        if self.draft_id not in {c.value for c in self.drafts}:
            self.draft_id = self.drafts[0].value if self.drafts else ""
        if not self.effective_value:
            self.effective_value = clock.today().isoformat()

    @rx.event
    async def load(self):
        actor = await product_team_member_id(self)
        self.allowed = actor is not None
        if actor is None:
            self.versions, self.drafts = [], []
            return
        self.error = self.message = ""
        self._reload(actor)

    @rx.event
    def set_draft(self, value: str):
        if isinstance(value, str) and len(value) <= MAX_ID_CHARS:
            self.draft_id = value

    @rx.event
    def set_policy(self, value: str):
        if value in (Grandfathering.KEEP, Grandfathering.MOVE_AT_RENEWAL):
            self.policy = value

    @rx.event
    async def publish(self, form_data: dict):
        actor = await product_team_member_id(self)
        if actor is None:
            self.allowed = False
            return
        form = form_data if isinstance(form_data, dict) else {}
        version_id = _id(form.get("draft_id", self.draft_id))
        effective = form.get("effective_on")
        self.effective_value = effective if isinstance(effective, str) else ""
        self.message = ""
        if version_id is None:
            self.error = text("catalog_version_not_found")
            return
        try:
            result = catalog_versions.publish(
                actor,
                version_id,
                self._revisions.get(version_id, 0),
                effective if isinstance(effective, str) else None,
                form.get("grandfathering", self.policy),
            )
        except UseCaseError as exc:
            self.error = message_for(exc)
            self._reload(actor)
            return
        self.error = ""
        version = result.version
        when = format_date(version.effective_on)
        told = (
            f" Avvisi di variazione registrati: {result.notices}."
            if version.grandfathering == Grandfathering.MOVE_AT_RENEWAL
            else ""
        )
        self.message = f"«{version.name}» pubblicata: in vigore dal {when}.{told}"
        self._reload(actor)

    @rx.event
    async def withdraw(self, raw_id: str):
        actor = await product_team_member_id(self)
        if actor is None:
            self.allowed = False
            return
        version_id = _id(raw_id)
        if version_id is None:
            self.error = text("catalog_version_not_found")
            return
        try:
            view = catalog_versions.withdraw(actor, version_id)
        except UseCaseError as exc:
            self.error = message_for(exc)
            return
        self.error = ""
        self.message = f"«{view.name}» ritirata: non entrerà in vigore."
        self._reload(actor)


def _describe(code: str, params: dict) -> str:
    return text(code, **params)


class SimulationState(rx.State):
    choices: list[Choice] = []
    catalog_choice: str = PUBLISHED_CATALOG
    months: str = "12"
    policy: str = str(Grandfathering.MOVE_AT_RENEWAL)
    running: bool = False
    error: str = ""
    done: bool = False
    title: str = ""
    totals: list[str] = []
    mrr: list[MrrRow] = []
    charges: list[ChargeRow] = []
    lines: list[str] = []

    @rx.event
    async def load(self):
        actor = await product_team_member_id(self)
        if actor is None:
            self.choices = []
            return
        views = catalog_versions.list_versions(actor)
        self.choices = [Choice(PUBLISHED_CATALOG, "Catalogo pubblicato")] + [
            Choice(str(v.id), f"Bozza «{v.name}» (n. {v.id})") for v in views if v.editable
        ]

    @rx.event
    def set_catalog_choice(self, value: str):
        if isinstance(value, str) and len(value) <= MAX_ID_CHARS:
            self.catalog_choice = value

    @rx.event
    def set_policy(self, value: str):
        if value in (Grandfathering.KEEP, Grandfathering.MOVE_AT_RENEWAL):
            self.policy = value

    @rx.event(background=True)
    async def run(self, form_data: dict):
        """Run on a copy of the data (seconds for thousands of licences): in the background, so
        the page stays responsive and shows that it is working."""
        async with self:
            actor = await product_team_member_id(self)
            if actor is None or self.running:
                return
            form = form_data if isinstance(form_data, dict) else {}
            months = form.get("months", self.months)
            self.months = months if isinstance(months, str) else self.months
            choice = form.get("catalog", self.catalog_choice)
            version_id = None if choice == PUBLISHED_CATALOG else _id(choice)
            if choice != PUBLISHED_CATALOG and version_id is None:
                self.error = text("catalog_version_not_found")
                return
            policy = form.get("grandfathering", self.policy)
            self.running, self.error, self.done = True, "", False
        try:
            result = await simulation.simulate(actor, months, version_id, policy, _describe)
        except (InputError, UseCaseError) as exc:
            async with self:
                self.running, self.error = False, message_for(exc)
            return
        except Exception:
            log.exception("simulation failed")
            async with self:
                self.running = False
                self.error = "Simulazione non riuscita: riprova o guarda il log."
            return
        async with self:
            self.running, self.done = False, True
            self.title = (
                f"Dal {format_date(result.start)} al {format_date(result.end)}, con il "
                f"{result.catalog_label}: nulla è stato salvato né addebitato."
            )
            self.totals = [
                f"Addebiti: {len(result.charges)} per {format_cents(result.charged_gross_cents)} "
                f"IVA inclusa; documenti: {result.documents}",
                f"Pagamenti non riusciti: {result.past_due}; sospensioni: {result.suspensions}",
                f"Prove scadute: {result.trials_expired}; disdette terminate: {result.ended}",
                f"Chiamate a Stripe: {result.stripe_calls}",
            ]
            self.mrr = [
                MrrRow(
                    format_date(p.on), format_cents(p.mrr_cents), str(p.paying), str(p.suspended)
                )
                for p in result.mrr
            ]
            self.charges = [
                ChargeRow(
                    format_date(c.on),
                    str(c.licence_id),
                    c.company_name,
                    format_cents(c.gross_cents),
                    c.document_number or "",
                )
                for c in result.charges[:200]
            ]
            self.lines = result.lines[:300]


_SHRINKABLE = {"width": "100%", "max_width": "100%", "min_width": "0"}


def _header(*labels: str) -> rx.Component:
    return rx.table.header(rx.table.row(*[rx.table.column_header_cell(label) for label in labels]))


def _scroll(table: rx.Component) -> rx.Component:
    return rx.box(table, overflow_x="auto", width="100%", max_width="100%")


def _policy_radio(state, name: str, id_prefix: str) -> rx.Component:
    return rx.radio_group.root(
        rx.vstack(
            *[
                rx.text(
                    rx.flex(
                        rx.radio_group.item(value=str(policy), id=f"{id_prefix}-{policy}"),
                        GRANDFATHERING_LABELS[policy],
                        spacing="2",
                        align="start",
                    ),
                    as_="label",
                    size="2",
                )
                for policy in (Grandfathering.MOVE_AT_RENEWAL, Grandfathering.KEEP)
            ],
            spacing="2",
        ),
        name=name,
        value=state.policy,
        on_change=state.set_policy,
    )


def versions_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Versioni del catalogo", size="4", as_="h2"),
            _scroll(
                rx.table.root(
                    _header(
                        "N.", "Nome", "Stato", "In vigore dal", "Clienti attuali", "Autore", ""
                    ),
                    rx.table.body(
                        rx.foreach(
                            VersionsState.versions,
                            lambda row: rx.table.row(
                                rx.table.cell(row.id),
                                rx.table.cell(row.name),
                                rx.table.cell(
                                    rx.badge(row.status_label, color_scheme=row.status_color)
                                ),
                                rx.table.cell(row.effective_on),
                                rx.table.cell(row.policy),
                                rx.table.cell(row.author),
                                rx.table.cell(
                                    rx.cond(
                                        row.withdrawable,
                                        rx.button(
                                            "Ritira",
                                            size="1",
                                            variant="soft",
                                            color_scheme="red",
                                            on_click=VersionsState.withdraw(row.id),
                                            id="version-withdraw-" + row.id,
                                        ),
                                    )
                                ),
                                id="version-" + row.id,
                                class_name="version-row",
                            ),
                        )
                    ),
                    size="1",
                    width="100%",
                )
            ),
            spacing="3",
            **_SHRINKABLE,
        ),
        id="lab-versions",
        **_SHRINKABLE,
    )


def publish_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Pubblica", size="4", as_="h2"),
            rx.text(
                "Una versione pubblicata non si modifica più: per cambiarla se ne pubblica una "
                "nuova. Gli acquisti usano la versione in vigore nel giorno dell'acquisto.",
                size="2",
                color_scheme="gray",
            ),
            rx.cond(
                VersionsState.drafts.length() == 0,
                rx.text("Nessuna bozza da pubblicare.", size="2", id="publish-no-draft"),
                rx.form(
                    rx.vstack(
                        field_label("Bozza", "publish-draft"),
                        rx.el.select(
                            rx.foreach(
                                VersionsState.drafts,
                                lambda c: rx.el.option(c.label, value=c.value),
                            ),
                            name="draft_id",
                            id="publish-draft",
                            value=VersionsState.draft_id,
                            on_change=VersionsState.set_draft,
                            style=NATIVE_SELECT_STYLE,
                        ),
                        field_label("In vigore dal", "publish-date"),
                        rx.input(
                            type="date",
                            name="effective_on",
                            id="publish-date",
                            default_value=VersionsState.effective_value,
                        ),
                        rx.text("Clienti attuali", weight="medium"),
                        _policy_radio(VersionsState, "grandfathering", "publish-policy"),
                        rx.button("Pubblica", type="submit", id="publish-submit"),
                        spacing="2",
                        width="100%",
                    ),
                    on_submit=VersionsState.publish,
                    reset_on_submit=False,
                    width="100%",
                ),
            ),
            rx.cond(VersionsState.error != "", error_callout(VersionsState.error, "publish-error")),
            rx.cond(
                VersionsState.message != "",
                rx.callout(VersionsState.message, icon="check", id="publish-message"),
            ),
            spacing="3",
            **_SHRINKABLE,
        ),
        id="lab-publish",
        **_SHRINKABLE,
    )


def simulation_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Simulazione", size="4", as_="h2"),
            rx.text(
                "Rinnovi, pagamenti non riusciti, fine prova e sospensioni nei prossimi mesi, "
                "calcolati su una copia dei dati dello store con un pagamento simulato (ogni "
                "carta salvata paga): nessun cliente, nessun addebito e nessuna email reali. "
                "La copia viene eliminata alla fine.",
                size="2",
                color_scheme="gray",
            ),
            rx.form(
                rx.vstack(
                    field_label("Catalogo", "simulation-catalog"),
                    rx.el.select(
                        rx.foreach(
                            SimulationState.choices,
                            lambda c: rx.el.option(c.label, value=c.value),
                        ),
                        name="catalog",
                        id="simulation-catalog",
                        value=SimulationState.catalog_choice,
                        on_change=SimulationState.set_catalog_choice,
                        style=NATIVE_SELECT_STYLE,
                    ),
                    field_label("Mesi", "simulation-months"),
                    rx.input(
                        type="number",
                        name="months",
                        id="simulation-months",
                        min=1,
                        max=simulation.MAX_MONTHS,
                        default_value=SimulationState.months,
                    ),
                    rx.text("Clienti attuali (con una bozza)", weight="medium"),
                    _policy_radio(SimulationState, "grandfathering", "simulation-policy"),
                    rx.button(
                        rx.cond(SimulationState.running, rx.spinner(size="1"), rx.icon("play")),
                        "Simula",
                        type="submit",
                        id="simulation-run",
                        disabled=SimulationState.running,
                    ),
                    spacing="2",
                    width="100%",
                ),
                on_submit=SimulationState.run,
                reset_on_submit=False,
                width="100%",
            ),
            rx.cond(
                SimulationState.running,
                rx.text("Simulazione in corso…", size="2", id="simulation-running"),
            ),
            rx.cond(
                SimulationState.error != "",
                error_callout(SimulationState.error, "simulation-error"),
            ),
            rx.cond(SimulationState.done, _simulation_result()),
            spacing="3",
            **_SHRINKABLE,
        ),
        id="lab-simulation",
        **_SHRINKABLE,
    )


def _simulation_result() -> rx.Component:
    return rx.vstack(
        rx.text(SimulationState.title, weight="medium", id="simulation-title"),
        rx.foreach(SimulationState.totals, lambda t: rx.text(t, size="2")),
        rx.heading("MRR nel tempo", size="3", as_="h3"),
        _scroll(
            rx.table.root(
                _header("Data", "MRR", "Licenze paganti", "Sospese"),
                rx.table.body(
                    rx.foreach(
                        SimulationState.mrr,
                        lambda r: rx.table.row(
                            rx.table.cell(r.on),
                            rx.table.cell(r.mrr),
                            rx.table.cell(r.paying),
                            rx.table.cell(r.suspended),
                            class_name="simulation-mrr",
                        ),
                    )
                ),
                size="1",
                width="100%",
            )
        ),
        rx.heading("Addebiti", size="3", as_="h3"),
        _scroll(
            rx.table.root(
                _header("Data", "Licenza", "Cliente", "Totale", "Documento"),
                rx.table.body(
                    rx.foreach(
                        SimulationState.charges,
                        lambda r: rx.table.row(
                            rx.table.cell(r.on),
                            rx.table.cell(r.licence),
                            rx.table.cell(r.customer),
                            rx.table.cell(r.amount),
                            rx.table.cell(r.document),
                            class_name="simulation-charge",
                        ),
                    )
                ),
                size="1",
                width="100%",
            )
        ),
        spacing="2",
        id="simulation-result",
        **_SHRINKABLE,
    )
