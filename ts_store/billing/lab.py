"""The product team's laboratory: move the store's clock, run the renewal job up to it, and
read every licence's next renewal and every document issued. Callers check the role first
(`accounts.is_product_team`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ts_store.billing import clock, documents, renewals
from ts_store.billing.documents import DocumentView
from ts_store.billing.renewals import LicenceSchedule, RenewalReport
from ts_store.store import audit, settings
from ts_store.store.db import session_scope


@dataclass(frozen=True)
class LabOverview:
    today: date
    simulated: bool
    schedule: list[LicenceSchedule]
    documents: list[DocumentView]  # newest first


def lab_overview() -> LabOverview:
    today = clock.today()
    return LabOverview(
        today=today,
        simulated=clock.simulated_today() is not None,
        schedule=renewals.schedule(today),
        documents=list(reversed(documents.all_documents())),
    )


def _set_date(actor_customer_id: int, before: date | None, value: date | None, **note) -> None:
    with session_scope() as session:
        settings.set_setting(
            session, settings.SIMULATED_TODAY, value.isoformat() if value is not None else None
        )
        audit.record(
            session,
            action="lab_simulated_today",
            actor_customer_id=actor_customer_id,
            before={"today": before},
            after={"today": value, **note},
        )


async def run_until(actor_customer_id: int, start: date, target: date) -> RenewalReport:
    """Run the renewal job as if every day from `start` to `target` passed, then set the
    simulated date to `target` (every process sees it)."""
    report = await renewals.renew_through(start, target)
    _set_date(actor_customer_id, start, target, renewals=report.summary())
    return report


def clear_date(actor_customer_id: int) -> None:
    """Back to the real date (Europe/Rome, or TS_STORE_TODAY): no renewal is run."""
    _set_date(actor_customer_id, clock.simulated_today(), None)
