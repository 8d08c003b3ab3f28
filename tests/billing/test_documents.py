"""'Documenti': the owner sees their documents with lines and totals, and gets a real PDF."""

import pytest

from tests.fixtures.factories import issue_test_document, make_customer
from tests.fixtures.fatturapa import pdf_text as _pdf_text  # tests/e2e/test_mail.py imports it here
from ts_store.billing.documents import document_for, documents_for
from ts_store.billing.errors import NotAllowed
from ts_store.ui.document_pdf import document_pdf


@pytest.fixture
def issued(session):
    customer = make_customer(session)
    billing = {"company_name": "Bianchi Consulting S.r.l.", "vat_number": "12345670157"}
    document = issue_test_document(session, customer.id, "doc-op", billing)
    session.commit()
    return customer, document


def test_owner_lists_the_document_with_its_lines(session, issued):
    customer, _document = issued
    [view] = documents_for(customer.id)
    assert (view.number, view.gross_cents) == ("2026/000001", 3660)
    [line] = view.lines
    assert (line.quantity, line.days, line.period_days, line.amount_cents) == (3, 12, 30, 3000)


def test_another_customer_cannot_open_the_document(session, issued):
    _, document = issued
    intruder = make_customer(session)
    assert documents_for(intruder.id) == []
    with pytest.raises(NotAllowed):
        document_for(intruder.id, document.id)


def test_pdf_is_a_pdf_with_number_lines_and_totals_in_euro(session, issued):
    customer, document = issued
    pdf = document_pdf(document_for(customer.id, document.id), "IVA 22%")
    assert pdf.startswith(b"%PDF-")
    text = _pdf_text(pdf)
    for expected in (
        "Fattura n. 2026/000001",
        "Copia di cortesia: la fattura elettronica è trasmessa tramite SDI.",
        "Data: 28/11/2026",
        "Ragione sociale: Bianchi Consulting S.r.l.",
        "CRM in Cloud – modifica licenza",
        "Utenti aggiunti al piano Pro (rateo) (3 × 25,00 € × 12/30 giorni)",
        "30,00 €",
        "6,60 €",
        "36,60 €",
    ):
        assert expected in text
