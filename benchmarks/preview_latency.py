"""Live preview latency in Chromium, beside the framework's floor, plus what each preview costs.

From the click to the new amount in the DOM (MutationObserver + performance.now in the page):
- floor: /bench, an event that only adds one to a counter;
- "Aggiorna servizi": "+" / "−" on the users (alternating, so the amount always changes);
- the purchase wizard: switching the plan between Pro and Business.
During the "Aggiorna servizi" run it also records the websocket frames the browser receives
(the state delta of each preview) and the SQL statements and Stripe calls the app made.

Run: .venv/bin/python benchmarks/preview_latency.py [--iterations 300]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._harness import (
    CHROMIUM_ARGS,
    running_stack,
    seed_active_customer,
    seed_trial_customer,
    summary,
)
from tests.fixtures.factories import PASSWORD, VALID_BILLING

SELECT_AND_WAIT = """
async ([selectSelector, value, watchSelector]) => {
  const before = document.querySelector(watchSelector).innerText;
  return await new Promise((resolve) => {
    let t0 = 0;
    const observer = new MutationObserver(() => {
      const now = document.querySelector(watchSelector);
      if (now && now.innerText !== before) {
        observer.disconnect();
        resolve(performance.now() - t0);
      }
    });
    observer.observe(document.body, {subtree: true, childList: true, characterData: true});
    const select = document.querySelector(selectSelector);
    t0 = performance.now();
    select.value = value;
    select.dispatchEvent(new Event("change", {bubbles: true}));
  });
}
"""

CLICK_AND_WAIT = """
async ([clickSelector, watchSelector]) => {
  const before = document.querySelector(watchSelector).innerText;
  return await new Promise((resolve) => {
    let t0 = 0;
    const observer = new MutationObserver(() => {
      const now = document.querySelector(watchSelector);
      if (now && now.innerText !== before) {
        observer.disconnect();
        resolve(performance.now() - t0);
      }
    });
    observer.observe(document.body, {subtree: true, childList: true, characterData: true});
    t0 = performance.now();
    document.querySelector(clickSelector).click();
  });
}
"""


def _login(page, url: str, email: str) -> None:
    page.goto(f"{url}/login")
    page.fill("#login-email", email)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url("**/myarea")


def _read_counters(page, url: str) -> tuple[int, int]:
    page.goto(f"{url}/bench")
    page.click("#bench-read")
    page.wait_for_function("document.querySelector('#bench-sql').innerText !== '-1'")
    return int(page.inner_text("#bench-sql")), int(page.inner_text("#bench-stripe"))


def measure(iterations: int) -> dict[str, dict[str, float]]:
    from playwright.sync_api import sync_playwright

    results: dict[str, dict[str, float]] = {}
    with running_stack() as stack, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})

        page.goto(f"{stack.url}/bench")
        page.wait_for_selector("#bench-increment")
        floor = [
            page.evaluate(CLICK_AND_WAIT, ["#bench-increment", "#bench-count"])
            for _ in range(iterations)
        ]
        results["floor"] = summary("floor: counter event (/bench)", floor)

        customer, licence = seed_active_customer(stack)
        _login(page, stack.url, customer.email)
        counters_page = browser.new_page()
        frames: list[int] = []
        page.on(
            "websocket",
            lambda ws: ws.on("framereceived", lambda payload: frames.append(len(payload))),
        )
        page.goto(f"{stack.url}/myarea/licenza/{licence.id}")
        page.wait_for_selector("#seats-input")
        page.fill("#seats-input", "10")
        page.wait_for_function(
            "document.querySelector('#quote-renewal-detail').innerText.includes('10 utenti')"
        )
        sql_before, stripe_before = _read_counters(counters_page, stack.url)
        frames.clear()
        seats = []
        for i in range(iterations):
            button = "#seats-plus" if i % 2 == 0 else "#seats-minus"
            seats.append(page.evaluate(CLICK_AND_WAIT, [button, "#quote-renewal-gross"]))
        page.wait_for_timeout(300)
        delta_frames = [size for size in frames if size > 10]  # socket.io pings are 1-2 bytes
        sql_after, stripe_after = _read_counters(counters_page, stack.url)
        results["seats"] = summary('"Aggiorna servizi": + / − users', seats)

        trial_customer, trial = seed_trial_customer(stack)
        wizard = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        _login(wizard, stack.url, trial_customer.email)
        wizard.goto(f"{stack.url}/myarea/acquista/{trial.id}")
        wizard.wait_for_selector("#profile-submit")
        for name, value in VALID_BILLING.items():
            wizard.fill(f"#profile-{name}", value)
        wizard.click("#profile-submit")
        wizard.wait_for_selector("#purchase-seats")
        wizard.fill("#purchase-seats", "5")
        wizard.wait_for_function(
            "document.querySelector('#purchase-gross').innerText.includes('152,50')"
            " || document.querySelector('#purchase-gross').innerText.includes('1.525,00')"
        )
        plan_switch = []
        for i in range(iterations):
            plan = "business" if i % 2 == 0 else "pro"
            plan_switch.append(
                wizard.evaluate(SELECT_AND_WAIT, ["#purchase-plan", plan, "#purchase-gross"])
            )
        results["plan"] = summary("wizard: plan Pro <-> Business", plan_switch)
        browser.close()
        sizes = sorted(path.stat().st_size for path in (stack.workdir / ".states").glob("*.pkl"))

    print()
    for key, label in (("seats", "Aggiorna servizi"), ("plan", "wizard plan change")):
        ratio = results[key]["p95"] / results["floor"]["p95"]
        print(f"{label:<22} p95 / floor p95 = {ratio:.2f}  (target <= 1.30; p95 target <= 15 ms)")
    if delta_frames:
        print(
            f"state delta per preview: median {statistics.median(delta_frames):.0f} B, "
            f"max {max(delta_frames)} B over {len(delta_frames)} frames (target <= 2048 B)"
        )
    if sizes:
        print(
            f"serialized state: {len(sizes)} substate files for 3 browser tabs, largest "
            f"{sizes[-1]} B, total {sum(sizes)} B (~{sum(sizes) // 3} B per session; "
            "target <= 20480 B)"
        )
    events = len(seats)
    print(
        f"per preview event: {(sql_after - sql_before) / events:.3f} SQL statements, "
        f"{(stripe_after - stripe_before) / events:.3f} Stripe calls (target 0)"
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=300)
    measure(parser.parse_args().iterations)


if __name__ == "__main__":
    main()
