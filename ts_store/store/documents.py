"""Billing documents with a progressive number per calendar year: no gaps, no duplicates."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from ts_store.store.models import BillingDocument, DocumentCounter


def _next_sequence(session: Session, year: int) -> int:
    """Take the next number inside the caller's transaction.

    `UPDATE … RETURNING` on the year's counter row locks that row until the caller commits
    (a row lock on PostgreSQL, the database's write lock on SQLite): a second process waits
    there, then reads the committed value, so two writers never share a number, and a rolled
    back transaction gives its number back (no gap). The first document of a year creates the
    row with `INSERT … ON CONFLICT DO NOTHING`, which waits for a concurrent creator instead
    of failing.
    """
    bump = (
        sa.update(DocumentCounter)
        .where(DocumentCounter.year == year)
        .values(last_sequence=DocumentCounter.last_sequence + 1)
        .returning(DocumentCounter.last_sequence)
    )
    sequence = session.execute(bump).scalar_one_or_none()
    if sequence is None:
        session.execute(
            _insert_for(session)(DocumentCounter)
            .values(year=year, last_sequence=0)
            .on_conflict_do_nothing(index_elements=["year"])
        )
        sequence = session.execute(bump).scalar_one()
    return sequence


def _insert_for(session: Session):
    dialect = session.get_bind().dialect.name
    try:
        return _INSERTS[dialect]
    except KeyError:
        raise RuntimeError(
            f"document numbering supports SQLite and PostgreSQL, not {dialect}"
        ) from None


_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def format_number(year: int, sequence: int) -> str:
    return f"{year}/{sequence:06d}"


def issue_document(
    session: Session,
    *,
    operation_id: int,
    customer_id: int,
    licence_id: int | None,
    issued_on: date,
    description: str,
    lines: list[dict[str, Any]],
    billing: dict[str, Any],
    net_cents: int,
    vat_cents: int,
    gross_cents: int,
) -> BillingDocument:
    """Issue the document of an operation; a second call for that operation returns the first."""
    existing = document_for_operation(session, operation_id)
    if existing is not None:
        return existing
    return _issue_numbered(
        session,
        issued_on=issued_on,
        lines=lines,
        customer_id=customer_id,
        licence_id=licence_id,
        operation_id=operation_id,
        description=description,
        billing_json=json.dumps(billing, sort_keys=True),
        net_cents=net_cents,
        vat_cents=vat_cents,
        gross_cents=gross_cents,
    )


def _issue_numbered(
    session: Session, *, issued_on: date, lines: list[dict[str, Any]], **fields: Any
) -> BillingDocument:
    """Invoices and credit notes take the year's next number the same way: one sequence."""
    sequence = _next_sequence(session, issued_on.year)
    document = BillingDocument(
        number=format_number(issued_on.year, sequence),
        year=issued_on.year,
        sequence=sequence,
        issued_on=issued_on,
        lines_json=json.dumps(lines, sort_keys=True),
        **fields,
    )
    session.add(document)
    session.flush()
    return document


def document_for_operation(session: Session, operation_id: int) -> BillingDocument | None:
    return session.exec(
        select(BillingDocument).where(BillingDocument.operation_id == operation_id)
    ).first()


def documents_of(session: Session, customer_id: int) -> list[BillingDocument]:
    return list(
        session.exec(
            select(BillingDocument)
            .where(BillingDocument.customer_id == customer_id)
            .order_by(BillingDocument.year.desc(), BillingDocument.sequence.desc())
        )
    )


def owned_document(session: Session, customer_id: int, document_id: int) -> BillingDocument | None:
    document = session.get(BillingDocument, document_id)
    if document is None or document.customer_id != customer_id:
        return None
    return document


def all_documents(session: Session) -> list[BillingDocument]:
    return list(
        session.exec(
            select(BillingDocument).order_by(BillingDocument.year, BillingDocument.sequence)
        )
    )


def issue_credit_note(
    session: Session,
    *,
    original: BillingDocument,
    source_key: str,
    issued_on: date,
    description: str,
    lines: list[dict[str, Any]],
    net_cents: int,
    vat_cents: int,
    gross_cents: int,
) -> BillingDocument:
    """A credit note (its own progressive number, the original's billing data) for a refund;
    a second call with the same key returns the first."""
    existing = credit_note_for_key(session, source_key)
    if existing is not None:
        return existing
    return _issue_numbered(
        session,
        issued_on=issued_on,
        lines=lines,
        customer_id=original.customer_id,
        licence_id=original.licence_id,
        operation_id=None,
        description=description,
        billing_json=original.billing_json,
        net_cents=net_cents,
        vat_cents=vat_cents,
        gross_cents=gross_cents,
        kind="credit_note",
        original_document_id=original.id,
        source_key=source_key,
    )


def credit_note_for_key(session: Session, source_key: str) -> BillingDocument | None:
    return session.exec(
        select(BillingDocument).where(BillingDocument.source_key == source_key)
    ).first()


def credited_cents(session: Session, document_id: int, excluding_key: str | None = None) -> int:
    """What the credit notes of an invoice already give back (gross cents)."""
    notes = session.exec(
        select(BillingDocument).where(BillingDocument.original_document_id == document_id)
    )
    return sum(n.gross_cents for n in notes if n.source_key != excluding_key)


def lock_document(session: Session, document_id: int) -> BillingDocument | None:
    """The document, row-locked until commit on PostgreSQL (SQLite's write lock serialises
    writers anyway): two refunds of one invoice never both pass the "what is left" check."""
    return session.exec(
        select(BillingDocument).where(BillingDocument.id == document_id).with_for_update()
    ).first()
