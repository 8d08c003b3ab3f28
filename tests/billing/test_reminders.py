"""The daily reminders on a real migrated SQLite file: due on the right days, queued once."""

from datetime import date

import pytest
import sqlalchemy as sa

from tests.fixtures.factories import make_active_licence, make_customer, make_trial
from ts_store.billing.reminders import card_expires_on, send_reminders, trial_notice_for
from ts_store.domain.periods import Cycle
from ts_store.store import payment_methods
from ts_store.store.models import OutboxMessage
from ts_store.store.outbox import params_of


def _messages(session, kind):
    rows = session.exec(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
    return [row for row in rows if row.kind == kind]


@pytest.mark.parametrize(
    ("days_left", "notice"), [(5, None), (4, None), (3, 3), (2, 3), (1, 1), (0, None)]
)
def test_trial_notice_days(days_left, notice):
    assert trial_notice_for(days_left) == notice


@pytest.mark.parametrize(
    ("month", "year", "last_day"),
    [(2, 2028, date(2028, 2, 29)), (2, 2027, date(2027, 2, 28)), (12, 2026, date(2026, 12, 31))],
)
def test_a_card_works_to_the_end_of_its_expiry_month(month, year, last_day):
    assert card_expires_on(month, year) == last_day


def test_trial_ending_is_told_3_days_before_and_the_day_before_once_each(session):
    customer = make_customer(session, email="t@x.it")
    make_trial(session, customer.id, trial_ends_on=date(2026, 12, 5))
    for day in (1, 2, 2, 3, 4, 4, 5):
        send_reminders(date(2026, 12, day))
    session.expire_all()
    rows = _messages(session, "trial_ending")
    assert [params_of(r)["days_left"] for r in rows] == [3, 1]
    assert {r.recipient for r in rows} == {"t@x.it"}


def test_annual_renewal_is_told_30_days_before_with_the_quoted_amount_and_the_card(session):
    customer = make_customer(session, email="a@x.it")
    payment_methods.replace_default_card(
        session,
        customer.id,
        stripe_payment_method_id="pm_1",
        brand="visa",
        last4="4242",
        exp_month=12,
        exp_year=2030,
    )
    session.commit()
    licence = make_active_licence(
        session,
        customer.id,
        cycle=Cycle.ANNUAL,
        seats=5,
        period_start=date(2026, 1, 10),
        period_end=date(2027, 1, 10),
    )
    send_reminders(date(2026, 12, 10))  # 31 days before: not yet
    assert _messages(session, "renewal_upcoming") == []
    send_reminders(date(2026, 12, 11))
    send_reminders(date(2026, 12, 20))
    session.expire_all()
    [row] = _messages(session, "renewal_upcoming")
    params = params_of(row)
    assert params["licence_id"] == licence.id
    assert (params["renewal_on"], params["renewal_gross_cents"]) == ("2027-01-10", 152500)
    assert (params["card_brand"], params["card_last4"]) == ("visa", "4242")


def test_monthly_and_cancelled_licences_get_no_renewal_notice(session):
    customer = make_customer(session)
    make_active_licence(session, customer.id, period_end=date(2026, 12, 10))
    cancelled = make_active_licence(
        session, customer.id, cycle=Cycle.ANNUAL, period_start=date(2026, 1, 1)
    )
    cancelled.cancel_at_period_end = True
    session.add(cancelled)
    session.commit()
    send_reminders(date(2026, 12, 5))
    assert _messages(session, "renewal_upcoming") == []


def test_card_expiring_is_told_30_days_before_the_end_of_its_month_once(session):
    customer = make_customer(session, email="c@x.it")
    payment_methods.replace_default_card(
        session,
        customer.id,
        stripe_payment_method_id="pm_2",
        brand="mastercard",
        last4="4444",
        exp_month=12,
        exp_year=2026,
    )
    session.commit()
    send_reminders(date(2026, 11, 30))  # 31 days before 31/12
    assert _messages(session, "card_expiring") == []
    for day in (1, 15, 31):
        send_reminders(date(2026, 12, day))
    send_reminders(date(2027, 1, 1))  # expired: nothing more
    session.expire_all()
    [row] = _messages(session, "card_expiring")
    assert params_of(row)["exp_month"] == 12 and row.recipient == "c@x.it"
