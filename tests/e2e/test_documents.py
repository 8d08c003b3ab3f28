"""'Documenti' in Chromium: the customer's own document in the list, its detail, a real PDF
and its FatturaPA XML ('Scarica XML'), valid against the official schema."""

from datetime import date
from pathlib import Path

import pytest

from tests.e2e.helpers import login, text_of
from tests.fixtures.app import screenshots
from tests.fixtures.factories import VALID_BILLING, make_active_licence, make_customer
from tests.fixtures.fatturapa import read_fattura
from ts_store.store import documents, operations

pytestmark = [pytest.mark.e2e, pytest.mark.stripe]

LINE = {
    "kind": "new_period",
    "description": "CRM in Cloud, piano Pro annuale, 5 utenti",
    "quantity": 5,
    "unit_cents": 25000,
    "days": 365,
    "period_days": 365,
    "amount_cents": 125000,
}


def _issue(session, customer_id: int, key: str):
    operation, _ = operations.start_operation(
        session, key, customer_id=customer_id, kind="purchase"
    )
    document = documents.issue_document(
        session,
        operation_id=operation.id,
        customer_id=customer_id,
        licence_id=None,
        issued_on=date(2026, 11, 28),
        description="Acquisto CRM in Cloud Pro annuale",
        lines=[LINE],
        billing={**VALID_BILLING, "company_name": "Verdi Impianti S.p.A."},
        net_cents=125000,
        vat_cents=27500,
        gross_cents=152500,
    )
    session.commit()
    return document


def test_document_list_shows_the_own_document_with_detail_pdf_and_xml(
    page, running_app, fatturapa_schema
):
    with running_app.session() as session:
        owner, other = make_customer(session), make_customer(session)
        make_active_licence(session, owner.id)
        own = _issue(session, owner.id, f"e2e-doc-{owner.id}")
        foreign = _issue(session, other.id, f"e2e-doc-{other.id}")
    login(page, running_app, owner.email)
    page.get_by_role("link", name="Documenti").first.click()
    page.wait_for_url("**/myarea/documenti")
    page.wait_for_selector(".document-row")

    rows = page.locator(".document-row")
    assert rows.count() == 1
    row = text_of(page, ".document-row")
    assert own.number in row and foreign.number not in row
    for expected in ("28/11/2026", "Acquisto CRM in Cloud Pro annuale", "1.250,00 €", "275,00 €"):
        assert expected in row
    assert "1.525,00 €" in row

    page.click("#show-" + own.number.replace("/", "-"))
    page.wait_for_selector("#document-detail")
    detail = text_of(page, "#document-detail")
    assert f"Fattura n. {own.number}" in detail
    assert "Verdi Impianti S.p.A." in detail and "5 × 250,00 €" in detail
    assert "IVA 22" in detail and "Totale 1.525,00 €" in detail
    screenshots(page, "documenti-dettaglio")

    with page.expect_download() as download:
        page.click("#download-pdf")
    assert download.value.suggested_filename == f"fattura-{own.number.replace('/', '-')}.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")

    with page.expect_download() as xml_download:
        page.click("#download-xml")
    name = xml_download.value.suggested_filename
    assert name.startswith("IT02468130154_") and name.endswith(".xml")
    xml = Path(xml_download.value.path()).read_bytes()
    fatturapa_schema.validate(xml.decode())
    figures = read_fattura(xml)
    assert (figures["number"], figures["total_cents"]) == (own.number, 152500)

    with page.expect_download() as from_the_row:
        page.click("#xml-" + own.number.replace("/", "-"))
    assert from_the_row.value.suggested_filename == name  # the same stored file
