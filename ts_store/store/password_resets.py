""" "Password dimenticata?" links (only the token's hash) and the revocation of every session."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from ts_store.store.models import AuthSession, PasswordReset


def add_reset(
    session: Session, *, customer_id: int, token_hash: str, now: datetime, expires_at: datetime
) -> PasswordReset:
    row = PasswordReset(
        customer_id=customer_id, token_hash=token_hash, created_at=now, expires_at=expires_at
    )
    session.add(row)
    session.flush()
    return row


def usable_reset(session: Session, token_hash: str, now: datetime) -> PasswordReset | None:
    """The link for this token if it is neither used nor expired."""
    row = session.exec(select(PasswordReset).where(PasswordReset.token_hash == token_hash)).first()
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    return row


def use_reset(session: Session, row: PasswordReset, now: datetime) -> bool:
    """Spend the link, once: False when another request spent it first (compare-and-set)."""
    result = session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.id == row.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return result.rowcount == 1


def spend_all_resets(session: Session, customer_id: int, now: datetime) -> None:
    """Every other link of the customer stops working once the password has changed."""
    session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.customer_id == customer_id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()


def revoke_all_sessions(session: Session, customer_id: int, now: datetime) -> int:
    """End every login session of the customer; how many were still open."""
    result = session.execute(
        sa.update(AuthSession)
        .where(AuthSession.customer_id == customer_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return result.rowcount
