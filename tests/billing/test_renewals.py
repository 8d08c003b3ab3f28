"""Renewals over time against localstripe and a real SQLite file.

Each test starts from a licence built with the factories, runs the renewal job on chosen days
and checks the licence, the operations, the billing documents, the audit log and the
PaymentIntents that localstripe actually holds for the customer.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from tests.fixtures.factories import (
    give_card,
    make_active_licence,
    make_customer,
    make_trial,
    save_billing_profile,
)
from tests.fixtures.localstripe import payment_intents_of
from ts_store.billing import renewal_task, renewals
from ts_store.billing.overview import overview
from ts_store.domain.catalog import load_catalog
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration, QuoteError
from ts_store.domain.renewal import (
    next_retry_after,
    renewal_quote,
    retry_dates,
    suspension_date,
)
from ts_store.store import audit, customers, documents, licences, payment_methods
from ts_store.store.models import AuditEntry, BillingOperation
from ts_store.ui.messages import text
from ts_store.ui.pages.myarea import describe_notes, licence_actions

ROOT = Path(__file__).resolve().parents[2]
CATALOG = load_catalog()
PRO_2_MONTHLY_GROSS = 6100  # 2 * 25,00 € + 22 % IVA
PRO_2_ANNUAL_GROSS = 61000  # 2 * 250,00 € + 22 % IVA
OK_CARD = "4242424242424242"
FAILING_CARD = "4000000000000341"  # attaches, then every charge is declined
THREE_D_SECURE_CARD = "4000002760003184"


def _reload(session, licence):
    session.expire_all()
    return licences.get_licence(session, licence.id)


def _renewal_operations(session, licence_id: int) -> list[BillingOperation]:
    return list(
        session.exec(
            select(BillingOperation)
            .where(BillingOperation.licence_id == licence_id)
            .where(BillingOperation.kind == "renewal")
            .order_by(BillingOperation.id)
        )
    )


async def _paying_customer(session, gateway, card: str = OK_CARD):
    customer = make_customer(session)
    save_billing_profile(session, customer.id)
    await give_card(session, gateway, customer, card)
    return customer


# --- pure: the renewal quote and the ladder -------------------------------------------------


def test_renewal_quote_ends_on_the_anchor_day_not_on_the_clamped_day():
    config = Configuration("pro", Cycle.MONTHLY, 2)
    renewal = renewal_quote(CATALOG, date(2027, 2, 28), 31, config)
    [line] = renewal.charge_now.lines
    assert renewal.at_renewal.date == date(2027, 3, 31)
    assert (line.kind, line.quantity, line.unit_cents) == ("renewal", 2, 2500)
    assert (line.days, line.period_days, line.amount_cents) == (31, 31, 5000)
    assert (renewal.charge_now.net_cents, renewal.charge_now.gross_cents) == (5000, 6100)


def test_renewal_quote_refuses_a_plan_removed_from_the_catalogue():
    with pytest.raises(QuoteError) as error:
        renewal_quote(CATALOG, date(2027, 1, 10), 10, Configuration("gold", Cycle.MONTHLY, 2))
    assert error.value.message.startswith("Piano:")


def test_dunning_ladder_dates_from_the_first_failure():
    first = date(2026, 12, 10)
    assert retry_dates(first) == (date(2026, 12, 11), date(2026, 12, 13), date(2026, 12, 17))
    assert next_retry_after(first, first) == date(2026, 12, 11)
    assert next_retry_after(first, date(2026, 12, 12)) == date(2026, 12, 13)
    assert next_retry_after(first, date(2026, 12, 17)) is None
    assert suspension_date(first) == date(2026, 12, 24)


# --- renewals ----------------------------------------------------------------------------


@pytest.mark.stripe
async def test_31_jan_anchor_renews_monthly_over_14_months_through_leap_february(
    session, gateway, stripe_settings
):
    customer = await _paying_customer(session, gateway)
    licence = make_active_licence(
        session, customer.id, period_start=date(2028, 1, 31), anchor_day=31
    )
    assert licence.period_end == date(2028, 2, 29)

    ends = []
    for _ in range(14):
        due_on = _reload(session, licence).period_end
        report = await renewals.renew_due(due_on, gateway)
        assert report.count("renewed") == 1, report.lines()
        ends.append(_reload(session, licence).period_end)

    assert ends == [
        date(2028, 3, 31),
        date(2028, 4, 30),
        date(2028, 5, 31),
        date(2028, 6, 30),
        date(2028, 7, 31),
        date(2028, 8, 31),
        date(2028, 9, 30),
        date(2028, 10, 31),
        date(2028, 11, 30),
        date(2028, 12, 31),
        date(2029, 1, 31),
        date(2029, 2, 28),
        date(2029, 3, 31),
        date(2029, 4, 30),
    ]
    issued = sorted(documents.documents_of(session, customer.id), key=lambda d: d.issued_on)
    assert [d.gross_cents for d in issued] == [PRO_2_MONTHLY_GROSS] * 14
    assert issued[0].issued_on == date(2028, 2, 29)
    first_line = json.loads(issued[0].lines_json)[0]
    assert (first_line["days"], first_line["period_days"]) == (31, 31)  # 29/02 -> 31/03
    assert "dal 29/02/2028 al 30/03/2028" in first_line["description"]
    assert len(payment_intents_of(stripe_settings, customer.stripe_customer_id)) == 14


@pytest.mark.stripe
async def test_annual_renewal_from_29_feb_goes_to_28_feb_and_back_to_29_in_a_leap_year(
    session, gateway
):
    customer = await _paying_customer(session, gateway)
    licence = make_active_licence(
        session, customer.id, cycle=Cycle.ANNUAL, period_start=date(2028, 2, 29)
    )
    assert licence.period_end == date(2029, 2, 28)

    report = await renewals.renew_due(date(2032, 3, 1), gateway)  # catch-up: 4 years missed

    assert [e.period_end for e in report.events if e.action == "renewed"] == [
        date(2029, 2, 28),
        date(2030, 2, 28),
        date(2031, 2, 28),
        date(2032, 2, 29),
    ]
    licence = _reload(session, licence)
    assert (licence.period_start, licence.period_end) == (date(2032, 2, 29), date(2033, 2, 28))
    assert licence.anchor_day == 29
    keys = [op.idempotency_key for op in _renewal_operations(session, licence.id)]
    assert keys == [
        f"renewal:{licence.id}:2029-02-28",
        f"renewal:{licence.id}:2030-02-28",
        f"renewal:{licence.id}:2031-02-28",
        f"renewal:{licence.id}:2032-02-29",
    ]
    assert all(
        d.gross_cents == PRO_2_ANNUAL_GROSS for d in documents.documents_of(session, customer.id)
    )


@pytest.mark.stripe
async def test_catch_up_of_missed_months_charges_each_period_once_with_its_own_key(
    session, gateway, stripe_settings
):
    customer = await _paying_customer(session, gateway)
    licence = make_active_licence(session, customer.id, period_start=date(2026, 11, 10))

    report = await renewals.renew_due(date(2027, 3, 9), gateway)

    assert [e.period_end for e in report.events] == [
        date(2026, 12, 10),
        date(2027, 1, 10),
        date(2027, 2, 10),
    ]
    licence = _reload(session, licence)
    assert licence.period_end == date(2027, 3, 10) and licence.status == "active"
    numbers = [d.number for d in documents.documents_of(session, customer.id)]
    assert len(numbers) == len(set(numbers)) == 3
    assert len(payment_intents_of(stripe_settings, customer.stripe_customer_id)) == 3


@pytest.mark.stripe
async def test_rerun_of_the_same_day_charges_nothing_new(session, gateway, stripe_settings):
    customer = await _paying_customer(session, gateway)
    licence = make_active_licence(session, customer.id)  # period 10/11/2026 - 10/12/2026
    renewal_day = date(2026, 12, 10)

    first = await renewals.renew_due(renewal_day, gateway)
    second = await renewals.renew_due(renewal_day, gateway)
    third = await renewals.renew_due(date(2026, 12, 11), gateway)

    assert first.count("renewed") == 1 and first.document_numbers
    assert second.events == [] and third.events == []
    assert len(payment_intents_of(stripe_settings, customer.stripe_customer_id)) == 1
    assert len(documents.documents_of(session, customer.id)) == 1
    [operation] = _renewal_operations(session, licence.id)
    assert operation.idempotency_key == f"renewal:{licence.id}:2026-12-10"
    assert operation.status == "succeeded" and operation.amount_cents == PRO_2_MONTHLY_GROSS


@pytest.mark.stripe
async def test_renewal_on_day_before_period_end_does_nothing(session, gateway, stripe_settings):
    customer = await _paying_customer(session, gateway)
    licence = make_active_licence(session, customer.id)

    report = await renewals.renew_due(date(2026, 12, 9), gateway)

    assert report.events == []
    assert _reload(session, licence).period_end == date(2026, 12, 10)
    assert payment_intents_of(stripe_settings, customer.stripe_customer_id) == []


@pytest.mark.stripe
async def test_scheduled_change_becomes_current_at_renewal_and_is_charged_at_its_price(
    session, gateway
):
    customer = await _paying_customer(session, gateway)
    licence = make_active_licence(session, customer.id, seats=5)
    licences.update_licence(
        session,
        licence,
        licence.version,
        renewal_plan="business",
        renewal_cycle="annual",
        renewal_seats=3,
    )
    session.commit()

    report = await renewals.renew_due(date(2026, 12, 10), gateway)

    assert report.count("renewed") == 1
    licence = _reload(session, licence)
    assert (licence.plan, licence.cycle, licence.seats) == ("business", "annual", 3)
    assert (licence.period_start, licence.period_end) == (date(2026, 12, 10), date(2027, 12, 10))
    [document] = documents.documents_of(session, customer.id)
    assert (document.net_cents, document.vat_cents, document.gross_cents) == (
        120000,
        26400,
        146400,
    )
    assert json.loads(document.billing_json)["vat_number"] == "12345670157"


@pytest.mark.stripe
async def test_pending_cancellation_ends_the_licence_at_period_end_without_charge(
    session, gateway, stripe_settings
):
    customer = await _paying_customer(session, gateway)
    licence = make_active_licence(session, customer.id)
    licences.update_licence(session, licence, licence.version, cancel_at_period_end=True)
    session.commit()

    report = await renewals.renew_due(date(2026, 12, 15), gateway)

    assert [e.action for e in report.events] == ["ended"]
    licence = _reload(session, licence)
    assert (licence.status, licence.ended_on) == ("cancelled", date(2026, 12, 10))
    assert payment_intents_of(stripe_settings, customer.stripe_customer_id) == []
    assert documents.documents_of(session, customer.id) == []
    assert [e.action for e in audit.entries_for_licence(session, licence.id)] == ["licence_ended"]


# --- dunning --------------------------------------------------------------------------------


@pytest.mark.stripe
async def test_dunning_ladder_with_card_0341_retries_on_1_3_7_days_and_suspends_on_14(
    session, gateway, stripe_settings
):
    customer = await _paying_customer(session, gateway, FAILING_CARD)
    licence = make_active_licence(session, customer.id)  # renews on 10/12/2026

    async def run(day: date):
        await renewals.renew_due(day, gateway)
        return _reload(session, licence)

    state = await run(date(2026, 12, 10))
    assert (state.status, state.past_due_since, state.next_retry_on) == (
        "past_due",
        date(2026, 12, 10),
        date(2026, 12, 11),
    )
    view = overview(state, date(2026, 12, 10), CATALOG)
    notes = " ".join(describe_notes(view))
    assert "61,00\u00a0€ (IVA inclusa)" in notes
    assert "Nuovo tentativo di addebito il 11/12/2026" in notes
    assert "sospesa il 24/12/2026" in notes
    primary, _ = licence_actions(view)
    assert primary is not None and primary.href == "/myarea/metodi-di-pagamento"

    assert (await run(date(2026, 12, 10))).next_retry_on == date(2026, 12, 11)  # rerun: no try
    assert (await run(date(2026, 12, 11))).next_retry_on == date(2026, 12, 13)
    assert (await run(date(2026, 12, 12))).next_retry_on == date(2026, 12, 13)  # no rung today
    assert (await run(date(2026, 12, 13))).next_retry_on == date(2026, 12, 17)
    state = await run(date(2026, 12, 17))
    assert (state.status, state.next_retry_on) == ("past_due", None)
    assert (await run(date(2026, 12, 23))).status == "past_due"
    state = await run(date(2026, 12, 24))
    assert (state.status, state.suspended_on, state.ended_on) == (
        "suspended",
        date(2026, 12, 24),
        date(2026, 12, 24),
    )
    assert state.period_end == date(2026, 12, 10)  # the unpaid period is still the open one

    keys = [op.idempotency_key for op in _renewal_operations(session, licence.id)]
    base = f"renewal:{licence.id}:2026-12-10"
    assert keys == [base, f"{base}:retry1", f"{base}:retry2", f"{base}:retry3"]
    attempts = payment_intents_of(stripe_settings, customer.stripe_customer_id)
    assert len(attempts) == 4
    assert all(pi["status"] != "succeeded" for pi in attempts)
    assert documents.documents_of(session, customer.id) == []
    notes = " ".join(describe_notes(overview(state, date(2026, 12, 24), CATALOG)))
    assert "Licenza sospesa dal 24/12/2026" in notes and "61,00\u00a0€" in notes
    assert "Per riattivarla sostituisci la carta" in notes


@pytest.mark.stripe
async def test_late_job_retries_by_the_calendar_not_by_the_count(session, gateway):
    customer = await _paying_customer(session, gateway, FAILING_CARD)
    licence = make_active_licence(session, customer.id)
    await renewals.renew_due(date(2026, 12, 10), gateway)

    await renewals.renew_due(date(2026, 12, 16), gateway)  # job down on 11 and 13

    state = _reload(session, licence)
    assert state.next_retry_on == date(2026, 12, 17)
    assert len(_renewal_operations(session, licence.id)) == 2
    await renewals.renew_due(date(2027, 1, 5), gateway)  # down until after the suspension day
    state = _reload(session, licence)
    assert (state.status, state.suspended_on) == ("suspended", date(2026, 12, 24))
    assert len(_renewal_operations(session, licence.id)) == 2


@pytest.mark.stripe
async def test_card_replacement_recovers_a_past_due_licence_at_once(
    session, gateway, stripe_settings
):
    customer = await _paying_customer(session, gateway, FAILING_CARD)
    licence = make_active_licence(session, customer.id)
    await renewals.renew_due(date(2026, 12, 10), gateway)
    assert _reload(session, licence).status == "past_due"

    await give_card(session, gateway, customer, OK_CARD)  # what the card page does
    [result] = await renewals.retry_past_due(customer.id, date(2026, 12, 12), gateway)

    assert result.status == "succeeded" and result.document_number
    state = _reload(session, licence)
    assert state.status == "active"
    assert (state.period_start, state.period_end) == (date(2026, 12, 10), date(2027, 1, 10))
    assert (state.past_due_since, state.next_retry_on, state.suspended_on) == (None, None, None)
    [document] = documents.documents_of(session, customer.id)
    assert document.gross_cents == PRO_2_MONTHLY_GROSS and document.issued_on == date(2026, 12, 12)

    assert await renewals.retry_past_due(customer.id, date(2026, 12, 12), gateway) == []
    assert (await renewals.renew_due(date(2026, 12, 13), gateway)).events == []
    intents = payment_intents_of(stripe_settings, customer.stripe_customer_id)
    assert sorted(pi["status"] for pi in intents).count("succeeded") == 1
    assert len(intents) == 2  # the declined first attempt and the recovery


@pytest.mark.stripe
async def test_card_replacement_reactivates_a_suspended_licence_and_catches_up(session, gateway):
    customer = await _paying_customer(session, gateway, FAILING_CARD)
    licence = make_active_licence(session, customer.id)
    for day in (10, 11, 13, 17, 24):
        await renewals.renew_due(date(2026, 12, day), gateway)
    assert _reload(session, licence).status == "suspended"

    await give_card(session, gateway, customer, OK_CARD)
    results = await renewals.retry_past_due(customer.id, date(2027, 1, 12), gateway)

    assert [r.status for r in results] == ["succeeded"]
    state = _reload(session, licence)
    assert (state.status, state.ended_on, state.suspended_on) == ("active", None, None)
    assert state.period_end == date(2027, 2, 10)  # the open period, then the one due 10/01
    assert len(documents.documents_of(session, customer.id)) == 2


@pytest.mark.stripe
async def test_failed_retry_after_card_replacement_keeps_the_ladder(session, gateway):
    customer = await _paying_customer(session, gateway, FAILING_CARD)
    licence = make_active_licence(session, customer.id)
    await renewals.renew_due(date(2026, 12, 10), gateway)

    await give_card(session, gateway, customer, FAILING_CARD)  # another bad card
    [result] = await renewals.retry_past_due(customer.id, date(2026, 12, 10), gateway)

    assert result.status == "failed"
    state = _reload(session, licence)
    assert (state.status, state.past_due_since, state.next_retry_on) == (
        "past_due",
        date(2026, 12, 10),
        date(2026, 12, 11),
    )


@pytest.mark.stripe
async def test_renewal_without_a_saved_card_goes_past_due_without_calling_stripe(session, gateway):
    customer = make_customer(session)
    licence = make_active_licence(session, customer.id)

    report = await renewals.renew_due(date(2026, 12, 10), gateway)

    [event] = report.events
    assert (event.action, event.code) == ("past_due", "no_card")
    assert "Metodi di pagamento" in text(event.code, **event.params)
    assert _reload(session, licence).status == "past_due"


@pytest.mark.stripe
async def test_off_session_3d_secure_renewal_counts_as_a_failed_attempt(session, gateway):
    customer = await _paying_customer(session, gateway, THREE_D_SECURE_CARD)
    licence = make_active_licence(session, customer.id)

    report = await renewals.renew_due(date(2026, 12, 10), gateway)

    [event] = report.events
    assert (event.action, event.code) == ("past_due", "renewal_authentication_needed")
    assert "3-D Secure" in text(event.code, **event.params)
    state = _reload(session, licence)
    assert (state.status, state.next_retry_on) == ("past_due", date(2026, 12, 11))
    await give_card(session, gateway, customer, OK_CARD)
    await renewals.renew_due(date(2026, 12, 11), gateway)
    assert _reload(session, licence).status == "active"


# --- trials and retention -------------------------------------------------------------------


@pytest.mark.stripe
async def test_trial_expires_on_its_end_day_then_data_is_removed_after_60_days(session, gateway):
    customer = make_customer(session)
    save_billing_profile(session, customer.id)
    trial = make_trial(session, customer.id, trial_ends_on=date(2026, 12, 13))

    assert (await renewals.renew_due(date(2026, 12, 12), gateway)).events == []
    report = await renewals.renew_due(date(2026, 12, 13), gateway)
    assert [e.action for e in report.events] == ["trial_expired"]
    state = _reload(session, trial)
    assert (state.status, state.ended_on) == ("trial_expired", date(2026, 12, 13))
    assert overview(state, date(2026, 12, 20), CATALOG).status_label == "Prova scaduta"

    assert (await renewals.renew_due(date(2027, 2, 11), gateway)).events == []  # last kept day
    report = await renewals.renew_due(date(2027, 2, 12), gateway)

    assert [e.action for e in report.events] == ["data_removed"]
    state = _reload(session, trial)
    assert state.data_removed_on == date(2027, 2, 12)
    assert customers.billing_profile(session, customer.id) is None
    actions = [e.action for e in audit.entries_for_licence(session, trial.id)]
    assert actions == ["licence_trial_expired", "licence_data_removed"]
    assert (await renewals.renew_due(date(2027, 3, 1), gateway)).events == []


@pytest.mark.stripe
async def test_retention_of_a_cancelled_licence_keeps_documents_and_audit_and_detaches_cards(
    session, gateway, stripe_settings
):
    customer = await _paying_customer(session, gateway)
    licence = make_active_licence(session, customer.id)
    await renewals.renew_due(date(2026, 12, 10), gateway)  # one paid renewal: a document
    licence = _reload(session, licence)
    licences.update_licence(
        session, licence, licence.version, cancel_at_period_end=True, cancel_note="costi"
    )
    session.commit()
    await renewals.renew_due(date(2027, 1, 10), gateway)  # ends
    assert _reload(session, licence).status == "cancelled"

    report = await renewals.renew_due(date(2027, 3, 12), gateway)  # 10/01 + 60 = 11/03 kept

    assert [e.action for e in report.events] == ["data_removed"]
    state = _reload(session, licence)
    assert (state.plan, state.seats, state.renewal_plan, state.cancel_note) == (
        None,
        None,
        None,
        None,
    )
    assert state.status == "cancelled" and state.ended_on == date(2027, 1, 10)
    assert customers.billing_profile(session, customer.id) is None
    assert payment_methods.cards_of(session, customer.id) == []
    assert await gateway.list_cards(customer.stripe_customer_id) == []
    [document] = documents.documents_of(session, customer.id)
    assert json.loads(document.billing_json)["company_name"] == "Bianchi Consulting S.r.l."
    removed = session.exec(
        select(AuditEntry)
        .where(AuditEntry.action == "licence_data_removed")
        .where(AuditEntry.licence_id == licence.id)
    ).one()
    assert json.loads(removed.after_json)["cards_removed"] == 1
    assert len(audit.entries_for_licence(session, licence.id)) >= 3


@pytest.mark.stripe
async def test_retention_keeps_billing_data_while_another_licence_is_live(session, gateway):
    customer = make_customer(session)
    save_billing_profile(session, customer.id)
    make_trial(
        session,
        customer.id,
        trial_ends_on=date(2026, 1, 1),
        status="trial_expired",
        ended_on=date(2026, 1, 1),
    )
    make_active_licence(session, customer.id, period_start=date(2026, 11, 10))

    report = await renewals.renew_due(date(2026, 11, 28), gateway)

    assert [e.action for e in report.events] == ["data_removed"]
    assert customers.billing_profile(session, customer.id) is not None


# --- the laboratory's walk through time -------------------------------------------------------


@pytest.mark.stripe
async def test_lab_walk_dates_each_document_on_its_renewal_day_and_plays_the_ladder(
    session, gateway
):
    good = await _paying_customer(session, gateway)
    bad = await _paying_customer(session, gateway, FAILING_CARD)
    paid = make_active_licence(session, good.id)
    unpaid = make_active_licence(session, bad.id)

    report = await renewals.renew_through(date(2026, 11, 28), date(2027, 1, 31), gateway)

    issued = documents.documents_of(session, good.id)
    assert sorted(d.issued_on for d in issued) == [date(2026, 12, 10), date(2027, 1, 10)]
    assert _reload(session, paid).period_end == date(2027, 2, 10)
    state = _reload(session, unpaid)
    assert (state.status, state.suspended_on) == ("suspended", date(2026, 12, 24))
    assert [e.on for e in report.events if e.licence_id == unpaid.id] == [
        date(2026, 12, 10),
        date(2026, 12, 11),
        date(2026, 12, 13),
        date(2026, 12, 17),
        date(2026, 12, 24),
    ]
    rows = {item.view.id: item for item in renewals.schedule(date(2027, 1, 31))}
    assert rows[paid.id].view.renewal.on == date(2027, 2, 10)
    assert rows[paid.id].view.renewal.gross_cents == PRO_2_MONTHLY_GROSS
    assert rows[unpaid.id].view.open_amount_gross_cents == PRO_2_MONTHLY_GROSS


# --- how it runs: the command and the background task ----------------------------------------


def _command_env(db_url: str, stripe_settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TS_STORE_DB_URL=db_url,
        TS_STORE_STRIPE_SECRET_KEY=stripe_settings.secret_key,
        TS_STORE_STRIPE_PUBLISHABLE_KEY=stripe_settings.publishable_key,
        TS_STORE_STRIPE_API_BASE=stripe_settings.api_base or "",
        TS_STORE_STRIPE_JS_URL=stripe_settings.js_url,
        TS_STORE_STRIPE_WEBHOOK_SECRET=stripe_settings.webhook_secret,
    )
    return env


@pytest.mark.stripe
async def test_renew_command_prints_a_report_and_exits_0(session, gateway, db_url, stripe_settings):
    customer = await _paying_customer(session, gateway)
    licence = make_active_licence(session, customer.id)
    command = [sys.executable, "-m", "ts_store.billing", "renew", "--today", "2026-12-10"]
    env = _command_env(db_url, stripe_settings)

    first = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    again = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)

    assert first.returncode == 0, first.stderr
    assert "Rinnovi al 10/12/2026" in first.stdout and "rinnovata: 1" in first.stdout
    assert f"licenza n. {licence.id} · Rinnovata" in first.stdout
    assert again.returncode == 0 and "nulla da fare" in again.stdout
    assert len(payment_intents_of(stripe_settings, customer.stripe_customer_id)) == 1


def test_renew_command_refuses_a_bad_date_with_exit_2(db_url):
    result = subprocess.run(
        [sys.executable, "-m", "ts_store.billing", "renew", "--today", "31/12/2026"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "data non valida" in result.stderr


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, 3600.0),
        ("", 3600.0),
        ("60", 60.0),
        ("0", 0.0),
        ("-5", 0.0),
        ("ogni ora", 3600.0),
        ("nan", 3600.0),
    ],
    ids=["unset", "empty", "sixty", "zero_disables", "negative_disables", "not_a_number", "nan"],
)
def test_renewal_interval_from_environment(raw, expected):
    environ = {} if raw is None else {renewal_task.INTERVAL_ENV: raw}
    assert renewal_task.interval_seconds(environ) == expected


async def test_background_task_disabled_with_interval_0_returns_at_once():
    await asyncio.wait_for(renewal_task.periodic_renewals(0), timeout=5)


@pytest.mark.stripe
async def test_background_task_renews_on_start_and_keeps_running(session, gateway, monkeypatch):
    monkeypatch.setenv("TS_STORE_TODAY", "2026-12-10")
    customer = await _paying_customer(session, gateway)
    licence = make_active_licence(session, customer.id)

    task = asyncio.create_task(renewal_task.periodic_renewals(0.05, gateway))
    try:
        for _ in range(400):
            if documents.documents_of(session, customer.id):
                break
            await asyncio.sleep(0.05)
            session.expire_all()
        assert not task.done()
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert _reload(session, licence).period_end == date(2027, 1, 10)
    assert len(documents.documents_of(session, customer.id)) == 1


def test_the_app_registers_the_renewal_and_reconciliation_tasks():
    probe = (
        "import ts_store.ts_store as m\n"
        "from ts_store.billing.renewal_task import periodic_reconciliation, periodic_renewals\n"
        "tasks = m.app.get_lifespan_tasks()\n"
        "print(periodic_renewals in tasks and periodic_reconciliation in tasks)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("True")
