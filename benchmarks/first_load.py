"""First load of MyArea in production mode: JS bytes (gzipped), requests, first state update.

Logs in once (not measured), then opens MyArea in a fresh tab with an empty cache and records
every response and the first websocket frame that carries state.

Run: .venv/bin/python benchmarks/first_load.py [--runs 5]
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    running_stack,
    seed_active_customer,
    summary,
)
from benchmarks.preview_latency import _login


def measure(runs: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with running_stack() as stack, sync_playwright() as playwright:
        customer, _ = seed_active_customer(stack)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        times, js_sizes, request_counts = [], [], []
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            login_page = context.new_page()
            _login(login_page, stack.url, customer.email)
            login_page.close()
            page = context.new_page()
            responses = []
            page.on("response", lambda response, seen=responses: seen.append(response))
            page.add_init_script("""
              window.__firstState = null;
              const NativeWS = window.WebSocket;
              window.WebSocket = function (...args) {
                const ws = new NativeWS(...args);
                ws.addEventListener('message', (m) => {
                  if (window.__firstState === null && String(m.data).includes('delta')) {
                    window.__firstState = performance.now();
                  }
                });
                return ws;
              };
              window.WebSocket.prototype = NativeWS.prototype;
            """)
            page.goto(f"{stack.url}/myarea")
            page.wait_for_selector(".licence-card")
            page.wait_for_function("window.__firstState !== null")
            times.append(page.evaluate("window.__firstState"))
            chunks = {
                response.url.rsplit("/", 1)[-1]: len(gzip.compress(response.body(), 6))
                for response in responses
                if response.url.endswith(".js") and response.ok
            }
            js_sizes.append(sum(chunks.values()) / 1024)
            request_counts.append(len(responses))
            context.close()
        browser.close()
    summary("time to first state update", times)
    summary("JS bytes, gzip -6", js_sizes, unit="KB")
    print(f"requests per load: {sorted(request_counts)} (target JS <= 250 KB gzipped)")
    print(f"largest of the {len(chunks)} JS files (KB gzipped):")
    for name, size in sorted(chunks.items(), key=lambda item: -item[1])[:8]:
        print(f"    {size / 1024:6.1f}  {name}")
    return {"js_kb": js_sizes[-1], "requests": request_counts[-1], "first_state_ms": times[-1]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    measure(parser.parse_args(argv).runs)


if __name__ == "__main__":
    main()
