"""Electronic invoices (FatturaPA): one XML file per billing document, its download, the product
team's overview and the re-issue of a rejected file. docs/fatturapa.md says what goes where.

`issue_file` works inside the caller's transaction (the charge pipeline issues the XML with the
document); the other functions are use cases that open and commit their own session.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from ts_store.billing.catalog import current_catalog
from ts_store.billing.documents import document_lines
from ts_store.billing.errors import UseCaseError
from ts_store.billing.seller_config import current_seller
from ts_store.domain.einvoice import (
    Address,
    Buyer,
    DocumentKind,
    Fattura,
    LinkedInvoice,
    SdiState,
    Seller,
    file_name,
    progressivo,
)
from ts_store.domain.fiscal import SDI_NO_CODE, BillingProfileData, validate_billing_profile
from ts_store.einvoice.fatturapa_xml import fattura_xml
from ts_store.store import audit, customers, documents, einvoices
from ts_store.store.db import session_scope
from ts_store.store.models import BillingDocument, EinvoiceFile

log = logging.getLogger(__name__)

PRODUCT_TEAM = "product_team"
_BUYER_FIELDS = ("company_name", "address", "postal_code", "city", "province")


class EinvoiceError(UseCaseError):
    """A refused electronic-invoice action: `code` (and `params`) say why; the UI words it."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, **params)


class EinvoiceDataMissing(ValueError):
    """The billing data saved with the document lacks what the XML needs."""

    def __init__(self, field: str) -> None:
        super().__init__(f"billing data without {field}")
        self.field = field


# --- building one file ------------------------------------------------------------------


def buyer_from_billing(billing: dict[str, Any]) -> Buyer:
    """CessionarioCommittente from the billing data saved with a document."""
    for field in _BUYER_FIELDS:
        if not str(billing.get(field) or "").strip():
            raise EinvoiceDataMissing(field)
    vat_number = str(billing.get("vat_number") or "")
    tax_code = str(billing.get("tax_code") or "")
    if not vat_number and not tax_code:
        raise EinvoiceDataMissing("vat_number")
    pec = str(billing.get("pec") or "")
    sdi_code = str(billing.get("sdi_code") or "")
    if not sdi_code and not pec:
        raise EinvoiceDataMissing("sdi_code")
    return Buyer(
        name=str(billing["company_name"]),
        vat_number=vat_number,
        tax_code=tax_code,
        address=Address(
            street=str(billing["address"]),
            postal_code=str(billing["postal_code"]),
            city=str(billing["city"]),
            province=str(billing["province"]),
        ),
        recipient_code=sdi_code or SDI_NO_CODE,
        pec=pec,
    )


def fattura_for(
    session: Session, document: BillingDocument, progressive: str, seller: Seller
) -> Fattura:
    linked = None
    if document.original_document_id is not None:
        original = session.get(BillingDocument, document.original_document_id)
        linked = LinkedInvoice(number=original.number, issued_on=original.issued_on)
    return Fattura(
        progressive=progressive,
        seller=seller,
        buyer=buyer_from_billing(json.loads(document.billing_json)),
        kind=DocumentKind(document.kind),
        number=document.number,
        issued_on=document.issued_on,
        lines=document_lines(document),
        net_cents=document.net_cents,
        vat_cents=document.vat_cents,
        gross_cents=document.gross_cents,
        vat_percent=current_catalog().vat_percent,
        paid_on=document.issued_on,
        reason=document.description,
        linked=linked,
    )


def issue_file(
    session: Session,
    document: BillingDocument,
    *,
    seller: Seller | None = None,
    replaces: EinvoiceFile | None = None,
) -> EinvoiceFile:
    """Build the document's XML with a new progressivo and store it (caller's transaction).

    Raises EinvoiceDataMissing when the saved billing data cannot make a valid file.
    """
    seller = seller or current_seller()
    progressive = progressivo(einvoices.next_progressive_number(session))
    xml = fattura_xml(fattura_for(session, document, progressive, seller))
    return einvoices.add_file(
        session,
        document_id=document.id,
        progressive=progressive,
        file_name=file_name(seller.transmitter_country, seller.transmitter, progressive),
        xml=xml,
        replaces_file_id=replaces.id if replaces else None,
    )


def issue_file_in_transaction(session: Session, document: BillingDocument) -> EinvoiceFile | None:
    """The XML with its document, in the document's transaction (charges, credit notes).

    A document whose saved billing data cannot make a valid file is issued all the same — a
    paid charge is never undone for its XML — and waits on the product team's page, which
    names the missing field; the transmission pass tries it again.
    """
    try:
        # Checked before the progressivo is taken, so nothing needs undoing (no savepoint).
        buyer_from_billing(json.loads(document.billing_json))
    except EinvoiceDataMissing as exc:
        log.warning("document %s issued without XML: %s", document.number, exc)
        return None
    return issue_file(session, document)


@dataclass(frozen=True)
class GenerationReport:
    generated: int
    failed: dict[str, str]  # document number -> missing field


def generate_missing(limit: int = 200) -> GenerationReport:
    """Issue the XML of every document that has none yet (documents issued before this
    feature, or by a path that does not issue it with the document)."""
    generated, failed = 0, {}
    with session_scope() as session:
        for document in einvoices.documents_without_file(session, limit):
            try:
                with session.begin_nested():
                    issue_file(session, document)
                generated += 1
            except EinvoiceDataMissing as exc:
                failed[document.number] = exc.field
                log.warning("no XML for document %s: %s", document.number, exc)
    return GenerationReport(generated, failed)


# --- downloads --------------------------------------------------------------------------


@dataclass(frozen=True)
class XmlFile:
    file_name: str
    xml: bytes


def _file_of(session: Session, document: BillingDocument) -> EinvoiceFile:
    row = einvoices.current_file(session, document.id)
    if row is not None:
        return row
    try:
        return issue_file(session, document)
    except EinvoiceDataMissing as exc:
        raise EinvoiceError("einvoice.data_missing", field=exc.field) from exc


def customer_xml(customer_id: int, document_id: int) -> XmlFile:
    """The customer's own document as XML (the same ownership check as the PDF)."""
    with session_scope() as session:
        document = documents.owned_document(session, customer_id, document_id)
        if document is None:
            raise EinvoiceError("einvoice.document_not_found")
        row = _file_of(session, document)
        return XmlFile(row.file_name, row.xml)


def _require_team(session: Session, actor_id: int) -> None:
    actor = customers.get_customer(session, actor_id)
    if actor is None or actor.role != PRODUCT_TEAM:
        raise EinvoiceError("einvoice.not_allowed")


def team_xml(actor_id: int, file_id: int) -> XmlFile:
    """Any file, for the product team."""
    with session_scope() as session:
        _require_team(session, actor_id)
        row = einvoices.get_file(session, file_id)
        if row is None:
            raise EinvoiceError("einvoice.file_not_found")
        return XmlFile(row.file_name, row.xml)


# --- the product team's overview and re-issue --------------------------------------------


@dataclass(frozen=True)
class EinvoiceRow:
    document_id: int
    number: str
    kind: DocumentKind
    issued_on: date
    customer: str
    gross_cents: int
    file_id: int | None
    file_name: str
    state: SdiState | None
    reason_code: str
    reason_text: str
    attempts: int
    last_error: str
    updated_at: datetime | None
    earlier_files: tuple[str, ...]
    missing_field: str  # billing data the XML cannot do without ("" when fine)


def _row(document: BillingDocument, row: EinvoiceFile | None, earlier: tuple[str, ...]):
    billing = json.loads(document.billing_json)
    missing = ""
    if row is None:
        try:
            buyer_from_billing(billing)
        except EinvoiceDataMissing as exc:
            missing = exc.field
    return EinvoiceRow(
        document_id=document.id,
        number=document.number,
        kind=DocumentKind(document.kind),
        issued_on=document.issued_on,
        customer=str(billing.get("company_name") or ""),
        gross_cents=document.gross_cents,
        file_id=row.id if row else None,
        file_name=row.file_name if row else "",
        state=SdiState(row.sdi_state) if row else None,
        reason_code=(row.reason_code or "") if row else "",
        reason_text=(row.reason_text or "") if row else "",
        attempts=row.attempts if row else 0,
        last_error=(row.last_error or "") if row else "",
        updated_at=row.updated_at if row else None,
        earlier_files=earlier,
        missing_field=missing,
    )


def einvoice_overview(actor_id: int) -> list[EinvoiceRow]:
    """Every document, newest first, with its current file and SDI state."""
    with session_scope() as session:
        _require_team(session, actor_id)
        all_documents = list(reversed(documents.all_documents(session)))
        files = einvoices.all_files_by_document(session)
        rows = []
        for document in all_documents:
            of_document = files.get(document.id, [])
            current = of_document[-1] if of_document else None
            earlier = tuple(f.file_name for f in of_document[:-1])
            rows.append(_row(document, current, earlier))
        return rows


def reissue(actor_id: int, document_id: int) -> EinvoiceRow:
    """Re-issue a rejected file: the customer's billing data as it is now (they may have fixed
    it), a new file with a new progressivo for the same document; the rejected one is kept."""
    with session_scope() as session:
        _require_team(session, actor_id)
        document = session.get(BillingDocument, document_id)
        if document is None:
            raise EinvoiceError("einvoice.document_not_found")
        rejected = einvoices.current_file(session, document.id)
        if rejected is None or rejected.sdi_state != SdiState.REJECTED:
            raise EinvoiceError("einvoice.not_rejected", number=document.number)
        profile = customers.billing_profile(session, document.customer_id)
        data = _valid_profile(profile)
        before = json.loads(document.billing_json)
        after = {**before, **{name: getattr(data, name) for name in _profile_fields()}}
        document.billing_json = json.dumps(after, sort_keys=True)
        session.add(document)
        einvoices.set_state(session, rejected, SdiState.REISSUED)
        try:
            new = issue_file(session, document, replaces=rejected)
        except EinvoiceDataMissing as exc:
            raise EinvoiceError("einvoice.data_missing", field=exc.field) from exc
        audit.record(
            session,
            action="einvoice_reissued",
            actor_customer_id=actor_id,
            licence_id=document.licence_id,
            before={"document": document.number, "file": rejected.file_name, "billing": before},
            after={"document": document.number, "file": new.file_name, "billing": after},
        )
        return _row(document, new, (rejected.file_name,))


def _profile_fields() -> tuple[str, ...]:
    return tuple(BillingProfileData.__dataclass_fields__)


def _valid_profile(profile) -> BillingProfileData:
    if profile is None:
        raise EinvoiceError("einvoice.billing_data_invalid", fields=("company_name",))
    raw = {name: getattr(profile, name) for name in _profile_fields()}
    data, errors = validate_billing_profile(raw)
    if data is None:
        raise EinvoiceError("einvoice.billing_data_invalid", fields=tuple(sorted(errors)))
    return data
