"""'Fatture elettroniche' in Chromium: the product team sees each document's SDI state and
SDI's reason for a rejection, downloads the XML and re-issues the rejected file once the
customer corrected the data in 'I tuoi dati di fatturazione'. A customer cannot use the page."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest

from tests.e2e.helpers import login, run_async, text_of, wait_for_text
from tests.e2e.test_lab import _login_as_product_team
from tests.fixtures.app import screenshots
from tests.fixtures.factories import (
    VALID_BILLING,
    make_active_licence,
    make_customer,
    save_billing_profile,
)
from tests.fixtures.fatturapa import read_fattura
from ts_store.billing.einvoices import issue_file
from ts_store.payments.gateway import StripeGateway
from ts_store.store import documents, operations
from ts_store.store import einvoices as store

pytestmark = [pytest.mark.e2e, pytest.mark.stripe]

LINE = {
    "kind": "added_seats",
    "description": "Utenti aggiunti al piano Pro (rateo)",
    "quantity": 3,
    "unit_cents": 2500,
    "days": 12,
    "period_days": 30,
    "amount_cents": 3000,
}


def _document_with_file(session, customer_id: int, sdi_code: str, outcome: str | None):
    billing = {**VALID_BILLING, "sdi_code": sdi_code}
    operation, _ = operations.start_operation(
        session, f"e2e-fe-{uuid.uuid4().hex}", customer_id=customer_id, kind="change"
    )
    document = documents.issue_document(
        session,
        operation_id=operation.id,
        customer_id=customer_id,
        licence_id=None,
        issued_on=date(2026, 11, 28),
        description="CRM in Cloud – modifica licenza",
        lines=[LINE],
        billing=billing,
        net_cents=3000,
        vat_cents=660,
        gross_cents=3660,
    )
    row = issue_file(session, document)
    store.set_state(session, row, "sent", transmission_id="E2E")
    if outcome == "rejected":
        store.set_state(
            session,
            row,
            "rejected",
            reason_code="00311",
            reason_text="1.1.4 <CodiceDestinatario> non valido: non è censito in SDI",
        )
    elif outcome == "delivered":
        store.set_state(session, row, "delivered")
    session.commit()
    return document, row


def test_team_sees_the_rejection_customer_fixes_the_data_team_reissues(page, running_app):
    tag = uuid.uuid4().hex[:6]
    with running_app.session() as session:
        customer = make_customer(session, email=f"fe-{tag}@example.it")
        make_active_licence(session, customer.id)
        save_billing_profile(session, customer.id, sdi_code="NS00311")
        team = make_customer(session, email=f"team-{tag}@example.it", role="product_team")
        rejected, rejected_file = _document_with_file(session, customer.id, "NS00311", "rejected")
        delivered, _ = _document_with_file(session, customer.id, "M5UXCR1", "delivered")

    # The customer corrects the Codice Destinatario where they edit their billing data.
    login(page, running_app, customer.email)
    page.get_by_role("link", name="Dati di fatturazione").first.click()
    page.wait_for_url("**/myarea/dati-di-fatturazione")
    page.wait_for_selector("#billing-sdi_code")
    page.fill("#billing-sdi_code", "ABC")
    page.locator("#billing-sdi_code").blur()
    wait_for_text(page, "#billing-sdi_code-error", "deve essere di 7 caratteri")
    page.fill("#billing-sdi_code", "m5uxcr1")
    page.click("#billing-submit")
    wait_for_text(page, "#billing-saved", "Dati salvati")
    assert page.input_value("#billing-sdi_code") == "M5UXCR1"
    screenshots(page, "dati-di-fatturazione")
    page.goto(f"{running_app.url}/fatture-elettroniche")
    page.wait_for_selector("#einvoices-denied")

    # The product team sees why SDI rejected the file, re-issues it, downloads the new XML.
    page.context.clear_cookies()
    _login_as_product_team(page, running_app, team.email)
    page.get_by_role("link", name="Fatture elettroniche").first.click()
    page.wait_for_url("**/fatture-elettroniche")
    slug = rejected.number.replace("/", "-")
    page.wait_for_selector(f"#einvoice-{slug}")
    row = text_of(page, f"#einvoice-{slug}")
    assert f"Fattura n. {rejected.number}" in row and "Scartata da SDI" in row
    assert "00311" in row and "Codice Destinatario non è censito" in row
    assert rejected_file.file_name in row
    assert "Consegnata" in text_of(page, f"#einvoice-{delivered.number.replace('/', '-')}")
    screenshots(page, "fatture-elettroniche-scartata")

    page.click(f"#reissue-{slug}")
    wait_for_text(page, "#einvoice-notice", "nuovo file")
    row = text_of(page, f"#einvoice-{slug}")
    assert "Generata, da inviare" in row and f"Sostituisce: {rejected_file.file_name}" in row
    assert page.locator(f"#reissue-{slug}").count() == 0
    screenshots(page, "fatture-elettroniche-riemessa")

    with page.expect_download() as download:
        page.click(f"#team-xml-{slug}")
    assert download.value.suggested_filename != rejected_file.file_name
    figures = read_fattura(Path(download.value.path()).read_bytes())
    assert (figures["number"], figures["recipient"]) == (rejected.number, "M5UXCR1")


def test_team_refunds_part_of_a_paid_change_and_the_credit_note_appears(
    page, running_app, article_customer, stripe_settings
):
    customer, licence = article_customer
    login(page, running_app, customer.email)
    page.click(f"#options-{licence.id}")
    page.click(f"#action-seats-{licence.id}")
    page.wait_for_selector("#seats-input")
    page.click("#seats-plus")
    wait_for_text(page, "#quote-gross", "12,20")
    page.click("#confirm-change")
    wait_for_text(page, "#licence-result", "Modifica applicata")
    with running_app.session() as session:
        [invoice] = documents.documents_of(session, customer.id)
        payment_intent_id = operations.get_operation(
            session, invoice.operation_id
        ).stripe_payment_intent_id
        team = make_customer(
            session, email=f"team-refund-{uuid.uuid4().hex[:6]}@example.it", role="product_team"
        )

    page.context.clear_cookies()
    _login_as_product_team(page, running_app, team.email)
    page.goto(f"{running_app.url}/fatture-elettroniche")
    slug = invoice.number.replace("/", "-")
    page.wait_for_selector(f"#refund-{slug}")
    page.click(f"#refund-{slug}")
    page.wait_for_selector("#refund-panel")
    assert page.input_value("#refund-amount") == "12,20"
    assert page.evaluate("document.activeElement.id") == "refund-heading"
    page.get_by_label("Importo da rimborsare (€)").fill("12,21")
    page.click("#refund-confirm")
    wait_for_text(page, "#refund-amount-error", "al massimo 12,20")
    page.get_by_label("Importo da rimborsare (€)").fill("5,00")
    page.get_by_label("Motivo (facoltativo, resta nel registro)").fill("Sconto concordato")
    screenshots(page, "fatture-elettroniche-rimborso")
    page.click("#refund-confirm")
    wait_for_text(page, "#refund-notice", "Rimborso di 5,00")

    with running_app.session() as session:
        [note] = [
            d for d in documents.documents_of(session, customer.id) if d.kind == "credit_note"
        ]
    assert f"nota di credito n. {note.number}" in text_of(page, "#refund-notice")
    assert (note.original_document_id, note.gross_cents) == (invoice.id, 500)
    page.wait_for_selector(f"#einvoice-{note.number.replace('/', '-')}")
    assert f"Nota di credito n. {note.number}" in text_of(
        page, f"#einvoice-{note.number.replace('/', '-')}"
    )
    refunded = run_async(StripeGateway(stripe_settings).refunded_cents(payment_intent_id))
    assert refunded == 500
    screenshots(page, "fatture-elettroniche-nota-di-credito")
