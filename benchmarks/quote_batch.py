"""Quote 10,000 varied requests: through `python -m ts_store.quote`, in-process, engine alone.

In-process figures: the whole contract (JSON parse + quote + JSON-ready answer), and the quote
engine alone (`quote()` on requests already parsed into domain values): quotes per second in
one process, median of the runs.

Run from the repository root: `.venv/bin/python benchmarks/quote_batch.py [--count N]`.
The whole batch must stay well under 5 s, so the product team can replay big date grids.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ts_store.domain.catalog import Catalog, load_catalog  # noqa: E402
from ts_store.domain.periods import Cycle, add_cycle  # noqa: E402
from ts_store.domain.quote import QuoteError, quote  # noqa: E402
from ts_store.domain.quote_contract import answer_document, parse_request  # noqa: E402

CYCLES = [cycle.value for cycle in Cycle]


def build_requests(catalog: Catalog, count: int, seed: int = 2026) -> list[dict]:
    """Purchases and changes over random plans, cycles, seats and days of the period."""
    rng = random.Random(seed)
    requests = []
    while len(requests) < count:
        target_plan = rng.choice(catalog.plans)
        target = {
            "plan": target_plan.code,
            "cycle": rng.choice(CYCLES),
            "seats": rng.randint(target_plan.min_seats, min(target_plan.max_seats, 60)),
        }
        start = date(2024, 1, 1) + timedelta(days=rng.randrange(3 * 365))
        if rng.random() < 0.2:
            requests.append({"today": start.isoformat(), "current": None, "target": target})
            continue
        held_plan = rng.choice(catalog.plans)
        cycle = rng.choice(CYCLES)
        end = add_cycle(start, Cycle(cycle), start.day)
        current = {
            "plan": held_plan.code,
            "cycle": cycle,
            "seats": rng.randint(held_plan.min_seats, min(held_plan.max_seats, 60)),
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
        }
        today = start + timedelta(days=rng.randrange((end - start).days))
        requests.append({"today": today.isoformat(), "current": current, "target": target})
    return requests


def run_command(payload: bytes) -> tuple[float, list]:
    started = time.perf_counter()
    process = subprocess.run(
        [sys.executable, "-m", "ts_store.quote"], input=payload, capture_output=True, cwd=ROOT
    )
    elapsed = time.perf_counter() - started
    if process.returncode not in (0, 2):
        raise SystemExit(process.stderr.decode())
    return elapsed, json.loads(process.stdout)


def engine_only(catalog: Catalog, requests: list[dict], runs: int) -> float:
    """Quotes per second of `quote()` alone (median of `runs`), invalid requests skipped."""
    parsed = []
    for item in requests:
        request = parse_request(item)
        try:
            quote(catalog, request.today, request.current, request.target)
        except QuoteError:
            continue
        parsed.append(request)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        for request in parsed:
            quote(catalog, request.today, request.current, request.target)
        timings.append(time.perf_counter() - started)
    return len(parsed) / statistics.median(timings)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    catalog = load_catalog()
    requests = build_requests(catalog, args.count)
    payload = json.dumps(requests).encode()

    wall, answers = run_command(payload)
    errors = sum("error" in answer for answer in answers)
    print(f"requests: {len(requests)}  answers: {len(answers)}  errors: {errors}")
    print(f"python -m ts_store.quote: {wall:.3f} s wall, {len(requests) / wall:,.0f} quotes/s")

    timings = []
    for _ in range(args.runs):
        started = time.perf_counter()
        answer_document(catalog, payload)
        timings.append(time.perf_counter() - started)
    median = statistics.median(timings)
    print(
        f"in-process (parse + quote + serialise-ready, median of {args.runs}): "
        f"{median:.3f} s, {len(requests) / median:,.0f} quotes/s"
    )
    rate = engine_only(catalog, requests, args.runs)
    print(f"quote engine alone (parsed requests, median of {args.runs}): {rate:,.0f} quotes/s")


if __name__ == "__main__":
    main()
