"""'Contattaci' requests."""

from __future__ import annotations

from sqlmodel import Session, select

from ts_store.store.models import SupportRequest


def add_support_request(
    session: Session, *, customer_id: int, subject: str, message: str, licence_id: int | None
) -> SupportRequest:
    row = SupportRequest(
        customer_id=customer_id, subject=subject, message=message, licence_id=licence_id
    )
    session.add(row)
    session.flush()
    return row


def support_requests_of(session: Session, customer_id: int) -> list[SupportRequest]:
    return list(
        session.exec(
            select(SupportRequest)
            .where(SupportRequest.customer_id == customer_id)
            .order_by(SupportRequest.id.desc())
        )
    )
