"""Registration, login and sessions.

Passwords are hashed with argon2id; session tokens are random, stored hashed, expire, and are
revoked at logout. Login errors never say whether the email exists.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ts_store.billing.catalog import current_catalog
from ts_store.billing.errors import InputError
from ts_store.billing.notifications import notify_account
from ts_store.domain.lifecycle import LicenceStatus
from ts_store.domain.notifications import MessageKind
from ts_store.store import audit, customers, licences
from ts_store.store.models import Customer, Licence, utcnow

SESSION_LIFETIME = timedelta(days=14)
MIN_PASSWORD_LENGTH = 10
LOGIN_FAILED = "Email o password non corretti."
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


class AccountError(InputError):
    """A registration or login problem."""


@dataclass(frozen=True)
class LoggedIn:
    customer_id: int
    token: str


def normalise_email(email: str) -> str:
    return email.strip().lower()


def password_problem(password: str) -> str | None:
    """Why a password is too weak, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password: usa almeno {MIN_PASSWORD_LENGTH} caratteri."
    if password.isdigit() or password.isalpha():
        return "Password: usa lettere e numeri (o simboli), non solo lettere o solo numeri."
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def register(
    session: Session, *, email: str, password: str, company_name: str, today: date
) -> LoggedIn:
    """Create the account with a CRM in Cloud trial, and log it in."""
    email = normalise_email(email)
    company_name = company_name.strip()
    if not _EMAIL.match(email) or len(email) > 254:
        raise AccountError("email", "Email: inserisci un indirizzo email valido.")
    if not 2 <= len(company_name) <= 100:
        raise AccountError(
            "company_name", "Azienda: inserisci la ragione sociale (2-100 caratteri)."
        )
    problem = password_problem(password)
    if problem:
        raise AccountError("password", problem)
    if customers.find_by_email(session, email) is not None:
        raise AccountError("email", "Email: esiste già un account con questo indirizzo. Accedi.")
    try:
        customer = customers.add_customer(
            session, email=email, password_hash=hash_password(password), company_name=company_name
        )
    except IntegrityError as exc:
        raise AccountError(
            "email", "Email: esiste già un account con questo indirizzo. Accedi."
        ) from exc
    licence = start_trial(session, customer, today)
    notify_account(
        session,
        customer,
        MessageKind.WELCOME,
        f"welcome:{customer.id}",
        {
            "licence_id": licence.id,
            "trial_days": current_catalog().trial_days,
            "trial_ends_on": licence.trial_ends_on.isoformat(),
        },
    )
    return _open_session(session, customer)


def start_trial(session: Session, customer: Customer, today: date) -> Licence:
    catalog = current_catalog()
    licence = licences.add_licence(
        session,
        customer_id=customer.id,
        status=LicenceStatus.TRIAL,
        trial_ends_on=today + timedelta(days=catalog.trial_days),
    )
    audit.record(
        session,
        action="trial_started",
        actor_customer_id=customer.id,
        licence_id=licence.id,
        after={"status": licence.status, "trial_ends_on": licence.trial_ends_on},
    )
    return licence


def login(session: Session, *, email: str, password: str) -> LoggedIn:
    customer = customers.find_by_email(session, normalise_email(email))
    if customer is None:
        _hasher.hash(password)  # same work either way: no timing hint that the email is unknown
        raise AccountError("password", LOGIN_FAILED)
    try:
        _hasher.verify(customer.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        raise AccountError("password", LOGIN_FAILED) from exc
    if _hasher.check_needs_rehash(customer.password_hash):
        customer.password_hash = hash_password(password)
        session.add(customer)
    return _open_session(session, customer)


def _open_session(session: Session, customer: Customer) -> LoggedIn:
    token = secrets.token_urlsafe(32)
    customers.add_auth_session(
        session,
        customer_id=customer.id,
        token_hash=_token_hash(token),
        expires_at=utcnow() + SESSION_LIFETIME,
    )
    return LoggedIn(customer_id=customer.id, token=token)


def customer_for_token(
    session: Session, token: str, now: datetime | None = None
) -> Customer | None:
    """The logged-in customer behind a session token, or None (unknown, expired, revoked)."""
    if not token:
        return None
    row = customers.live_auth_session(session, _token_hash(token), now or utcnow())
    return customers.get_customer(session, row.customer_id) if row else None


def logout(session: Session, token: str) -> None:
    if token:
        customers.revoke_auth_session(session, _token_hash(token))
