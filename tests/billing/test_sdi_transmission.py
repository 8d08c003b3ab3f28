"""Transmission to SDI through the fake intermediary (tools/fake_sdi.py, real HTTP): the states
a file goes through, the notifications recorded, the retry path with back-off, the re-issue of
a rejected file after the customer fixed the data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import select

from tests.fixtures.factories import (
    VALID_BILLING,
    issue_test_document,
    make_customer,
    save_billing_profile,
)
from tests.fixtures.fatturapa import read_fattura
from ts_store.billing import einvoices, sdi_sender
from ts_store.domain.einvoice import SdiState
from ts_store.store import customers, documents
from ts_store.store import einvoices as store
from ts_store.store.models import AuditEntry, SdiNotificationRecord

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _document(session, **billing):
    customer = make_customer(session)
    save_billing_profile(session, customer.id, **billing)
    document = issue_test_document(
        session, customer.id, f"sdi-{customer.id}", {**VALID_BILLING, **billing}
    )
    session.commit()
    return customer, document


def _file(session, document):
    session.expire_all()
    return store.current_file(session, document.id)


async def test_accepted_file_is_sent_then_delivered_with_its_rc(session, fake_sdi_server):
    _, document = _document(session)
    report = await sdi_sender.sync_once(now=NOW)
    assert report.generated == 1 and len(report.sent) == 1
    row = _file(session, document)
    assert (row.sdi_state, row.attempts, row.transmission_id) == (
        SdiState.DELIVERED,
        1,
        row.transmission_id,
    )
    [notification] = store.notifications_of(session, row.id)
    assert notification.type == "RC"
    again = await sdi_sender.sync_once(now=NOW)  # nothing new: no second send, no duplicate RC
    assert again.sent == [] and again.outcomes == []
    assert len(session.exec(select(SdiNotificationRecord)).all()) == 1


async def test_unknown_recipient_code_is_rejected_with_00311_and_its_text(session, fake_sdi_server):
    _, document = _document(session, sdi_code="NS00311")
    await sdi_sender.sync_once(now=NOW)
    row = _file(session, document)
    assert row.sdi_state == SdiState.REJECTED
    assert row.reason_code == "00311"
    assert "CodiceDestinatario" in row.reason_text


async def test_not_deliverable_mc_leaves_the_file_in_the_customers_area(session, fake_sdi_server):
    _, document = _document(session, sdi_code="MC00000")
    await sdi_sender.sync_once(now=NOW)
    assert _file(session, document).sdi_state == SdiState.NOT_DELIVERED


async def test_outage_is_retried_with_back_off_and_the_file_goes_out_once(session, fake_sdi_server):
    url, state = fake_sdi_server
    httpx.post(f"{url}/_config/outage", json={"failures": 2}, timeout=5).raise_for_status()
    _, document = _document(session)

    first = await sdi_sender.sync_once(now=NOW)
    row = _file(session, document)
    assert first.sent == [] and len(first.retry) == 1
    assert (row.sdi_state, row.attempts) == (SdiState.GENERATED, 1)
    assert row.next_attempt_at.replace(tzinfo=UTC) == NOW + timedelta(minutes=1)
    assert "503" in row.last_error

    too_early = await sdi_sender.sync_once(now=NOW + timedelta(seconds=30))
    assert too_early.sent == [] and too_early.retry == [] and state.sends == 1

    await sdi_sender.sync_once(now=NOW + timedelta(minutes=1))  # second failure: 5 minutes
    row = _file(session, document)
    assert row.attempts == 2
    assert row.next_attempt_at.replace(tzinfo=UTC) == NOW + timedelta(minutes=6)

    done = await sdi_sender.sync_once(now=NOW + timedelta(minutes=6))
    row = _file(session, document)
    assert len(done.sent) == 1 and row.sdi_state == SdiState.DELIVERED
    assert (row.attempts, row.last_error, state.sends) == (3, None, 3)
    assert len(state.files) == 1


async def test_without_an_intermediary_files_are_generated_and_wait(session, monkeypatch):
    monkeypatch.delenv("TS_STORE_SDI_URL", raising=False)
    _, document = _document(session)
    report = await sdi_sender.sync_once(now=NOW)
    assert report.generated == 1 and report.sent == []
    assert _file(session, document).sdi_state == SdiState.GENERATED


async def test_rejected_file_is_reissued_with_new_progressivo_after_the_data_is_fixed(
    session, fake_sdi_server
):
    customer, document = _document(session, sdi_code="NS00311")
    team = make_customer(session, role="product_team")
    await sdi_sender.sync_once(now=NOW)
    rejected = _file(session, document)
    assert rejected.sdi_state == SdiState.REJECTED

    with pytest.raises(einvoices.EinvoiceError) as not_team:
        einvoices.reissue(customer.id, document.id)
    assert not_team.value.code == "einvoice.not_allowed"

    save_billing_profile(session, customer.id, sdi_code="M5UXCR1")  # the customer fixes it
    row = einvoices.reissue(team.id, document.id)
    assert row.state == SdiState.GENERATED and row.file_name != rejected.file_name
    assert row.earlier_files == (rejected.file_name,)
    with pytest.raises(einvoices.EinvoiceError) as twice:
        einvoices.reissue(team.id, document.id)
    assert twice.value.code == "einvoice.not_rejected"

    await sdi_sender.sync_once(now=NOW)
    new = _file(session, document)
    assert new.sdi_state == SdiState.DELIVERED and new.replaces_file_id == rejected.id
    assert store.get_file(session, rejected.id).sdi_state == SdiState.REISSUED
    figures = read_fattura(new.xml)
    assert (figures["recipient"], figures["number"]) == ("M5UXCR1", document.number)
    assert figures["progressive"] != read_fattura(rejected.xml)["progressive"]
    session.expire_all()
    stored = documents.owned_document(session, customer.id, document.id)
    assert json.loads(stored.billing_json)["sdi_code"] == "M5UXCR1"
    entries = session.exec(select(AuditEntry).where(AuditEntry.action == "einvoice_reissued")).all()
    assert len(entries) == 1 and entries[0].actor_customer_id == team.id


async def test_reissue_with_data_still_invalid_is_refused_naming_the_fields(
    session, fake_sdi_server
):
    customer, document = _document(session, sdi_code="NS00305")
    team = make_customer(session, role="product_team")
    await sdi_sender.sync_once(now=NOW)
    profile = customers.billing_profile(session, customer.id)
    profile.vat_number = "12345670158"  # a wrong check digit saved by an older version
    session.add(profile)
    session.commit()
    with pytest.raises(einvoices.EinvoiceError) as refused:
        einvoices.reissue(team.id, document.id)
    assert refused.value.code == "einvoice.billing_data_invalid"
    assert refused.value.params["fields"] == ("vat_number",)
    assert _file(session, document).sdi_state == SdiState.REJECTED


async def test_invalid_xml_is_rejected_by_the_fake_with_00200(session, fake_sdi_server):
    url, _state = fake_sdi_server
    from ts_store.einvoice.sdi import HttpIntermediary

    intermediary = HttpIntermediary(url)
    accepted = await intermediary.send("IT02468130154_ZZZZZ.xml", b"<FatturaElettronica/>")
    [notification] = await intermediary.notifications(accepted.transmission_id)
    assert notification.type == "NS" and notification.errors[0].code == "00200"
    again = await intermediary.send("IT02468130154_ZZZZZ.xml", b"<FatturaElettronica/>")
    [duplicate] = await intermediary.notifications(again.transmission_id)
    assert duplicate.errors[0].code == "00002"  # the same file name twice
