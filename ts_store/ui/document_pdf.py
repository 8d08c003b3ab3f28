"""A printable PDF of a billing document (fpdf2), with the same figures as the page."""

from __future__ import annotations

from fpdf import FPDF

from ts_store.billing.documents import DocumentView
from ts_store.billing.support import STORE_EMAIL
from ts_store.domain.fiscal import FIELD_LABELS
from ts_store.ui.einvoice_texts import document_title
from ts_store.ui.formatting import format_cents, format_date

# fpdf2's built-in fonts are single-byte: with the Windows-1252 encoding (WinAnsi, which the
# PDF declares for them) they have "€", "–" and "•"; the few other characters are spelled out.
_ENCODING = "cp1252"
_PLAIN = str.maketrans({"\u202f": " ", "\u2009": " ", "\u2212": "-"})


def _text(value: object) -> str:
    return str(value).translate(_PLAIN).encode(_ENCODING, "replace").decode(_ENCODING)


def pdf_file_name(document: DocumentView) -> str:
    """ "fattura-2026-000001.pdf" / "nota-di-credito-2026-000002.pdf": what the file is, as its
    title says, so a customer's download folder reads like their accountant's."""
    slug = document_title(document.kind, "").removesuffix(" n. ").lower().replace(" ", "-")
    return f"{slug}-{document.number.replace('/', '-')}.pdf"


def document_pdf(document: DocumentView, vat_label: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = _ENCODING
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    title = document_title(document.kind, document.number)
    pdf.cell(0, 10, _text(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, _text(f"Data: {format_date(document.issued_on)}"), new_x="LMARGIN", new_y="NEXT")
    if document.original_number:
        pdf.cell(
            0,
            6,
            _text(f"Rettifica la fattura n. {document.original_number}"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.cell(
        0,
        6,
        "Copia di cortesia: la fattura elettronica è trasmessa tramite SDI.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.cell(0, 6, _text(f"TS Store - CRM in Cloud - {STORE_EMAIL}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, "Intestatario", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for field, label in FIELD_LABELS.items():
        value = document.billing.get(field)
        if value:
            pdf.cell(0, 5, _text(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 11)
    pdf.multi_cell(0, 6, _text(document.description), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for line in document.lines:
        detail = f"{line.quantity} × {format_cents(line.unit_cents)}"
        if line.days != line.period_days:
            detail += f" × {line.days}/{line.period_days} giorni"
        pdf.multi_cell(130, 6, _text(f"{line.description} ({detail})"), new_x="RIGHT", new_y="TOP")
        pdf.cell(
            0, 6, _text(format_cents(line.amount_cents)), align="R", new_x="LMARGIN", new_y="NEXT"
        )
    pdf.ln(2)
    for label, cents in (
        ("Imponibile", document.net_cents),
        (vat_label, document.vat_cents),
        ("Totale", document.gross_cents),
    ):
        pdf.cell(130, 6, _text(label))
        pdf.cell(0, 6, _text(format_cents(cents)), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
