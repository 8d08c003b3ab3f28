"""Renewals over time: the quote of one renewal period and the dunning ladder
(docs/billing-policy.md).

Pure functions, so the renewal job, MyArea and the product team's laboratory agree on every
date and amount.

- A renewal charges one whole period of the renewal configuration, starting at the old
  `period_end` and ending at the next anchor day (clamped to the month's length: anchor 31 →
  28/29 Feb → 31 Mar), never at "the same day as period_end", which would drift for ever.
- When that charge fails, the licence is past due from the day of the first failure `F`:
  retries on F+1, F+3 and F+7; suspended on F+14 if still unpaid.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from ts_store.domain.catalog import Catalog
from ts_store.domain.periods import add_cycle
from ts_store.domain.quote import Charge, Configuration, LineKind, Quote, Renewal, quote

RETRY_AFTER_DAYS: tuple[int, ...] = (1, 3, 7)
SUSPEND_AFTER_DAYS = 14


def renewal_period(period_end: date, configuration: Configuration, anchor_day: int) -> date:
    """End of the period that a renewal on `period_end` starts (the anchor day is kept)."""
    return add_cycle(period_end, configuration.cycle, anchor_day)


def renewal_quote(
    catalog: Catalog, period_end: date, anchor_day: int, configuration: Configuration
) -> Quote:
    """The charge of a renewal: one whole period of `configuration` from `period_end`.

    Built on the purchase quote (same validation of plan and seats, same amount and VAT), its
    line typed `renewal`, with the period ending on the licence's anchor day instead of
    `period_end.day`.
    Raises QuoteError for a plan the catalogue no longer lists or seats outside its limits.
    """
    purchase = quote(catalog, period_end, None, configuration)
    next_end = renewal_period(period_end, configuration, anchor_day)
    days = (next_end - period_end).days
    lines = tuple(
        dataclasses.replace(line, kind=LineKind.RENEWAL, days=days, period_days=days)
        for line in purchase.charge_now.lines
    )
    charge = Charge(
        lines,
        purchase.charge_now.net_cents,
        purchase.charge_now.vat_cents,
        purchase.charge_now.gross_cents,
    )
    at_renewal = Renewal(
        next_end,
        configuration,
        purchase.at_renewal.net_cents,
        purchase.at_renewal.vat_cents,
        purchase.at_renewal.gross_cents,
    )
    return Quote(
        charge_now=charge, effective_now=configuration, at_renewal=at_renewal, scheduled=False
    )


def retry_dates(first_failure: date) -> tuple[date, ...]:
    """The days on which a failed renewal is charged again."""
    return tuple(first_failure + timedelta(days=days) for days in RETRY_AFTER_DAYS)


def next_retry_after(first_failure: date, failed_on: date) -> date | None:
    """The next scheduled retry after an attempt on `failed_on`, or None when none is left.

    Decided by dates, not by counting attempts, so a job that did not run for some days picks
    the ladder up where the calendar says it is.
    """
    return next((day for day in retry_dates(first_failure) if day > failed_on), None)


def suspension_date(first_failure: date) -> date:
    """The day a renewal still unpaid since `first_failure` suspends the licence."""
    return first_failure + timedelta(days=SUSPEND_AFTER_DAYS)
