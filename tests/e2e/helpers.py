"""Steps shared by the end-to-end tests: log in, set the store's date, read amounts."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from tests.fixtures.app import RunningApp
from tests.fixtures.factories import PASSWORD
from ts_store.billing.clock import set_simulated_today


def set_today(app: RunningApp, today: date | None) -> None:
    """The date the running app sees (the shared clock setting in its database)."""
    with app.session() as session:
        set_simulated_today(session, today)
        session.commit()


def login(page, app: RunningApp, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{app.url}/login")
    page.fill("#login-email", email)
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.wait_for_url("**/myarea")
    page.wait_for_selector(".licence-card")


def text_of(page, selector: str) -> str:
    return " ".join(page.inner_text(selector).split())


def run_async(coroutine):
    """Run a coroutine from an e2e test: Playwright's sync API already owns this thread's loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
