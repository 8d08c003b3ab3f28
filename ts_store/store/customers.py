"""Customers and their login sessions."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from ts_store.store.lookalikes import email_skeleton
from ts_store.store.models import AuthSession, BillingProfile, Customer, utcnow


def find_by_email(session: Session, email: str) -> Customer | None:
    return session.exec(select(Customer).where(Customer.email == email)).first()


def find_lookalike(session: Session, email: str) -> Customer | None:
    """The customer whose login looks like `email` (the same one included), if any."""
    skeleton = email_skeleton(email)
    return session.exec(select(Customer).where(Customer.email_skeleton == skeleton)).first()


def get_customer(session: Session, customer_id: int) -> Customer | None:
    return session.get(Customer, customer_id)


def add_customer(
    session: Session, *, email: str, password_hash: str, company_name: str, role: str = "customer"
) -> Customer:
    customer = Customer(
        email=email,
        email_skeleton=email_skeleton(email),
        password_hash=password_hash,
        company_name=company_name,
        role=role,
    )
    session.add(customer)
    session.flush()
    return customer


def set_stripe_customer_id(session: Session, customer: Customer, stripe_id: str) -> None:
    customer.stripe_customer_id = stripe_id
    session.add(customer)
    session.flush()


def add_auth_session(
    session: Session, *, customer_id: int, token_hash: str, expires_at: datetime
) -> AuthSession:
    row = AuthSession(customer_id=customer_id, token_hash=token_hash, expires_at=expires_at)
    session.add(row)
    session.flush()
    return row


def live_auth_session(session: Session, token_hash: str, now: datetime) -> AuthSession | None:
    """The session for this token if it is neither revoked nor expired."""
    row = session.exec(select(AuthSession).where(AuthSession.token_hash == token_hash)).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    return row


def extend_auth_session(session: Session, row: AuthSession, expires_at: datetime) -> None:
    """Slide a live session's expiry (never past what the caller computed as its maximum)."""
    row.expires_at = expires_at
    session.add(row)
    session.flush()


def revoke_all_auth_sessions(session: Session, customer_id: int, now: datetime) -> int:
    """Revoke every session of the customer still open; how many were."""
    result = session.execute(
        sa.update(AuthSession)
        .where(AuthSession.customer_id == customer_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount or 0


def revoke_auth_session(session: Session, token_hash: str) -> None:
    row = session.exec(select(AuthSession).where(AuthSession.token_hash == token_hash)).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
        session.flush()


def billing_profile(session: Session, customer_id: int) -> BillingProfile | None:
    return session.exec(
        select(BillingProfile).where(BillingProfile.customer_id == customer_id)
    ).first()


def save_billing_profile(
    session: Session, customer_id: int, fields: dict[str, str]
) -> BillingProfile:
    """Insert or update the customer's billing profile with already validated fields."""
    profile = billing_profile(session, customer_id) or BillingProfile(
        customer_id=customer_id, **fields
    )
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.updated_at = utcnow()
    session.add(profile)
    session.flush()
    return profile


def find_by_stripe_id(session: Session, stripe_customer_id: str) -> Customer | None:
    return session.exec(
        select(Customer).where(Customer.stripe_customer_id == stripe_customer_id)
    ).first()
