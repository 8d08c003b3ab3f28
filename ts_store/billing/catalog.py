"""The catalogue the running process prices with (wired by the bootstrap).

By default: the published catalogue version in force today, from the database
(`catalog_versions.in_force`, docs/pricing-lab.md). `catalog_from_file` reads the file that
seeds version 1 (TS_STORE_CATALOG or the packaged one); a test may wire a fixed catalogue.
"""

from __future__ import annotations

from functools import cache

from ts_store.billing.services import services
from ts_store.domain.catalog import Catalog, load_catalog


@cache
def catalog_from_file() -> Catalog:
    return load_catalog()


def catalog_in_force_today() -> Catalog:
    """The published version in force on the store's today."""
    from ts_store.billing import catalog_versions, clock  # they read the services at call time

    return catalog_versions.in_force(clock.today()).catalog


def current_catalog() -> Catalog:
    return services().catalog()
