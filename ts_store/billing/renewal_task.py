"""The renewal job as a periodic task inside the app process.

Registered with ``app.register_lifespan_task`` in ``ts_store/ts_store.py``: it settles charges
whose answer from Stripe was lost (``reconciliation``), then renews; it runs once when
the app starts (catching up after downtime) and then every TS_STORE_RENEWAL_INTERVAL_SECONDS
(default 3600; 0 disables it, e.g. when cron runs ``python -m ts_store.billing renew``).

Several app workers, or a worker and the cron command, may run it at the same time: every
charge goes through an operation row claimed under a key unique per licence and period, and
every other change through the licence's optimistic lock (see ``renewals``).
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
from collections.abc import Mapping

from ts_store.billing import clock
from ts_store.billing.reconciliation import settle_and_refund
from ts_store.billing.reminders import send_reminders
from ts_store.billing.renewals import RenewalReport, renew_due
from ts_store.payments.gateway import StripeGateway

log = logging.getLogger(__name__)

INTERVAL_ENV = "TS_STORE_RENEWAL_INTERVAL_SECONDS"
DEFAULT_INTERVAL_SECONDS = 3600.0


def interval_seconds(environ: Mapping[str, str] | None = None) -> float:
    """Seconds between two runs; 0 means disabled. A bad value falls back to the default."""
    raw = (os.environ if environ is None else environ).get(INTERVAL_ENV, "").strip()
    if not raw:
        return DEFAULT_INTERVAL_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        log.warning("%s=%r is not a number: using %s", INTERVAL_ENV, raw, DEFAULT_INTERVAL_SECONDS)
        return DEFAULT_INTERVAL_SECONDS
    return max(value, 0.0)


async def run_once(gateway: StripeGateway | None = None) -> RenewalReport:
    """One run for the store's 'today' (the simulated date when the product team set one).

    Charges whose answer from Stripe was lost are settled first, so a licence they kept locked
    renews in the same run.
    """
    settled = await settle_and_refund(gateway=gateway)
    if settled.lines():
        log.info("%s", settled.summary())
    today = clock.today()
    report = await renew_due(today, gateway)
    log.info("%s", send_reminders(today).summary())
    return report


async def periodic_renewals(
    interval: float | None = None, gateway: StripeGateway | None = None
) -> None:
    """Run the renewal job now and then every `interval` seconds until cancelled."""
    seconds = interval_seconds() if interval is None else interval
    if seconds <= 0:
        log.info("renewal task disabled (%s=0)", INTERVAL_ENV)
        return
    while True:
        try:
            report = await run_once(gateway)
            log.info("%s", report.summary())
        except asyncio.CancelledError:
            raise
        except Exception:  # the next run tries again; a crash here would stop renewals for good
            log.exception("renewal run failed")
        await asyncio.sleep(seconds)
