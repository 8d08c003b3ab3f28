"""Root fixtures: a real database, a real local Stripe server, and the running app for e2e."""

import os

os.environ.setdefault("TS_STORE_TODAY", "2026-11-28")

pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.database",
    "tests.fixtures.localstripe",
    "tests.fixtures.app",
    "tests.fixtures.smtp",
    "tests.fixtures.fatturapa",
]


def pytest_collection_modifyitems(config, items):
    """End-to-end tests last: Playwright's sync API keeps an event loop running in the main
    thread for the rest of the session, which async tests collected after it cannot share."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
