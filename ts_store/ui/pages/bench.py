"""Benchmark-only page (mounted when TS_STORE_BENCHMARK=1): the framework's floor and counters.

`/bench` has a counter whose event does nothing but add one — the cheapest Reflex round trip —
and shows how many SQL statements and Stripe calls the process has made, so a benchmark can
check that preview events make none.
"""

from __future__ import annotations

import functools
import inspect

import reflex as rx
import sqlalchemy as sa

from ts_store.payments.gateway import StripeGateway
from ts_store.store.db import get_engine

CALLS = {"sql": 0, "stripe": 0}


def install_counters() -> None:
    """Count SQL statements on the app's engine and calls into the Stripe gateway."""

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


class BenchState(rx.State):
    count: int = 0
    sql_calls: int = -1
    stripe_calls: int = -1

    @rx.event
    def increment(self):
        self.count += 1

    @rx.event
    def read_counters(self):
        self.sql_calls, self.stripe_calls = CALLS["sql"], CALLS["stripe"]


def bench_page() -> rx.Component:
    return rx.vstack(
        rx.heading("Benchmark"),
        rx.button("+1", on_click=BenchState.increment, id="bench-increment"),
        rx.text(BenchState.count, id="bench-count"),
        rx.button("Leggi contatori", on_click=BenchState.read_counters, id="bench-read"),
        rx.text(BenchState.sql_calls, id="bench-sql"),
        rx.text(BenchState.stripe_calls, id="bench-stripe"),
        padding="2rem",
    )
