"""Electronic invoice files and SDI notifications: queries and state changes (Session in)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ts_store.domain.einvoice import SdiState, check_sdi_transition
from ts_store.store.models import (
    BillingDocument,
    EinvoiceCounter,
    EinvoiceFile,
    SdiNotificationRecord,
    utcnow,
)

_COUNTER = "progressivo"


def next_progressive_number(session: Session) -> int:
    """The next number for a file's progressivo, inside the caller's transaction.

    The counter row is updated in place (a row lock on PostgreSQL, the write lock on SQLite):
    two processes never get the same number. A rolled back transaction gives its number back,
    which is fine: the number is unique, not gapless.
    """
    for _ in range(3):
        value = session.execute(
            sa.update(EinvoiceCounter)
            .where(EinvoiceCounter.name == _COUNTER)
            .values(last_value=EinvoiceCounter.last_value + 1)
            .returning(EinvoiceCounter.last_value)
        ).scalar_one_or_none()
        if value is not None:
            return value
        try:
            with session.begin_nested():
                session.add(EinvoiceCounter(name=_COUNTER, last_value=1))
            return 1
        except IntegrityError:
            continue
    raise RuntimeError("could not allocate an electronic invoice progressivo")


def add_file(
    session: Session,
    *,
    document_id: int,
    progressive: str,
    file_name: str,
    xml: bytes,
    replaces_file_id: int | None = None,
) -> EinvoiceFile:
    row = EinvoiceFile(
        document_id=document_id,
        progressive=progressive,
        file_name=file_name,
        xml=xml,
        sdi_state=SdiState.GENERATED,
        replaces_file_id=replaces_file_id,
    )
    session.add(row)
    session.flush()
    return row


def get_file(session: Session, file_id: int) -> EinvoiceFile | None:
    return session.get(EinvoiceFile, file_id)


def current_file(session: Session, document_id: int) -> EinvoiceFile | None:
    """The document's latest file (a re-issue replaces a rejected one)."""
    return session.exec(
        select(EinvoiceFile)
        .where(EinvoiceFile.document_id == document_id)
        .order_by(EinvoiceFile.id.desc())
    ).first()


def files_of_documents(session: Session, document_ids: list[int]) -> dict[int, EinvoiceFile]:
    """The latest file of each document in one query."""
    if not document_ids:
        return {}
    latest: dict[int, EinvoiceFile] = {}
    rows = session.exec(
        select(EinvoiceFile)
        .where(EinvoiceFile.document_id.in_(document_ids))
        .order_by(EinvoiceFile.id)
    )
    for row in rows:
        latest[row.document_id] = row
    return latest


def documents_without_file(session: Session, limit: int = 200) -> list[BillingDocument]:
    has_file = sa.select(EinvoiceFile.id).where(EinvoiceFile.document_id == BillingDocument.id)
    return list(
        session.exec(
            select(BillingDocument)
            .where(~sa.exists(has_file))
            .order_by(BillingDocument.id)
            .limit(limit)
        )
    )


def files_to_send(session: Session, now: datetime, limit: int = 50) -> list[EinvoiceFile]:
    return list(
        session.exec(
            select(EinvoiceFile)
            .where(EinvoiceFile.sdi_state == SdiState.GENERATED)
            .where((EinvoiceFile.next_attempt_at.is_(None)) | (EinvoiceFile.next_attempt_at <= now))
            .order_by(EinvoiceFile.id)
            .limit(limit)
        )
    )


def files_awaiting_outcome(session: Session, limit: int = 200) -> list[EinvoiceFile]:
    """Files SDI may still say something about (sent, or delivered only to the tax drawer)."""
    return list(
        session.exec(
            select(EinvoiceFile)
            .where(EinvoiceFile.sdi_state.in_([SdiState.SENT, SdiState.NOT_DELIVERED]))
            .order_by(EinvoiceFile.id)
            .limit(limit)
        )
    )


def claim_for_sending(session: Session, row: EinvoiceFile, now: datetime, hold_until: datetime):
    """Take a due file for one sender only (another process skips it until `hold_until`)."""
    result = session.execute(
        sa.update(EinvoiceFile)
        .where(EinvoiceFile.id == row.id)
        .where(EinvoiceFile.sdi_state == SdiState.GENERATED)
        .where((EinvoiceFile.next_attempt_at.is_(None)) | (EinvoiceFile.next_attempt_at <= now))
        .values(next_attempt_at=hold_until, attempts=EinvoiceFile.attempts + 1)
    )
    session.flush()
    session.refresh(row)
    return result.rowcount == 1


def set_state(session: Session, row: EinvoiceFile, state: str, **changes: Any) -> EinvoiceFile:
    """Change the file's SDI state through the transition table (IllegalSdiTransition if not)."""
    row.sdi_state = check_sdi_transition(row.sdi_state, state)
    return update_file(session, row, **changes)


def update_file(session: Session, row: EinvoiceFile, **changes: Any) -> EinvoiceFile:
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row


def has_notification(session: Session, external_id: str) -> bool:
    return (
        session.exec(
            select(SdiNotificationRecord.id).where(SdiNotificationRecord.external_id == external_id)
        ).first()
        is not None
    )


def add_notification(
    session: Session, *, file_id: int, external_id: str, type: str, errors: list[dict[str, str]]
) -> SdiNotificationRecord:
    row = SdiNotificationRecord(
        file_id=file_id, external_id=external_id, type=type, errors_json=json.dumps(errors)
    )
    session.add(row)
    session.flush()
    return row


def notifications_of(session: Session, file_id: int) -> list[SdiNotificationRecord]:
    return list(
        session.exec(
            select(SdiNotificationRecord)
            .where(SdiNotificationRecord.file_id == file_id)
            .order_by(SdiNotificationRecord.id)
        )
    )


def documents_of_year(session: Session, year: int) -> list[BillingDocument]:
    return list(
        session.exec(
            select(BillingDocument)
            .where(BillingDocument.year == year)
            .order_by(BillingDocument.sequence)
        )
    )


def all_files_by_document(session: Session) -> dict[int, list[EinvoiceFile]]:
    """Every file, grouped by document, oldest first (the last is the current one)."""
    grouped: dict[int, list[EinvoiceFile]] = {}
    for row in session.exec(select(EinvoiceFile).order_by(EinvoiceFile.id)):
        grouped.setdefault(row.document_id, []).append(row)
    return grouped
