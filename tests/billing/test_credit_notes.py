"""Credit notes (TD04): a refund of an invoiced payment (a real refund in localstripe) issues a
credit note naming the invoice, with its own number, PDF and XSD-valid XML whose totals are the
refund; refunds of payments that were never invoiced issue none (docs/fatturapa.md)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from tests.fixtures.factories import (
    buy_trial,
    give_card,
    issue_test_document,
    make_customer,
    save_billing_profile,
)
from tests.fixtures.fatturapa import assert_reconciles, pdf_text, read_fattura
from ts_store.billing import credit_notes, einvoices
from ts_store.billing.documents import document_for, documents_for
from ts_store.domain.einvoice import DocumentKind
from ts_store.domain.money import round_half_up
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration
from ts_store.store import documents, operations
from ts_store.store import einvoices as einvoice_store
from ts_store.ui.document_pdf import document_pdf

pytestmark = pytest.mark.stripe


@pytest.fixture(autouse=True)
def article_day(monkeypatch):
    monkeypatch.setenv("TS_STORE_TODAY", "2026-11-28")


async def _invoiced_purchase(session, gateway):
    customer = make_customer(session)
    save_billing_profile(session, customer.id)
    await give_card(session, gateway, customer)
    _, result = await buy_trial(session, gateway, customer, Configuration("pro", Cycle.MONTHLY, 3))
    assert result.done
    operation = operations.get_operation(session, result.operation_id)
    session.refresh(operation)
    [invoice] = documents.documents_of(session, customer.id)
    return customer, operation, invoice


async def _refund(gateway, operation, amount=None) -> str:
    return await gateway.refund_payment(
        operation.stripe_payment_intent_id,
        idempotency_key=f"test-refund-{operation.id}-{amount}",
        metadata={"ts_store_operation_id": str(operation.id)},
        amount_cents=amount,
    )


def _credit(session, operation, refund_id, cents, payment_intent_id=None):
    note = credit_notes.credit_note_for_refund(
        session,
        operation_id=operation.id,
        payment_intent_id=payment_intent_id or operation.stripe_payment_intent_id,
        refund_cents=cents,
        refund_id=refund_id,
        issued_on=date(2026, 11, 30),
    )
    session.commit()
    return note


async def test_full_refund_of_an_invoiced_payment_issues_a_td04_credit_note(
    session, gateway, fatturapa_schema
):
    customer, operation, invoice = await _invoiced_purchase(session, gateway)
    refund_id = await _refund(gateway, operation)

    note = _credit(session, operation, refund_id, invoice.gross_cents)

    assert note.kind == DocumentKind.CREDIT_NOTE and note.original_document_id == invoice.id
    assert note.number == "2026/000002" and note.operation_id is None
    assert (note.net_cents, note.vat_cents, note.gross_cents) == (
        invoice.net_cents,
        invoice.vat_cents,
        invoice.gross_cents,
    )
    row = einvoice_store.current_file(session, note.id)
    fatturapa_schema.validate(row.xml.decode())
    figures = read_fattura(row.xml)
    assert_reconciles(figures)
    assert (figures["type"], figures["number"], figures["date"]) == (
        "TD04",
        note.number,
        "2026-11-30",
    )
    assert (figures["linked_number"], figures["linked_date"]) == (invoice.number, "2026-11-28")
    assert figures["total_cents"] == invoice.gross_cents

    view = document_for(customer.id, note.id)
    text = pdf_text(document_pdf(view, "IVA 22%"))
    assert f"Nota di credito n. {note.number}" in text
    assert f"Rettifica la fattura n. {invoice.number}" in text
    assert [v.number for v in documents_for(customer.id)] == [note.number, invoice.number]

    again = _credit(session, operation, refund_id, invoice.gross_cents)  # the same refund twice
    assert again.id == note.id
    assert len(documents.documents_of(session, customer.id)) == 2


async def test_partial_refund_is_one_line_whose_net_and_vat_make_the_refund(
    session, gateway, fatturapa_schema
):
    _customer, operation, invoice = await _invoiced_purchase(session, gateway)
    refund_id = await _refund(gateway, operation, 1000)

    note = _credit(session, operation, refund_id, 1000)

    assert (note.net_cents, note.vat_cents, note.gross_cents) == (820, 180, 1000)
    figures = read_fattura(einvoice_store.current_file(session, note.id).xml)
    fatturapa_schema.validate(einvoice_store.current_file(session, note.id).xml.decode())
    assert_reconciles(figures)
    [line] = figures["lines"]
    assert line["description"] == f"Rimborso parziale della fattura n. {invoice.number}"
    with pytest.raises(ValueError):  # never more than the invoice carried
        _credit(session, operation, "re_other", invoice.gross_cents)


async def test_refund_of_a_payment_that_was_never_invoiced_issues_no_credit_note(session, gateway):
    customer, operation, invoice = await _invoiced_purchase(session, gateway)
    # an extra charge of the same operation: not the invoiced payment
    assert _credit(session, operation, "re_extra", 1000, payment_intent_id="pi_extra") is None
    # a late payment never applied: its operation has no document
    late, _ = operations.start_operation(
        session, f"late-{customer.id}", customer_id=customer.id, kind="change"
    )
    session.commit()
    assert _credit(session, late, "re_late", 1000, payment_intent_id="pi_late") is None
    assert [d.id for d in documents.documents_of(session, customer.id)] == [invoice.id]


@pytest.mark.parametrize("gross", [1, 2, 100, 122, 1000, 3660, 152500, 99999])
def test_split_refund_gives_net_and_vat_adding_up_to_the_refund(gross):
    try:
        net, vat = credit_notes.split_refund(gross, Fraction(22))
    except credit_notes.CreditNoteNotExact:
        reachable = {n + round_half_up(Fraction(n * 22, 100)) for n in range(gross + 1)}
        assert gross not in reachable
        return
    assert net + vat == gross and vat == round_half_up(Fraction(net * 22, 100))


def test_split_refund_refuses_a_total_no_net_amount_reaches():
    reachable = {n + round_half_up(Fraction(n * 22, 100)) for n in range(0, 200)}
    unreachable = next(g for g in range(1, 200) if g not in reachable)
    with pytest.raises(credit_notes.CreditNoteNotExact):
        credit_notes.split_refund(unreachable, Fraction(22))


def test_credit_note_without_billing_data_for_xml_is_still_issued(session):
    customer = make_customer(session)
    billing = {"company_name": "Senza indirizzo S.r.l."}
    invoice = issue_test_document(session, customer.id, "nodata", billing, description="Modifica")
    note = credit_notes.issue_credit_note(
        session, original=invoice, refund_cents=3660, source_key="k", issued_on=date(2026, 12, 1)
    )
    session.commit()
    assert note.id is not None and einvoice_store.current_file(session, note.id) is None
    team = make_customer(session, role="product_team")
    [row] = [r for r in einvoices.einvoice_overview(team.id) if r.document_id == note.id]
    assert (row.kind, row.state, row.missing_field) == (DocumentKind.CREDIT_NOTE, None, "address")


async def test_late_payment_refunded_by_reconciliation_issues_no_credit_note(
    session, gateway, stripe_settings
):
    from tests.billing.test_reconciliation import _late_payment
    from ts_store.billing import reconciliation

    late = await _late_payment(session, gateway, stripe_settings, "late-credit")
    before = documents.documents_of(session, late.customer_id)

    report = await reconciliation.settle_and_refund(gateway=gateway)

    [line] = report.refunded
    assert "rimborsato" in line and "nota di credito" not in line
    assert [d.id for d in documents.documents_of(session, late.customer_id)] == [
        d.id for d in before
    ]
    assert all(d.kind == DocumentKind.INVOICE for d in before)
