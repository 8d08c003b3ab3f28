"""Benchmark-only pages (mounted when TS_STORE_BENCHMARK=1): the framework's floor and counters.

`/bench` has a counter whose event does nothing but add one — the cheapest Reflex round trip —
and shows how many SQL statements and Stripe calls the process has made, so a benchmark can
check that preview events make none. It also shows, per event handler, how long the backend
took from receiving the event to sending its first state update (the server's share of the
preview latency); reading them starts a new measurement window. `/bench/pagina` has the same
counter inside the app's page frame. `/bench/riepilogo` has the app's price summary card, whose
event only swaps two views computed once at start: what updating that card costs in Reflex
with no quote, no formatting and no page around it.
"""

from __future__ import annotations

import functools
import json
import statistics
import time
from datetime import date

import reflex as rx
from reflex.app import EventNamespace

from ts_store.billing import call_counters, purchase
from ts_store.billing.call_counters import CALLS
from ts_store.billing.catalog import current_catalog
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration
from ts_store.ui.components.layout import page_shell
from ts_store.ui.components.quote_summary import QuoteView, quote_summary, quote_view

__all__ = ["CALLS", "install_counters"]
_STARTED: dict[str, tuple[str, float]] = {}  # client token -> (event name, start)
SERVER_MS: dict[str, list[float]] = {}  # handler name -> backend milliseconds per event
_INSTALLED: list[bool] = []


def install_counters() -> None:
    """Count SQL statements on the app's engine and calls into the Stripe gateway
    (`call_counters`), and time each event in the backend (received -> first update sent).
    Installed once per process."""
    call_counters.install()
    if _INSTALLED:
        return
    _INSTALLED.append(True)

    on_event, emit_update = EventNamespace.on_event, EventNamespace.emit_update

    @functools.wraps(on_event)
    async def timed_on_event(self, sid, data):
        token = self.sid_to_token.get(sid)
        if token is not None and isinstance(data, dict):
            handler = str(data.get("name", "")).rsplit(".", 1)[-1]
            _STARTED[token] = (handler, time.perf_counter())
        return await on_event(self, sid, data)

    @functools.wraps(emit_update)
    async def timed_emit_update(self, update, token):
        started = _STARTED.pop(token, None)
        if started is not None:
            handler, start = started
            SERVER_MS.setdefault(handler, []).append((time.perf_counter() - start) * 1000)
        return await emit_update(self, update, token)

    EventNamespace.on_event = timed_on_event
    EventNamespace.emit_update = timed_emit_update


def server_timings() -> dict[str, dict[str, float]]:
    """Median / p95 / count of the backend time per handler since the last call; resets."""
    figures = {}
    for handler, samples in SERVER_MS.items():
        ordered = sorted(samples)
        figures[handler] = {
            "n": len(ordered),
            "median": round(statistics.median(ordered), 3),
            "p95": round(ordered[max(0, round(0.95 * len(ordered)) - 1)], 3),
        }
    SERVER_MS.clear()
    return figures


def session_state_bytes(state: rx.State) -> dict[str, int]:
    """Pickled bytes of each substate of this tab's session, as the state manager stores them."""
    sizes: dict[str, int] = {}
    pending = [state._get_root_state()]
    while pending:
        current = pending.pop()
        sizes[current.get_full_name()] = len(current._serialize())
        pending.extend(current.substates.values())
    return sizes


@functools.cache
def _summary_views() -> tuple[QuoteView, QuoteView]:
    """Two purchase quotes one user apart (Pro monthly, 2 and 3 users), as the wizard shows."""
    catalog = current_catalog()
    return tuple(
        quote_view(
            purchase.preview(Configuration("pro", Cycle.MONTHLY, seats), date(2026, 11, 28)),
            catalog,
        )
        for seats in (2, 3)
    )


class BenchState(rx.State):
    count: int = 0
    summary: QuoteView = QuoteView()
    reads: int = 0
    sql_calls: int = -1
    stripe_calls: int = -1
    server_ms: str = ""
    state_bytes: str = ""

    @rx.event
    def increment(self):
        self.count += 1

    @rx.event
    def increment_in_shell(self):
        """The same counter, clicked in the app's page frame (header, footer, theme)."""
        self.count += 1

    @rx.event
    def swap_summary(self):
        """The summary card's floor: no quote, no formatting, only the precomputed views."""
        self.count += 1
        self.summary = _summary_views()[self.count % 2]

    @rx.event
    def read_counters(self):
        self.sql_calls, self.stripe_calls = CALLS["sql"], CALLS["stripe"]
        self.reads += 1
        self.server_ms = json.dumps(server_timings())

    @rx.event
    def read_state_size(self):
        """Only the serialized size of this tab's session (open /bench in the measured tab)."""
        self.state_bytes = json.dumps(session_state_bytes(self))


def bench_page() -> rx.Component:
    return rx.vstack(
        rx.heading("Benchmark"),
        rx.button("+1", on_click=BenchState.increment, id="bench-increment"),
        rx.text(BenchState.count, id="bench-count"),
        rx.button("Leggi contatori", on_click=BenchState.read_counters, id="bench-read"),
        rx.text(BenchState.reads, id="bench-reads"),
        rx.text(BenchState.sql_calls, id="bench-sql"),
        rx.text(BenchState.stripe_calls, id="bench-stripe"),
        rx.text(BenchState.server_ms, id="bench-server-ms"),
        rx.button("Dimensione stato", on_click=BenchState.read_state_size, id="bench-state"),
        rx.text(BenchState.state_bytes, id="bench-state-bytes"),
        padding="2rem",
    )


def bench_summary_page() -> rx.Component:
    return rx.vstack(
        rx.button("Cambia", on_click=BenchState.swap_summary, id="bench-summary-swap"),
        rx.box(quote_summary(BenchState.summary, prefix="bench"), width="28rem"),
        padding="2rem",
    )


def bench_shell_page() -> rx.Component:
    """The floor's counter inside the frame every page of the app has, so the floor can be
    compared with and without the cost of laying out a real page."""
    return page_shell(
        rx.card(
            rx.hstack(
                rx.button("+1", on_click=BenchState.increment_in_shell, id="bench-shell-increment"),
                rx.text(BenchState.count, id="bench-shell-count"),
                align="center",
            ),
        ),
        title="Benchmark",
        logged_in=False,
    )
