"""Billing operations: the idempotency table every confirm goes through before any Stripe call."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from ts_store.domain.operations import (
    COMPLETED,
    IllegalTransition,
    OperationKind,
    OperationStatus,
    check_operation_transition,
)
from ts_store.store import audit
from ts_store.store.models import BillingOperation, utcnow


def find_operation(session: Session, idempotency_key: str) -> BillingOperation | None:
    return session.exec(
        select(BillingOperation).where(BillingOperation.idempotency_key == idempotency_key)
    ).first()


def get_operation(session: Session, operation_id: int) -> BillingOperation | None:
    return session.get(BillingOperation, operation_id)


def start_operation(
    session: Session,
    idempotency_key: str,
    *,
    kind: OperationKind,
    looked_up: bool = False,
    **fields: Any,
) -> tuple[BillingOperation, bool]:
    """Insert the operation (pending), or return the one already stored under this key.

    Returns (operation, created). The unique key decides, so a double click or a second
    process racing on the same key ends up with the same row. `looked_up`: the caller found
    no row under this key in this transaction (`key_and_lock_holder`), so it is not read again.
    """
    if not looked_up:
        existing = find_operation(session, idempotency_key)
        if existing is not None:
            return existing, False
    operation = BillingOperation(
        idempotency_key=idempotency_key,
        kind=OperationKind(kind),
        status=OperationStatus.PENDING,
        **fields,
    )
    try:
        with session.begin_nested():
            session.add(operation)
    except IntegrityError:
        existing = find_operation(session, idempotency_key)
        if existing is None:
            raise OperationLocked(fields.get("lock_key")) from None
        return existing, False
    return operation, True


class OperationLocked(Exception):
    """Another operation holds the lock key (same licence version, another key)."""


def lock_holder(session: Session, lock_key: str) -> BillingOperation | None:
    return session.exec(
        select(BillingOperation).where(BillingOperation.lock_key == lock_key)
    ).first()


def key_and_lock_holder(
    session: Session, idempotency_key: str, lock_key: str
) -> tuple[BillingOperation | None, BillingOperation | None]:
    """The operation stored under `idempotency_key` and the one holding `lock_key` (often the
    same row, or none), in one read."""
    rows = session.exec(
        select(BillingOperation).where(
            (BillingOperation.idempotency_key == idempotency_key)
            | (BillingOperation.lock_key == lock_key)
        )
    ).all()
    by_key = next((row for row in rows if row.idempotency_key == idempotency_key), None)
    holder = next((row for row in rows if row.lock_key == lock_key), None)
    return by_key, holder


def _checked(session: Session, operation: BillingOperation, from_status: str, to_status: str):
    """Refuse (and audit) a move the transition table does not allow."""
    try:
        check_operation_transition(operation.id, from_status, to_status)
    except IllegalTransition as error:
        raise audit.refuse_transition(session, error, operation.licence_id) from None


def claim_operation(
    session: Session,
    operation: BillingOperation,
    from_status: OperationStatus,
    to_status: OperationStatus,
) -> bool:
    """Move the operation from one status to another only if nobody else did first."""
    _checked(session, operation, from_status, to_status)
    claimed = session.execute(
        sa.update(BillingOperation)
        .where(BillingOperation.id == operation.id, BillingOperation.status == from_status)
        .values(status=to_status, updated_at=utcnow())
        .returning(BillingOperation.status, BillingOperation.updated_at)
    ).first()
    session.flush()
    if claimed is None:  # someone else moved it first: show what they left
        session.refresh(operation)
        return False
    set_committed_value(operation, "status", claimed[0])
    set_committed_value(operation, "updated_at", claimed[1])
    return True


def update_operation(
    session: Session,
    operation: BillingOperation,
    *,
    failure_params: dict[str, Any] | None = None,
    **changes: Any,
) -> BillingOperation:
    """Write `changes`; a new status must be a legal move from the current one (else
    IllegalTransition, audited). `failure_params` go with `failure_code`, as JSON."""
    if "status" in changes:
        _checked(session, operation, operation.status, changes["status"])
    if failure_params is not None or "failure_code" in changes:
        changes["failure_params_json"] = json.dumps(
            failure_params or {}, sort_keys=True, default=str
        )
    for name, value in changes.items():
        setattr(operation, name, value)
    operation.updated_at = utcnow()
    if changes.get("status") in COMPLETED:
        operation.completed_at = utcnow()
    session.add(operation)
    session.flush()
    return operation


def failure_params(operation: BillingOperation) -> dict[str, Any]:
    try:
        params = json.loads(operation.failure_params_json or "{}")
    except ValueError:
        return {}
    return params if isinstance(params, dict) else {}


def operations_with_status(session: Session, status: OperationStatus) -> list[BillingOperation]:
    return list(
        session.exec(
            select(BillingOperation)
            .where(BillingOperation.status == status)
            .order_by(BillingOperation.id)
        )
    )


def stale_operations(
    session: Session, statuses: Iterable[OperationStatus], updated_before: datetime
) -> list[BillingOperation]:
    """Operations left in one of `statuses` since before `updated_before`, oldest first."""
    return list(
        session.exec(
            select(BillingOperation)
            .where(
                BillingOperation.status.in_(list(statuses)),  # type: ignore[attr-defined]
                BillingOperation.updated_at < updated_before,
            )
            .order_by(BillingOperation.updated_at)
        )
    )


def claim_stale(session: Session, operation: BillingOperation) -> bool:
    """Take a stale operation for one reconciliation pass: only if nobody touched it since we
    read it (same status and updated_at), so two passes never settle it twice."""
    result = session.execute(
        sa.update(BillingOperation)
        .where(
            BillingOperation.id == operation.id,
            BillingOperation.status == operation.status,
            BillingOperation.updated_at == operation.updated_at,
        )
        .values(updated_at=utcnow())
    )
    session.flush()
    session.refresh(operation)
    return result.rowcount == 1


def operation_by_payment_intent(
    session: Session, payment_intent_id: str
) -> BillingOperation | None:
    return session.exec(
        select(BillingOperation).where(
            BillingOperation.stripe_payment_intent_id == payment_intent_id
        )
    ).first()


EXTRA_KEY_PREFIX = "extra:"


def extra_payment_key(payment_intent_id: str) -> str:
    """The key of the row that records an extra payment: one per PaymentIntent, so two passes
    (or a pass and a webhook) that find the same extra record it once."""
    return f"{EXTRA_KEY_PREFIX}{payment_intent_id}"


def is_extra_payment(operation: BillingOperation) -> bool:
    return operation.idempotency_key.startswith(EXTRA_KEY_PREFIX)


def record_extra_payment(
    session: Session,
    original: BillingOperation,
    *,
    payment_intent_id: str,
    amount_cents: int,
    failure_code: str,
) -> tuple[BillingOperation, bool]:
    """Record a payment Stripe made for `original` beyond the one it applied, as a row of its
    own born `paid_not_applied` (to refund; never applied, never invoiced). Returns (row,
    created); the row already stored for this PaymentIntent when another pass was first."""
    key = extra_payment_key(payment_intent_id)
    existing = find_operation(session, key)
    if existing is not None:
        return existing, False
    row = BillingOperation(
        idempotency_key=key,
        kind=original.kind,
        status=OperationStatus.PAID_NOT_APPLIED,
        customer_id=original.customer_id,
        licence_id=original.licence_id,
        request_json=original.request_json,
        quote_json=original.quote_json,
        amount_cents=amount_cents,
        licence_version=original.licence_version,
        stripe_payment_intent_id=payment_intent_id,
        failure_code=failure_code,
        failure_params_json=json.dumps({"operation": original.id}, sort_keys=True),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        existing = find_operation(session, key)
        if existing is None:  # pragma: no cover - the only unique columns are key and lock
            raise
        return existing, False
    return row, True


def recent_paid_operations(
    session: Session, statuses: Iterable[OperationStatus], updated_since: datetime
) -> list[BillingOperation]:
    """Operations with a payment, in one of `statuses`, changed since `updated_since`: those
    whose extra charges may still appear in Stripe."""
    return list(
        session.exec(
            select(BillingOperation)
            .where(
                BillingOperation.status.in_(list(statuses)),  # type: ignore[attr-defined]
                BillingOperation.stripe_payment_intent_id.is_not(None),  # type: ignore[union-attr]
                BillingOperation.updated_at >= updated_since,
            )
            .order_by(BillingOperation.id)
        )
    )
