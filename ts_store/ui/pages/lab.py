"""'Laboratorio prezzi': catalogue versions, publishing, simulation, and the store as it is.

Product team only: the page and every handler check the role in the database again (a handler is
a public endpoint, so hiding the link is not a check). The store's date is the real one: time is
simulated only on a copy of the data ("Simulazione", docs/pricing-lab.md). The page lists each
licence's next renewal and amount (from the domain quote) and every billing document issued.
"""

from __future__ import annotations

import dataclasses
import logging

import reflex as rx

from ts_store.billing import lab, renewals
from ts_store.billing.documents import DocumentView
from ts_store.domain.lifecycle import LicenceStatus
from ts_store.ui import routes
from ts_store.ui.components.layout import page_shell
from ts_store.ui.formatting import format_cents, format_date, format_users
from ts_store.ui.pages.lab_pricing import pricing_sandbox_card
from ts_store.ui.pages.lab_versions import publish_card, simulation_card, versions_card
from ts_store.ui.pages.myarea import CYCLE_LABELS
from ts_store.ui.product_team import product_team_member_id
from ts_store.ui.session import customer_id_of
from ts_store.ui.theme import status_color

log = logging.getLogger(__name__)


@dataclasses.dataclass
class LabLicenceRow:
    licence_id: str = ""
    customer: str = ""
    status_label: str = ""
    status_color: str = "gray"
    configuration: str = ""
    period: str = ""
    next_renewal: str = ""
    amount: str = ""
    note: str = ""


@dataclasses.dataclass
class LabDocumentRow:
    number: str = ""
    issued_on: str = ""
    customer: str = ""
    description: str = ""
    net: str = ""
    vat: str = ""
    gross: str = ""


def licence_row(item: renewals.LicenceSchedule) -> LabLicenceRow:
    view = item.view
    configuration = "—"
    if view.plan_name and view.seats is not None and view.cycle is not None:
        configuration = (
            f"{view.plan_name} · {format_users(view.seats)} · {CYCLE_LABELS[view.cycle]}"
        )
    period = "—"
    if view.period_start and view.period_end:
        period = f"{format_date(view.period_start)} → {format_date(view.period_end)}"
    next_renewal, amount = "—", "—"
    if view.renewal is not None:
        next_renewal = format_date(view.renewal.on)
        amount = (
            f"{format_cents(view.renewal.net_cents)} + IVA "
            f"({format_cents(view.renewal.gross_cents)})"
        )
    if view.status in (LicenceStatus.PAST_DUE, LicenceStatus.SUSPENDED) and (
        view.open_amount_gross_cents is not None
    ):
        amount = f"{format_cents(view.open_amount_gross_cents)} da incassare"
    return LabLicenceRow(
        licence_id=str(view.id),
        customer=f"{item.company_name} ({item.email})",
        status_label=view.status_label,
        status_color=status_color(view.status, view.cancel_at_period_end),
        configuration=configuration,
        period=period,
        next_renewal=next_renewal,
        amount=amount,
        note=_licence_note(item),
    )


def _licence_note(item: renewals.LicenceSchedule) -> str:
    view = item.view
    if item.data_removed_on is not None:
        return f"Dati rimossi il {format_date(item.data_removed_on)}"
    parts = []
    if view.status == LicenceStatus.TRIAL and view.trial_ends_on:
        parts.append(f"Prova fino al {format_date(view.trial_ends_on)}")
    if view.status == LicenceStatus.PAST_DUE:
        if view.past_due_since:
            parts.append(f"Non pagato dal {format_date(view.past_due_since)}")
        if view.next_retry_on:
            parts.append(f"nuovo tentativo il {format_date(view.next_retry_on)}")
        if view.suspends_on:
            parts.append(f"sospensione il {format_date(view.suspends_on)}")
    if view.status == LicenceStatus.SUSPENDED and view.suspended_on:
        parts.append(f"Sospesa dal {format_date(view.suspended_on)}")
    if view.cancel_at_period_end and view.period_end:
        parts.append(f"In disdetta: termina il {format_date(view.period_end)}")
    if view.ended_on and view.status != LicenceStatus.SUSPENDED:
        parts.append(f"Terminata il {format_date(view.ended_on)}")
    if view.retention_until and view.status in (
        LicenceStatus.TRIAL_EXPIRED,
        LicenceStatus.CANCELLED,
        LicenceStatus.SUSPENDED,
    ):
        parts.append(f"dati conservati fino al {format_date(view.retention_until)}")
    return "; ".join(parts)


def document_row(document: DocumentView) -> LabDocumentRow:
    billing = document.billing if isinstance(document.billing, dict) else {}
    return LabDocumentRow(
        number=document.number,
        issued_on=format_date(document.issued_on),
        customer=str(billing.get("company_name", "")),
        description=document.description,
        net=format_cents(document.net_cents),
        vat=format_cents(document.vat_cents),
        gross=format_cents(document.gross_cents),
    )


class LabState(rx.State):
    allowed: bool = False
    loaded: bool = False
    today_label: str = ""
    licences: list[LabLicenceRow] = []
    documents: list[LabDocumentRow] = []

    async def _product_team_id(self) -> int | None:
        return await product_team_member_id(self)

    def _deny(self) -> None:
        self.allowed = False
        self.loaded = True
        self.licences, self.documents = [], []

    def _reload(self) -> None:
        overview = lab.lab_overview()
        self.today_label = format_date(overview.today)
        self.licences = [licence_row(item) for item in overview.schedule]
        self.documents = [document_row(document) for document in overview.documents]

    @rx.event
    async def load(self):
        if await customer_id_of(self) is None:
            return rx.redirect(routes.login_url(routes.LAB))
        if await self._product_team_id() is None:
            self._deny()
            return None
        self.allowed = True
        self._reload()
        self.loaded = True
        return None


def _clock_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Data dello store", size="4", as_="h2"),
            rx.text(
                "Oggi per lo store: ",
                rx.text.strong(LabState.today_label, id="lab-today"),
                " (data reale)",
            ),
            rx.text(
                "Lo store lavora sempre sulla data reale: per vedere rinnovi, pagamenti non "
                "riusciti e sospensioni nei prossimi mesi usa «Simulazione», che lavora su una "
                "copia dei dati.",
                size="2",
                color_scheme="gray",
            ),
            spacing="2",
            width="100%",
        )
    )


# A flex child grows to its content unless told it may shrink: wide tables scroll inside the
# card on a phone instead of widening the page.
_SHRINKABLE = {"width": "100%", "max_width": "100%", "min_width": "0"}


def _header(*labels: str) -> rx.Component:
    return rx.table.header(rx.table.row(*[rx.table.column_header_cell(label) for label in labels]))


def _licences_table() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Licenze e prossimi rinnovi", size="4", as_="h2"),
            rx.box(
                rx.table.root(
                    _header(
                        "N.",
                        "Cliente",
                        "Stato",
                        "Configurazione",
                        "Periodo",
                        "Prossimo rinnovo",
                        "Importo",
                        "Note",
                    ),
                    rx.table.body(
                        rx.foreach(
                            LabState.licences,
                            lambda row: rx.table.row(
                                rx.table.cell(row.licence_id),
                                rx.table.cell(row.customer),
                                rx.table.cell(
                                    rx.badge(
                                        row.status_label,
                                        color_scheme=row.status_color,
                                        high_contrast=True,
                                    )
                                ),
                                rx.table.cell(row.configuration),
                                rx.table.cell(row.period),
                                rx.table.cell(row.next_renewal, class_name="lab-next-renewal"),
                                rx.table.cell(row.amount, class_name="lab-amount"),
                                rx.table.cell(row.note, class_name="lab-note"),
                                id="lab-licence-" + row.licence_id,
                            ),
                        )
                    ),
                    size="1",
                    width="100%",
                ),
                overflow_x="auto",
                width="100%",
                max_width="100%",
            ),
            spacing="3",
            **_SHRINKABLE,
        ),
        id="lab-licences",
        **_SHRINKABLE,
    )


def _documents_table() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Documenti emessi", size="4", as_="h2"),
            rx.cond(
                LabState.documents.length() == 0,
                rx.text("Nessun documento emesso.", color_scheme="gray", size="2"),
                rx.box(
                    rx.table.root(
                        _header(
                            "Numero",
                            "Data",
                            "Cliente",
                            "Descrizione",
                            "Imponibile",
                            "IVA",
                            "Totale",
                        ),
                        rx.table.body(
                            rx.foreach(
                                LabState.documents,
                                lambda row: rx.table.row(
                                    rx.table.cell(row.number),
                                    rx.table.cell(row.issued_on),
                                    rx.table.cell(row.customer),
                                    rx.table.cell(row.description),
                                    rx.table.cell(row.net),
                                    rx.table.cell(row.vat),
                                    rx.table.cell(row.gross),
                                    class_name="lab-document",
                                ),
                            )
                        ),
                        size="1",
                        width="100%",
                    ),
                    overflow_x="auto",
                    width="100%",
                    max_width="100%",
                ),
            ),
            spacing="3",
            **_SHRINKABLE,
        ),
        id="lab-documents",
        **_SHRINKABLE,
    )


def lab_page() -> rx.Component:
    return page_shell(
        rx.cond(
            LabState.loaded,
            rx.cond(
                LabState.allowed,
                rx.vstack(
                    _clock_card(),
                    versions_card(),
                    pricing_sandbox_card(),
                    publish_card(),
                    simulation_card(),
                    _licences_table(),
                    _documents_table(),
                    spacing="4",
                    **_SHRINKABLE,
                ),
                rx.callout(
                    "Questa pagina è riservata al product team.",
                    icon="lock",
                    color_scheme="orange",
                    id="lab-forbidden",
                ),
            ),
            rx.center(rx.spinner(size="3"), width="100%", padding="2rem"),
        ),
        title="Laboratorio prezzi",
    )
