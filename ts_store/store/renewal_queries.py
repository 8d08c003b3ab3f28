"""Queries of the renewal job and of the product team's laboratory (a Session comes in)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session, select, update

from ts_store.domain.lifecycle import ENDED_STATUSES, LicenceStatus
from ts_store.domain.operations import OperationKind
from ts_store.domain.renewal import suspension_date
from ts_store.store.models import (
    BillingOperation,
    BillingProfile,
    Customer,
    Licence,
    PaymentMethod,
)

L = LicenceStatus


def renewal_key(licence_id: int, period_end: date) -> str:
    """The idempotency key of the first charge of a renewal: one per licence and period."""
    return f"renewal:{licence_id}:{period_end.isoformat()}"


def renewal_operations(
    session: Session, licence_id: int, period_end: date
) -> list[BillingOperation]:
    """Every charge attempt (first charge and retries) of the renewal on `period_end`."""
    base = renewal_key(licence_id, period_end)
    return list(
        session.exec(
            select(BillingOperation)
            .where(BillingOperation.licence_id == licence_id)
            .where(BillingOperation.kind == OperationKind.RENEWAL)
            .where(
                (BillingOperation.idempotency_key == base)
                | BillingOperation.idempotency_key.startswith(base + ":", autoescape=True)
            )
            .order_by(BillingOperation.id)
        )
    )


def trials_ended_by(session: Session, today: date) -> list[Licence]:
    """Trials whose last day is behind `today` (trial_ends_on is the first day without trial)."""
    return list(
        session.exec(
            select(Licence)
            .where(Licence.status == L.TRIAL)
            .where(Licence.trial_ends_on.is_not(None), Licence.trial_ends_on <= today)
            .order_by(Licence.id)
        )
    )


def _due(today: date):
    """Active licences whose period ended by `today`, and every past-due licence."""
    return (
        ((Licence.status == L.ACTIVE) & (Licence.period_end <= today))
        | (Licence.status == L.PAST_DUE)
    ) & Licence.period_end.is_not(None)


def claim_due(
    session: Session,
    today: date,
    *,
    after_id: int = 0,
    now: datetime,
    until: datetime,
    limit: int,
) -> list[int]:
    """Up to `limit` due licences with an id above `after_id` that no run holds, now held by
    this one until `until`.

    On PostgreSQL the rows are picked with `FOR UPDATE SKIP LOCKED`: two runs claiming at once
    get different licences instead of waiting for each other, and a row another transaction is
    writing (a customer's change) is left for the run's second pass. On SQLite two claims may
    overlap (both read before either writes); nothing is charged twice either way (idempotency
    keys).
    """
    query = (
        select(Licence.id)
        .where(_due(today), Licence.id > after_id)
        .where(Licence.renewal_claimed_until.is_(None) | (Licence.renewal_claimed_until < now))
        .order_by(Licence.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.exec(query))
    if ids:
        session.exec(update(Licence).where(Licence.id.in_(ids)).values(renewal_claimed_until=until))
    return ids


def release_claims(session: Session, licence_ids: list[int], chunk: int = 1000) -> None:
    """The run is over: its licences are free for the next run (of any process)."""
    for first in range(0, len(licence_ids), chunk):
        ids = licence_ids[first : first + chunk]
        session.exec(update(Licence).where(Licence.id.in_(ids)).values(renewal_claimed_until=None))


def open_renewals_of(session: Session, customer_id: int) -> list[Licence]:
    """The customer's licences with an unpaid renewal (past due or suspended, data still kept)."""
    return list(
        session.exec(
            select(Licence)
            .where(Licence.customer_id == customer_id)
            .where(Licence.status.in_([L.PAST_DUE, L.SUSPENDED]))
            .where(Licence.period_end.is_not(None), Licence.data_removed_on.is_(None))
            .order_by(Licence.id)
        )
    )


def ended_before(session: Session, cutoff: date) -> list[Licence]:
    """Ended licences (trial expired, cancelled, suspended) that ended before `cutoff` and
    whose data is still there."""
    return list(
        session.exec(
            select(Licence)
            .where(Licence.status.in_(list(ENDED_STATUSES)))
            .where(Licence.ended_on.is_not(None), Licence.ended_on < cutoff)
            .where(Licence.data_removed_on.is_(None))
            .order_by(Licence.id)
        )
    )


def customer_keeps_data(session: Session, customer_id: int, except_licence_id: int) -> bool:
    """True while another licence of the customer is live, or ended but still in retention."""
    others = session.exec(
        select(Licence)
        .where(Licence.customer_id == customer_id, Licence.id != except_licence_id)
        .where(Licence.data_removed_on.is_(None))
    )
    return any(True for _ in others)


def remove_billing_profile(session: Session, customer_id: int) -> bool:
    profile = session.exec(
        select(BillingProfile).where(BillingProfile.customer_id == customer_id)
    ).first()
    if profile is None:
        return False
    session.delete(profile)
    session.flush()
    return True


def remove_cards(session: Session, customer_id: int) -> int:
    cards = list(
        session.exec(select(PaymentMethod).where(PaymentMethod.customer_id == customer_id))
    )
    for card in cards:
        session.delete(card)
    session.flush()
    return len(cards)


def licences_with_customers(session: Session) -> list[tuple[Licence, Customer]]:
    """Every licence with its customer, for the laboratory's table."""
    return [
        (licence, customer)
        for licence, customer in session.exec(
            select(Licence, Customer)
            .join(Customer, Customer.id == Licence.customer_id)
            .order_by(Licence.id)
        )
    ]


def next_event_after(session: Session, after: date, retention_days: int) -> date | None:
    """The first day after `after` on which the renewal job has something to do.

    Renewal or end of an active period, a past-due retry or suspension, the end of a trial,
    the end of a retention. Lets the laboratory walk the calendar event by event instead of
    day by day, with the same result as a job run every day.
    """
    candidates: list[date] = []
    rows = session.exec(
        select(Licence).where(Licence.status.in_([L.TRIAL, L.ACTIVE, L.PAST_DUE, *ENDED_STATUSES]))
    )
    for licence in rows:
        if licence.status == L.TRIAL and licence.trial_ends_on:
            candidates.append(licence.trial_ends_on)
        elif licence.status == L.ACTIVE and licence.period_end:
            candidates.append(licence.period_end)
        elif licence.status == L.PAST_DUE:
            if licence.next_retry_on:
                candidates.append(licence.next_retry_on)
            if licence.past_due_since:
                candidates.append(suspension_date(licence.past_due_since))
            if licence.cancel_at_period_end and licence.period_end:
                candidates.append(licence.period_end)
        elif licence.ended_on and licence.data_removed_on is None:
            candidates.append(licence.ended_on + timedelta(days=retention_days + 1))
    later = [day for day in candidates if day > after]
    return min(later) if later else None
