"""The benchmark scripts still start, parse their options and speak the app's protocol.

No timing is asserted anywhere: benchmarks print figures, tests check behaviour. The one e2e
test runs the state-size benchmark on the real app (built with TS_STORE_BENCHMARK=1) for a
couple of previews and checks what it reports: a preview makes no SQL statement and no Stripe
call, and its state delta and session state stay within the issue's limits.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest
import reflex as rx

from benchmarks import (
    _harness,
    backend_throughput,
    first_load,
    preview_latency,
    price_impact,
    quote_batch,
    renewals_at_scale,
    run_all,
    state_size,
    stripe_hang,
)
from ts_store.ui.pages import bench
from ts_store.ui.pages.licence import ChangeState, LicenceState

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "module",
    [
        preview_latency,
        backend_throughput,
        first_load,
        quote_batch,
        state_size,
        stripe_hang,
        price_impact,
        renewals_at_scale,
    ],
)
def test_every_benchmark_parses_help_without_starting_anything(module, capsys):
    with pytest.raises(SystemExit) as exit_info:
        module.main(["--help"])
    assert exit_info.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_run_all_lists_only_scripts_that_exist():
    assert run_all.SCRIPTS
    for command in run_all.SCRIPTS:
        assert (ROOT / "benchmarks" / command.split()[0]).is_file()


def test_summary_reports_median_p95_and_max_of_unsorted_samples(capsys):
    figures = _harness.summary("sample", [float(n) for n in range(100, 0, -1)])
    assert figures == {"median": 50.5, "p95": 95.0, "max": 100.0}
    assert "median=" in capsys.readouterr().out


def test_summary_of_a_single_sample_is_that_sample(capsys):
    assert _harness.summary("one", [3.0]) == {"median": 3.0, "p95": 3.0, "max": 3.0}


def test_quote_batch_tiny_run_quotes_every_request_without_errors(capsys):
    quote_batch.main(["--count", "40", "--runs", "1"])
    out = capsys.readouterr().out
    assert "requests: 40  answers: 40  errors: 0" in out
    assert "quote engine alone" in out


def test_throughput_events_address_real_handlers_of_the_licence_change_state():
    """The replayed socket.io events name the change editor's handlers by Reflex's full name."""
    events = backend_throughput._events(7)
    assert ChangeState.get_full_name() == backend_throughput.LICENCE_STATE
    for event in events:
        state_name, handler = event["name"].rsplit(".", 1)
        assert state_name == ChangeState.get_full_name()
        assert handler in ChangeState.event_handlers
        assert event["router_data"]["query"] == {"licence_id": "7"}
    plans = [event["payload"]["code"] for event in events if "payload" in event]
    assert plans == ["business", "pro"]


def test_server_timings_summarise_per_handler_and_start_a_new_window():
    bench.SERVER_MS.clear()
    bench.SERVER_MS["add_seat"] = [float(n) for n in range(1, 21)]
    figures = bench.server_timings()
    assert figures == {"add_seat": {"n": 20, "median": 10.5, "p95": 19.0}}
    assert bench.server_timings() == {}


def test_timer_wraps_the_handlers_already_on_the_namespace_instance_once():
    """The event guard replaces `on_event` on the namespace instance: the timer must wrap that
    one (a wrapper on the class never ran), and a second install must not time twice."""
    calls = []

    class Namespace:
        sid_to_token = {"sid-1": "token-1"}

        async def on_event(self, sid, data):
            calls.append(("on_event", sid, data["name"]))

        async def emit_update(self, update, token):
            calls.append(("emit_update", update, token))

    namespace = Namespace()

    async def guarded_on_event(sid, data):  # what install_event_guard puts on the instance
        calls.append(("guard", sid))
        await Namespace.on_event(namespace, sid, data)

    namespace.on_event = guarded_on_event
    app = types.SimpleNamespace(event_namespace=namespace)
    bench.install_timer(app)
    bench.install_timer(app)
    bench.SERVER_MS.clear()

    async def one_event():
        await namespace.on_event("sid-1", {"name": "state.configure_step.set_plan"})
        await namespace.emit_update(update="delta", token="token-1")

    asyncio.run(one_event())
    assert calls == [
        ("guard", "sid-1"),
        ("on_event", "sid-1", "state.configure_step.set_plan"),
        ("emit_update", "delta", "token-1"),
    ]
    assert list(bench.SERVER_MS) == ["set_plan"]
    assert len(bench.SERVER_MS["set_plan"]) == 1
    bench.SERVER_MS.clear()


def test_session_state_bytes_cover_every_substate_of_the_tab():
    root = rx.State(_reflex_internal_init=True)
    bench_state = root.get_substate(bench.BenchState.get_full_name().split("."))
    sizes = bench.session_state_bytes(bench_state)
    assert bench.BenchState.get_full_name() in sizes
    assert LicenceState.get_full_name() in sizes
    assert all(size > 0 for size in sizes.values())


COUNTING_SCRIPT = """
import asyncio, json, sqlalchemy as sa
from ts_store.payments.config import StripeSettings
from ts_store.payments.gateway import StripeGateway
from ts_store.store.db import get_engine
from ts_store.ui.pages import bench

bench.install_counters()
bench.install_counters()  # a second install must not count twice
with get_engine().connect() as connection:
    connection.execute(sa.text("SELECT 1"))
    connection.execute(sa.text("SELECT 2"))
settings = StripeSettings(**json.loads(input()))
gateway = StripeGateway(settings)
asyncio.run(gateway.customer_exists("cus_missing"))
print(json.dumps(bench.CALLS))
"""


@pytest.mark.stripe
def test_counters_count_sql_statements_and_stripe_calls_once_each(tmp_path, stripe_settings):
    """Run in a fresh process: the counters patch the gateway and the engine process-wide."""
    env = dict(os.environ, TS_STORE_DB_URL=f"sqlite:///{tmp_path / 'counted.db'}")
    settings = {
        "secret_key": stripe_settings.secret_key,
        "publishable_key": stripe_settings.publishable_key,
        "api_base": stripe_settings.api_base,
        "js_url": stripe_settings.js_url,
        "webhook_secret": stripe_settings.webhook_secret,
    }
    process = subprocess.run(
        [sys.executable, "-c", COUNTING_SCRIPT],
        input=json.dumps(settings),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert process.returncode == 0, process.stderr
    calls = json.loads(process.stdout.strip().splitlines()[-1])
    assert calls["stripe"] == 1
    assert calls["sql"] >= 2  # our two statements (SQLite's pragmas on connect count too)


@pytest.mark.e2e
def test_state_size_benchmark_on_the_real_app_previews_without_sql_or_stripe():
    """In its own process: the e2e session's Playwright already owns this one's event loop."""
    result = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve().parents[1] / "benchmarks/state_size.py"),
            "--previews",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "serialized state per session" in result.stdout
    assert "per preview event: 0.000 SQL statements, 0.000 " in result.stdout


def test_throughput_configurations_are_parsed_and_only_redis_runs_workers():
    assert backend_throughput._configurations(["disk:1", "redis:3"]) == [("disk", 1), ("redis", 3)]
    for wrong in (["disk:3"], ["sqlite:1"], ["redis"]):
        with pytest.raises(SystemExit):
            backend_throughput._configurations(wrong)
