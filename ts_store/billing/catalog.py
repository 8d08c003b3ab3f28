"""The catalogue the running process uses (wired by the bootstrap: by default the file,
loaded once, so a changed file shows after a restart)."""

from __future__ import annotations

from functools import cache

from ts_store.billing.services import services
from ts_store.domain.catalog import Catalog, load_catalog


@cache
def catalog_from_file() -> Catalog:
    return load_catalog()


def current_catalog() -> Catalog:
    return services().catalog()
