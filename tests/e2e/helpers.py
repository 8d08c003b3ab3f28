"""Steps shared by the end-to-end tests: log in, set the store's date, read amounts."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from tests.fixtures.app import RunningApp
from tests.fixtures.factories import PASSWORD
from ts_store.store import settings


def set_today(app: RunningApp, today: date | None) -> None:
    """The date the running app sees (the shared clock setting in its database)."""
    with app.session() as session:
        value = today.isoformat() if today is not None else None
        settings.set_setting(session, settings.SIMULATED_TODAY, value)
        session.commit()


def simulated_today(app: RunningApp) -> date | None:
    """The simulated date stored in the running app's database, if any."""
    with app.session() as session:
        value = settings.get_setting(session, settings.SIMULATED_TODAY)
    return date.fromisoformat(value) if value else None


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


def wait_for_text(page, selector: str, expected: str) -> None:
    """Wait until the element exists and its text contains `expected` (a server round trip)."""
    page.wait_for_function(
        "([s, t]) => document.querySelector(s) && document.querySelector(s).innerText.includes(t)",
        arg=[selector, expected],
    )


def type_card(page, number: str) -> None:
    """Fill localstripe's fake Card Element (its inputs are named by placeholder)."""
    page.wait_for_selector("#card-element input[placeholder=number]")
    page.fill("#card-element input[placeholder=number]", number)
    page.fill("#card-element input[placeholder=exp_month]", "12")
    page.fill("#card-element input[placeholder=exp_year]", "30")
    page.fill("#card-element input[placeholder=cvc]", "123")
    page.fill("#card-element input[placeholder=postal_code]", "20121")
