"""'Fatture elettroniche': the product team sees every document's FatturaPA file and its SDI
state, downloads any XML, and re-issues a rejected one once the customer fixed the data.

Product team only: the page and every handler check the role in the database again (the use
cases check it too); ids come from the client, so each is type-checked before use.
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from ts_store.billing import einvoices, sdi_sender
from ts_store.domain.einvoice import DocumentKind, SdiState
from ts_store.ui.components.layout import error_callout, page_shell
from ts_store.ui.einvoice_texts import (
    SDI_STATE_COLORS,
    SDI_STATE_LABELS,
    document_title,
    einvoice_error_text,
    sdi_fix,
)
from ts_store.ui.formatting import format_cents, format_date
from ts_store.ui.pages.refund_panel import RefundState, refund_panel
from ts_store.ui.product_team import product_team_member_id


@dataclasses.dataclass
class EinvoiceTableRow:
    document_id: int = 0
    file_id: int = 0
    title: str = ""
    date: str = ""
    customer: str = ""
    total: str = ""
    file_name: str = ""
    state_label: str = ""
    state_color: str = "gray"
    reason: str = ""
    fix: str = ""
    note: str = ""
    can_reissue: bool = False
    can_refund: bool = False
    slug: str = ""


def table_row(row: einvoices.EinvoiceRow) -> EinvoiceTableRow:
    rejected = row.state == SdiState.REJECTED
    reason = ""
    if rejected:
        reason = f"{row.reason_code}: {row.reason_text}" if row.reason_code else row.reason_text
    notes = []
    if row.last_error and row.state == SdiState.GENERATED:
        notes.append(f"Tentativi di invio: {row.attempts} (ultimo errore: {row.last_error})")
    if row.earlier_files:
        notes.append("Sostituisce: " + ", ".join(row.earlier_files))
    if row.missing_field:
        notes.append(f"Manca un dato per l'XML: {row.missing_field}")
    return EinvoiceTableRow(
        document_id=row.document_id,
        file_id=row.file_id or 0,
        title=document_title(row.kind, row.number),
        date=format_date(row.issued_on),
        customer=row.customer,
        total=format_cents(row.gross_cents),
        file_name=row.file_name or "—",
        state_label=SDI_STATE_LABELS[row.state],
        state_color=SDI_STATE_COLORS[row.state],
        reason=reason,
        fix=sdi_fix(row.reason_code) if rejected else "",
        note="; ".join(notes),
        can_reissue=rejected,
        can_refund=row.kind == DocumentKind.INVOICE and row.gross_cents > 0,
        slug=row.number.replace("/", "-"),
    )


def _valid_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


class EinvoicesState(rx.State):
    allowed: bool = False
    loaded: bool = False
    rows: list[EinvoiceTableRow] = []
    error: str = ""
    notice: str = ""
    syncing: bool = False

    def _fill(self, actor_id: int) -> None:
        self.rows = [table_row(row) for row in einvoices.einvoice_overview(actor_id)]

    @rx.event
    async def load(self):
        actor_id = await product_team_member_id(self)
        self.loaded = True
        self.error = self.notice = ""
        if actor_id is None:
            self.allowed, self.rows = False, []
            return
        self.allowed = True
        self._fill(actor_id)

    @rx.event
    async def download(self, file_id: int):
        actor_id = await product_team_member_id(self)
        if actor_id is None or not _valid_id(file_id):
            return None
        try:
            xml_file = einvoices.team_xml(actor_id, file_id)
        except einvoices.EinvoiceError as exc:
            self.error = einvoice_error_text(exc.code, exc.params)
            return None
        return rx.download(
            data=xml_file.xml, filename=xml_file.file_name, mime_type="application/xml"
        )

    @rx.event
    async def reissue(self, document_id: int):
        actor_id = await product_team_member_id(self)
        if actor_id is None or not _valid_id(document_id):
            self.allowed = actor_id is not None
            return
        self.error = self.notice = ""
        try:
            row = einvoices.reissue(actor_id, document_id)
        except einvoices.EinvoiceError as exc:
            self.error = einvoice_error_text(exc.code, exc.params)
            return
        self.notice = (
            f"{document_title(row.kind, row.number)}: nuovo file {row.file_name}, "
            "verrà inviato a SDI al prossimo passaggio."
        )
        self._fill(actor_id)

    @rx.event
    async def sync_now(self):
        """One transmission pass now (what the background task does every minute)."""
        actor_id = await product_team_member_id(self)
        if actor_id is None or self.syncing:
            return
        self.syncing = True
        self.error = self.notice = ""
        yield
        try:
            report = await sdi_sender.sync_once()
            self.notice = (
                f"{len(report.sent)} file inviati, {len(report.outcomes)} esiti ricevuti, "
                f"{len(report.retry)} da ritentare."
            )
        finally:
            self.syncing = False
        self._fill(actor_id)


def _row_view(row: EinvoiceTableRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.title, weight="medium"), rx.text(row.date, size="1")),
        rx.table.cell(row.customer),
        rx.table.cell(row.total),
        rx.table.cell(rx.code(row.file_name, size="1")),
        rx.table.cell(
            rx.badge(row.state_label, color_scheme=row.state_color, variant="soft"),
            rx.cond(
                row.reason != "",
                rx.vstack(
                    rx.text(row.reason, size="1", color_scheme="red"),
                    rx.text(row.fix, size="1"),
                    spacing="1",
                ),
            ),
            rx.cond(row.note != "", rx.text(row.note, size="1", color_scheme="gray")),
        ),
        rx.table.cell(
            rx.hstack(
                rx.cond(
                    row.file_id > 0,
                    rx.button(
                        "XML",
                        size="1",
                        variant="outline",
                        on_click=EinvoicesState.download(row.file_id),
                        aria_label="Scarica XML " + row.title,
                        id="team-xml-" + row.slug,
                    ),
                ),
                rx.cond(
                    row.can_reissue,
                    rx.button(
                        "Riemetti",
                        size="1",
                        color_scheme="red",
                        on_click=EinvoicesState.reissue(row.document_id),
                        aria_label="Riemetti " + row.title,
                        id="reissue-" + row.slug,
                    ),
                ),
                rx.cond(
                    row.can_refund,
                    rx.button(
                        "Rimborsa",
                        size="1",
                        variant="soft",
                        on_click=RefundState.start(row.document_id),
                        aria_label="Rimborsa " + row.title,
                        id="refund-" + row.slug,
                    ),
                ),
                wrap="wrap",
            )
        ),
        class_name="einvoice-row",
        id="einvoice-" + row.slug,
    )


def _content() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Ogni documento emesso ha il suo file XML FatturaPA, inviato al Sistema di "
            "Interscambio (SDI) in automatico. Se SDI lo scarta, il motivo è qui sotto: il "
            "cliente corregge i suoi dati in «I tuoi dati di fatturazione», poi «Riemetti» crea "
            "un nuovo file (nuovo progressivo) per lo stesso documento, con i dati corretti. "
            "«Rimborsa» restituisce al cliente tutto o parte di un pagamento ed emette la nota di "
            "credito.",
            size="2",
        ),
        rx.hstack(
            rx.button(
                "Invia e aggiorna gli esiti ora",
                on_click=EinvoicesState.sync_now,
                loading=EinvoicesState.syncing,
                variant="soft",
                id="sdi-sync",
            ),
            wrap="wrap",
        ),
        rx.cond(EinvoicesState.error != "", error_callout(EinvoicesState.error, "einvoice-error")),
        rx.cond(
            EinvoicesState.notice != "",
            rx.callout(EinvoicesState.notice, icon="info", role="status", id="einvoice-notice"),
        ),
        refund_panel(),
        rx.cond(
            EinvoicesState.rows.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            *[
                                rx.table.column_header_cell(h)
                                for h in ("Documento", "Cliente", "Totale", "File", "Stato SDI", "")
                            ]
                        )
                    ),
                    rx.table.body(rx.foreach(EinvoicesState.rows, _row_view)),
                    width="100%",
                    variant="surface",
                ),
                overflow_x="auto",
                width="100%",
            ),
            rx.text("Nessun documento emesso finora.", id="no-einvoices"),
        ),
        spacing="4",
        width="100%",
    )


def einvoices_page() -> rx.Component:
    return page_shell(
        rx.cond(
            EinvoicesState.loaded,
            rx.cond(
                EinvoicesState.allowed,
                _content(),
                rx.callout(
                    "Questa pagina è riservata al team prodotto.",
                    icon="lock",
                    color_scheme="amber",
                    id="einvoices-denied",
                ),
            ),
            rx.center(rx.spinner(size="3"), padding="2rem", width="100%"),
        ),
        title="Fatture elettroniche",
    )
