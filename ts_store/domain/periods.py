"""Billing periods: the calendar arithmetic of docs/billing-policy.md, written down once.

A period is the half-open range [start, end). Monthly periods keep the licence's anchor day,
clamped to the month's length, so a licence bought on 31 January renews on 28/29 February and
then again on 31 March instead of drifting to the 28th for ever.
"""

from __future__ import annotations

import calendar
import enum
from datetime import date


class Cycle(enum.StrEnum):
    MONTHLY = "monthly"
    ANNUAL = "annual"


CYCLE_LABELS: dict[Cycle, str] = {Cycle.MONTHLY: "Mensile", Cycle.ANNUAL: "Annuale"}


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_cycle(start: date, cycle: Cycle, anchor_day: int) -> date:
    """The end of the period that starts on `start` (= the next period's start).

    Monthly: `anchor_day` of the next month, clamped to its length.
    Annual: the same month next year, `anchor_day` clamped (29 Feb -> 28 Feb, and back to
    29 Feb in the next leap year when the anchor is 29).
    Raises ValueError for an unknown cycle, an anchor outside 1..31 or a year past 9999.
    """
    if not 1 <= anchor_day <= 31:
        raise ValueError(f"anchor_day must be in 1..31, got {anchor_day}")
    if cycle == Cycle.MONTHLY:
        year, month = start.year + start.month // 12, start.month % 12 + 1
    elif cycle == Cycle.ANNUAL:
        year, month = start.year + 1, start.month
    else:
        raise ValueError(f"unknown billing cycle {cycle!r}")
    return date(year, month, min(anchor_day, days_in_month(year, month)))


def rateo(today: date, period_start: date, period_end: date) -> tuple[int, int]:
    """(r, d): days left in the period counting today, and the period's length.

    A whole-period amount costs amount * r / d on `today`; the first day gives r == d.
    Raises ValueError when the period is empty or `today` is outside [start, end).
    """
    if period_end <= period_start:
        raise ValueError(f"period end {period_end} is not after its start {period_start}")
    if not period_start <= today < period_end:
        raise ValueError(f"{today} is outside the period [{period_start}, {period_end})")
    return (period_end - today).days, (period_end - period_start).days
