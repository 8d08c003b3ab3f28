"""Benchmarks only (TS_STORE_BENCHMARK=1): count SQL statements on the store's engine and calls
into the Stripe gateway, process-wide, so a benchmark can check that a preview makes none."""

from __future__ import annotations

import functools
import inspect

import sqlalchemy as sa

from ts_store.payments.gateway import StripeGateway
from ts_store.store.db import get_engine

CALLS = {"sql": 0, "stripe": 0}
_INSTALLED: list[bool] = []


def install() -> None:
    """Start counting (once per process: a second call changes nothing)."""
    if _INSTALLED:
        return
    _INSTALLED.append(True)

    @sa.event.listens_for(get_engine(), "before_cursor_execute")
    def _count_sql(*_args):
        CALLS["sql"] += 1

    for name, method in inspect.getmembers(StripeGateway, inspect.iscoroutinefunction):
        if name.startswith("_"):
            continue

        @functools.wraps(method)
        async def counted(self, *args, __method=method, **kwargs):
            CALLS["stripe"] += 1
            return await __method(self, *args, **kwargs)

        setattr(StripeGateway, name, counted)
