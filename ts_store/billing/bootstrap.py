"""The one place that wires the billing use cases: appliers, gateway, clock, catalogue.

The app (`ts_store/ts_store.py`), every command (`python -m ts_store.billing …`,
`python -m ts_store.billing.demo`) and the test fixtures call `bootstrap()` once before any use
case runs; nothing registers itself on import. A use case called before it fails with
`NotBootstrapped`, which says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ts_store.billing import changes, purchase, renewals
from ts_store.billing.catalog import catalog_in_force_today
from ts_store.billing.clock import StoreClock
from ts_store.billing.errors import DatabaseUnavailable
from ts_store.billing.services import Applier, Clock, Services, install, services
from ts_store.billing.throttle import Throttle
from ts_store.billing.throttle import from_environment as throttle_from_environment
from ts_store.domain.catalog import Catalog
from ts_store.domain.operations import OperationKind
from ts_store.payments.config import stripe_settings_from_env
from ts_store.payments.gateway import StripeGateway
from ts_store.store.db import set_unavailable_error

# What each kind of operation changes on its licence once paid (or at once when free).
APPLIERS: Mapping[OperationKind, Applier] = {
    OperationKind.PURCHASE: purchase.apply_purchase,
    OperationKind.CHANGE: changes.apply_change_request,
    OperationKind.RENEWAL: renewals.apply_renewal,
}


def bootstrap(
    *,
    gateway: StripeGateway | None = None,
    clock: Clock | None = None,
    catalog: Callable[[], Catalog] | None = None,
    appliers: Mapping[OperationKind, Applier] | None = None,
    throttle: Throttle | None = None,
) -> Services:
    """Wire and install the services of this process; returns them.

    Defaults: the Stripe gateway configured by TS_STORE_STRIPE_* (localstripe without keys),
    the store's clock (TS_STORE_TODAY, else the real date in Rome), the catalogue version in
    force today (database; version 1 is seeded from TS_STORE_CATALOG or the packaged file), the
    appliers of every kind and the throttle of logins and forms (memory, or Redis with
    REFLEX_REDIS_URL: billing/throttle.py). Tests pass their own gateway (or clock, catalogue,
    throttle); `appliers` replaces the applier of the kinds it names.
    """
    wired = Services(
        appliers={**APPLIERS, **(appliers or {})},
        gateway=gateway or StripeGateway(stripe_settings_from_env()),
        clock=clock or StoreClock(),
        catalog=catalog or catalog_in_force_today,
        throttle=throttle or throttle_from_environment(),
    )
    missing = set(OperationKind) - set(wired.appliers)
    if missing:  # pragma: no cover - APPLIERS names every kind
        raise RuntimeError(f"no applier for {sorted(missing)}")
    install(wired)
    set_unavailable_error(DatabaseUnavailable)  # a lost database reaches the pages as a code
    return wired


__all__ = ["APPLIERS", "bootstrap", "services"]
