"""Staff refunds of an invoiced payment (billing/refunds.py): a real refund in localstripe, once,
and its credit note (TD04) — also when Stripe is unreachable, on a re-send, or when the refund
was made from the Stripe dashboard (webhook). docs/fatturapa.md, "Refunds and credit notes"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from sqlmodel import select

from tests.billing.test_card_replacement import _unreachable
from tests.billing.test_credit_notes import _invoiced_purchase
from tests.fixtures.factories import make_customer
from tests.fixtures.fatturapa import read_fattura
from ts_store.billing import credit_notes, refunds, webhooks
from ts_store.billing.errors import InputError, NotAllowed, PaymentProblem
from ts_store.domain.einvoice import DocumentKind
from ts_store.store import documents
from ts_store.store import einvoices as einvoice_store
from ts_store.store.models import AuditEntry, InvoiceRefund

pytestmark = pytest.mark.stripe


@pytest.fixture(autouse=True)
def article_day(monkeypatch):
    monkeypatch.setenv("TS_STORE_TODAY", "2026-11-28")


def _creditable(gross_cents: int) -> bool:
    try:
        credit_notes.split_refund(gross_cents, Fraction(22))
    except credit_notes.CreditNoteNotExact:
        return False
    return True


def _team(session):
    return make_customer(session, role="product_team")


def _rows(session) -> list[InvoiceRefund]:
    session.expire_all()
    return list(session.exec(select(InvoiceRefund)))


def _notes(session, invoice) -> list:
    session.expire_all()
    return [
        d
        for d in documents.documents_of(session, invoice.customer_id)
        if d.kind == DocumentKind.CREDIT_NOTE
    ]


async def test_full_refund_gives_the_money_back_once_with_a_td04_credit_note(
    session, gateway, fatturapa_schema
):
    _customer, operation, invoice = await _invoiced_purchase(session, gateway)
    team = _team(session)

    done = await refunds.refund_invoice(
        team.id, invoice.id, invoice.gross_cents, "Addebito contestato", "req-full-0001", gateway
    )

    assert await gateway.refunded_cents(operation.stripe_payment_intent_id) == invoice.gross_cents
    [note] = _notes(session, invoice)
    assert done.credit_note_number == note.number and note.original_document_id == invoice.id
    assert note.gross_cents == invoice.gross_cents
    xml = einvoice_store.current_file(session, note.id).xml
    fatturapa_schema.validate(xml.decode())
    assert read_fattura(xml)["type"] == "TD04"
    [row] = _rows(session)
    assert (row.status, row.stripe_refund_id, row.credit_note_id) == (
        "refunded",
        done.stripe_refund_id,
        note.id,
    )
    actions = [a.action for a in session.exec(select(AuditEntry))]
    assert "refund_requested" in actions and "refund_made" in actions


async def test_same_request_key_twice_is_one_refund_and_one_credit_note(session, gateway):
    _customer, operation, invoice = await _invoiced_purchase(session, gateway)
    team = _team(session)

    first = await refunds.refund_invoice(team.id, invoice.id, 1000, "", "req-double-01", gateway)
    second = await refunds.refund_invoice(team.id, invoice.id, 1000, "", "req-double-01", gateway)

    assert first == second
    assert await gateway.refunded_cents(operation.stripe_payment_intent_id) == 1000
    assert len(_notes(session, invoice)) == 1 and len(_rows(session)) == 1


async def test_partial_refunds_never_give_back_more_than_the_invoice(session, gateway):
    _customer, operation, invoice = await _invoiced_purchase(session, gateway)
    team = _team(session)
    await refunds.refund_invoice(team.id, invoice.id, 1000, "", "req-part-0001", gateway)
    rest = refunds.refund_quote(team.id, invoice.id).refundable_cents
    assert rest == invoice.gross_cents - 1000

    with pytest.raises(InputError) as too_much:
        await refunds.refund_invoice(team.id, invoice.id, rest + 1, "", "req-part-0002", gateway)
    assert (too_much.value.field, too_much.value.code) == ("amount", "refund.amount_too_large")
    assert too_much.value.params["refundable_cents"] == rest

    await refunds.refund_invoice(team.id, invoice.id, rest, "", "req-part-0003", gateway)
    assert await gateway.refunded_cents(operation.stripe_payment_intent_id) == invoice.gross_cents
    assert sum(n.gross_cents for n in _notes(session, invoice)) == invoice.gross_cents
    assert refunds.refund_quote(team.id, invoice.id).refundable_cents == 0


async def test_amount_no_net_reaches_with_22_percent_vat_is_refused_naming_the_nearest(
    session, gateway
):
    _customer, operation, invoice = await _invoiced_purchase(session, gateway)
    team = _team(session)
    impossible = next(g for g in range(1000, 2000) if not _creditable(g))

    with pytest.raises(InputError) as refused:
        await refunds.refund_invoice(team.id, invoice.id, impossible, "", "req-exact-001", gateway)

    assert refused.value.code == "refund.amount_not_exact"
    below, above = refused.value.params["below_cents"], refused.value.params["above_cents"]
    assert below < impossible < above
    assert _creditable(below) and _creditable(above)
    assert _rows(session) == [] and _notes(session, invoice) == []
    assert await gateway.refunded_cents(operation.stripe_payment_intent_id) == 0


@pytest.mark.parametrize(
    ("amount", "reason", "key", "field", "code"),
    [
        (0, "", "req-bad-00001", "amount", "refund.amount_not_positive"),
        (-100, "", "req-bad-00002", "amount", "refund.amount_not_positive"),
        (True, "", "req-bad-00003", "amount", "refund.amount_not_positive"),
        ("1000", "", "req-bad-00004", "amount", "refund.amount_not_positive"),
        (1000, "x" * 501, "req-bad-00005", "reason", "refund.reason_too_long"),
        (1000, None, "req-bad-00006", "reason", "refund.reason_too_long"),
        (1000, "", "short", "request", "refund.bad_request"),
        (1000, "", "k" * 65, "request", "refund.bad_request"),
        (1000, "", "req key!", "request", "refund.bad_request"),
    ],
)
async def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored_or_refunded(
    session, gateway, amount, reason, key, field, code
):
    _customer, operation, invoice = await _invoiced_purchase(session, gateway)
    team = _team(session)

    with pytest.raises(InputError) as refused:
        await refunds.refund_invoice(team.id, invoice.id, amount, reason, key, gateway)

    assert (refused.value.field, refused.value.code) == (field, code)
    assert _rows(session) == []
    assert await gateway.refunded_cents(operation.stripe_payment_intent_id) == 0


async def test_a_customer_cannot_refund_even_their_own_invoice(session, gateway):
    customer, operation, invoice = await _invoiced_purchase(session, gateway)

    with pytest.raises(NotAllowed):
        await refunds.refund_invoice(customer.id, invoice.id, 1000, "", "req-cust-0001", gateway)
    with pytest.raises(NotAllowed):
        refunds.refund_quote(customer.id, invoice.id)
    assert _rows(session) == []
    assert await gateway.refunded_cents(operation.stripe_payment_intent_id) == 0


async def test_a_credit_note_or_a_missing_document_cannot_be_refunded(session, gateway):
    _customer, _operation, invoice = await _invoiced_purchase(session, gateway)
    team = _team(session)
    await refunds.refund_invoice(team.id, invoice.id, 1000, "", "req-note-0001", gateway)
    [note] = _notes(session, invoice)

    with pytest.raises(InputError) as not_invoice:
        await refunds.refund_invoice(team.id, note.id, 100, "", "req-note-0002", gateway)
    assert not_invoice.value.code == "refund.not_an_invoice"
    with pytest.raises(NotAllowed):
        await refunds.refund_invoice(team.id, 10**9, 100, "", "req-note-0003", gateway)


async def test_stripe_unreachable_leaves_the_request_and_reconcile_finishes_it_once(
    session, gateway, stripe_settings
):
    _customer, operation, invoice = await _invoiced_purchase(session, gateway)
    team = _team(session)

    with pytest.raises(PaymentProblem) as down:
        await refunds.refund_invoice(
            team.id, invoice.id, 1000, "", "req-down-0001", _unreachable(stripe_settings)
        )
    assert down.value.code == "payments_unavailable"
    [row] = _rows(session)
    assert row.status == "requested" and _notes(session, invoice) == []
    # Meanwhile the rest of the invoice cannot be promised twice.
    assert refunds.refund_quote(team.id, invoice.id).refundable_cents == invoice.gross_cents - 1000

    too_early = await refunds.resend_stale_refunds(gateway, datetime.now(UTC))
    assert too_early == [] and _rows(session)[0].status == "requested"
    later = datetime.now(UTC) + timedelta(minutes=2)
    [line] = await refunds.resend_stale_refunds(gateway, later)
    again = await refunds.resend_stale_refunds(gateway, later)

    assert "eseguito" in line and again == []
    assert await gateway.refunded_cents(operation.stripe_payment_intent_id) == 1000
    assert len(_notes(session, invoice)) == 1 and _rows(session)[0].status == "refunded"


async def test_dashboard_refund_webhook_issues_its_credit_note_once(session, gateway):
    _customer, operation, invoice = await _invoiced_purchase(session, gateway)
    pi = operation.stripe_payment_intent_id
    await gateway.refund_payment(
        pi, idempotency_key="dashboard-1", metadata={}, amount_cents=invoice.gross_cents
    )
    event = {
        "type": "charge.refunded",
        "data": {"object": {"object": "charge", "payment_intent": pi}},
    }

    first = await webhooks.handle_event({**event, "id": "evt_dash_1"}, gateway)
    second = await webhooks.handle_event(
        {"id": "evt_dash_2", "type": "refund.created", "data": {"object": {"payment_intent": pi}}},
        gateway,
    )

    [note] = _notes(session, invoice)
    assert first == f"credit notes: {note.number}" and second == "no credit note due"
    assert note.gross_cents == invoice.gross_cents


async def test_webhook_of_a_refund_the_store_made_adds_no_second_credit_note(session, gateway):
    _customer, operation, invoice = await _invoiced_purchase(session, gateway)
    team = _team(session)
    await refunds.refund_invoice(team.id, invoice.id, 1000, "", "req-hook-0001", gateway)
    event = {
        "id": "evt_own_1",
        "type": "charge.refunded",
        "data": {"object": {"payment_intent": operation.stripe_payment_intent_id}},
    }

    assert await webhooks.handle_event(event, gateway) == "no credit note due"
    assert len(_notes(session, invoice)) == 1


async def test_refund_webhook_without_a_payment_is_ignored(session, gateway):
    event = {"id": "evt_nopi", "type": "charge.refunded", "data": {"object": {}}}
    assert (await webhooks.handle_event(event, gateway)).startswith("ignored")
