"""The daily reminders: trial ending (3 days before and the day before), annual renewal in 30
days, card expiring (30 days before the end of its expiry month).

Safe to run as often as wanted: each reminder has a key of its own (licence + date, card +
month), so it is queued once however often the pass runs, and a pass that was missed for a
few days still sends what is due (never after the date it announces). Runs with the renewal
job (the app's background task and `python -m ts_store.billing renew`). Amounts come from the
domain quote, as on MyArea.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from ts_store.billing.catalog import current_catalog
from ts_store.billing.notifications import notify_billing
from ts_store.billing.overview import renewal_catalog, renewal_charge, renewal_configuration
from ts_store.domain.notifications import MessageKind
from ts_store.domain.quote import QuoteError
from ts_store.store import payment_methods, reminder_queries
from ts_store.store.db import session_scope

TRIAL_NOTICES = (3, 1)  # days before the trial's end: "tra 3 giorni", "domani"
RENEWAL_NOTICE_DAYS = 30
CARD_NOTICE_DAYS = 30


@dataclass
class ReminderReport:
    trial_ending: int = 0
    renewal_upcoming: int = 0
    card_expiring: int = 0

    def summary(self) -> str:
        return (
            f"promemoria: {self.trial_ending} fine prova, {self.renewal_upcoming} rinnovi "
            f"annuali, {self.card_expiring} carte in scadenza"
        )


def card_expires_on(exp_month: int, exp_year: int) -> date:
    """A card works until the last day of its expiry month."""
    return date(exp_year, exp_month, calendar.monthrange(exp_year, exp_month)[1])


def trial_notice_for(days_left: int) -> int | None:
    """Which notice is due with `days_left` days to the trial's end (3 also covers a missed
    day: 2 days left still gets "tra 2 giorni" if the 3-day one was never queued)."""
    if days_left == 1:
        return 1
    if 1 < days_left <= TRIAL_NOTICES[0]:
        return TRIAL_NOTICES[0]
    return None


def send_reminders(today: date) -> ReminderReport:
    """Queue every reminder due on `today` (idempotent)."""
    report = ReminderReport()
    catalog = current_catalog()
    with session_scope() as session:
        for licence in reminder_queries.trials_ending_within(session, today, TRIAL_NOTICES[0]):
            days_left = (licence.trial_ends_on - today).days
            notice = trial_notice_for(days_left)
            if notice is None:
                continue
            notify_billing(
                session,
                licence.customer_id,
                MessageKind.TRIAL_ENDING,
                f"trial_ending:{licence.id}:{licence.trial_ends_on}:{notice}",
                {
                    "licence_id": licence.id,
                    "trial_ends_on": licence.trial_ends_on.isoformat(),
                    "days_left": days_left,
                },
            )
            report.trial_ending += 1
        for licence in reminder_queries.annual_renewals_within(session, today, RENEWAL_NOTICE_DAYS):
            target = renewal_configuration(licence)
            # The version pricing that renewal (a price-change notice may move it).
            priced = renewal_catalog(licence, catalog)
            try:
                charge = renewal_charge(licence, priced)  # what the renewal job will charge
            except QuoteError:
                charge = None
            if target is None or charge is None:
                continue
            gross = charge.charge_now.gross_cents
            card = payment_methods.default_card(session, licence.customer_id)
            notify_billing(
                session,
                licence.customer_id,
                MessageKind.RENEWAL_UPCOMING,
                f"renewal_upcoming:{licence.id}:{licence.period_end}",
                {
                    "licence_id": licence.id,
                    "renewal_on": licence.period_end.isoformat(),
                    "plan_name": priced.plan(target.plan).name,
                    "cycle": str(target.cycle),
                    "seats": target.seats,
                    "renewal_gross_cents": gross,
                    "card_brand": card.brand if card else "",
                    "card_last4": card.last4 if card else "",
                },
            )
            report.renewal_upcoming += 1
        for card in reminder_queries.default_cards(session):
            expires_on = card_expires_on(card.exp_month, card.exp_year)
            if not expires_on - timedelta(days=CARD_NOTICE_DAYS) <= today <= expires_on:
                continue
            notify_billing(
                session,
                card.customer_id,
                MessageKind.CARD_EXPIRING,
                f"card_expiring:{card.stripe_payment_method_id}:{card.exp_year}-{card.exp_month:02d}",
                {
                    "card_brand": card.brand,
                    "card_last4": card.last4,
                    "exp_month": card.exp_month,
                    "exp_year": card.exp_year,
                },
            )
            report.card_expiring += 1
    return report
