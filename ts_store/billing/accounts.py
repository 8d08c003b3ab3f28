"""Registration, login and sessions.

Passwords are hashed with argon2id; session tokens are random, stored hashed, expire, and are
revoked at logout. Login errors never say whether the email exists.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ts_store.billing import clock, input_rules
from ts_store.billing.catalog import current_catalog
from ts_store.billing.errors import InputError
from ts_store.billing.notifications import notify_account, notify_registration_attempt
from ts_store.billing.services import services
from ts_store.domain.lifecycle import LicenceStatus
from ts_store.domain.notifications import MessageKind
from ts_store.domain.text import normalise, visible_text
from ts_store.store import audit, customers, licences
from ts_store.store.db import session_scope
from ts_store.store.models import Customer, Licence, utcnow

SESSION_LIFETIME = timedelta(days=7)  # absolute maximum of a login, however active
SESSION_IDLE = timedelta(hours=12)  # a login unused this long ends (each use slides it)
SESSION_SLIDE_STEP = timedelta(minutes=10)  # the expiry is moved at most this often (one write)
MIN_PASSWORD_LENGTH = input_rules.MIN_PASSWORD_CODE_POINTS
LOGIN_FAILED = "login_failed"
PRODUCT_TEAM = "product_team"
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


class AccountError(InputError):
    """A registration or login problem."""


@dataclass(frozen=True)
class LoggedIn:
    customer_id: int
    token: str


@dataclass(frozen=True)
class SignedIn:
    """Who is behind a session token, as the pages show it."""

    customer_id: int
    company_name: str
    email: str
    is_product_team: bool


def normalise_email(email: object) -> str:
    """The address as stored and looked up: NFKC, trimmed, lower-case ("" when unusable)."""
    if not isinstance(email, str):
        return ""
    return input_rules.normalise_email(email) or normalise(email[:1000]).lower()


def password_problem(
    password: object, *, email: str = "", company_name: str = ""
) -> AccountError | None:
    """Why a password is refused (input_rules.password_problem), as the form's error, or None."""
    code = input_rules.password_problem(password, email=email, company_name=company_name)
    if code is None:
        return None
    return AccountError(
        "password",
        code,
        min_length=input_rules.MIN_PASSWORD_CODE_POINTS,
        max_length=input_rules.MAX_PASSWORD_CODE_POINTS,
    )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_ref(token: str) -> str:
    """The reference of a session token the pages may keep: its hash, as the database keeps it."""
    return _token_hash(token) if isinstance(token, str) and token else ""


@dataclass(frozen=True)
class Registered:
    """What registration did. The page must answer the same either way (no enumeration):
    `customer_id` is for tests and logs, never for the answer."""

    customer_id: int | None


def register(
    *, email: object, password: object, company_name: object, client_address: str | None = None
) -> Registered:
    """Create the account with a CRM in Cloud trial (from the store's today) and welcome it by
    email; for an address that already has an account (or looks like one), create nothing and
    tell that account's owner by email instead. The caller answers the same in both cases."""
    address = input_rules.normalise_email(email)
    if address is None:
        raise AccountError("email", "email_invalid")
    company = visible_text(company_name) if isinstance(company_name, str) else None
    if company is None:
        raise AccountError("company_name", "text_hidden_characters", label="Ragione sociale")
    company = " ".join(company.split())
    if not 2 <= len(company) <= 100:
        raise AccountError("company_name", "company_name_length")
    problem = password_problem(password, email=address, company_name=company)
    if problem:
        raise problem
    services().throttle.attempt("register", account=address, address=client_address, field="email")
    password_hash = hash_password(password)  # also for a known address: the same time either way
    today = clock.today()
    with session_scope() as session:
        existing = customers.find_lookalike(session, address)
        if existing is not None:
            if existing.email == address:
                notify_registration_attempt(session, existing, today.isoformat())
            audit.record(
                session,
                action="registration_refused",
                actor_customer_id=None,
                after={"reason": "same" if existing.email == address else "lookalike"},
            )
            return Registered(None)
        try:
            with session.begin_nested():
                customer = customers.add_customer(
                    session, email=address, password_hash=password_hash, company_name=company
                )
        except IntegrityError:
            return Registered(None)  # registered a moment ago by a concurrent request
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
        return Registered(customer.id)


def start_trial(session: Session, customer: Customer, today: date) -> Licence:
    """The trial licence of a new account (inside the caller's unit of work)."""
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


def login(*, email: object, password: object, client_address: str | None = None) -> LoggedIn:
    """Log in; throttled per account and per client address (billing/throttle.py): failures
    count, a success clears the account's count."""
    password = password if isinstance(password, str) else ""
    account = normalise_email(email)
    throttle = services().throttle
    throttle.check_locked("login", account=account, address=client_address, field="password")
    with session_scope() as session:
        customer = customers.find_by_email(session, account)
        if customer is None:
            _hasher.hash(password)  # same work either way: no hint that the email is unknown
            throttle.failed("login", account=account, address=client_address)
            raise AccountError("password", LOGIN_FAILED)
        try:
            _hasher.verify(customer.password_hash, password)
        except (VerificationError, InvalidHashError) as exc:
            throttle.failed("login", account=account, address=client_address)
            raise AccountError("password", LOGIN_FAILED) from exc
        if _hasher.check_needs_rehash(customer.password_hash):
            customer.password_hash = hash_password(password)
            session.add(customer)
        throttle.succeeded("login", account=account)
        return _open_session(session, customer)


def _open_session(session: Session, customer: Customer) -> LoggedIn:
    token = secrets.token_urlsafe(32)
    customers.add_auth_session(
        session,
        customer_id=customer.id,
        token_hash=_token_hash(token),
        expires_at=utcnow() + min(SESSION_IDLE, SESSION_LIFETIME),
    )
    return LoggedIn(customer_id=customer.id, token=token)


def signed_in(token: str, now: datetime | None = None) -> SignedIn | None:
    """The logged-in customer behind a session token, or None (unknown, expired, revoked)."""
    if not token or not isinstance(token, str):
        return None
    return signed_in_by_ref(session_ref(token), now)


def signed_in_by_ref(ref: str, now: datetime | None = None) -> SignedIn | None:
    """The same, from the token's reference; a use slides the idle expiry (up to the maximum)."""
    if not ref or not isinstance(ref, str) or len(ref) != 64:
        return None
    now = now or utcnow()
    with session_scope() as session:
        row = customers.live_auth_session(session, ref, now)
        customer = customers.get_customer(session, row.customer_id) if row else None
        if customer is None:
            return None
        slid = min(now + SESSION_IDLE, row.created_at + SESSION_LIFETIME)
        if slid - row.expires_at >= SESSION_SLIDE_STEP:
            customers.extend_auth_session(session, row, slid)
        return SignedIn(
            customer_id=customer.id,
            company_name=customer.company_name,
            email=customer.email,
            is_product_team=customer.role == PRODUCT_TEAM,
        )


def is_product_team(customer_id: int) -> bool:
    """True when this customer (in the database, now) is a member of the product team."""
    with session_scope() as session:
        customer = customers.get_customer(session, customer_id)
        return customer is not None and customer.role == PRODUCT_TEAM


def logout(token: str) -> None:
    if token and isinstance(token, str):
        logout_by_ref(session_ref(token))


def logout_by_ref(ref: str) -> None:
    if ref and isinstance(ref, str):
        with session_scope() as session:
            customers.revoke_auth_session(session, ref)


def logout_everywhere(customer_id: int) -> int:
    """End every live session of the customer (all browsers); how many were ended."""
    with session_scope() as session:
        ended = customers.revoke_all_auth_sessions(session, customer_id, utcnow())
        audit.record(
            session,
            action="logout_everywhere",
            actor_customer_id=customer_id,
            after={"ended": ended},
        )
        return ended
