"""The outbox of emails: enqueue inside the caller's transaction, claim due rows, record results.

Every status change goes through `_move`, which checks the transition table of
`domain.notifications` and is a compare-and-set on (id, status, updated_at): of several senders
(app workers, the command) that read the same row, exactly one moves it. On PostgreSQL the
candidates are also read with FOR UPDATE SKIP LOCKED, so concurrent senders pick different rows
instead of racing for the same ones.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from ts_store.domain.notifications import (
    CLAIMABLE,
    SECRET_PARAMS,
    MessageKind,
    OutboxStatus,
    check_transition,
)
from ts_store.store.models import OutboxMessage, utcnow

ERROR_MAX = 500


def new_message_id(domain: str) -> str:
    """A globally unique RFC 5322 Message-ID, fixed once per message."""
    return f"<{uuid.uuid4().hex}@{domain}>"


def _insert_unless_present(session: Session):
    """INSERT ... ON CONFLICT DO NOTHING in the database's dialect (SQLite and PostgreSQL both
    have it): a concurrent enqueue of the same event never fails the event's transaction,
    and no savepoint is needed (pysqlite would commit the caller's work on releasing one)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the store runs on SQLite or PostgreSQL only
        raise RuntimeError(f"unsupported database for the outbox: {dialect}")
    return insert(OutboxMessage).on_conflict_do_nothing(index_elements=["event_key", "recipient"])


def enqueue(
    session: Session,
    *,
    event_key: str,
    recipient: str,
    kind: MessageKind,
    params: Mapping[str, Any],
    message_id_domain: str,
    customer_id: int | None = None,
    now: datetime | None = None,
) -> OutboxMessage:
    """Add the message unless this (event, recipient) already has one; return the row.

    Runs inside the caller's transaction, so the message is committed with the event or not
    at all.
    """
    add_unless_present(
        session,
        event_key=event_key,
        recipient=recipient,
        kind=kind,
        params=params,
        message_id_domain=message_id_domain,
        customer_id=customer_id,
        now=now,
    )
    row = find(session, event_key, recipient)
    if row is None:  # pragma: no cover - inserted or already there, by construction
        raise RuntimeError(f"outbox row for {event_key!r} vanished")
    return row


def add_unless_present(
    session: Session,
    *,
    event_key: str,
    recipient: str,
    kind: MessageKind,
    params: Mapping[str, Any],
    message_id_domain: str,
    customer_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """`enqueue` for a caller that does not need the row back (one statement, not two)."""
    moment = now or utcnow()
    session.execute(
        _insert_unless_present(session).values(
            event_key=event_key,
            recipient=recipient,
            kind=str(kind),
            customer_id=customer_id,
            params_json=json.dumps(dict(params), sort_keys=True, default=str),
            status=str(OutboxStatus.PENDING),
            attempts=0,
            unconfirmed_attempts=0,
            next_attempt_at=moment,
            message_id=new_message_id(message_id_domain),
            subject="",
            created_at=moment,
            updated_at=moment,
        )
    )


def find(session: Session, event_key: str, recipient: str) -> OutboxMessage | None:
    return session.exec(
        select(OutboxMessage).where(
            OutboxMessage.event_key == event_key, OutboxMessage.recipient == recipient
        )
    ).first()


def get(session: Session, message_id: int) -> OutboxMessage | None:
    return session.get(OutboxMessage, message_id)


def params_of(row: OutboxMessage) -> dict[str, Any]:
    return json.loads(row.params_json or "{}")


def _move(
    session: Session, row: OutboxMessage, target: OutboxStatus, now: datetime, **values: Any
) -> bool:
    """Compare-and-set the row to `target` (with `values`) if nobody moved it since it was read.

    Returns False when another sender got there first; the row is then refreshed.
    """
    check_transition(row.status, target)
    result = session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == row.id,
            OutboxMessage.status == row.status,
            OutboxMessage.updated_at == row.updated_at,
        )
        .values(status=str(target), updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    session.refresh(row)
    return result.rowcount == 1


def _locking(session: Session, query):
    """FOR UPDATE SKIP LOCKED where the database has it (PostgreSQL), the plain query elsewhere:
    SQLite serialises writers, and the compare-and-set in `_move` decides."""
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def claim_due(session: Session, *, worker: str, now: datetime, limit: int) -> list[OutboxMessage]:
    """Claim up to `limit` messages due now (pending, or retrying whose time has come).

    Each claimed row is `sending`, stamped with the worker and the time, its attempts counted.
    """
    candidates = session.exec(
        _locking(
            session,
            select(OutboxMessage)
            .where(
                OutboxMessage.status.in_([str(s) for s in CLAIMABLE]),
                OutboxMessage.next_attempt_at <= now,
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit),
        )
    ).all()
    claimed = []
    for row in candidates:
        if _move(
            session,
            row,
            OutboxStatus.SENDING,
            now,
            claimed_by=worker[:100],
            claimed_at=now,
            attempts=row.attempts + 1,
        ):
            claimed.append(row)
    return claimed


def abandoned(session: Session, *, now: datetime, lease: timedelta) -> list[OutboxMessage]:
    """Rows still `sending` whose claim is older than the lease: their sender died (or hangs)
    after claiming them, so nobody knows whether the server accepted the message."""
    return list(
        session.exec(
            _locking(
                session,
                select(OutboxMessage)
                .where(
                    OutboxMessage.status == str(OutboxStatus.SENDING),
                    OutboxMessage.claimed_at <= now - lease,
                )
                .order_by(OutboxMessage.id),
            )
        ).all()
    )


def _without_secrets(row: OutboxMessage) -> str:
    params = params_of(row)
    return json.dumps(
        {k: v for k, v in params.items() if k not in SECRET_PARAMS}, sort_keys=True, default=str
    )


def mark_sent(session: Session, row: OutboxMessage, *, now: datetime, subject: str) -> bool:
    return _move(
        session,
        row,
        OutboxStatus.SENT,
        now,
        sent_at=now,
        subject=subject[:255],
        last_error=None,
        params_json=_without_secrets(row),
    )


def mark_failed(
    session: Session,
    row: OutboxMessage,
    *,
    now: datetime,
    target: OutboxStatus,
    next_attempt_at: datetime | None,
    error: str,
    unconfirmed: bool,
    subject: str = "",
) -> bool:
    """A failed delivery: `retrying` at `next_attempt_at`, or `dead` (secrets then dropped)."""
    values: dict[str, Any] = {
        "last_error": error[:ERROR_MAX],
        "unconfirmed_attempts": row.unconfirmed_attempts + (1 if unconfirmed else 0),
        "claimed_by": None,
    }
    if subject:
        values["subject"] = subject[:255]
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    if target == OutboxStatus.DEAD:
        values["params_json"] = _without_secrets(row)
    return _move(session, row, target, now, **values)


def recent(session: Session, limit: int) -> list[OutboxMessage]:
    """The newest messages first (for "Posta inviata")."""
    return list(
        session.exec(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)).all()
    )
