"""Steps shared by the end-to-end tests: log in, read amounts (the app runs on APP_TODAY,
fixed at its start: tests/fixtures/app.py)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from tests.fixtures.app import RunningApp
from tests.fixtures.factories import PASSWORD


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
