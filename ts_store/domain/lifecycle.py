"""Licence lifecycle: the statuses a licence goes through and what each one allows.

Kept pure so the UI menu, the use cases and the renewal job agree on one rule set.
"""

from __future__ import annotations

import enum
from datetime import date, timedelta


class LicenceStatus(enum.StrEnum):
    TRIAL = "trial"
    TRIAL_EXPIRED = "trial_expired"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"


STATUS_LABELS: dict[LicenceStatus, str] = {
    LicenceStatus.TRIAL: "In prova",
    LicenceStatus.TRIAL_EXPIRED: "Prova scaduta",
    LicenceStatus.ACTIVE: "Attiva",
    LicenceStatus.PAST_DUE: "Pagamento non riuscito",
    LicenceStatus.SUSPENDED: "Sospesa",
    LicenceStatus.CANCELLED: "Terminata",
}

PAID_STATUSES = frozenset({LicenceStatus.ACTIVE, LicenceStatus.PAST_DUE})


def can_purchase(
    status: LicenceStatus, ended_on: date | None, today: date, retention_days: int
) -> bool:
    """'Acquista ora' is offered on a trial, or after the end while the data is still kept.

    A licence that is active, past due or suspended is never bought again: the last two are
    recovered by paying the open renewal (replacing the card retries it at once).
    """
    if status == LicenceStatus.TRIAL:
        return True
    if status in (LicenceStatus.TRIAL_EXPIRED, LicenceStatus.CANCELLED):
        return ended_on is not None and today <= retention_until(ended_on, retention_days)
    return False


def retention_until(ended_on: date, retention_days: int) -> date:
    """Last day on which the data of an ended trial or licence is still kept."""
    return ended_on + timedelta(days=retention_days)


def can_change(status: LicenceStatus, cancel_at_period_end: bool) -> bool:
    """Seat, plan and cycle changes need a live, paid licence with no pending cancellation."""
    return status == LicenceStatus.ACTIVE and not cancel_at_period_end


def trial_days_left(trial_ends_on: date, today: date) -> int:
    """Days of trial still to use, today included; 0 once the trial is over."""
    return max(0, (trial_ends_on - today).days)
