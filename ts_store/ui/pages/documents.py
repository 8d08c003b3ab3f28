"""'Documenti': the customer's billing documents, a detail view, the PDF and the FatturaPA XML."""

from __future__ import annotations

import dataclasses

import reflex as rx

from ts_store.billing.catalog import current_catalog
from ts_store.billing.documents import DocumentView, document_for, documents_for
from ts_store.billing.einvoices import EinvoiceError, customer_xml
from ts_store.billing.errors import NotAllowed
from ts_store.ui import routes
from ts_store.ui.components.layout import error_callout, page_shell
from ts_store.ui.document_pdf import document_pdf, pdf_file_name
from ts_store.ui.einvoice_texts import DOCUMENT_TITLES, document_title, einvoice_error_text
from ts_store.ui.formatting import format_cents, format_date, format_percent
from ts_store.ui.messages import message_for
from ts_store.ui.session import customer_id_of


@dataclasses.dataclass
class DocumentRow:
    document_id: int = 0
    number: str = ""
    title: str = ""  # "Fattura n. 2026/000001" or "Nota di credito n. …"
    kind_label: str = ""
    original_number: str = ""
    date: str = ""
    description: str = ""
    net: str = ""
    vat: str = ""
    gross: str = ""


@dataclasses.dataclass
class LineRow:
    description: str = ""
    detail: str = ""
    amount: str = ""


def _row(view: DocumentView) -> DocumentRow:
    return DocumentRow(
        document_id=view.id,
        number=view.number,
        title=document_title(view.kind, view.number),
        kind_label=DOCUMENT_TITLES[view.kind],
        original_number=view.original_number,
        date=format_date(view.issued_on),
        description=view.description,
        net=format_cents(view.net_cents),
        vat=format_cents(view.vat_cents),
        gross=format_cents(view.gross_cents),
    )


def _line_rows(view: DocumentView) -> list[LineRow]:
    rows = []
    for line in view.lines:
        detail = f"{line.quantity} × {format_cents(line.unit_cents)}"
        if line.days != line.period_days:
            detail += f" × {line.days}/{line.period_days} giorni"
        rows.append(LineRow(line.description, detail, format_cents(line.amount_cents)))
    return rows


def _valid_id(value: object) -> bool:
    """A database id as a client may send it: an int in range (not a bool, a string, 2**80)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def _vat_label() -> str:
    return f"IVA {format_percent(current_catalog().vat_percent)}"


class DocumentsState(rx.State):
    rows: list[DocumentRow] = []
    loaded: bool = False
    selected: DocumentRow = DocumentRow()
    selected_lines: list[LineRow] = []
    billing_lines: list[str] = []
    vat_label: str = ""
    error: str = ""

    @rx.event
    async def load(self):
        customer_id = await customer_id_of(self)
        if customer_id is None:
            return rx.redirect(routes.login_url(routes.DOCUMENTS))
        self.rows = [_row(view) for view in documents_for(customer_id)]
        self.selected = DocumentRow()
        self.selected_lines, self.billing_lines = [], []
        self.vat_label = _vat_label()
        self.error = ""
        self.loaded = True
        return None

    async def _owned(self, document_id: int) -> DocumentView | None:
        customer_id = await customer_id_of(self)
        if customer_id is None or not _valid_id(document_id):
            return None
        try:
            return document_for(customer_id, document_id)
        except NotAllowed as exc:
            self.error = message_for(exc)
            return None

    @rx.event
    async def show(self, document_id: int):
        view = await self._owned(document_id)
        if view is None:
            return
        self.selected = _row(view)
        self.selected_lines = _line_rows(view)
        self.billing_lines = [
            str(view.billing.get(key))
            for key in ("company_name", "vat_number", "address", "postal_code", "city", "province")
            if view.billing.get(key)
        ]

    @rx.event
    async def download(self, document_id: int):
        view = await self._owned(document_id)
        if view is None:
            return None
        return rx.download(
            data=document_pdf(view, _vat_label()),
            filename=pdf_file_name(view),
            mime_type="application/pdf",
        )

    @rx.event
    async def download_xml(self, document_id: int):
        """The FatturaPA file, through the same ownership check as the PDF."""
        customer_id = await customer_id_of(self)
        if customer_id is None or not _valid_id(document_id):
            return None
        try:
            xml_file = customer_xml(customer_id, document_id)
        except EinvoiceError as exc:
            self.error = einvoice_error_text(exc.code, exc.params)
            return None
        self.error = ""
        return rx.download(
            data=xml_file.xml, filename=xml_file.file_name, mime_type="application/xml"
        )


def _table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                *[
                    rx.table.column_header_cell(h)
                    for h in ("Documento", "Data", "Descrizione", "Imponibile", "IVA", "Totale")
                ],
                rx.table.column_header_cell(rx.el.span("Azioni", class_name="ts-sr-only")),
            )
        ),
        rx.table.body(
            rx.foreach(
                DocumentsState.rows,
                lambda row: rx.table.row(
                    rx.table.cell(
                        rx.text(row.kind_label, " n. ", row.number),
                        custom_attrs=_label("Documento"),
                    ),
                    rx.table.cell(row.date, custom_attrs=_label("Data")),
                    rx.table.cell(row.description, custom_attrs=_label("Descrizione")),
                    rx.table.cell(row.net, custom_attrs=_label("Imponibile")),
                    rx.table.cell(row.vat, custom_attrs=_label("IVA")),
                    rx.table.cell(rx.text.strong(row.gross), custom_attrs=_label("Totale")),
                    rx.table.cell(
                        rx.hstack(
                            rx.button(
                                "Dettaglio",
                                size="1",
                                variant="soft",
                                on_click=DocumentsState.show(row.document_id),
                                id="show-" + row.number.replace("/", "-"),
                            ),
                            rx.button(
                                "PDF",
                                size="1",
                                variant="outline",
                                on_click=DocumentsState.download(row.document_id),
                                aria_label="Scarica PDF " + row.title,
                            ),
                            rx.button(
                                "XML",
                                size="1",
                                variant="outline",
                                on_click=DocumentsState.download_xml(row.document_id),
                                aria_label="Scarica XML " + row.title,
                                id="xml-" + row.number.replace("/", "-"),
                            ),
                            wrap="wrap",
                        ),
                        custom_attrs=_label(""),
                    ),
                    class_name="document-row",
                ),
            )
        ),
        width="100%",
        variant="surface",
        class_name="ts-stack-table",
    )


def _label(text: str) -> dict:
    """On a phone each row becomes a card whose cells name themselves (assets/a11y.css)."""
    return {"data-label": text}


def _detail() -> rx.Component:
    selected = DocumentsState.selected
    return rx.cond(
        selected.document_id > 0,
        rx.card(
            rx.vstack(
                rx.heading(selected.title, size="4", as_="h2"),
                rx.text("Data: ", selected.date, size="2"),
                rx.cond(
                    selected.original_number != "",
                    rx.text("Rettifica la fattura n. ", selected.original_number, size="2"),
                ),
                rx.text(DocumentsState.billing_lines.join(" · "), size="2", color_scheme="gray"),
                rx.text(selected.description, weight="medium"),
                rx.foreach(
                    DocumentsState.selected_lines,
                    lambda line: rx.hstack(
                        rx.text(line.description, " (", line.detail, ")", size="2"),
                        rx.spacer(),
                        rx.text(line.amount, size="2"),
                        width="100%",
                    ),
                ),
                rx.separator(),
                rx.hstack(rx.text("Imponibile"), rx.spacer(), rx.text(selected.net), width="100%"),
                rx.hstack(
                    rx.text(DocumentsState.vat_label),
                    rx.spacer(),
                    rx.text(selected.vat),
                    width="100%",
                ),
                rx.hstack(
                    rx.text.strong("Totale"),
                    rx.spacer(),
                    rx.text.strong(selected.gross),
                    width="100%",
                ),
                rx.hstack(
                    rx.button(
                        "Scarica PDF",
                        on_click=DocumentsState.download(selected.document_id),
                        id="download-pdf",
                    ),
                    rx.button(
                        "Scarica XML",
                        on_click=DocumentsState.download_xml(selected.document_id),
                        variant="outline",
                        id="download-xml",
                    ),
                    wrap="wrap",
                ),
                rx.text(
                    "Il PDF è una copia di cortesia; la fattura elettronica (XML FatturaPA) è "
                    "quella trasmessa tramite il Sistema di Interscambio.",
                    size="1",
                    color_scheme="gray",
                ),
                spacing="2",
                width="100%",
            ),
            width="100%",
            id="document-detail",
        ),
    )


def documents_page() -> rx.Component:
    return page_shell(
        rx.cond(DocumentsState.error != "", error_callout(DocumentsState.error, "documents-error")),
        rx.cond(
            DocumentsState.loaded,
            rx.cond(
                DocumentsState.rows.length() > 0,
                rx.vstack(
                    rx.box(_table(), width="100%"),
                    _detail(),
                    spacing="4",
                    width="100%",
                ),
                rx.text(
                    "Non ci sono ancora documenti: li trovi qui dopo ogni addebito.",
                    id="no-documents",
                ),
            ),
            rx.center(rx.spinner(size="3"), padding="2rem", width="100%"),
        ),
        title="Documenti",
    )
