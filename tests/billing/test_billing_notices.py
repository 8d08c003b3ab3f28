"""Every billing event queues its email in the transaction that applies it (issue #16).

Real parts: localstripe charges, a real database, the real use cases. Each test checks the
rows of the outbox (kind, recipient, key, facts) and that each row renders with the real
templates, so a message wired with a missing fact fails here, not in the sender.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from tests.fixtures.factories import (
    VALID_BILLING,
    buy_trial,
    give_card,
    make_active_licence,
    make_customer,
    make_trial,
    save_billing_profile,
)
from tests.fixtures.localstripe import (
    authenticate_payment_intent,
    confirm_setup_intent_with_card,
)
from ts_store.billing import cards, changes, charging, purchase, renewals
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration
from ts_store.mail.render import render
from ts_store.store import documents
from ts_store.store.models import BillingOperation, OutboxMessage
from ts_store.store.outbox import params_of

pytestmark = pytest.mark.stripe

TODAY = date(2026, 11, 28)
INVOICE_EMAIL = VALID_BILLING["invoice_email"]
DECLINING_CARD = "4000000000000341"  # attaches, then every charge is declined


@pytest.fixture(autouse=True)
def store_day(monkeypatch):
    monkeypatch.setenv("TS_STORE_TODAY", TODAY.isoformat())


def _rows(session, kind: str | None = None) -> list[OutboxMessage]:
    session.expire_all()
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    return list(session.exec(query).scalars().all())


def _kinds(session) -> list[str]:
    return [row.kind for row in _rows(session)]


def _renders(row: OutboxMessage) -> str:
    """The row's text as the sender would render it (fails on a missing fact)."""
    text = render(row.kind, params_of(row), public_url="https://store.example.it").text
    return text.replace("\xa0", " ")  # the pages write "1.525,00\xa0€"


async def _customer(session, gateway, card: str = "4242424242424242"):
    customer = make_customer(session)
    save_billing_profile(session, customer.id)
    await give_card(session, gateway, customer, card)
    return customer


# --- purchase ------------------------------------------------------------------------------


async def test_purchase_queues_one_confirmation_with_its_document_to_the_invoice_email(
    session, gateway
):
    customer = await _customer(session, gateway)
    trial = make_trial(session, customer.id, trial_ends_on=date(2026, 12, 5))
    buy = dict(
        customer_id=customer.id,
        licence_id=trial.id,
        expected_version=trial.version,
        target=Configuration("pro", Cycle.ANNUAL, 5),
        idempotency_key="buy-1",
        gateway=gateway,
    )
    first = await purchase.purchase(**buy)
    again = await purchase.purchase(**buy)  # a retried confirm: the same operation

    assert first.status == again.status == "succeeded"
    [row] = _rows(session)
    [document] = documents.documents_of(session, customer.id)
    params = params_of(row)
    assert (row.kind, row.recipient, row.event_key) == (
        "purchase_confirmed",
        INVOICE_EMAIL,
        f"purchase_confirmed:{first.operation_id}",
    )
    assert (params["document_id"], params["gross_cents"]) == (document.id, 152500)
    assert (params["next_renewal_on"], params["renewal_gross_cents"]) == ("2027-11-28", 152500)
    text = _renders(row)
    assert "Totale pagato oggi: 1.525,00 €" in text
    assert f"documento n. {document.number}" in text


async def test_3d_secure_purchase_is_confirmed_by_email_only_once_authenticated(
    session, gateway, stripe_settings
):
    customer = await _customer(session, gateway, "4000002760003184")
    _, pending = await buy_trial(
        session, gateway, customer, Configuration("pro", Cycle.ANNUAL, 1), "buy-3ds"
    )
    assert pending.status == "requires_action"
    assert _rows(session) == []  # nothing paid yet: nothing to confirm

    intent = session.get(BillingOperation, pending.operation_id).stripe_payment_intent_id
    await authenticate_payment_intent(stripe_settings, intent, True)
    done = await charging.complete_after_authentication(customer.id, pending.operation_id, gateway)
    again = await charging.complete_after_authentication(customer.id, pending.operation_id, gateway)

    assert done.status == again.status == "succeeded"
    [row] = _rows(session)
    assert (row.kind, params_of(row)["gross_cents"]) == ("purchase_confirmed", 30500)


async def test_declined_purchase_queues_nothing(session, gateway):
    customer = await _customer(session, gateway, DECLINING_CARD)
    _, result = await buy_trial(
        session, gateway, customer, Configuration("pro", Cycle.MONTHLY, 3), "buy-declined"
    )
    assert result.status == "failed"
    assert _rows(session) == []


# --- changes, cancellation, reactivation ---------------------------------------------------


async def _change(licence, target, gateway, key):
    return await changes.apply_change(
        customer_id=licence.customer_id,
        licence_id=licence.id,
        expected_version=licence.version,
        target=target,
        idempotency_key=key,
        gateway=gateway,
    )


async def test_added_seats_queue_change_confirmed_with_todays_charge_and_the_new_renewal(
    session, gateway
):
    customer = await _customer(session, gateway)
    licence = make_active_licence(session, customer.id, seats=2)

    result = await _change(licence, Configuration("pro", Cycle.MONTHLY, 5), gateway, "more")

    [row] = _rows(session)
    params = params_of(row)
    assert (row.kind, row.event_key) == (
        "change_confirmed",
        f"change_confirmed:{result.operation_id}",
    )
    assert (params["charged_gross_cents"], params["seats"]) == (3660, 5)
    assert (params["renewal_gross_cents"], params["next_renewal_on"]) == (15250, "2026-12-10")
    assert params["document_number"] == result.document_number
    text = _renders(row)
    assert "Addebitato oggi: 36,60 € IVA inclusa" in text
    assert "Importo del rinnovo: 152,50 € IVA inclusa" in text


async def test_fewer_seats_queue_scheduled_change_saved_not_a_charge_confirmation(session, gateway):
    customer = await _customer(session, gateway)
    licence = make_active_licence(session, customer.id, seats=5)

    await _change(licence, Configuration("pro", Cycle.MONTHLY, 2), gateway, "fewer")

    [row] = _rows(session)
    params = params_of(row)
    assert row.kind == "scheduled_change_saved"
    assert (params["renewal_on"], params["renewal_seats"], params["renewal_gross_cents"]) == (
        "2026-12-10",
        2,
        6100,
    )
    assert "si applicherà al rinnovo del 10/12/2026" in _renders(row)


async def test_declined_change_queues_nothing(session, gateway):
    customer = await _customer(session, gateway, DECLINING_CARD)
    licence = make_active_licence(session, customer.id, seats=2)
    result = await _change(licence, Configuration("pro", Cycle.MONTHLY, 5), gateway, "no")
    assert result.status == "failed"
    assert _rows(session) == []


async def test_cancel_then_reactivate_queue_one_email_each_with_end_and_retention_dates(
    session, gateway
):
    customer = await _customer(session, gateway)
    licence = make_active_licence(session, customer.id, seats=2)

    cancelled = changes.cancel_at_period_end(
        customer_id=customer.id,
        licence_id=licence.id,
        expected_version=licence.version,
        reason="",
        note="",
    )
    changes.reactivate(
        customer_id=customer.id, licence_id=licence.id, expected_version=cancelled.version
    )

    cancel_row, reactivated_row = _rows(session)
    assert (cancel_row.kind, reactivated_row.kind) == ("cancellation_confirmed", "reactivated")
    assert params_of(cancel_row)["end_on"] == "2026-12-10"
    assert params_of(cancel_row)["retention_until"] > "2026-12-10"
    assert "puoi riattivare la licenza" in _renders(cancel_row)
    assert params_of(reactivated_row)["renewal_gross_cents"] == 6100
    assert "Prossimo rinnovo: 10/12/2026" in _renders(reactivated_row)


# --- renewals and dunning ------------------------------------------------------------------


async def test_paid_renewal_queues_renewal_paid_with_its_document_once_however_often_the_job_runs(
    session, gateway
):
    customer = await _customer(session, gateway)
    licence = make_active_licence(
        session, customer.id, period_start=date(2026, 10, 28), period_end=TODAY
    )

    await renewals.renew_due(TODAY, gateway)
    await renewals.renew_due(TODAY, gateway)

    [row] = _rows(session)
    [document] = documents.documents_of(session, customer.id)
    params = params_of(row)
    assert (row.kind, params["document_id"], params["gross_cents"]) == (
        "renewal_paid",
        document.id,
        6100,
    )
    assert (params["period_start"], params["period_end"]) == ("2026-11-28", "2026-12-28")
    assert licence.id == params["licence_id"]
    assert "Periodo: 28/11/2026 – 28/12/2026" in _renders(row)


async def test_renewal_with_a_scheduled_change_also_says_the_change_is_in_force(
    session, gateway, monkeypatch
):
    customer = await _customer(session, gateway)
    licence = make_active_licence(
        session, customer.id, seats=5, period_start=date(2026, 10, 28), period_end=TODAY
    )
    monkeypatch.setenv("TS_STORE_TODAY", "2026-11-20")  # scheduled during the period
    await _change(licence, Configuration("pro", Cycle.MONTHLY, 2), gateway, "fewer")
    monkeypatch.setenv("TS_STORE_TODAY", TODAY.isoformat())

    await renewals.renew_due(TODAY, gateway)

    assert _kinds(session) == ["scheduled_change_saved", "renewal_paid", "scheduled_change_applied"]
    applied = _rows(session, "scheduled_change_applied")[0]
    assert (params_of(applied)["seats"], params_of(applied)["applied_on"]) == (2, "2026-11-28")
    assert "Da oggi: Pro · 2 utenti · mensile" in _renders(applied)


async def test_declined_renewal_then_retries_then_suspension_queue_one_email_per_event(
    session, gateway
):
    customer = await _customer(session, gateway, DECLINING_CARD)
    make_active_licence(session, customer.id, period_start=date(2026, 10, 28), period_end=TODAY)

    await renewals.renew_due(TODAY, gateway)
    await renewals.renew_due(TODAY, gateway)  # the same day again: nothing new
    [first] = _rows(session)
    params = params_of(first)
    assert (first.kind, first.recipient) == ("renewal_failed", INVOICE_EMAIL)
    assert (params["gross_cents"], params["card_last4"]) == (6100, "0341")
    assert (params["next_retry_on"], params["suspension_on"]) == ("2026-11-29", "2026-12-12")
    text = _renders(first)
    assert "Prossimo tentativo: 29/11/2026" in text
    assert "Sospensione se non pagato: 12/12/2026" in text
    assert "https://store.example.it/myarea/metodi-di-pagamento" in text

    for day in (date(2026, 11, 29), date(2026, 12, 1), date(2026, 12, 5)):
        await renewals.renew_due(day, gateway)
    failures = [params_of(row) for row in _rows(session, "renewal_failed")]
    assert [p["next_retry_on"] for p in failures] == [
        "2026-11-29",
        "2026-12-01",
        "2026-12-05",
        None,  # the last retry failed: no next attempt, only the suspension date
    ]
    assert "Prossimo tentativo" not in _renders(_rows(session, "renewal_failed")[-1])

    await renewals.renew_due(date(2026, 12, 12), gateway)
    await renewals.renew_due(date(2026, 12, 13), gateway)
    [suspended] = _rows(session, "licence_suspended")
    assert (params_of(suspended)["suspended_on"], params_of(suspended)["gross_cents"]) == (
        "2026-12-12",
        6100,
    )
    _renders(suspended)


async def test_card_replaced_on_a_past_due_licence_queues_card_replaced_and_payment_recovered(
    session, gateway, stripe_settings
):
    customer = await _customer(session, gateway, DECLINING_CARD)
    make_active_licence(session, customer.id, period_start=date(2026, 10, 28), period_end=TODAY)
    await renewals.renew_due(TODAY, gateway)

    setup = await cards.start_card_setup(customer.id, gateway)
    await confirm_setup_intent_with_card(stripe_settings, setup.id, "5555555555554444")
    await cards.replace_card(customer.id, setup.id, TODAY, gateway)

    assert _kinds(session) == ["renewal_failed", "card_replaced", "payment_recovered"]
    replaced, recovered = _rows(session)[1:]
    assert (params_of(replaced)["card_brand"], params_of(replaced)["card_last4"]) == (
        "mastercard",
        "4444",
    )
    assert "che termina con 4444" in _renders(replaced)
    assert (params_of(recovered)["gross_cents"], params_of(recovered)["next_renewal_on"]) == (
        6100,
        "2026-12-28",
    )
    assert "di nuovo attiva" in _renders(recovered)


async def test_first_card_saved_is_not_a_replacement(session, gateway, stripe_settings):
    customer = make_customer(session)
    setup = await cards.start_card_setup(customer.id, gateway)
    await confirm_setup_intent_with_card(stripe_settings, setup.id, "4242424242424242")
    await cards.save_card_from_setup(customer.id, setup.id, gateway)
    assert _rows(session) == []


async def test_expired_trial_queues_trial_ended_with_the_retention_date_once(session, gateway):
    customer = make_customer(session, email="prova@x.it")
    make_trial(session, customer.id, trial_ends_on=date(2026, 11, 27))

    await renewals.renew_due(TODAY, gateway)
    await renewals.renew_due(TODAY, gateway)

    [row] = _rows(session)
    params = params_of(row)
    assert (row.kind, row.recipient) == ("trial_ended", "prova@x.it")  # no billing data yet
    assert params["ended_on"] == "2026-11-27"
    assert params["retention_until"] > "2026-11-27"
    assert "è finita il 27/11/2026" in _renders(row)
