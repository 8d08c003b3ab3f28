"""Benchmark-only pages (mounted when TS_STORE_BENCHMARK=1): the framework's floor and counters.

`/bench` has a counter whose event does nothing but add one — the cheapest Reflex round trip —
and the same counter driven by a native `<select>` change (controlled by the state like the
wizard's plan dropdown, so this floor includes the frame the browser renders for a dropdown
change). It shows how many SQL statements and Stripe calls the process has made, so a
benchmark can check that preview events make none, and, per event handler, how long the
backend took from receiving the event to sending its first state update (the server's share
of the preview latency); reading them starts a new measurement window. `/bench/pagina` has the same
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

from ts_store.billing import call_counters, purchase
from ts_store.billing.call_counters import CALLS
from ts_store.billing.catalog import current_catalog
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration
from ts_store.ui.components.layout import page_shell
from ts_store.ui.components.quote_summary import QuoteView, quote_summary, quote_view
from ts_store.ui.theme import NATIVE_SELECT_STYLE

__all__ = ["CALLS", "install_counters", "install_timer"]
_STARTED: dict[str, tuple[str, float]] = {}  # client token -> (event name, start)
SERVER_MS: dict[str, list[float]] = {}  # handler name -> backend milliseconds per event


def install_counters() -> None:
    """Count SQL statements on the app's engine and calls into the Stripe gateway
    (`call_counters`). Installed once per process."""
    call_counters.install()


def install_timer(app) -> None:
    """Time each event in the backend: received on the socket -> first state update sent.

    Wraps the app's namespace instance, where python-socketio looks handlers up, in front of
    whatever is there: the event guard (`ts_store/ui/event_guard.py`) already replaced
    `on_event` on the instance, so a wrapper on the class would never run (the figures read
    "n/a" from the day the guard came in). The guard's check counts as backend time."""
    namespace = app.event_namespace
    if getattr(namespace, "_ts_store_timed", False):
        return
    on_event, emit_update = namespace.on_event, namespace.emit_update  # bound

    async def timed_on_event(sid, data):
        token = namespace.sid_to_token.get(sid)
        if token is not None and isinstance(data, dict):
            handler = str(data.get("name", "")).rsplit(".", 1)[-1]
            _STARTED[token] = (handler, time.perf_counter())
        return await on_event(sid, data)

    async def timed_emit_update(update, token):
        started = _STARTED.pop(token, None)
        if started is not None:
            handler, start = started
            SERVER_MS.setdefault(handler, []).append((time.perf_counter() - start) * 1000)
        return await emit_update(update, token)

    namespace.on_event = timed_on_event
    namespace.emit_update = timed_emit_update
    namespace._ts_store_timed = True


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
    choice: str = "a"
    select_count: int = 0
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
    def choose(self, value: str):
        """The select floor: a native `<select>` change that only keeps the choice and adds one."""
        if value in ("a", "b"):
            self.choice = value
        self.select_count += 1

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
        rx.el.select(
            rx.el.option("Scelta A", value="a"),
            rx.el.option("Scelta B", value="b"),
            value=BenchState.choice,
            on_change=BenchState.choose,
            id="bench-select",
            aria_label="Scelta",
            style=NATIVE_SELECT_STYLE,
        ),
        rx.text(BenchState.select_count, id="bench-select-count"),
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
