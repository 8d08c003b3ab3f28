"""The catalogue the running process uses: loaded once, so a changed file shows after a restart."""

from __future__ import annotations

from functools import cache

from ts_store.domain.catalog import Catalog, load_catalog


@cache
def current_catalog() -> Catalog:
    return load_catalog()
