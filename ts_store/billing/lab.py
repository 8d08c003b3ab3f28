"""The product team's laboratory: every licence's next renewal and every document issued, on the
store's real date. Time is simulated only on a copy of the data (`simulation`). Callers check
the role first (`accounts.is_product_team`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ts_store.billing import clock, documents, renewals
from ts_store.billing.documents import DocumentView
from ts_store.billing.renewals import LicenceSchedule


@dataclass(frozen=True)
class LabOverview:
    today: date
    schedule: list[LicenceSchedule]
    documents: list[DocumentView]  # newest first


def lab_overview() -> LabOverview:
    today = clock.today()
    return LabOverview(
        today=today,
        schedule=renewals.schedule(today),
        documents=list(reversed(documents.all_documents())),
    )
