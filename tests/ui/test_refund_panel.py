"""'Rimborsa' on 'Fatture elettroniche' as a browser could drive it: the product team refunds
part of an invoice in euros and reads the credit note's number; a customer's forged events,
bad amounts and oversized text are refused in Italian naming the field, with nothing refunded."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.billing.test_credit_notes import _invoiced_purchase
from tests.fixtures.factories import make_customer
from tests.ui.test_payment_methods_state import Tab, _login
from ts_store.store.models import InvoiceRefund
from ts_store.ui.pages.refund_panel import RefundState

pytestmark = [pytest.mark.stripe, pytest.mark.usefixtures("app_gateway_env")]


@pytest.fixture(autouse=True)
def article_day(monkeypatch):
    monkeypatch.setenv("TS_STORE_TODAY", "2026-11-28")


async def test_team_refunds_ten_euros_and_reads_the_credit_note_number(session, gateway):
    _customer, operation, invoice = await _invoiced_purchase(session, gateway)
    team = make_customer(session, role="product_team")
    tab = Tab(_login(session, team), RefundState)

    await tab.send(RefundState.start, invoice.id)
    assert tab.state.open and tab.state.number == invoice.number
    assert tab.state.refundable == "91,50\u00a0€" and tab.state.amount_text == "91,50"

    await tab.send(RefundState.set_amount, "10,00")
    await tab.send(RefundState.set_reason, "Sconto concordato")
    await tab.send(RefundState.confirm)

    assert not tab.state.open and tab.state.error == ""
    assert tab.state.notice.startswith(
        f"Rimborso di 10,00\u00a0€ sulla fattura n. {invoice.number}"
    )
    assert "nota di credito n. 2026/000002" in tab.state.notice
    assert await gateway.refunded_cents(operation.stripe_payment_intent_id) == 1000


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Importo da rimborsare: scrivi un importo in euro, per esempio 27,50."),
        ("dieci", "Importo da rimborsare: non è un importo in euro"),
        ("10,001", "Importo da rimborsare: al massimo due decimali (i centesimi)."),
        ("-5", "Importo da rimborsare: l'importo non può essere negativo."),
        ("0", "Importo da rimborsare: scrivi un importo maggiore di zero."),
        ("100,00", "Importo da rimborsare: al massimo 91,50\u00a0€, quanto resta della fattura."),
    ],
)
async def test_a_bad_amount_is_named_in_italian_and_nothing_is_refunded(
    session, gateway, typed, message
):
    _customer, operation, invoice = await _invoiced_purchase(session, gateway)
    team = make_customer(session, role="product_team")
    tab = Tab(_login(session, team), RefundState)
    await tab.send(RefundState.start, invoice.id)

    await tab.send(RefundState.set_amount, typed)
    await tab.send(RefundState.confirm)

    assert tab.state.amount_error.startswith(message) and tab.state.open
    assert list(session.exec(select(InvoiceRefund))) == []
    assert await gateway.refunded_cents(operation.stripe_payment_intent_id) == 0


async def test_oversized_text_is_refused_and_not_kept(session, gateway):
    _customer, _operation, invoice = await _invoiced_purchase(session, gateway)
    team = make_customer(session, role="product_team")
    tab = Tab(_login(session, team), RefundState)
    await tab.send(RefundState.start, invoice.id)

    await tab.send(RefundState.set_amount, "1" * 10_000)
    await tab.send(RefundState.set_reason, "x" * 100_000)

    assert tab.state.amount_text == "91,50" and len(tab.state.reason) == 0
    assert (
        tab.state.amount_error != ""
        and tab.state.reason_error == "Motivo: al massimo 500 caratteri."
    )


async def test_a_customer_forging_the_events_refunds_nothing(session, gateway):
    customer, operation, invoice = await _invoiced_purchase(session, gateway)
    tab = Tab(_login(session, customer), RefundState)

    for forged in (invoice.id, "1", None, True, -1, 2**80):
        await tab.send(RefundState.start, forged)
        assert not tab.state.open
    tab.state.open, tab.state.document_id, tab.state.amount_text = True, invoice.id, "10,00"
    await tab.send(RefundState.confirm)

    assert list(session.exec(select(InvoiceRefund))) == []
    assert await gateway.refunded_cents(operation.stripe_payment_intent_id) == 0
