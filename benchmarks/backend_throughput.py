"""Backend throughput: N concurrent sessions changing users and plan in "Aggiorna servizi".

A real Chromium logs in once and opens the licence page; the connect packet it sends (Reflex's
`hydrate_and_load`, with the session cookie) is captured and replayed by N python-socketio
clients, each with its own session token — N independent Reflex sessions of that customer on
one app worker. Each session sends preview events in a closed loop (+ user, − user, plan
Business, plan Pro) and waits for its state delta; we report events/s and latency per N.

Run: .venv/bin/python benchmarks/backend_throughput.py [--sessions 1 50 200] [--events 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import socketio

from benchmarks._harness import CHROMIUM_ARGS, running_stack, seed_active_customer, summary
from benchmarks.preview_latency import _login

NAMESPACE = "/_event"


def licence_state_name() -> str:
    """The full name Reflex gives the licence page's state (its events are addressed by it)."""
    from ts_store.ui.pages.licence import LicenceState

    return LicenceState.get_full_name()


LICENCE_STATE = licence_state_name()


def capture_connect_auth(stack, customer, licence) -> dict:
    """What the browser sends when it opens the licence page (hydrate + on_load + cookie)."""
    from playwright.sync_api import sync_playwright

    sent: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        page = browser.new_page()
        _login(page, stack.url, customer.email)
        page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
        page.goto(f"{stack.url}/myarea/licenza/{licence.id}")
        page.wait_for_selector("#seats-input")
        browser.close()
    connect = next(frame for frame in sent if frame.startswith(f"40{NAMESPACE},"))
    return json.loads(connect[len(f"40{NAMESPACE},") :])


def _events(licence_id: int) -> list[dict]:
    router = {
        "pathname": f"/myarea/licenza/{licence_id}",
        "asPath": f"/myarea/licenza/{licence_id}",
        "query": {"licence_id": str(licence_id)},
    }
    return [
        {"name": f"{LICENCE_STATE}.add_seat", "router_data": router},
        {
            "name": f"{LICENCE_STATE}.choose_plan",
            "payload": {"code": "business"},
            "router_data": router,
        },
        {"name": f"{LICENCE_STATE}.remove_seat", "router_data": router},
        {"name": f"{LICENCE_STATE}.choose_plan", "payload": {"code": "pro"}, "router_data": router},
    ]


async def _session(
    url: str,
    auth: dict,
    events: list[dict],
    count: int,
    latencies: list[float],
    interval: float = 0.0,
) -> None:
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
    await asyncio.sleep(interval * random.random())  # spread the paced sessions
    for i in range(count):
        start = time.perf_counter()
        await client.emit("event", events[i % len(events)], namespace=NAMESPACE)
        done = await asyncio.wait_for(updates.get(), 30)
        latencies.append((done - start) * 1000)
        if interval:
            await asyncio.sleep(max(0.0, start + interval - time.perf_counter()))
    await client.disconnect()


async def run_level(
    url: str, auth: dict, licence_id: int, sessions: int, count: int, rate: float = 0.0
) -> None:
    """Closed loop (each session sends as soon as answered), or paced at `rate` events/s."""
    latencies: list[float] = []
    events = _events(licence_id)
    interval = sessions / rate if rate else 0.0
    started = time.perf_counter()
    await asyncio.gather(
        *[_session(url, auth, events, count, latencies, interval) for _ in range(sessions)]
    )
    elapsed = time.perf_counter() - started
    mode = f"paced at {rate:.0f}/s" if rate else "closed loop"
    summary(f"{sessions:>3} sessions, {mode}", latencies)
    print(f"{'':44} {len(latencies) / elapsed:7.0f} events/s over {elapsed:.1f} s (incl. connects)")


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
    args = parser.parse_args(argv)
    with running_stack() as stack:
        customer, licence = seed_active_customer(stack)
        auth = capture_connect_auth(stack, customer, licence)
        for sessions in args.sessions:
            asyncio.run(run_level(stack.url, auth, licence.id, sessions, args.events))
        print("target: >= 300 preview events/s at p95 < 50 ms with 200 sessions:")
        asyncio.run(
            run_level(stack.url, auth, licence.id, max(args.sessions), args.events, args.rate)
        )


if __name__ == "__main__":
    main()
