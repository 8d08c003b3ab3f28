"""The customer's billing documents, for the 'Documenti' page: only the owner ever reads them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from ts_store.billing.errors import NotAllowed
from ts_store.domain.einvoice import DocumentKind, Line
from ts_store.store import documents
from ts_store.store.db import session_scope
from ts_store.store.models import BillingDocument

# One line of a document: the same fields the FatturaPA file carries (docs/fatturapa.md).
DocumentLine = Line


@dataclass(frozen=True)
class DocumentView:
    id: int
    number: str
    issued_on: date
    description: str
    lines: tuple[DocumentLine, ...]
    net_cents: int
    vat_cents: int
    gross_cents: int
    billing: dict[str, Any]
    kind: DocumentKind = DocumentKind.INVOICE
    original_number: str = ""  # a credit note's invoice


def document_lines(document: BillingDocument) -> tuple[DocumentLine, ...]:
    """A document's stored lines, read one way for the Documenti page and the FatturaPA file."""
    return tuple(
        DocumentLine(
            description=str(line.get("description") or line.get("kind", "")),
            quantity=int(line["quantity"]),
            unit_cents=int(line["unit_cents"]),
            days=int(line["days"]),
            period_days=int(line["period_days"]),
            amount_cents=int(line["amount_cents"]),
        )
        for line in json.loads(document.lines_json)
    )


def _view(document: BillingDocument, original_number: str = "") -> DocumentView:
    lines = document_lines(document)
    return DocumentView(
        id=document.id,
        number=document.number,
        issued_on=document.issued_on,
        description=document.description,
        lines=lines,
        net_cents=document.net_cents,
        vat_cents=document.vat_cents,
        gross_cents=document.gross_cents,
        billing=json.loads(document.billing_json),
        kind=DocumentKind(document.kind),
        original_number=original_number,
    )


def _original_number(session: Session, document: BillingDocument) -> str:
    if document.original_document_id is None:
        return ""
    original = session.get(BillingDocument, document.original_document_id)
    return original.number if original else ""


def documents_for(customer_id: int) -> list[DocumentView]:
    with session_scope() as session:
        return [
            _view(document, _original_number(session, document))
            for document in documents.documents_of(session, customer_id)
        ]


def document_for(customer_id: int, document_id: int) -> DocumentView:
    with session_scope() as session:
        document = documents.owned_document(session, customer_id, document_id)
        if document is None:
            raise NotAllowed("document_not_found")
        return _view(document, _original_number(session, document))


def all_documents() -> list[DocumentView]:
    """Every document issued, oldest first (the product team's laboratory)."""
    with session_scope() as session:
        return [
            _view(document, _original_number(session, document))
            for document in documents.all_documents(session)
        ]


def document_for_mail(document_id: int) -> DocumentView | None:
    """The document an email attaches (the sender acts for the store, not for a customer:
    the outbox row already names the recipient the document belongs to)."""
    with session_scope() as session:
        document = session.get(BillingDocument, document_id)
        if document is None:
            return None
        return _view(document, _original_number(session, document))
