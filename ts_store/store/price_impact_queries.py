"""The live licences that 'Impatto sui clienti' prices (a Session comes in).

Plain column tuples, not ORM objects: the impact reads every live licence (10,000 in the
benchmark) and building a Licence object per row would cost more than pricing it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlmodel import Session, select

from ts_store.domain.lifecycle import LicenceStatus
from ts_store.store.models import Customer, Licence, PriceChangeNotice

LiveRow = tuple[
    int, str, str, bool, str, str, str, str, int, date, int | None, date | None, int | None
]


def live_licence_rows(session: Session, batch: int = 2000) -> Iterator[list[LiveRow]]:
    """Active and past-due licences with a configuration, in batches, by licence number:
    (id, company, status, cancelling, plan, cycle, renewal plan, renewal cycle, renewal seats,
    period end, anchor day, period start, catalogue version that priced it)."""
    statement = (
        select(
            Licence.id,
            Customer.company_name,
            Licence.status,
            Licence.cancel_at_period_end,
            Licence.plan,
            Licence.cycle,
            Licence.renewal_plan,
            Licence.renewal_cycle,
            Licence.renewal_seats,
            Licence.period_end,
            Licence.anchor_day,
            Licence.period_start,
            Licence.catalog_version_id,
        )
        .join(Customer, Customer.id == Licence.customer_id)
        .where(Licence.status.in_([LicenceStatus.ACTIVE, LicenceStatus.PAST_DUE]))
        .where(Licence.data_removed_on.is_(None))
        .where(Licence.plan.is_not(None), Licence.period_end.is_not(None))
        .order_by(Licence.id)
    )
    result = session.exec(statement)
    while rows := result.fetchmany(batch):
        yield [tuple(row) for row in rows]


def standing_notices(session: Session) -> list[tuple[int, int, date]]:
    """Every price-change notice not withdrawn: (licence id, version id, renewal it moves at)."""
    rows = session.exec(
        select(
            PriceChangeNotice.licence_id,
            PriceChangeNotice.catalog_version_id,
            PriceChangeNotice.moves_on,
        ).where(PriceChangeNotice.withdrawn_on.is_(None))
    ).all()
    return [tuple(row) for row in rows]
