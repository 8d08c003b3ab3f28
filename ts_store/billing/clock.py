"""One clock for the whole store: the real date.

'Today' is the TS_STORE_TODAY environment variable when set at start (tests, demos), else the
real date in Europe/Rome. The live store's clock is never moved: the laboratory simulates time on
a copy of the data (`ts_store.billing.simulation`, docs/pricing-lab.md). The bootstrap installs
`StoreClock`; `today()` asks the installed clock.
"""

from __future__ import annotations

import os
from datetime import date

from ts_store.billing.services import services
from ts_store.domain.calendar import parse_iso_date, rome_today


class StoreClock:
    """TS_STORE_TODAY, else today in Rome."""

    def today(self) -> date:
        configured = os.environ.get("TS_STORE_TODAY", "").strip()
        if configured:
            return parse_iso_date(configured)
        return rome_today()


def today() -> date:
    return services().clock.today()
