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
# The reconciliation pass alone, much more often: with operations stale after 60 s, a lost
# Stripe answer is settled within 60 + 30 s (docs/recovery.md).
RECONCILE_INTERVAL_ENV = "TS_STORE_RECONCILE_INTERVAL_SECONDS"
DEFAULT_RECONCILE_INTERVAL_SECONDS = 30.0


def interval_seconds(
    environ: Mapping[str, str] | None = None,
    name: str = INTERVAL_ENV,
    default: float = DEFAULT_INTERVAL_SECONDS,
) -> float:
    """Seconds between two runs; 0 means disabled. A bad value falls back to the default."""
    raw = (os.environ if environ is None else environ).get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        log.warning("%s=%r is not a number: using %s", name, raw, default)
        return default
    return max(value, 0.0)


def reconcile_interval_seconds(environ: Mapping[str, str] | None = None) -> float:
    return interval_seconds(environ, RECONCILE_INTERVAL_ENV, DEFAULT_RECONCILE_INTERVAL_SECONDS)


async def periodic_reconciliation(
    interval: float | None = None, gateway: StripeGateway | None = None
) -> None:
    """Settle lost answers and refund extra or late payments every `interval` seconds."""
    seconds = reconcile_interval_seconds() if interval is None else interval
    if seconds <= 0:
        log.info("reconciliation task disabled (%s=0)", RECONCILE_INTERVAL_ENV)
        return
    while True:
        try:
            report = await settle_and_refund(gateway=gateway)
            if report.lines():
                log.info("%s", report.summary())
        except asyncio.CancelledError:
            raise
        except Exception:  # the next run tries again
            log.exception("reconciliation run failed")
        await asyncio.sleep(seconds)


async def run_once(gateway: StripeGateway | None = None) -> RenewalReport:
    """One run for the store's 'today' (TS_STORE_TODAY, else the real date).

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
