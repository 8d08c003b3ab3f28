""" "Password dimenticata?": a single-use link, valid 30 minutes, to choose a new password.

- The request answers the same whether the email has an account or not (the caller shows one
  neutral message); only an existing account gets the email.
- The link carries a random token; the database keeps its SHA-256 only. The raw token lives in
  the queued email's params until the email is sent, then it is removed (docs/notifications.md).
- Setting the password uses registration's password rule (`accounts.password_problem`),
  spends every open link of the customer, ends every session of the customer, and queues a
  confirmation email, all in one transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from ts_store.billing import accounts
from ts_store.billing.errors import UseCaseError
from ts_store.billing.notifications import notify_account
from ts_store.billing.services import services
from ts_store.domain.notifications import MessageKind
from ts_store.store import customers, password_resets
from ts_store.store.db import session_scope
from ts_store.store.models import utcnow

RESET_LIFETIME = timedelta(minutes=30)
TOKEN_MAX_LENGTH = 100  # token_urlsafe(32) is 43 characters; anything much longer is not ours


class ResetLinkInvalid(UseCaseError):
    """Unknown, expired or already used link. One code for all three: the page says the same."""

    code = "reset_link_invalid"

    def __init__(self) -> None:
        super().__init__(self.code)
        self.params: dict[str, object] = {}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _plausible(token: object) -> bool:
    return isinstance(token, str) and 0 < len(token) <= TOKEN_MAX_LENGTH


def request_reset(
    email: str, now: datetime | None = None, client_address: str | None = None
) -> None:
    """Queue a reset email if `email` has an account; do nothing visible otherwise.

    Throttled per address asked for and per client address, whether the account exists or not
    (billing/throttle.py), so the form floods no one's mailbox and reveals nothing."""
    moment = now or utcnow()
    account = accounts.normalise_email(email)
    services().throttle.attempt(
        "password_reset", account=account, address=client_address, field="email"
    )
    with session_scope() as session:
        customer = customers.find_by_email(session, account)
        if customer is None:
            return
        token = secrets.token_urlsafe(32)
        reset = password_resets.add_reset(
            session,
            customer_id=customer.id,
            token_hash=token_hash(token),
            now=moment,
            expires_at=moment + RESET_LIFETIME,
        )
        notify_account(
            session,
            customer,
            MessageKind.PASSWORD_RESET,
            f"password_reset:{reset.id}",
            {
                "reset_token": token,
                "expires_at": reset.expires_at.isoformat(),
                "valid_minutes": int(RESET_LIFETIME.total_seconds() // 60),
            },
        )


def check_reset_link(token: str, now: datetime | None = None) -> None:
    """Raise ResetLinkInvalid unless the link can still set a password (nothing is spent)."""
    if not _plausible(token):
        raise ResetLinkInvalid()
    with session_scope() as session:
        if password_resets.usable_reset(session, token_hash(token), now or utcnow()) is None:
            raise ResetLinkInvalid()


def reset_password(token: str, password: str, now: datetime | None = None) -> None:
    """Set the new password through the link, once.

    Raises ResetLinkInvalid (unknown, expired, used) or accounts.AccountError (field
    "password") when the password breaks registration's rule; nothing changes then.
    """
    if not _plausible(token):
        raise ResetLinkInvalid()
    moment = now or utcnow()
    with session_scope() as session:
        reset = password_resets.usable_reset(session, token_hash(token), moment)
        if reset is None:
            raise ResetLinkInvalid()
        customer = customers.get_customer(session, reset.customer_id)
        problem = accounts.password_problem(
            password, email=customer.email, company_name=customer.company_name
        )
        if problem:
            raise problem
        if not password_resets.use_reset(session, reset, moment):
            raise ResetLinkInvalid()  # spent by a concurrent request a moment ago
        customer.password_hash = accounts.hash_password(password)
        session.add(customer)
        password_resets.spend_all_resets(session, customer.id, moment)
        password_resets.revoke_all_sessions(session, customer.id, moment)
        notify_account(
            session,
            customer,
            MessageKind.PASSWORD_CHANGED,
            f"password_changed:{reset.id}",
            {"changed_at": moment.isoformat()},
        )
