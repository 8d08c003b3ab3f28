"""Webhook events seen: each Stripe event id is handled once."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ts_store.store.models import StripeEvent


def record_event_once(session: Session, event_id: str, event_type: str) -> bool:
    """True the first time this event id is seen; False for a duplicate or a replay."""
    if session.get(StripeEvent, event_id) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(StripeEvent(id=event_id, type=event_type))
    except IntegrityError:
        return False
    return True


def forget_event(session: Session, event_id: str) -> None:
    """Undo `record_event_once` when handling failed, so that Stripe's retry is handled."""
    event = session.get(StripeEvent, event_id)
    if event is not None:
        session.delete(event)
