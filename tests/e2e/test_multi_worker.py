"""The production shape in Chromium: PostgreSQL, Reflex's Redis state manager and three Granian
workers behind one port (issue #18).

Purchase, change, card replacement and cancellation, one journey, each step on a fresh page
load (a new socket, which any of the three workers may take: the session lives in Redis and
the data in PostgreSQL). Midway Redis is restarted with nothing kept, as after a crash: every
Reflex state is gone; the customer reloads, is still signed in (the session token is a cookie
resolved in the database) and finds everything saved. Runs in the PostgreSQL pass.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from tests.e2e.helpers import login, text_of, type_card, wait_for_text
from tests.fixtures.app import ARTIFACTS, RunningApp, served_app
from tests.fixtures.factories import VALID_BILLING, make_customer, make_trial
from tests.fixtures.localstripe import payment_intents_of
from tests.fixtures.redis_server import RedisServer
from ts_store.store import documents, licences, payment_methods
from ts_store.store.db import dispose_engines

pytestmark = [pytest.mark.e2e, pytest.mark.postgresql_only, pytest.mark.stripe]

WORKERS = 3


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def workers_app(
    tmp_path_factory, database_backend, session_stripe_settings, redis_server
) -> Iterator[RunningApp]:
    """The app on a PostgreSQL database of its own, Redis state, three workers, one port."""
    workdir = tmp_path_factory.mktemp("app-workers")
    db_url = database_backend.create(workdir)
    env = {
        "REFLEX_REDIS_URL": redis_server.url,
        "GRANIAN_WORKERS": str(WORKERS),
        "TS_STORE_RENEWAL_INTERVAL_SECONDS": "0",
        "TS_STORE_SDI_INTERVAL_SECONDS": "0",
        "TS_STORE_MAIL_INTERVAL_SECONDS": "0",
    }
    hook = f"{session_stripe_settings.api_base}/_config/webhooks/e2e-workers"
    log = ARTIFACTS / "e2e-app-workers.log"
    try:
        with served_app(workdir, session_stripe_settings, log, env, db_url=db_url) as app:
            app.workdir = workdir
            httpx.post(
                hook,
                data={
                    "url": f"{app.url}/stripe/webhook",
                    "secret": session_stripe_settings.webhook_secret,
                },
                timeout=5,
            ).raise_for_status()
            try:
                yield app
            finally:  # localstripe keeps endpoints for the session: mute this one
                httpx.post(hook, json={"url": f"{app.url}/x", "events": ["none"]}, timeout=5)
    finally:
        dispose_engines()
        database_backend.drop(db_url)


def _workers(workdir) -> int:
    """How many processes of the app share one parent (Granian's workers under its
    supervisor): the processes are found by their working directory, the app's copy."""
    parents = Counter()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if Path(os.readlink(proc / "cwd")) != workdir:
                continue
            parents[(proc / "stat").read_text().rsplit(")", 1)[1].split()[1]] += 1
        except OSError:
            continue
    return max(parents.values(), default=0)


def test_purchase_change_card_and_cancel_on_three_workers_survive_a_redis_restart(
    browser, workers_app, redis_server, session_stripe_settings
):
    app = workers_app
    assert _workers(app.workdir) == WORKERS, app.log_tail()
    with app.session() as session:
        customer = make_customer(session)
        trial = make_trial(session, customer.id, trial_ends_on=date(2026, 12, 5))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="it-IT")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        # Purchase: Pro annual, 1 user.
        login(page, app, customer.email)
        page.click(f"#buy-{trial.id}")
        page.wait_for_selector("#profile-submit")
        for name, value in VALID_BILLING.items():
            page.fill(f"#profile-{name}", value)
        page.click("#profile-submit")
        page.wait_for_selector("#purchase-seats")
        page.click("#purchase-cycle-annual")  # monthly is pre-selected
        wait_for_text(page, "#purchase-gross", "305,00")
        page.click("#configuration-submit")
        type_card(page, "4242424242424242")
        page.click("#save-card")
        page.wait_for_selector("#confirm-purchase")
        page.click("#confirm-purchase")
        page.wait_for_selector("#purchase-done")
        assert text_of(page, "#purchase-document-gross") == "305,00 €"

        # Change: one more user, on a fresh load of the licence page.
        page.goto(f"{app.url}/myarea/licenza/{trial.id}")
        page.wait_for_selector("#seats-plus")
        page.click("#seats-plus")
        wait_for_text(page, "#quote-gross", "€")
        page.click("#confirm-change")
        wait_for_text(page, "#licence-result", "Modifica applicata")
        assert redis_server.keys() > 0  # the sessions' states live in Redis

        # Redis restarts with nothing kept: the reload finds everything in the database.
        redis_server.restart()
        assert redis_server.keys() == 0
        page.reload()
        wait_for_text(page, "#licence-current", "2 utenti")

        # Card replacement.
        page.goto(f"{app.url}/myarea/metodi-di-pagamento")
        page.wait_for_selector("#current-card")
        page.click("#replace-card")
        type_card(page, "5555555555554444")
        page.click("#save-new-card")
        wait_for_text(page, "#card-message", "Carta sostituita")

        # Cancellation.
        page.goto(f"{app.url}/myarea/licenza/{trial.id}?sezione=disdetta")
        page.wait_for_selector("#confirm-cancel")
        page.click("#confirm-cancel")
        wait_for_text(page, "#cancel-pending", "In disdetta")

        page.goto(f"{app.url}/myarea")
        wait_for_text(page, f"#licence-{trial.id}", "In disdetta")
        assert "2 utenti" in text_of(page, f"#licence-{trial.id}")
    finally:
        context.close()

    with app.session() as session:
        licence = licences.get_licence(session, trial.id)
        issued = documents.documents_of(session, customer.id)
        card = payment_methods.default_card(session, customer.id)
        stripe_customer = session.get(type(customer), customer.id).stripe_customer_id
    assert (licence.status, licence.plan, licence.cycle, licence.seats) == (
        "active",
        "pro",
        "annual",
        2,
    )
    assert licence.cancel_at_period_end is True
    assert (card.brand, card.last4) == ("mastercard", "4444")
    assert len(issued) == 2  # the purchase and the change's rateo
    intents = payment_intents_of(session_stripe_settings, stripe_customer)
    assert sorted(i["amount"] for i in intents) == sorted(d.gross_cents for d in issued)
    assert all(i["status"] == "succeeded" for i in intents)
    database_errors = [
        line
        for line in app.log_path.read_text(errors="replace").splitlines()
        if line.startswith(("psycopg.", "sqlalchemy.exc."))
    ]  # three workers on one PostgreSQL: none may share a connection (ts_store/store/db.py)
    assert database_errors == [], database_errors[:5]
