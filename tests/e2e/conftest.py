"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import run_async
from tests.fixtures.factories import give_card, make_active_licence, make_customer
from ts_store.payments.gateway import StripeGateway


@pytest.fixture
def article_customer(running_app, stripe_settings):
    """Pro monthly, 2 users, period 10/11/2026–10/12/2026, card 4242; the app's date 28/11/2026."""
    with running_app.session() as session:
        customer = make_customer(session)
        run_async(give_card(session, StripeGateway(stripe_settings), customer))
        licence = make_active_licence(session, customer.id, seats=2)
    yield customer, licence


@pytest.fixture(autouse=True)
def test_code_reads_the_apps_database(request, monkeypatch):
    """What a test itself runs in-process (issuing an XML file, reading the catalogue version in
    force) reads the running app's database, as the app would — never a leftover ts_store.db."""
    if "running_app" in request.fixturenames:
        monkeypatch.setenv("TS_STORE_DB_URL", request.getfixturevalue("running_app").db_url)
