"""One clock for the whole store.

'Today' is, in order: the product team's simulated date (stored, so every process agrees),
the TS_STORE_TODAY environment variable (tests, demos), or the real date in Europe/Rome.
The bootstrap installs `StoreClock`; `today()` asks the installed clock.
"""

from __future__ import annotations

import os
from datetime import date

from ts_store.billing.services import services
from ts_store.domain.calendar import parse_iso_date, rome_today
from ts_store.store import settings
from ts_store.store.db import session_scope


class StoreClock:
    """The simulated date, else TS_STORE_TODAY, else today in Rome."""

    def today(self) -> date:
        simulated = simulated_today()
        if simulated is not None:
            return simulated
        configured = os.environ.get("TS_STORE_TODAY", "").strip()
        if configured:
            return parse_iso_date(configured)
        return rome_today()


def today() -> date:
    return services().clock.today()


def simulated_today() -> date | None:
    with session_scope() as session:
        value = settings.get_setting(session, settings.SIMULATED_TODAY)
    return parse_iso_date(value) if value else None
