"""What one preview costs besides time: state delta bytes, serialized state, SQL and Stripe calls.

Opens "Aggiorna servizi" and the purchase wizard in Chromium, makes a few previews in each,
and prints the websocket frames' sizes (the state delta sent to the browser), the pickled
state of each tab's session as the state manager stores it, and the SQL statements and
Stripe calls the app made meanwhile (counted in the app process: TS_STORE_BENCHMARK=1).
The same figures come out of preview_latency.py; this script is the quick way to get them.

Run: .venv/bin/python benchmarks/state_size.py [--previews 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._harness import CHROMIUM, CHROMIUM_ARGS, running_stack
from benchmarks.preview_latency import (
    ACT_AND_WAIT,
    _new_page,
    _open_licence,
    _open_wizard,
    read_counters,
    session_state_bytes,
)


def measure(previews: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    figures: dict[str, float] = {}
    with running_stack() as stack, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        counters = _new_page(browser)
        counters.goto(f"{stack.url}/bench")
        counters.wait_for_selector("#bench-read")
        licence_page, licence_frames = _open_licence(browser, stack)
        wizard_page, wizard_frames = _open_wizard(browser, stack)
        before = read_counters(counters)
        licence_frames.clear()
        wizard_frames.clear()
        for i in range(previews):
            button = "#seats-plus" if i % 2 == 0 else "#seats-minus"
            licence_page.evaluate(ACT_AND_WAIT, [button, None, "#quote-renewal-gross", 0])
            plan = "business" if i % 2 == 0 else "pro"
            wizard_page.evaluate(ACT_AND_WAIT, ["#purchase-plan", plan, "#purchase-gross", 0])
        licence_page.wait_for_timeout(300)
        after = read_counters(counters)
        deltas = {
            "Aggiorna servizi": [size for size in licence_frames if size > 10],
            "wizard": [size for size in wizard_frames if size > 10],
        }
        sizes = {
            "Aggiorna servizi": session_state_bytes(licence_page, stack.url),
            "wizard": session_state_bytes(wizard_page, stack.url),
        }
        browser.close()

    for label, frames in deltas.items():
        figures[f"delta {label}"] = statistics.median(frames)
        print(
            f"state delta per preview, {label}: median {statistics.median(frames):.0f} B, "
            f"max {max(frames)} B over {len(frames)} frames (target <= 2048 B)"
        )
    for label, substates in sizes.items():
        figures[f"state {label}"] = sum(substates.values())
        print(
            f"serialized state per session, {label}: {figures[f'state {label}']:.0f} B "
            "(target <= 20480 B)"
        )
        for name, size in sorted(substates.items(), key=lambda item: -item[1]):
            print(f"    {size:6d} B  {name.rsplit('.', 1)[-1]}")
    events = 2 * previews
    figures["sql"] = (after["sql"] - before["sql"]) / events
    figures["stripe"] = (after["stripe"] - before["stripe"]) / events
    print(
        f"per preview event: {figures['sql']:.3f} SQL statements, {figures['stripe']:.3f} "
        f"Stripe calls over {events} previews (target 0)"
    )
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--previews", type=int, default=20)
    measure(parser.parse_args(argv).previews)


if __name__ == "__main__":
    main()
