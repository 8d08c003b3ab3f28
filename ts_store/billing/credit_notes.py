"""Credit notes (TD04): a refund of an invoiced payment issues a credit note that names the
invoice it corrects, with its own progressive number, PDF and FatturaPA XML.

`credit_note_for_refund` is the one place every refund the store makes goes through. It issues
a credit note only when the refunded payment is the one an invoice records. A payment that was
never applied was never invoiced (a late 3-D Secure payment recorded `paid_not_applied`, an
extra charge of an operation already paid): refunding it returns money received without a
supply, so no credit note is due — docs/fatturapa.md, "Refunds and credit notes".
"""

from __future__ import annotations

import json
import logging
from datetime import date
from fractions import Fraction

from sqlmodel import Session

from ts_store.billing.catalog import current_catalog
from ts_store.billing.einvoices import issue_file_in_transaction
from ts_store.domain.money import round_half_up
from ts_store.domain.quote import LineKind
from ts_store.store import documents, operations
from ts_store.store.models import BillingDocument

log = logging.getLogger(__name__)


class CreditNoteNotExact(ValueError):
    """No net amount gives exactly this refund once VAT is added (left to the staff)."""


def split_refund(gross_cents: int, vat_percent: Fraction) -> tuple[int, int]:
    """(net, vat) with net + round_half_up(net × rate) == gross, for a partial refund."""
    guess = round_half_up(Fraction(gross_cents) * 100 / (100 + vat_percent))
    for net in range(max(guess - 2, 0), guess + 3):
        vat = round_half_up(Fraction(net) * vat_percent / 100)
        if net + vat == gross_cents:
            return net, vat
    raise CreditNoteNotExact(f"no net amount gives {gross_cents} cents with VAT")


def issue_credit_note(
    session: Session,
    *,
    original: BillingDocument,
    refund_cents: int,
    source_key: str,
    issued_on: date,
) -> BillingDocument:
    """The credit note of a refund of `original` (caller's transaction; idempotent by key)."""
    already = documents.credited_cents(session, original.id, excluding_key=source_key)
    if refund_cents <= 0 or refund_cents + already > original.gross_cents:
        raise ValueError("a credit note cannot exceed what the invoice still carries")
    if refund_cents == original.gross_cents:
        lines = json.loads(original.lines_json)
        net, vat = original.net_cents, original.vat_cents
    else:
        net, vat = split_refund(refund_cents, current_catalog().vat_percent)
        lines = [
            {
                "kind": LineKind.REFUND,
                "description": f"Rimborso parziale della fattura n. {original.number}",
                "quantity": 1,
                "unit_cents": net,
                "days": 1,
                "period_days": 1,
                "amount_cents": net,
            }
        ]
    note = documents.issue_credit_note(
        session,
        original=original,
        source_key=source_key,
        issued_on=issued_on,
        description=f"Nota di credito: rimborso della fattura n. {original.number}",
        lines=lines,
        net_cents=net,
        vat_cents=vat,
        gross_cents=refund_cents,
    )
    issue_file_in_transaction(session, note)
    return note


def credit_note_for_refund(
    session: Session,
    *,
    operation_id: int,
    payment_intent_id: str,
    refund_cents: int,
    refund_id: str,
    issued_on: date,
) -> BillingDocument | None:
    """Call after every refund the store makes (caller's transaction). A credit note when the
    refunded payment is the invoiced one; None when it was never invoiced (see the module)."""
    operation = operations.get_operation(session, operation_id)
    invoice = documents.document_for_operation(session, operation_id)
    if operation is None or invoice is None:
        log.info(
            "refund %s of operation %s: never invoiced, no credit note", refund_id, operation_id
        )
        return None
    if operation.stripe_payment_intent_id != payment_intent_id:
        log.info("refund %s: payment %s is not the invoiced one", refund_id, payment_intent_id)
        return None
    return issue_credit_note(
        session,
        original=invoice,
        refund_cents=refund_cents,
        source_key=f"refund:{refund_id}",
        issued_on=issued_on,
    )
