"""Account messages are queued in the same transaction as their event, to the right address."""

from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from tests.fixtures.factories import make_customer, save_billing_profile
from ts_store.billing import accounts, notifications, support
from ts_store.billing.errors import InputError, NotAllowed
from ts_store.domain.notifications import MessageKind
from ts_store.store import outbox
from ts_store.store.models import OutboxMessage
from ts_store.store.outbox import params_of

TODAY = date(2026, 11, 28)


def _rows(session):
    return session.exec(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()


def test_registration_queues_the_welcome_with_the_trial_end(session):
    accounts.register(
        email="Mario@Rossi.it", password="Tramonto sul lago 2026", company_name="Rossi"
    )
    session.commit()
    [row] = _rows(session)
    assert (row.kind, row.recipient) == ("welcome", "mario@rossi.it")
    params = params_of(row)
    assert (params["trial_ends_on"], params["trial_days"], params["company_name"]) == (
        "2026-12-13",
        15,
        "Rossi",
    )


def test_a_refused_registration_queues_nothing(engine):
    with Session(engine) as session:
        with pytest.raises(InputError):
            accounts.register(
                email="no-at-sign", password="Tramonto sul lago 2026", company_name="R"
            )
        session.rollback()
        assert _rows(session) == []


def test_contact_request_queues_a_receipt_with_a_copy_of_the_message(session):
    customer = make_customer(session, email="c@x.it")
    request = support.send_request(
        customer_id=customer.id,
        subject="Altro",
        message="Vorrei sapere <b>come</b> cambiare piano.",
        licence_id=None,
    )
    session.commit()
    [row] = _rows(session)
    assert (row.kind, row.recipient, row.event_key) == (
        "support_received",
        "c@x.it",
        f"support_received:{request.id}",
    )
    assert params_of(row)["message"] == "Vorrei sapere <b>come</b> cambiare piano."


def test_billing_messages_go_to_the_invoice_email(session):
    customer = make_customer(session, email="login@x.it")
    assert notifications.billing_recipient(session, customer.id) == "login@x.it"
    save_billing_profile(session, customer.id, invoice_email="fatture@x.it")
    assert notifications.billing_recipient(session, customer.id) == "fatture@x.it"


def test_registration_attempt_is_told_at_most_once_a_day(session):
    customer = make_customer(session, email="owner@x.it")
    for _ in range(3):
        notifications.notify_registration_attempt(session, customer, "2026-11-28")
    notifications.notify_registration_attempt(session, customer, "2026-11-29")
    session.commit()
    rows = _rows(session)
    assert [(r.kind, params_of(r)["attempted_on"]) for r in rows] == [
        ("registration_attempt", "2026-11-28"),
        ("registration_attempt", "2026-11-29"),
    ]


def test_posta_inviata_is_for_the_product_team_only(session):
    customer = make_customer(session, email="c2@x.it")
    team = make_customer(session, email="team@x.it", role="product_team")
    outbox.enqueue(
        session,
        event_key="password_reset:1",
        recipient="c2@x.it",
        kind=MessageKind.PASSWORD_RESET,
        params={"reset_token": "s3cret", "valid_minutes": 30},
        message_id_domain="x.it",
    )
    session.commit()
    with pytest.raises(NotAllowed):
        notifications.recent_mail(customer.id)
    with pytest.raises(NotAllowed):
        notifications.mail_entry(customer.id, 1)
    [entry] = notifications.recent_mail(team.id)
    assert entry.recipient == "c2@x.it"
    assert "reset_token" not in notifications.mail_entry(team.id, entry.id).params
