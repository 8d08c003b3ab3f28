"""The sender against a real SMTP server and a real migrated database: every queued message is
delivered once, a server outage delays mail without failing anything, retries back off."""

import dataclasses
import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from tests.fixtures.factories import (
    give_card,
    issue_test_document,
    make_active_licence,
    make_customer,
    save_billing_profile,
)
from tests.fixtures.fatturapa import pdf_text
from tests.fixtures.localstripe import payment_intents_of
from tests.fixtures.smtp import body_text
from ts_store.billing import accounts, notifications, renewals
from ts_store.domain.notifications import MessageKind
from ts_store.mail.sender import SenderConfig, send_due
from ts_store.store import documents, licences
from ts_store.store.models import OutboxMessage, utcnow


def _register(engine, email="mario@rossi.it"):
    with Session(engine) as session:
        accounts.register(
            email=email,
            password="Tramonto sul lago 2026",
            company_name="Rossi S.r.l.",
        )
        session.commit()


def _rows(engine):
    with Session(engine) as session:
        return session.exec(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()


def test_welcome_email_is_delivered_once_with_the_trial_end(engine, mail_env):
    _register(engine)
    report = send_due()
    assert (report.sent, report.retrying, report.dead) == (1, 0, 0)
    [welcome] = mail_env.messages()
    assert welcome["To"] == "mario@rossi.it"
    assert welcome["From"] == "TS Store <store@teamsystem.com>"
    assert "13/12/2026" in body_text(welcome)  # TS_STORE_TODAY 28/11/2026 + 15 days
    assert "http://store.test/myarea" in body_text(welcome)
    [row] = _rows(engine)
    assert (row.status, row.attempts, row.subject) == ("sent", 1, welcome["Subject"])
    assert row.message_id == welcome["Message-ID"]
    assert send_due().sent == 0  # nothing twice
    assert len(mail_env.messages()) == 1


def test_smtp_down_registration_works_and_the_email_arrives_once_smtp_is_back(engine, mail_env):
    mail_env.stop()
    _register(engine)  # the event never waits for, nor fails because of, the mail server
    report = send_due()
    assert (report.sent, report.retrying) == (0, 1)
    [row] = _rows(engine)
    assert (row.status, row.attempts) == ("retrying", 1)
    assert "connessione SMTP" in row.last_error
    assert row.next_attempt_at > utcnow()  # backs off (1 s in tests)
    mail_env.start()
    assert send_due().sent == 0  # not due yet
    deadline = utcnow() + timedelta(seconds=10)
    while not send_due().sent and utcnow() < deadline:
        pass
    [row] = _rows(engine)
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(mail_env.messages()) == 1


def test_while_the_server_is_down_a_pass_spends_one_attempt_not_one_per_message(engine, mail_env):
    mail_env.stop()
    for n in range(3):
        _register(engine, email=f"c{n}@x.it")
    send_due()
    assert sorted(row.attempts for row in _rows(engine)) == [0, 0, 1]


def test_no_smtp_configured_keeps_messages_waiting(engine, mail_env, monkeypatch):
    monkeypatch.delenv("TS_STORE_SMTP_URL")
    _register(engine)
    send_due()
    [row] = _rows(engine)
    assert row.status == "retrying" and "TS_STORE_SMTP_URL" in row.last_error


def test_a_message_that_cannot_be_rendered_is_given_up_not_retried(engine, mail_env):
    _register(engine)
    with Session(engine) as session:
        row = session.exec(sa.select(OutboxMessage)).scalars().one()
        row.params_json = "{}"  # the template's params are missing
        session.add(row)
        session.commit()
    assert send_due().dead == 1
    [row] = _rows(engine)
    assert row.status == "dead" and "composizione" in row.last_error
    assert mail_env.messages() == []


def test_several_senders_at_once_deliver_each_message_exactly_once(engine, mail_env):
    for n in range(12):
        _register(engine, email=f"c{n}@x.it")
    cfg = SenderConfig.from_env()
    threads = [
        threading.Thread(target=send_due, args=(dataclasses.replace(cfg, worker=w),))
        for w in ("a", "b", "c")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    received = sorted(m["To"] for m in mail_env.messages())
    assert received == sorted(f"c{n}@x.it" for n in range(12))
    assert {row.status for row in _rows(engine)} == {"sent"}


def test_a_message_about_a_document_carries_its_pdf(engine, mail_env):
    with Session(engine, expire_on_commit=False) as session:
        customer = make_customer(session, email="pdf@x.it")
        document = issue_test_document(
            session,
            customer.id,
            "pdf-op",
            {"company_name": "Bianchi S.r.l."},
            kind="purchase",
            description="CRM in Cloud – acquisto licenza",
        )
        notifications.notify_billing(
            session,
            customer.id,
            MessageKind.RENEWAL_PAID,
            f"renewal_paid:{document.id}",
            {
                "licence_id": 1,
                "plan_name": "Pro",
                "cycle": "monthly",
                "seats": 2,
                "document_id": document.id,
                "document_number": document.number,
                "gross_cents": 3660,
                "period_start": "2026-11-28",
                "period_end": "2026-12-28",
            },
        )
        session.commit()
    assert send_due().sent == 1
    [message] = mail_env.messages()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "fattura-2026-000001.pdf"
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF-")
    assert "Totale" in pdf_text(pdf) and "36,60" in pdf_text(pdf)
    assert "36,60\xa0€" in body_text(message)


@pytest.mark.stripe
async def test_smtp_down_the_renewal_is_charged_and_its_email_arrives_once_smtp_is_back(
    engine, session, gateway, stripe_settings, mail_env
):
    customer = make_customer(session)
    save_billing_profile(session, customer.id, invoice_email="fatture@rossi.it")
    await give_card(session, gateway, customer)
    licence = make_active_licence(
        session, customer.id, period_start=date(2026, 10, 28), period_end=date(2026, 11, 28)
    )
    mail_env.stop()

    report = await renewals.renew_due(date(2026, 11, 28), gateway)
    assert report.count("renewed") == 1  # the charge never waits for the mail server
    assert send_due().retrying == 1

    session.expire_all()
    renewed = licences.get_licence(session, licence.id)
    assert (renewed.status, renewed.period_end) == ("active", date(2026, 12, 28))
    [document] = documents.documents_of(session, customer.id)
    assert len(payment_intents_of(stripe_settings, customer.stripe_customer_id)) == 1
    [row] = _rows(engine)
    assert (row.kind, row.status, row.attempts) == ("renewal_paid", "retrying", 1)

    mail_env.start()
    deadline = utcnow() + timedelta(seconds=10)
    while not send_due().sent and utcnow() < deadline:
        pass
    [message] = mail_env.messages()
    assert message["To"] == "fatture@rossi.it"
    assert message["Subject"] == f"Rinnovo pagato: licenza CRM in Cloud n. {licence.id}"
    [attachment] = list(message.iter_attachments())
    assert document.number.replace("/", "-") in attachment.get_filename()
    assert "61,00" in pdf_text(attachment.get_content())  # Pro monthly, 2 users, IVA incl.
    assert send_due().sent == 0 and len(mail_env.messages()) == 1  # once
    [row] = _rows(engine)
    assert (row.status, row.attempts) == ("sent", 2)
