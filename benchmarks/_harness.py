"""What every benchmark needs: localstripe and the app in production mode on loopback, seeded.

Reuses the end-to-end fixture's pieces (temporary copy of the app, migrated SQLite file), with
TS_STORE_BENCHMARK=1 so the benchmark-only page and call counters are mounted.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import Session

from tests.e2e.helpers import run_async
from tests.fixtures.app import CHROMIUM, CHROMIUM_ARGS, ROOT, served_app
from tests.fixtures.factories import give_card, make_active_licence, make_customer, make_trial
from tests.fixtures.localstripe import READY_PREFIX
from ts_store.payments.config import StripeSettings
from ts_store.payments.gateway import StripeGateway

__all__ = ["CHROMIUM", "CHROMIUM_ARGS"]  # the e2e tests' browser, re-exported for the scripts


@dataclass
class Stack:
    url: str
    workdir: Path
    engine: object
    stripe: StripeSettings

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)


@contextmanager
def localstripe() -> Iterator[StripeSettings]:
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "tools/localstripe_server.py"), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        for line in process.stdout:
            if line.startswith(READY_PREFIX):
                base = line[len(READY_PREFIX) :].strip()
                break
        yield StripeSettings(
            secret_key="sk_test_bench",
            publishable_key="pk_test_bench",
            api_base=base,
            js_url=f"{base}/js.stripe.com/v3/",
            webhook_secret="whsec_bench",
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def running_stack(extra_env: dict[str, str] | None = None) -> Iterator[Stack]:
    """localstripe + the app (production build, TS_STORE_BENCHMARK=1), the date 28/11/2026."""
    env = {
        "TS_STORE_BENCHMARK": "1",
        # no background jobs: their SQL would be counted against the previews being measured
        "TS_STORE_RENEWAL_INTERVAL_SECONDS": "0",
        "TS_STORE_RECONCILE_INTERVAL_SECONDS": "0",
        "TS_STORE_MAIL_INTERVAL_SECONDS": "0",
        "TS_STORE_SDI_INTERVAL_SECONDS": "0",
        **(extra_env or {}),
    }
    with localstripe() as stripe_settings, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        with served_app(workdir, stripe_settings, workdir / "app.log", env) as app:
            # the app runs on 28/11/2026 (APP_TODAY, set when served_app starts it)
            yield Stack(url=app.url, workdir=workdir, engine=app.engine, stripe=stripe_settings)


def app_cpu_seconds(stack: Stack) -> float:
    """CPU seconds (user + system) used so far by the app's processes (cwd = its workdir)."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if Path(os.readlink(proc / "cwd")) != stack.workdir:
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def seed_active_customer(stack: Stack):
    """The article's customer: Pro monthly, 2 users, mid-period, a 4242 card."""
    with stack.session() as session:
        customer = make_customer(session)
        run_async(give_card(session, StripeGateway(stack.stripe), customer))
        licence = make_active_licence(session, customer.id, seats=2)
    return customer, licence


def seed_trial_customer(stack: Stack):
    with stack.session() as session:
        customer = make_customer(session)
        trial = make_trial(session, customer.id, trial_ends_on=date(2026, 12, 5))
    return customer, trial


def summary(name: str, samples: list[float], unit: str = "ms") -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    figures = {"median": statistics.median(ordered), "p95": p95, "max": ordered[-1]}
    print(
        f"{name:<44} n={len(ordered):<4} median={figures['median']:8.2f} {unit}  "
        f"p95={figures['p95']:8.2f} {unit}  max={figures['max']:8.2f} {unit}"
    )
    return figures
