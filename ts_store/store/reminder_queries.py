"""What the daily reminders look at: trials near their end, annual renewals near their date,
default cards near their expiry."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from ts_store.domain.lifecycle import LicenceStatus
from ts_store.store.models import Licence, PaymentMethod


def trials_ending_within(session: Session, today: date, days: int) -> list[Licence]:
    """Trials whose end (`trial_ends_on`, the first day without trial) is 1..`days` ahead."""
    return list(
        session.exec(
            select(Licence)
            .where(Licence.status == str(LicenceStatus.TRIAL))
            .where(Licence.trial_ends_on > today)
            .where(Licence.trial_ends_on <= today + timedelta(days=days))
            .order_by(Licence.id)
        )
    )


def annual_renewals_within(session: Session, today: date, days: int) -> list[Licence]:
    """Active annual licences renewing 1..`days` ahead (a cancelled one does not renew)."""
    return list(
        session.exec(
            select(Licence)
            .where(Licence.status == str(LicenceStatus.ACTIVE))
            .where(Licence.cancel_at_period_end.is_(False))
            .where(Licence.renewal_cycle == "annual")
            .where(Licence.period_end > today)
            .where(Licence.period_end <= today + timedelta(days=days))
            .order_by(Licence.id)
        )
    )


def default_cards(session: Session) -> list[PaymentMethod]:
    return list(
        session.exec(
            select(PaymentMethod)
            .where(PaymentMethod.is_default.is_(True))
            .order_by(PaymentMethod.id)
        )
    )
