"""'Impatto sui clienti' over 10,000 live licences: how long the product team waits.

Creates a migrated SQLite database in a temporary folder with N customers and N live licences
(varied plans, cycles, users, renewal dates, some past due, in disdetta or with a scheduled
change), then runs the use case the page runs (`catalog_lab.impact`: read every live licence,
price its renewals under the published catalogue and a draft with Pro at 27 €) and prints the
time of each run and the median. Target: under 2 s for 10,000 licences (issue #14).

Run from the repository root: `.venv/bin/python benchmarks/price_impact.py [--count N]`.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _draft(catalog):
    plans = tuple(
        dataclasses.replace(p, monthly_cents=2700, annual_cents=27000) if p.code == "pro" else p
        for p in catalog.plans
    )
    return dataclasses.replace(catalog, plans=plans)


def _fill(engine, count: int, seed: int = 2026) -> None:
    import sqlalchemy as sa

    from ts_store.domain.catalog import load_catalog
    from ts_store.domain.periods import Cycle, add_cycle

    rng = random.Random(seed)
    plans = load_catalog().plans
    now = datetime(2026, 11, 28, 10, 0)
    customers, licences = [], []
    for n in range(1, count + 1):
        customers.append(
            {
                "id": n,
                "email": f"c{n}@bench.example",
                "password_hash": "x",
                "company_name": f"Azienda {n} S.r.l.",
                "role": "customer",
                "created_at": now,
            }
        )
        plan = rng.choice(plans)
        cycle = rng.choice([Cycle.MONTHLY, Cycle.ANNUAL])
        seats = rng.randint(plan.min_seats, min(plan.max_seats, 40))
        start = date(2026, 11, 28) - timedelta(
            days=rng.randrange(28 if cycle == "monthly" else 360)
        )
        renewal_plan = rng.choice(plans) if rng.random() < 0.05 else plan
        licences.append(
            {
                "id": n,
                "customer_id": n,
                "product": "CRM in Cloud",
                "status": "past_due" if rng.random() < 0.03 else "active",
                "plan": plan.code,
                "cycle": cycle.value,
                "seats": seats,
                "renewal_plan": renewal_plan.code,
                "renewal_cycle": cycle.value,
                "renewal_seats": max(seats, renewal_plan.min_seats)
                if renewal_plan.max_seats >= seats
                else renewal_plan.max_seats,
                "anchor_day": start.day,
                "period_start": start,
                "period_end": add_cycle(start, cycle, start.day),
                "cancel_at_period_end": rng.random() < 0.04,
                "version": 1,
                "catalog_version_id": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    metadata = sa.MetaData()
    metadata.reflect(engine, only=["customer", "licence"])
    with engine.begin() as connection:
        connection.execute(metadata.tables["customer"].insert(), customers)
        connection.execute(metadata.tables["licence"].insert(), licences)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="live licences (default 10000)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs (default 5)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        os.environ["TS_STORE_DB_URL"] = url
        from tests.fixtures.database import migrate
        from ts_store.billing import catalog_lab
        from ts_store.billing.bootstrap import bootstrap
        from ts_store.domain.price_impact import Policy
        from ts_store.store.db import dispose_engines, get_engine

        migrate(url)
        bootstrap()
        _fill(get_engine(), args.count)
        draft = _draft(catalog_lab.published_catalog())
        today = date(2026, 11, 28)
        times, cpu = [], []
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            report = asyncio.run(catalog_lab.impact(draft, Policy.AT_RENEWAL, today, today))
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        dispose_engines()
    print(
        f"live licences: {args.count} (priced {report.considered}, in disdetta {report.cancelling})"
    )
    print(f"more {report.more}, less {report.less}, same {report.same}, unpriced {report.unpriced}")
    print("runs (s): " + ", ".join(f"{t:.3f}" for t in times))
    print(f"median: {statistics.median(times):.3f} s (target < 2 s)")
    print(
        f"CPU time of this process, median: {statistics.median(cpu):.3f} s "
        "(on a busy machine the wall time adds waiting for a core)"
    )


if __name__ == "__main__":
    main()
