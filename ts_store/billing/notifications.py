"""Notifications: the use cases enqueue a message (kind + plain params) in their own transaction;
the sender (``ts_store.mail``) claims, renders, delivers and records through the functions below.

The billing layer never renders or sends: it only says what happened, to whom, with which
facts (amounts in cents, ISO dates), so an email renders the same whenever it is sent.
Rules: docs/notifications.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from sqlmodel import Session

from ts_store.billing.errors import NotAllowed
from ts_store.domain.notifications import (
    SECRET_PARAMS,
    DeliveryResult,
    MessageKind,
    OutboxStatus,
    RetryPolicy,
)
from ts_store.store import customers, outbox
from ts_store.store.db import session_scope
from ts_store.store.models import BillingProfile, Customer, OutboxMessage, utcnow

MAIL_FROM_ENV = "TS_STORE_MAIL_FROM"
DEFAULT_MAIL_FROM = "TS Store <store@teamsystem.com>"
PRODUCT_TEAM = "product_team"


def mail_from() -> str:
    """The From header of every email (TS_STORE_MAIL_FROM)."""
    return os.environ.get(MAIL_FROM_ENV, "").strip() or DEFAULT_MAIL_FROM


def message_id_domain() -> str:
    address = parseaddr(mail_from())[1]
    return address.rpartition("@")[2] or "tsstore.localhost"


# ----- enqueue (inside the caller's transaction) -------------------------------------------


def notify(
    session: Session,
    *,
    kind: MessageKind,
    event_key: str,
    recipient: str,
    params: Mapping[str, Any],
    customer_id: int | None = None,
) -> None:
    """Queue one email in the caller's transaction: committed with the event, or not at all.
    The same (event_key, recipient) is queued once however often the event is retried."""
    outbox.add_unless_present(
        session,
        event_key=event_key,
        recipient=recipient,
        kind=kind,
        params=params,
        customer_id=customer_id,
        message_id_domain=message_id_domain(),
    )


def billing_recipient(session: Session, customer_id: int) -> str:
    """Billing messages go to the invoice email of the billing data, else the login email."""
    profile = customers.billing_profile(session, customer_id)
    if profile is not None and profile.invoice_email:
        return profile.invoice_email
    customer = customers.get_customer(session, customer_id)
    if customer is None:
        raise ValueError(f"no customer {customer_id}")
    return customer.email


def _recipient(customer: Customer, profile: BillingProfile | None) -> str:
    if profile is not None and profile.invoice_email:
        return profile.invoice_email
    return customer.email


def notify_account(
    session: Session,
    customer: Customer,
    kind: MessageKind,
    event_key: str,
    params: Mapping[str, Any],
) -> None:
    """An account message: to the login email."""
    notify(
        session,
        kind=kind,
        event_key=event_key,
        recipient=customer.email,
        params={"company_name": customer.company_name, **params},
        customer_id=customer.id,
    )


def notify_billing(
    session: Session,
    customer_id: int,
    kind: MessageKind,
    event_key: str,
    params: Mapping[str, Any],
) -> None:
    """A billing message: to the invoice email of the billing data."""
    customer = customers.get_customer(session, customer_id)
    if customer is None:
        raise ValueError(f"no customer {customer_id}")
    profile = customers.billing_profile(session, customer_id)
    company = profile.company_name if profile is not None else customer.company_name
    notify(
        session,
        kind=kind,
        event_key=event_key,
        recipient=_recipient(customer, profile),
        params={"company_name": company, **params},
        customer_id=customer_id,
    )


def notify_registration_attempt(session: Session, customer: Customer, today_iso: str) -> None:
    """Someone tried to register with an address that already has an account: tell its owner,
    at most once a day (so the form cannot be used to flood them)."""
    notify_account(
        session,
        customer,
        MessageKind.REGISTRATION_ATTEMPT,
        f"registration_attempt:{customer.id}:{today_iso}",
        {"attempted_on": today_iso},
    )


# ----- the sender's units of work ------------------------------------------------------------


@dataclass(frozen=True)
class OutgoingMessage:
    """A claimed message, with what the renderer needs. `claim_stamp` identifies the claim:
    a result is recorded only if the row is still under this very claim."""

    id: int
    kind: str
    recipient: str
    params: dict[str, Any]
    message_id: str
    attempts: int
    unconfirmed_attempts: int
    created_at: datetime
    claim_stamp: datetime


def _outgoing(row: OutboxMessage) -> OutgoingMessage:
    return OutgoingMessage(
        id=row.id,
        kind=row.kind,
        recipient=row.recipient,
        params=outbox.params_of(row),
        message_id=row.message_id,
        attempts=row.attempts,
        unconfirmed_attempts=row.unconfirmed_attempts,
        created_at=row.created_at,
        claim_stamp=row.updated_at,
    )


def release_abandoned(
    lease: timedelta, policy: RetryPolicy, now: datetime | None = None
) -> list[tuple[int, OutboxStatus]]:
    """Rows left `sending` by a sender that died (claim older than `lease`).

    Their delivery is unconfirmed: the server may have accepted them. They are retried once,
    with the same Message-ID; a second unconfirmed delivery is given up (`dead`).
    """
    moment = now or utcnow()
    released = []
    with session_scope() as session:
        for row in outbox.abandoned(session, now=moment, lease=lease):
            target, when = policy.after_failure(
                DeliveryResult.UNCONFIRMED, row.attempts, row.unconfirmed_attempts + 1, moment
            )
            if outbox.mark_failed(
                session,
                row,
                now=moment,
                target=target,
                next_attempt_at=when,
                error="consegna non confermata: il mittente si è interrotto durante l'invio",
                unconfirmed=True,
            ):
                released.append((row.id, target))
    return released


def claim_messages(worker: str, limit: int, now: datetime | None = None) -> list[OutgoingMessage]:
    with session_scope() as session:
        rows = outbox.claim_due(session, worker=worker, now=now or utcnow(), limit=limit)
        return [_outgoing(row) for row in rows]


def record_delivery(
    message: OutgoingMessage,
    result: DeliveryResult,
    *,
    policy: RetryPolicy,
    subject: str = "",
    error: str = "",
    now: datetime | None = None,
) -> OutboxStatus | None:
    """Record what one delivery learned; None when the row is no longer under this claim
    (its lease expired and another sender took it over)."""
    moment = now or utcnow()
    with session_scope() as session:
        row = outbox.get(session, message.id)
        if (
            row is None
            or row.status != OutboxStatus.SENDING
            or row.updated_at != message.claim_stamp
        ):
            return None
        if result == DeliveryResult.ACCEPTED:
            moved = outbox.mark_sent(session, row, now=moment, subject=subject)
            return OutboxStatus.SENT if moved else None
        unconfirmed = result == DeliveryResult.UNCONFIRMED
        target, when = policy.after_failure(
            result, row.attempts, row.unconfirmed_attempts + (1 if unconfirmed else 0), moment
        )
        moved = outbox.mark_failed(
            session,
            row,
            now=moment,
            target=target,
            next_attempt_at=when,
            error=error or str(result),
            unconfirmed=unconfirmed,
            subject=subject,
        )
        return target if moved else None


# ----- "Posta inviata" (product team) --------------------------------------------------------


@dataclass(frozen=True)
class MailLogEntry:
    id: int
    kind: str
    recipient: str
    subject: str
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str
    params: dict[str, Any]  # without secrets: safe to render for staff
    message_id: str


def _require_product_team(session: Session, actor_id: int) -> None:
    actor = customers.get_customer(session, actor_id)
    if actor is None or actor.role != PRODUCT_TEAM:
        raise NotAllowed("product_team_only")


def _entry(row: OutboxMessage) -> MailLogEntry:
    params = {k: v for k, v in outbox.params_of(row).items() if k not in SECRET_PARAMS}
    return MailLogEntry(
        id=row.id,
        kind=row.kind,
        recipient=row.recipient,
        subject=row.subject,
        status=row.status,
        attempts=row.attempts,
        created_at=row.created_at,
        sent_at=row.sent_at,
        last_error=row.last_error or "",
        params=params,
        message_id=row.message_id,
    )


def recent_mail(actor_id: int, limit: int = 50) -> list[MailLogEntry]:
    """The last messages, newest first: product team only."""
    with session_scope() as session:
        _require_product_team(session, actor_id)
        return [_entry(row) for row in outbox.recent(session, limit)]


def mail_entry(actor_id: int, message_id: int) -> MailLogEntry:
    """One message for the preview: product team only; secrets never leave the database."""
    with session_scope() as session:
        _require_product_team(session, actor_id)
        row = outbox.get(session, message_id)
        if row is None:
            raise NotAllowed("mail_message_not_found")
        return _entry(row)
