"""Backend throughput: N concurrent sessions changing users and plan in "Aggiorna servizi".

A real Chromium logs in once and opens the licence page; the connect packet it sends (Reflex's
`hydrate_and_load`, with the session cookie) is captured and replayed by N python-socketio
clients, each with its own session token — N independent Reflex sessions of that customer on
one app worker. All connect first; then each sends preview events (+ user, plan Business,
+ user, − user, plan Pro, − user) and waits for its state delta: in a closed loop for each N,
then paced at the target rate with the largest N. We report events/s and latency per level.

Run: .venv/bin/python benchmarks/backend_throughput.py [--sessions 1 50 200] [--events 40]
     .venv/bin/python benchmarks/backend_throughput.py --configs disk:1 redis:1 redis:3 \
         --sessions 200 1000      # Reflex's Redis state manager with 1 and 3 Granian workers

With several workers the per-handler timings printed come from whichever worker answered the
read (each worker counts its own); events/s, latencies and CPU cover all of them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import socketio

from benchmarks._harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    app_cpu_seconds,
    running_stack,
    seed_active_customer,
    summary,
)
from benchmarks.preview_latency import _login

NAMESPACE = "/_event"


def licence_state_name() -> str:
    """The full name Reflex gives the licence page's change editor (the state the preview
    events are addressed to, and whose delta answers them)."""
    from ts_store.ui.pages.licence import ChangeState

    return ChangeState.get_full_name()


LICENCE_STATE = licence_state_name()


def capture_connect_auth(stack, customer, licence) -> dict:
    """What the browser sends when it opens the licence page (hydrate + on_load + cookie)."""
    from playwright.sync_api import sync_playwright

    sent: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        _login(page, stack.url, customer.email)
        page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
        page.goto(f"{stack.url}/myarea/licenza/{licence.id}")
        page.wait_for_selector("#seats-input")
        browser.close()
    connect = next(frame for frame in sent if frame.startswith(f"40{NAMESPACE},"))
    return json.loads(connect[len(f"40{NAMESPACE},") :])


def _events(licence_id: int) -> list[dict]:
    """One cycle of previews, each valid (the plan's limits hold), each changing the quote:
    Pro 2 -> 3 users, Business, 4 users, 3 users, Pro, 2 users."""
    router = {
        "pathname": f"/myarea/licenza/{licence_id}",
        "asPath": f"/myarea/licenza/{licence_id}",
        "query": {"licence_id": str(licence_id)},
    }

    def event(handler: str, **payload) -> dict:
        named = {"name": f"{LICENCE_STATE}.{handler}", "router_data": router}
        return {**named, "payload": payload} if payload else named

    return [
        event("add_seat"),
        event("choose_plan", code="business"),
        event("add_seat"),
        event("remove_seat"),
        event("choose_plan", code="pro"),
        event("remove_seat"),
    ]


@dataclass
class Level:
    """What the sessions of one level share: the start signal and what they measured."""

    start: asyncio.Event = field(default_factory=asyncio.Event)
    latencies: list[float] = field(default_factory=list)
    first_sent: float = float("inf")
    last_answered: float = 0.0
    lost: int = 0


async def _connect(url: str, auth: dict) -> tuple[socketio.AsyncClient, asyncio.Queue]:
    client = socketio.AsyncClient(reconnection=False)
    updates: asyncio.Queue = asyncio.Queue()

    async def on_event(data):
        if LICENCE_STATE in json.dumps(data.get("delta", {})):
            await updates.put(time.perf_counter())

    client.on("event", on_event, namespace=NAMESPACE)
    await client.connect(
        f"{url}?token={uuid.uuid4()}",
        socketio_path="/_event",
        transports=["websocket"],
        namespaces=[NAMESPACE],
        auth=auth,
        wait_timeout=30,
    )
    await asyncio.wait_for(updates.get(), 30)  # the page's on_load delta
    return client, updates


async def _session(
    client: socketio.AsyncClient,
    updates: asyncio.Queue,
    events: list[dict],
    count: int,
    level: Level,
    interval: float = 0.0,
) -> None:
    await level.start.wait()
    await asyncio.sleep(interval * random.random())  # spread the paced sessions
    for i in range(count):
        start = time.perf_counter()
        level.first_sent = min(level.first_sent, start)
        await client.emit("event", events[i % len(events)], namespace=NAMESPACE)
        try:
            done = await asyncio.wait_for(updates.get(), 30)
        except TimeoutError:  # no answer in 30 s: counted, and this session stops
            level.lost += count - i
            break
        level.latencies.append((done - start) * 1000)
        level.last_answered = max(level.last_answered, done)
        if interval:
            await asyncio.sleep(max(0.0, start + interval - time.perf_counter()))
    await client.disconnect()


def bench_state_name() -> str:
    from ts_store.ui.pages.bench import BenchState

    return BenchState.get_full_name()


async def read_server_timings(url: str, auth: dict, licence_id: int) -> dict[str, dict]:
    """The app's own per-handler timings (received -> update sent) since the last read, read
    through the benchmark-only BenchState over the same protocol."""
    client, _ = await _connect(url, auth)
    answers: asyncio.Queue = asyncio.Queue()
    bench_state = bench_state_name()

    async def on_event(data):
        values = data.get("delta", {}).get(bench_state, {})
        if "server_ms_rx_state_" in values:
            await answers.put(values["server_ms_rx_state_"])

    client.on("event", on_event, namespace=NAMESPACE)
    read = {
        "name": f"{bench_state}.read_counters",
        "router_data": _events(licence_id)[0]["router_data"],
    }
    await client.emit("event", read, namespace=NAMESPACE)
    timings = json.loads(await asyncio.wait_for(answers.get(), 30) or "{}")
    await client.disconnect()
    return {name: values for name, values in timings.items() if name != "read_counters"}


async def run_level(
    stack, auth: dict, licence_id: int, sessions: int, count: int, rate: float = 0.0
) -> dict[str, float]:
    """All sessions connect first; then each sends `count` previews in a closed loop (the next
    as soon as the last is answered), or paced so that all together send `rate` events/s.
    Events/s are counted from the first event sent to the last answer."""
    url = stack.url
    await read_server_timings(url, auth, licence_id)  # starts the app's measurement window
    level = Level()
    events = _events(licence_id)
    interval = sessions / rate if rate else 0.0
    clients = [await _connect(url, auth) for _ in range(sessions)]
    tasks = [
        asyncio.create_task(_session(client, updates, events, count, level, interval))
        for client, updates in clients
    ]
    app_cpu, own_cpu = app_cpu_seconds(stack), time.process_time()
    level.start.set()
    await asyncio.gather(*tasks)
    elapsed = level.last_answered - level.first_sent
    app_cpu, own_cpu = app_cpu_seconds(stack) - app_cpu, time.process_time() - own_cpu
    mode = f"paced at {rate:.0f}/s" if rate else "closed loop"
    figures = summary(f"{sessions:>3} sessions, {mode}", level.latencies)
    figures["events_per_s"] = len(level.latencies) / elapsed
    figures["app_cpu_pct"] = 100 * app_cpu / elapsed
    figures["lost"] = level.lost
    lost = f", {level.lost} events unanswered within 30 s" if level.lost else ""
    print(
        f"{'':44} {figures['events_per_s']:7.0f} events/s over {elapsed:.1f} s{lost}; CPU: "
        f"app {100 * app_cpu / elapsed:.0f}%, these clients {100 * own_cpu / elapsed:.0f}% "
        "(of one core)"
    )
    backend = await read_server_timings(url, auth, licence_id)
    print(
        f"{'':44} in the app (received -> update sent), median/p95 ms: "
        + ", ".join(f"{name} {v['median']:.2f}/{v['p95']:.2f}" for name, v in backend.items())
    )
    return figures


def _configurations(specs: list[str]) -> list[tuple[str, int]]:
    """ "disk:1 redis:3" -> [("disk", 1), ("redis", 3)]: state manager and Granian workers."""
    parsed = []
    for spec in specs:
        manager, _, workers = spec.partition(":")
        if manager not in ("disk", "memory", "redis") or not workers.isdigit():
            raise SystemExit(f"--configs: {spec!r} is not <disk|memory|redis>:<workers>")
        if manager != "redis" and workers != "1":
            raise SystemExit(f"--configs: {spec!r}: only the Redis state manager runs workers")
        parsed.append((manager, int(workers)))
    return parsed


def compare(configurations: list[tuple[str, int]], sessions: list[int], events: int) -> None:
    """Each configuration on its own freshly built app, the same levels, one table at the end.
    Redis: a private redis-server (tests/fixtures/redis_server.py), never the shared one."""
    from tests.fixtures.redis_server import RedisServer

    rows = []
    for manager, workers in configurations:
        print(f"\n== {manager} state manager, {workers} worker(s)", flush=True)
        redis = RedisServer() if manager == "redis" else None
        env = (
            {"REFLEX_REDIS_URL": redis.url, "GRANIAN_WORKERS": str(workers)}
            if redis
            else {"REFLEX_STATE_MANAGER_MODE": manager}
        )
        try:
            with running_stack(env) as stack:
                customer, licence = seed_active_customer(stack)
                auth = capture_connect_auth(stack, customer, licence)
                for count in sessions:
                    figures = asyncio.run(run_level(stack, auth, licence.id, count, events))
                    rows.append((manager, workers, count, figures))
        finally:
            if redis is not None:
                redis.stop()
    load = os.getloadavg()
    print(f"\nload average after the run: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (2 cores)")
    print("| state manager | workers | sessions | events/s | p50 | p95 | app CPU (1 core=100%) |")
    print("|---|---|---|---|---|---|---|")
    for manager, workers, count, f in rows:
        lost = f" ({f['lost']} unanswered)" if f["lost"] else ""
        print(
            f"| {manager} | {workers} | {count:,} | {f['events_per_s']:,.0f}{lost} | "
            f"{f['median']:.1f} ms | {f['p95']:.1f} ms | {f['app_cpu_pct']:.0f} % |"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 50, 200])
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument(
        "--rate",
        type=float,
        default=300.0,
        help="events/s for the paced run at the largest session count",
    )
    parser.add_argument(
        "--state-manager",
        choices=["disk", "memory"],
        default="disk",
        help="Reflex's state manager in the app: disk (the app's default) or memory",
    )
    parser.add_argument(
        "--configs",
        nargs="+",
        metavar="MANAGER:WORKERS",
        help="compare configurations in one run, closed loop at each --sessions level, e.g. "
        "disk:1 redis:1 redis:3 --sessions 200 1000",
    )
    args = parser.parse_args(argv)
    if args.configs:
        compare(_configurations(args.configs), args.sessions, args.events)
        return
    print(f"state manager: {args.state_manager}")
    with running_stack({"REFLEX_STATE_MANAGER_MODE": args.state_manager}) as stack:
        customer, licence = seed_active_customer(stack)
        auth = capture_connect_auth(stack, customer, licence)
        for sessions in args.sessions:
            asyncio.run(run_level(stack, auth, licence.id, sessions, args.events))
        print("target: >= 300 preview events/s at p95 < 50 ms with 200 sessions:")
        asyncio.run(run_level(stack, auth, licence.id, max(args.sessions), args.events, args.rate))


if __name__ == "__main__":
    main()
