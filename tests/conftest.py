"""Root fixtures: a real database, a real local Stripe server, and the running app for e2e."""

import os

os.environ.setdefault("TS_STORE_TODAY", "2026-11-28")

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.localstripe",
    "tests.fixtures.app",
]
