"""Licences: reads scoped to their owner, and writes guarded by an optimistic lock."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from ts_store.domain.lifecycle import PAID_STATUSES, LicenceStatus, licence_transition_allowed
from ts_store.domain.operations import IllegalTransition
from ts_store.store import audit
from ts_store.store.models import Licence, utcnow


class StaleLicenceError(Exception):
    """The licence changed since it was read (another tab, another process)."""


def licences_of(session: Session, customer_id: int) -> list[Licence]:
    return list(
        session.exec(select(Licence).where(Licence.customer_id == customer_id).order_by(Licence.id))
    )


def owned_licence(session: Session, customer_id: int, licence_id: int) -> Licence | None:
    """The licence only if this customer owns it: every handler reads licences through here."""
    licence = session.get(Licence, licence_id)
    if licence is None or licence.customer_id != customer_id:
        return None
    return licence


def get_licence(session: Session, licence_id: int) -> Licence | None:
    return session.get(Licence, licence_id)


def add_licence(session: Session, *, status: LicenceStatus, **fields: Any) -> Licence:
    licence = Licence(status=LicenceStatus(status), **fields)
    session.add(licence)
    session.flush()
    return licence


def update_licence(
    session: Session, licence: Licence, expected_version: int, **changes: Any
) -> Licence:
    """Write `changes` only if the row still has `expected_version`; bump the version.

    The check is in the UPDATE itself, so two processes cannot both win. A new status must be a
    legal move from the one read (`LICENCE_TRANSITIONS`): otherwise IllegalTransition, audited.
    """
    if "status" in changes and not licence_transition_allowed(licence.status, changes["status"]):
        error = IllegalTransition("licence", licence.id, licence.status, changes["status"])
        raise audit.refuse_transition(session, error, licence.id)
    values = dict(changes, version=expected_version + 1, updated_at=utcnow())
    columns = list(Licence.__table__.columns)
    row = session.execute(
        sa.update(Licence)
        .where(Licence.id == licence.id, Licence.version == expected_version)
        .values(**values)
        .returning(*columns)
    ).first()
    if row is None:
        session.rollback()
        raise StaleLicenceError(f"licence {licence.id} is not at version {expected_version}")
    session.flush()
    # The row as written, from the UPDATE itself (no second read).
    for column, value in zip(columns, row, strict=True):
        set_committed_value(licence, column.key, value)
    return licence


def licences_due(session: Session, today: date) -> list[Licence]:
    """Paid licences whose period has ended by `today` (renewal or end of a cancellation)."""
    return list(
        session.exec(
            select(Licence)
            .where(Licence.period_end.is_not(None), Licence.period_end <= today)
            .where(Licence.status.in_(list(PAID_STATUSES)))
            .order_by(Licence.id)
        )
    )
