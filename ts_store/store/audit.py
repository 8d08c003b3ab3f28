"""The audit log: every change, who made it, the state before and after."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, select

from ts_store.domain.operations import IllegalTransition
from ts_store.store.models import AuditEntry, Licence


def record(
    session: Session,
    *,
    action: str,
    actor_customer_id: int | None,
    licence_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        action=action,
        actor_customer_id=actor_customer_id,
        licence_id=licence_id,
        before_json=json.dumps(before or {}, default=str, sort_keys=True),
        after_json=json.dumps(after or {}, default=str, sort_keys=True),
    )
    session.add(entry)
    session.flush()
    return entry


def refuse_transition(
    session: Session, error: IllegalTransition, licence_id: int | None
) -> IllegalTransition:
    """Record a refused status change and return the error for the caller to raise.

    The caller's unit of work is rolled back first (it was about to write something illegal);
    the audit entry is then committed on its own, so it survives the error that follows.
    """
    session.rollback()
    record(
        session,
        action="illegal_transition",
        actor_customer_id=None,
        licence_id=licence_id,
        before={"entity": error.entity, "id": error.entity_id, "status": error.from_status},
        after={"status": error.to_status},
    )
    session.commit()
    return error


def entries_for_licence(session: Session, licence_id: int) -> list[AuditEntry]:
    return list(
        session.exec(
            select(AuditEntry).where(AuditEntry.licence_id == licence_id).order_by(AuditEntry.id)
        )
    )


def entries_by_action(session: Session, action: str) -> list[AuditEntry]:
    return list(
        session.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
    )


def licence_snapshot(licence: Licence) -> dict[str, Any]:
    """The licence fields an audit entry records before and after a change."""
    return {
        "status": licence.status,
        "plan": licence.plan,
        "cycle": licence.cycle,
        "seats": licence.seats,
        "renewal": [licence.renewal_plan, licence.renewal_cycle, licence.renewal_seats],
        "period": [licence.period_start, licence.period_end],
        "cancel_at_period_end": licence.cancel_at_period_end,
        "past_due_since": licence.past_due_since,
        "next_retry_on": licence.next_retry_on,
        "suspended_on": licence.suspended_on,
        "ended_on": licence.ended_on,
        "data_removed_on": licence.data_removed_on,
        "version": licence.version,
    }
