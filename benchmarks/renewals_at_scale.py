"""Renewals at scale: N licences due the same day, `renew` against localstripe (issue #18).

Most month starts look like this: thousands of monthly licences renew on the 1st. The script
makes a fresh database (PostgreSQL when one answers at TS_STORE_TEST_PG_URL, else SQLite),
seeds N customers with billing data, a saved card and an active Pro monthly licence whose
period ends on the renewal day, then runs `renewals.renew_due(day)` — what
`python -m ts_store.billing renew` runs — in 1 process, and again (fresh database, fresh
localstripe) in 2 processes released together. It prints, per run:

- renewals/s (wall clock, from the barrier to the last process done), p50/p95 per renewal
  (one licence's `_advance`: read, charge, apply, document, XML, email row);
- Stripe HTTP requests per renewal (every request the gateway's HTTP client sent), SQL
  statements per renewal (every statement on the app's engine, both processes);
- 0 duplicates, 0 missed: PaymentIntents listed from localstripe's API grouped by our
  operation and licence, and licences whose period did not move.

All the customers share one Stripe customer and, on PostgreSQL, one card (the benchmark's
database drops the unique constraint on the card mirror; attaching 10,000 cards to
localstripe takes longer than the run). On SQLite each gets a card of its own. Each renewal
is still its own PaymentIntent under its own key.

    .venv/bin/python benchmarks/renewals_at_scale.py [--licences 10000] [--processes 1 2]
        [--stop-after SECONDS]

Each process prints its figures so far every 30 s (licences done, renewals/s, p50/p95, SQL
and Stripe requests per licence), so a run stopped by hand still says how far it got;
`--stop-after` stops each run's processes after that many seconds, checks what they did
(duplicates, licences renewed) and reports the run as stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import sqlalchemy as sa

from benchmarks._harness import localstripe
from tests.fixtures.database import migrate
from tests.fixtures.factories import VALID_BILLING
from tests.fixtures.postgres import admin_url, unavailable_reason

RENEWAL_DAY = date(2026, 12, 1)
PERIOD_START = date(2026, 11, 1)
PROGRESS_EVERY_S = 30.0


# --- the database ---------------------------------------------------------------------------


@contextmanager
def fresh_database(backend: str):
    """A migrated database of its own, dropped afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/renewals.db"
            migrate(url)
            yield url
        return
    admin = sa.create_engine(admin_url(), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    name = f"bench_renewals_{os.getpid()}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(admin_url()).set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url)
        yield url
    finally:
        from ts_store.store.db import dispose_engines

        dispose_engines()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def seed(db_url: str, stripe_settings, count: int) -> str:
    """`count` customers with billing data, a card of their own (attached to the one Stripe
    customer) and a Pro monthly licence due on the day."""
    from sqlmodel import Session

    from ts_store.payments.gateway import StripeGateway
    from ts_store.store.db import make_engine
    from ts_store.store.models import BillingProfile, Customer, Licence, PaymentMethod

    shared_card = sa.make_url(db_url).get_backend_name() == "postgresql"

    async def stripe_cards():
        gateway = StripeGateway(stripe_settings)
        try:
            stripe_id = await gateway.create_customer(
                email="rinnovi@example.it", name="Rinnovi S.r.l.", metadata={}
            )
            if shared_card:
                card = await gateway.attach_test_card(stripe_id, "4242424242424242")
                return stripe_id, [card] * count
            cards = []
            for first in range(0, count, 25):
                batch = range(first, min(first + 25, count))
                cards += await asyncio.gather(
                    *(gateway.attach_test_card(stripe_id, "4242424242424242") for _ in batch)
                )
            return stripe_id, cards
        finally:
            await gateway.aclose()

    stripe_id, cards = asyncio.run(stripe_cards())
    engine = make_engine(db_url)
    try:
        if shared_card:  # benchmark database only: every customer's mirror names the one card
            with engine.begin() as connection:
                connection.exec_driver_sql(
                    "ALTER TABLE payment_method "
                    "DROP CONSTRAINT payment_method_stripe_payment_method_id_key"
                )
        with Session(engine) as session:
            customers = [
                Customer(
                    email=f"rinnovo{n}@example.it",
                    password_hash="x",
                    company_name=f"Cliente {n} S.r.l.",
                    stripe_customer_id=stripe_id,
                )
                for n in range(count)
            ]
            session.add_all(customers)
            session.flush()
            for customer, card in zip(customers, cards, strict=True):
                session.add(BillingProfile(customer_id=customer.id, **VALID_BILLING))
                session.add(
                    PaymentMethod(
                        customer_id=customer.id,
                        stripe_payment_method_id=card.payment_method_id,
                        brand=card.brand,
                        last4=card.last4,
                        exp_month=card.exp_month,
                        exp_year=card.exp_year,
                        is_default=True,
                    )
                )
                session.add(
                    Licence(
                        customer_id=customer.id,
                        status="active",
                        plan="pro",
                        cycle="monthly",
                        seats=2,
                        renewal_plan="pro",
                        renewal_cycle="monthly",
                        renewal_seats=2,
                        anchor_day=1,
                        period_start=PERIOD_START,
                        period_end=RENEWAL_DAY,
                    )
                )
            session.commit()
    finally:
        engine.dispose()
    return stripe_id


# --- one renewal process ----------------------------------------------------------------------


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[max(int(len(ordered) * share) - 1, 0)] if ordered else 0.0


def _renew_in_process(db_url, settings, barrier, results, stop_after=None) -> None:
    """`renew` in its own interpreter, counting Stripe requests, SQL and time per licence;
    its figures so far printed every PROGRESS_EVERY_S; stopped after `stop_after` seconds."""
    os.environ["TS_STORE_DB_URL"] = db_url
    from dataclasses import asdict  # noqa: F401  (spawned: imports of its own)

    from ts_store.billing import renewals
    from ts_store.billing.bootstrap import bootstrap
    from ts_store.payments.config import StripeSettings
    from ts_store.payments.gateway import StripeGateway
    from ts_store.store.db import dispose_engines, get_engine

    counts = Counter()
    sa.event.listen(get_engine(), "before_cursor_execute", lambda *a: counts.update(("sql",)))
    send = httpx.AsyncClient.send

    async def counted_send(self, request, *args, **kwargs):
        counts["stripe"] += 1
        return await send(self, request, *args, **kwargs)

    httpx.AsyncClient.send = counted_send
    timings: list[float] = []
    actions: Counter = Counter()
    advance = renewals._advance
    clock = {"start": time.perf_counter(), "printed": time.perf_counter()}

    def progress(final: str = "") -> None:
        elapsed = time.perf_counter() - clock["start"]
        done = max(len(timings), 1)
        ordered = sorted(timings)
        print(
            f"    [{os.getpid()}] {elapsed:6.0f} s: {len(timings)} licences "
            f"({actions['renewed']} renewed), {actions['renewed'] / max(elapsed, 1e-9):.1f} "
            f"renewals/s, p50 {_percentile(ordered, 0.5) * 1000:.0f} / "
            f"p95 {_percentile(ordered, 0.95) * 1000:.0f} ms, SQL/licence "
            f"{counts['sql'] / done:.1f}, Stripe/licence {counts['stripe'] / done:.2f}{final}",
            flush=True,
        )
        clock["printed"] = time.perf_counter()

    async def timed_advance(*args, **kwargs):
        started = time.perf_counter()
        try:
            events, first = await advance(*args, **kwargs)
            actions.update(str(event.action) for event in events)
            return events, first
        finally:
            timings.append(time.perf_counter() - started)
            if time.perf_counter() - clock["printed"] >= PROGRESS_EVERY_S:
                progress()

    renewals._advance = timed_advance

    async def run():
        gateway = StripeGateway(StripeSettings(**settings))
        bootstrap(gateway=gateway)
        barrier.wait(timeout=120)
        clock["start"] = clock["printed"] = started = time.perf_counter()
        stopped = False
        try:
            await asyncio.wait_for(renewals.renew_due(RENEWAL_DAY, gateway), timeout=stop_after)
        except TimeoutError:
            stopped = True
        finally:
            await gateway.aclose()
        return stopped, time.perf_counter() - started

    stopped, elapsed = asyncio.run(run())
    progress(" (stopped)" if stopped else " (done)")
    dispose_engines()
    results.put(
        {
            "pid": os.getpid(),
            "elapsed": elapsed,
            "timings": timings,
            "sql": counts["sql"],
            "stripe": counts["stripe"],
            "actions": dict(actions),
            "stopped": stopped,
        }
    )


# --- checks -----------------------------------------------------------------------------------


def payment_intents(settings, stripe_customer_id: str) -> list[dict]:
    found, after = [], None
    with httpx.Client(timeout=60) as client:
        while True:
            params = {"customer": stripe_customer_id, "limit": 100}
            if after:
                params["starting_after"] = after
            page = client.get(
                f"{settings.api_base}/v1/payment_intents",
                params=params,
                auth=(settings.secret_key, ""),
            ).json()
            found.extend(page["data"])
            if not page.get("has_more"):
                return found
            after = page["data"][-1]["id"]


def check(db_url: str, settings, stripe_id: str, count: int) -> dict:
    from ts_store.store.db import make_engine
    from ts_store.store.models import BillingDocument, BillingOperation, Licence

    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            renewed = connection.execute(
                sa.select(sa.func.count()).where(Licence.period_end > RENEWAL_DAY)
            ).scalar_one()
            operations = dict(
                connection.execute(
                    sa.select(BillingOperation.id, BillingOperation.licence_id).where(
                        BillingOperation.kind == "renewal"
                    )
                ).all()
            )
            documents = connection.execute(
                sa.select(sa.func.count()).select_from(BillingDocument)
            ).scalar_one()
    finally:
        engine.dispose()
    paid_per_licence = Counter()
    for intent in payment_intents(settings, stripe_id):
        if intent["status"] != "succeeded":
            continue
        operation_id = int(intent["metadata"].get("ts_store_operation_id", "0"))
        paid_per_licence[operations.get(operation_id)] += 1
    return {
        "renewed": renewed,
        "missed": count - renewed,
        "duplicates": sum(n - 1 for n in paid_per_licence.values() if n > 1),
        "paid": sum(paid_per_licence.values()),
        "documents": documents,
    }


# --- a run --------------------------------------------------------------------------------------


def run(backend: str, count: int, processes: int, stop_after: float | None = None) -> dict:
    with localstripe() as stripe_settings, fresh_database(backend) as db_url:
        seeded = time.perf_counter()
        stripe_id = seed(db_url, stripe_settings, count)
        print(f"  seeded {count} licences in {time.perf_counter() - seeded:.1f} s", flush=True)
        context = multiprocessing.get_context("spawn")
        barrier, results = context.Barrier(processes + 1), context.Queue()
        settings = {
            name: getattr(stripe_settings, name) for name in stripe_settings.__dataclass_fields__
        }
        workers = [
            context.Process(
                target=_renew_in_process, args=(db_url, settings, barrier, results, stop_after)
            )
            for _ in range(processes)
        ]
        for worker in workers:
            worker.start()
        barrier.wait(timeout=300)
        started = time.perf_counter()
        reports = [results.get(timeout=7200) for _ in workers]
        wall = time.perf_counter() - started
        for worker in workers:
            worker.join(60)
        checked = check(db_url, stripe_settings, stripe_id, count)
    timings = sorted(t for report in reports for t in report["timings"])
    renewed_events = sum(r["actions"].get("renewed", 0) for r in reports)
    return {
        "backend": backend,
        "processes": processes,
        "licences": count,
        "wall": wall,
        "rate": checked["renewed"] / wall,
        "p50_ms": statistics.median(timings) * 1000 if timings else 0.0,
        "p95_ms": _percentile(timings, 0.95) * 1000,
        "stripe_per": sum(r["stripe"] for r in reports) / max(checked["renewed"], 1),
        "sql_per": sum(r["sql"] for r in reports) / max(checked["renewed"], 1),
        "per_process": [
            (r["actions"].get("renewed", 0), r["actions"].get("in_progress", 0), len(r["timings"]))
            for r in reports
        ],
        "renewed_events": renewed_events,
        "stopped": any(r["stopped"] for r in reports),
        **checked,
    }


def table_row(r: dict) -> str:
    missed = f"{r['missed']}" if not r["stopped"] else f"{r['missed']} not reached (stopped)"
    return (
        f"| {r['backend']} | {r['processes']} | {r['renewed']:,} of {r['licences']:,} | "
        f"{r['rate']:.1f} | {r['p50_ms']:.1f} / {r['p95_ms']:.1f} ms | {r['stripe_per']:.2f} | "
        f"{r['sql_per']:.1f} | {r['duplicates']} | {missed} | {r['load']:.2f} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--licences", type=int, default=10_000)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default=None)
    parser.add_argument(
        "--stop-after",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop each run's processes after this long and report what they reached",
    )
    args = parser.parse_args(argv)
    backend = args.db or ("sqlite" if unavailable_reason() else "postgresql")
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores)", flush=True)
    rows = []
    for processes in args.processes:
        print(
            f"{backend}, {processes} process(es), {args.licences} licences due on {RENEWAL_DAY}…",
            flush=True,
        )
        row = run(backend, args.licences, processes, args.stop_after)
        row["load"] = os.getloadavg()[0]
        rows.append(row)
        print(f"  {row}", flush=True)
        print(f"  {table_row(row)}", flush=True)
    print()
    print(
        "| backend | processes | renewed of licences | renewals/s | p50 / p95 per renewal | "
        "Stripe req./renewal | SQL/renewal | duplicates | missed | load avg |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(table_row(r))
    one = rows[0]
    print(
        f"\nOne process sends {one['rate'] * one['stripe_per']:.0f} Stripe requests/s "
        f"against live Stripe's ~100/s ceiling."
    )
    return (
        0 if all(r["duplicates"] == 0 and (r["missed"] == 0 or r["stopped"]) for r in rows) else 1
    )


if __name__ == "__main__":
    sys.exit(main())
