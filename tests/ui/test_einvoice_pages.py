"""The electronic-invoice handlers as a client could call them: 'Scarica XML' in Documenti
(owner only), the product team's page (role checked on every call, forged ids refused) and
'I tuoi dati di fatturazione' (the wizard's per-field checks; saved only when all are valid)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from tests.billing.test_sdi_transmission import _document
from tests.fixtures.factories import VALID_BILLING, make_customer
from tests.fixtures.fatturapa import read_fattura
from tests.ui.test_payment_methods_state import Tab, _login, _script
from ts_store.billing import sdi_sender
from ts_store.store import customers
from ts_store.ui.pages.billing_data import SAVED, BillingDataState
from ts_store.ui.pages.documents import DocumentsState
from ts_store.ui.pages.einvoices import EinvoicesState

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _xml_of(event) -> bytes:
    """The bytes of an rx.download event (a data: URL in the script it runs)."""
    script = _script(event)
    encoded = script.split("base64,", 1)[1].split('"', 1)[0].split("'", 1)[0]
    return base64.b64decode(encoded)


async def test_scarica_xml_gives_the_owner_the_fattura_and_refuses_others(session):
    owner, document = _document(session)
    _, foreign = _document(session)
    tab = Tab(_login(session, owner), DocumentsState)
    await tab.send(DocumentsState.load)
    assert tab.state.rows[0].title == f"Fattura n. {document.number}"

    [download] = await tab.send(DocumentsState.download_xml, document.id)
    assert "IT02468130154_" in _script(download) and "application/xml" in _script(download)
    assert read_fattura(_xml_of(download))["number"] == document.number

    assert await tab.send(DocumentsState.download_xml, foreign.id) == []
    assert tab.state.error == "Documento non trovato."
    for forged in ("1", None, True, 2**80):
        assert await tab.send(DocumentsState.download_xml, forged) == []


async def test_team_page_lists_states_downloads_and_reissues(session, fake_sdi_server):
    customer, rejected = _document(session, sdi_code="NS00311")
    _, delivered = _document(session)
    team = make_customer(session, role="product_team")
    await sdi_sender.sync_once(now=NOW)
    tab = Tab(_login(session, team), EinvoicesState)
    await tab.send(EinvoicesState.load)

    assert tab.state.allowed
    by_number = {row.title: row for row in tab.state.rows}
    bad = by_number[f"Fattura n. {rejected.number}"]
    good = by_number[f"Fattura n. {delivered.number}"]
    assert (good.state_label, good.can_reissue) == ("Consegnata", False)
    assert (bad.state_label, bad.can_reissue) == ("Scartata da SDI", True)
    assert bad.reason.startswith("00311: ") and "Codice Destinatario" in bad.fix

    [download] = await tab.send(EinvoicesState.download, good.file_id)
    assert read_fattura(_xml_of(download))["number"] == delivered.number

    await tab.send(EinvoicesState.reissue, rejected.id)  # data not fixed yet: SDI would refuse
    assert tab.state.notice != "" and tab.state.error == ""
    row = {r.title: r for r in tab.state.rows}[f"Fattura n. {rejected.number}"]
    assert row.state_label == "Generata, da inviare"
    assert row.note.startswith("Sostituisce: IT02468130154_")

    await tab.send(EinvoicesState.reissue, delivered.id)
    assert "non è stato scartato da SDI" in tab.state.error
    for forged in ("1", None, -1, True):
        assert await tab.send(EinvoicesState.reissue, forged) == []
        assert await tab.send(EinvoicesState.download, forged) == []
    assert customer.id != team.id


async def test_team_page_and_handlers_refuse_a_customer(session, fake_sdi_server):
    customer, document = _document(session, sdi_code="NS00311")
    await sdi_sender.sync_once(now=NOW)
    tab = Tab(_login(session, customer), EinvoicesState)
    await tab.send(EinvoicesState.load)
    assert not tab.state.allowed and tab.state.rows == []
    assert await tab.send(EinvoicesState.download, 1) == []
    await tab.send(EinvoicesState.reissue, document.id)
    assert tab.state.rows == [] and tab.state.notice == ""


async def test_billing_data_page_checks_each_field_and_saves_only_valid_data(session):
    customer = make_customer(session)
    customers.save_billing_profile(session, customer.id, VALID_BILLING)
    session.commit()
    tab = Tab(_login(session, customer), BillingDataState)
    await tab.send(BillingDataState.load)
    assert tab.state.profile["vat_number"] == "12345670157"

    await tab.send(BillingDataState.check_field, "vat_number", "12345670158")
    assert tab.state.errors == {"vat_number": "Partita IVA: la cifra di controllo non è valida."}
    await tab.send(BillingDataState.check_field, "password_hash", "x")  # not a billing field
    await tab.send(BillingDataState.check_field, "vat_number", ["not", "text"])
    assert "vat_number" in tab.state.errors

    wrong = {**VALID_BILLING, "sdi_code": "", "pec": "", "postal_code": "201"}
    await tab.send(BillingDataState.save, wrong)
    assert set(tab.state.errors) == {"sdi_code", "postal_code"} and tab.state.saved == ""
    session.expire_all()
    assert customers.billing_profile(session, customer.id).postal_code == "20121"

    fixed = {
        **VALID_BILLING,
        "sdi_code": "0000000",
        "pec": "bianchi@pec.it",
        "vat_number": "IT 123 456 701 57",
    }
    await tab.send(BillingDataState.save, fixed)
    assert tab.state.errors == {} and tab.state.saved == SAVED
    session.expire_all()
    stored = customers.billing_profile(session, customer.id)
    assert (stored.vat_number, stored.sdi_code, stored.pec) == (
        "12345670157",
        "0000000",
        "bianchi@pec.it",
    )


async def test_billing_data_page_sends_a_logged_out_visitor_to_login(session):
    tab = Tab("", BillingDataState)
    [redirect] = await tab.send(BillingDataState.load)
    assert "/login" in _script(redirect)
    [again] = await tab.send(BillingDataState.save, dict(VALID_BILLING))
    assert "/login" in _script(again)


pytestmark = pytest.mark.usefixtures("db_url")
