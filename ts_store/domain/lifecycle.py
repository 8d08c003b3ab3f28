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
    LicenceStatus.PAST_DUE: "Insoluta",  # a renewal not paid yet (docs/glossary.md)
    LicenceStatus.SUSPENDED: "Sospesa",
    LicenceStatus.CANCELLED: "Terminata",
}

CANCELLING_LABEL = "In disdetta"

PAID_STATUSES = frozenset({LicenceStatus.ACTIVE, LicenceStatus.PAST_DUE})
# Ended licences: their data is kept for the retention days, then removed.
ENDED_STATUSES = frozenset(
    {LicenceStatus.TRIAL_EXPIRED, LicenceStatus.CANCELLED, LicenceStatus.SUSPENDED}
)

L = LicenceStatus
# Every legal status change of a licence (the store checks each write against it). Writing the
# status a licence already has is not a transition (a renewal keeps an active licence active).
LICENCE_TRANSITIONS: dict[LicenceStatus, frozenset[LicenceStatus]] = {
    # Bought, or the trial ended.
    L.TRIAL: frozenset({L.ACTIVE, L.TRIAL_EXPIRED}),
    # Bought again while the data is kept.
    L.TRIAL_EXPIRED: frozenset({L.ACTIVE}),
    L.CANCELLED: frozenset({L.ACTIVE}),
    # A renewal failed, or the period of a cancelled licence ended.
    L.ACTIVE: frozenset({L.PAST_DUE, L.CANCELLED}),
    # Paid at last, suspended after the dunning ladder, or ended by its cancellation.
    L.PAST_DUE: frozenset({L.ACTIVE, L.SUSPENDED, L.CANCELLED}),
    # The open renewal paid with a new card.
    L.SUSPENDED: frozenset({L.ACTIVE}),
}


def licence_transition_allowed(from_status: str, to_status: str) -> bool:
    if from_status == to_status:
        return True
    return LicenceStatus(to_status) in LICENCE_TRANSITIONS.get(
        LicenceStatus(from_status), frozenset()
    )


def status_label(status: LicenceStatus, cancel_at_period_end: bool) -> str:
    """What the pages call the status: a paid licence with a pending cancellation is
    "In disdetta"."""
    if cancel_at_period_end and status in PAID_STATUSES:
        return CANCELLING_LABEL
    return STATUS_LABELS[LicenceStatus(status)]


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
