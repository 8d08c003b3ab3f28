"""Electronic invoices of documents issued by the real charge pipeline (localstripe, a migrated
SQLite file): each XML validates against the official XSD, and its totals equal the document's
and the PDF's to the cent."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from tests.fixtures.factories import (
    VALID_BILLING,
    buy_trial,
    give_card,
    issue_test_document,
    make_active_licence,
    make_customer,
    save_billing_profile,
)
from tests.fixtures.fatturapa import assert_reconciles, pdf_text, read_fattura
from ts_store.billing import changes, einvoices, renewals
from ts_store.billing.documents import document_for
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration
from ts_store.store import documents
from ts_store.store import einvoices as einvoice_store
from ts_store.ui.document_pdf import document_pdf
from ts_store.ui.formatting import format_cents

pytestmark = pytest.mark.stripe


def _euro(cents: int) -> str:
    """An amount as the PDF draws it (pdf_text turns narrow and no-break spaces into spaces)."""
    return format_cents(cents).replace("\xa0", " ").replace("\u202f", " ")


@pytest.fixture(autouse=True)
def article_day(monkeypatch):
    monkeypatch.setenv("TS_STORE_TODAY", "2026-11-28")


def _check(session, schema, customer_id: int, document) -> dict:
    """XSD-valid, and the same figures in the XML, the document and the PDF."""
    xml_file = einvoices.customer_xml(customer_id, document.id)
    assert re.fullmatch(r"IT02468130154_[0-9A-Z]{5}\.xml", xml_file.file_name)
    schema.validate(xml_file.xml.decode())
    figures = read_fattura(xml_file.xml)
    assert_reconciles(figures)
    assert figures["number"] == document.number
    assert figures["date"] == document.issued_on.isoformat()
    assert (figures["net_cents"], figures["vat_cents"], figures["total_cents"]) == (
        document.net_cents,
        document.vat_cents,
        document.gross_cents,
    )
    lines = json.loads(document.lines_json)
    assert [line["total_cents"] for line in figures["lines"]] == [
        line["amount_cents"] for line in lines
    ]
    view = document_for(customer_id, document.id)
    text = pdf_text(document_pdf(view, "IVA 22%"))
    for line in figures["lines"]:
        assert f"\n{_euro(line['total_cents'])}\n" in text
    for label, value in (
        ("Imponibile", figures["net_cents"]),
        ("IVA 22%", figures["vat_cents"]),
        ("Totale", figures["total_cents"]),
    ):
        assert f"{label}\n{_euro(value)}" in text, (label, text)
    return figures


async def test_purchase_invoice_validates_and_matches_document_and_pdf(
    session, gateway, fatturapa_schema
):
    customer = make_customer(session)
    save_billing_profile(session, customer.id)
    await give_card(session, gateway, customer)
    _, result = await buy_trial(session, gateway, customer, Configuration("pro", Cycle.ANNUAL, 5))
    assert result.done
    [document] = documents.documents_of(session, customer.id)
    stored = einvoice_store.current_file(session, document.id)  # issued with the document
    assert stored is not None and stored.sdi_state == "generated"
    figures = _check(session, fatturapa_schema, customer.id, document)
    assert einvoice_store.current_file(session, document.id).id == stored.id
    assert (figures["type"], figures["recipient"], figures["total_cents"]) == (
        "TD01",
        "M5UXCR1",
        152500,
    )


async def test_change_rateo_invoice_has_8_decimal_unit_price_and_reconciles(
    session, gateway, fatturapa_schema, monkeypatch
):
    monkeypatch.setenv("TS_STORE_TODAY", "2026-11-29")  # 11 of 30 days: 25,00 € × 11/30
    customer = make_customer(session)
    save_billing_profile(session, customer.id)
    await give_card(session, gateway, customer)
    licence = make_active_licence(session, customer.id, seats=2)
    result = await changes.apply_change(
        customer_id=customer.id,
        licence_id=licence.id,
        expected_version=licence.version,
        target=Configuration("business", Cycle.MONTHLY, 3),
        idempotency_key=f"change-{customer.id}",
        gateway=gateway,
    )
    assert result.done
    [document] = documents.documents_of(session, customer.id)
    figures = _check(session, fatturapa_schema, customer.id, document)
    assert len(figures["lines"]) == 2  # upgrade and added seats
    assert any(len(str(line["unit_price"]).split(".")[1]) == 8 for line in figures["lines"])


async def test_renewal_invoice_to_a_pec_validates(session, gateway, fatturapa_schema):
    customer = make_customer(session)
    save_billing_profile(session, customer.id, sdi_code="0000000", pec="bianchi@pec.it")
    await give_card(session, gateway, customer)
    make_active_licence(session, customer.id, seats=2)
    report = await renewals.renew_due(date(2026, 12, 10), gateway)
    assert report.count("renewed") == 1
    [document] = documents.documents_of(session, customer.id)
    figures = _check(session, fatturapa_schema, customer.id, document)
    assert (figures["recipient"], figures["pec"]) == ("0000000", "bianchi@pec.it")


async def test_sole_trader_with_personal_codice_fiscale_validates(
    session, gateway, fatturapa_schema
):
    customer = make_customer(session)
    save_billing_profile(
        session, customer.id, company_name="Mario Rossi", tax_code="RSSMRA85T10A562S"
    )
    await give_card(session, gateway, customer)
    make_active_licence(session, customer.id, seats=1, cycle=Cycle.ANNUAL)
    await renewals.renew_due(date(2027, 11, 10), gateway)
    [document] = documents.documents_of(session, customer.id)
    figures = _check(session, fatturapa_schema, customer.id, document)
    assert (figures["buyer_vat"], figures["buyer_tax_code"]) == ("12345670157", "RSSMRA85T10A562S")


def test_another_customer_cannot_download_the_xml(session):
    owner, intruder = make_customer(session), make_customer(session)
    document = issue_test_document(session, owner.id, "x", VALID_BILLING, description="Modifica")
    session.commit()
    with pytest.raises(einvoices.EinvoiceError) as refused:
        einvoices.customer_xml(intruder.id, document.id)
    assert refused.value.code == "einvoice.document_not_found"
    assert einvoices.customer_xml(owner.id, document.id).xml.startswith(b"<?xml")


def test_each_file_gets_a_new_progressivo_never_reused(session):
    from ts_store.domain.einvoice import progressivo
    from ts_store.store import einvoices as store

    numbers = [store.next_progressive_number(session) for _ in range(40)]
    session.commit()
    assert numbers == list(range(1, 41))
    assert progressivo(numbers[-1]) == "00014"
