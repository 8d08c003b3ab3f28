"""PostgreSQL goes away and comes back: confirms are refused in Italian, nothing is charged,
and the app needs no restart (issue #18).

The app's engine reaches PostgreSQL through a TCP proxy that the test cuts (every connection
dropped, new ones refused, as while the server restarts) and restores. The test's own session
talks to PostgreSQL directly, so it can look at what was stored while the app cannot.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from tests.fixtures.factories import give_card, make_active_licence, make_customer
from tests.fixtures.localstripe import payment_intents_of
from tests.fixtures.tcp_proxy import TcpProxy
from ts_store.billing import changes
from ts_store.billing.errors import DatabaseUnavailable
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration
from ts_store.store import licences
from ts_store.store.db import dispose_engines, make_engine
from ts_store.store.models import BillingOperation
from ts_store.ui.messages import message_for

pytestmark = [pytest.mark.postgresql_only, pytest.mark.stripe]

FIVE_USERS = Configuration("pro", Cycle.MONTHLY, 5)


@pytest.fixture(autouse=True)
def article_day(monkeypatch):
    monkeypatch.setenv("TS_STORE_TODAY", "2026-11-28")


@pytest.fixture
def proxy(database, monkeypatch) -> Iterator[TcpProxy]:
    """The app's database URL goes through the proxy; the connect timeout is short, so a test
    that cuts it waits at most a second per attempt."""
    url = sa.make_url(database)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    monkeypatch.setenv("TS_STORE_DB_URL", proxied)
    monkeypatch.setenv("TS_STORE_DB_CONNECT_TIMEOUT", "1")
    try:
        yield proxy
    finally:
        proxy.close()
        dispose_engines()


@pytest.fixture
def direct(database) -> Iterator[Session]:
    """The test's own session, straight to PostgreSQL (never through the proxy)."""
    engine = make_engine(database)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()


async def _licence_with_card(direct, gateway):
    customer = make_customer(direct)
    await give_card(direct, gateway, customer)
    return customer, make_active_licence(direct, customer.id, seats=2)


async def _change(licence, gateway, key):
    return await changes.apply_change(
        customer_id=licence.customer_id,
        licence_id=licence.id,
        expected_version=licence.version,
        target=FIVE_USERS,
        idempotency_key=key,
        gateway=gateway,
    )


def _operations(direct, licence) -> list[BillingOperation]:
    direct.expire_all()
    return list(
        direct.exec(select(BillingOperation).where(BillingOperation.licence_id == licence.id))
    )


async def test_confirm_while_postgresql_is_down_is_refused_in_italian_and_charges_nothing(
    proxy, direct, gateway, stripe_settings
):
    customer, licence = await _licence_with_card(direct, gateway)
    changes.load_snapshot(customer.id, licence.id)  # the page was open: the pool is warm

    proxy.cut()
    with pytest.raises(DatabaseUnavailable) as refused:
        await _change(licence, gateway, "confirm-while-down")

    assert refused.value.code == "database_unavailable"
    assert message_for(refused.value) == (
        "Il servizio non è disponibile in questo momento: riprova tra qualche minuto. "
        "Non ti addebiteremo nulla due volte."
    )
    assert payment_intents_of(stripe_settings, customer.stripe_customer_id) == []
    assert _operations(direct, licence) == []
    assert licences.get_licence(direct, licence.id).seats == 2


async def test_when_postgresql_returns_the_same_process_confirms_without_a_restart(
    proxy, direct, gateway, stripe_settings
):
    customer, licence = await _licence_with_card(direct, gateway)
    changes.load_snapshot(customer.id, licence.id)
    proxy.cut()
    with pytest.raises(DatabaseUnavailable):
        changes.load_snapshot(customer.id, licence.id)  # the page reloaded during the outage

    proxy.restore()  # the pool still holds the dropped connections: pre-ping replaces them
    result = await _change(licence, gateway, "confirm-after-return")

    assert result.status == "succeeded"
    [intent] = payment_intents_of(stripe_settings, customer.stripe_customer_id)
    assert intent["status"] == "succeeded"
    direct.expire_all()
    assert licences.get_licence(direct, licence.id).seats == 5
    assert [op.status for op in _operations(direct, licence)] == ["succeeded"]


async def test_connections_dropped_under_a_warm_pool_are_replaced_without_an_error(
    proxy, direct, gateway
):
    """A PostgreSQL restart between two requests (pg_terminate_backend, a failover, a proxy that
    drops idle connections): the next request does not fail."""
    customer, licence = await _licence_with_card(direct, gateway)
    changes.load_snapshot(customer.id, licence.id)
    before = proxy.connections

    proxy.cut()
    proxy.restore()
    snapshot = changes.load_snapshot(customer.id, licence.id)

    assert snapshot.licence_id == licence.id
    assert proxy.connections > before  # a new connection replaced the dropped one
