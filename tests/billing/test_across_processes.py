"""Two app workers at once: one charge per change, and a webhook settled by the other worker.

Each "worker" is a separate interpreter (multiprocessing "spawn") with its own engine, event
loop and Stripe client, as Granian's workers are. Runs on the pass's backend (`--db`): on
PostgreSQL the operation row's unique key and the licence's lock key decide, on SQLite the
database's write lock does. The renewal job from two processes at once is in
tests/billing/test_renewals_concurrency.py; document numbers from two processes in
tests/store/test_document_numbering_processes.py.

PaymentIntents are listed from localstripe's API: a second charge would show up there.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
from dataclasses import asdict

import pytest
from sqlmodel import select

from tests.fixtures.factories import give_card, make_active_licence, make_customer
from tests.fixtures.localstripe import authenticate_payment_intent, payment_intents_of
from ts_store.billing import changes
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration
from ts_store.store import documents, licences
from ts_store.store.models import BillingOperation

pytestmark = pytest.mark.stripe

TODAY = "2026-11-28"
FIVE_USERS = {"plan": "pro", "cycle": "monthly", "seats": 5}
WEBHOOK_SECRET = "whsec_other_worker"


@pytest.fixture(autouse=True)
def article_day(monkeypatch):
    monkeypatch.setenv("TS_STORE_TODAY", TODAY)


def _worker_env(db_url: str) -> None:
    os.environ["TS_STORE_DB_URL"] = db_url
    os.environ["TS_STORE_TODAY"] = TODAY


def _confirm_in_worker(db_url, settings, change, key, barrier, results) -> None:
    """One worker's confirm of `change`: what `LicenceState.confirm` calls."""
    _worker_env(db_url)
    from ts_store.billing.bootstrap import bootstrap
    from ts_store.billing.errors import UseCaseError
    from ts_store.payments.config import StripeSettings
    from ts_store.payments.gateway import StripeGateway

    async def confirm():
        gateway = StripeGateway(StripeSettings(**settings))
        bootstrap(gateway=gateway)
        barrier.wait(timeout=60)
        try:
            result = await changes.apply_change(
                gateway=gateway,
                idempotency_key=key,
                target=Configuration(change["plan"], Cycle(change["cycle"]), change["seats"]),
                **{k: change[k] for k in ("customer_id", "licence_id", "expected_version")},
            )
            return {"status": str(result.status), "code": result.failure_code}
        except UseCaseError as error:
            return {"status": "refused", "code": error.code}
        finally:
            await gateway.aclose()

    results.put(asyncio.run(confirm()))


def _two_workers(target, args_of) -> list[dict]:
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    processes = [
        context.Process(target=target, args=(*args_of(number), barrier, results))
        for number in (1, 2)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=180) for _ in processes]
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    print("workers:", json.dumps(outcomes))  # shown with -s
    return outcomes


@pytest.mark.parametrize(
    "keys",
    [
        pytest.param(("tab-a", "tab-b"), id="two_tabs_two_keys"),
        pytest.param(("same-click", "same-click"), id="one_key_retried_on_another_worker"),
    ],
)
async def test_two_workers_confirming_the_same_change_make_one_charge(
    session, gateway, stripe_settings, db_url, keys
):
    customer = make_customer(session)
    await give_card(session, gateway, customer)
    licence = make_active_licence(session, customer.id, seats=2)
    version = licence.version
    change = FIVE_USERS | {
        "customer_id": customer.id,
        "licence_id": licence.id,
        "expected_version": version,
    }

    outcomes = await asyncio.to_thread(
        _two_workers,
        _confirm_in_worker,
        lambda n: (db_url, asdict(stripe_settings), change, keys[n - 1]),
    )

    [intent] = payment_intents_of(stripe_settings, customer.stripe_customer_id)
    assert intent["status"] == "succeeded" and intent["amount"] == 3660
    statuses = sorted(outcome["status"] for outcome in outcomes)
    assert statuses.count("succeeded") >= 1
    # The other worker was refused (the first one's payment is being verified, or the licence
    # already changed) or, with the same key, handed the same operation's outcome; it never
    # charged.
    assert all(
        o["status"] in {"succeeded", "charging", "pending"}
        or o["code"] in {"payment_being_verified", "licence_busy", "licence_changed"}
        for o in outcomes
    ), outcomes
    session.expire_all()
    stored = licences.get_licence(session, licence.id)
    assert (stored.seats, stored.version) == (5, version + 1)
    operations = session.exec(
        select(BillingOperation).where(BillingOperation.licence_id == licence.id)
    ).all()
    assert [op.status for op in operations if op.status == "succeeded"] == ["succeeded"]
    assert len(documents.documents_of(session, customer.id)) == 1


def _webhook_in_worker(db_url, settings, payload, barrier, results) -> None:
    """Another worker receives Stripe's signed event through the app's webhook route."""
    _worker_env(db_url)
    import httpx
    from starlette.applications import Starlette

    from ts_store.billing import webhooks
    from ts_store.billing.bootstrap import bootstrap
    from ts_store.payments.config import StripeSettings
    from ts_store.payments.gateway import StripeGateway
    from ts_store.payments.webhook import sign_payload, webhook_route

    async def receive():
        gateway = StripeGateway(StripeSettings(**settings))
        bootstrap(gateway=gateway)
        route = webhook_route("/stripe/webhook", WEBHOOK_SECRET, webhooks.handle_event)
        app = Starlette(routes=[route])
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://worker-2") as client:
                body = payload.encode()
                response = await client.post(
                    "/stripe/webhook",
                    content=body,
                    headers={"Stripe-Signature": sign_payload(body, WEBHOOK_SECRET)},
                )
            return {"status": response.status_code}
        finally:
            await gateway.aclose()

    barrier.wait(timeout=60)
    results.put(asyncio.run(receive()))


async def test_webhook_handled_by_another_worker_settles_the_operation_the_first_started(
    session, gateway, stripe_settings, db_url
):
    """Worker 1 (this process) confirms; the bank asks for 3-D Secure; the customer closes the
    tab after authenticating, so only Stripe's event reports the payment, and the load
    balancer hands it to worker 2 (twice: Stripe retries)."""
    customer = make_customer(session)
    await give_card(session, gateway, customer, "4000002760003184")  # always asks for 3-D Secure
    licence = make_active_licence(session, customer.id, seats=2)
    version = licence.version
    result = await changes.apply_change(
        customer_id=customer.id,
        licence_id=licence.id,
        expected_version=licence.version,
        target=Configuration("pro", Cycle.MONTHLY, 5),
        idempotency_key="worker-1",
        gateway=gateway,
    )
    assert result.status == "requires_action"
    operation = session.get(BillingOperation, result.operation_id)
    intent = await authenticate_payment_intent(
        stripe_settings, operation.stripe_payment_intent_id, success=True
    )
    assert intent["status"] == "succeeded"
    payload = json.dumps(
        {"id": "evt_worker_2", "type": "payment_intent.succeeded", "data": {"object": intent}}
    )

    outcomes = await asyncio.to_thread(
        _two_workers,
        _webhook_in_worker,
        lambda n: (db_url, asdict(stripe_settings), payload),
    )

    assert [o["status"] for o in outcomes] == [200, 200]  # both deliveries acknowledged
    session.expire_all()
    assert session.get(BillingOperation, operation.id).status == "succeeded"
    stored = licences.get_licence(session, licence.id)
    assert (stored.seats, stored.version) == (5, version + 1)
    [document] = documents.documents_of(session, customer.id)
    assert document.gross_cents == 3660
    [paid] = payment_intents_of(stripe_settings, customer.stripe_customer_id)
    assert paid["id"] == operation.stripe_payment_intent_id
