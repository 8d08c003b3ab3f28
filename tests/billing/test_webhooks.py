"""The Stripe webhook end to end through our route: signatures, once-only events, reconciliation."""

import asyncio
import dataclasses
import json
import time

import httpx
import pytest
from starlette.applications import Starlette

from tests.fixtures.factories import give_card, make_active_licence, make_customer
from tests.fixtures.localstripe import authenticate_payment_intent, forwarded_webhooks
from ts_store.billing import charging, webhooks
from ts_store.billing.bootstrap import bootstrap
from ts_store.domain.catalog import load_catalog
from ts_store.domain.operations import ChangeRequest, OperationContext, OperationKind
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration, CurrentTerm, quote
from ts_store.payments.errors import PaymentsUnavailable
from ts_store.payments.gateway import StripeGateway
from ts_store.payments.webhook import sign_payload, webhook_route
from ts_store.store import customers, documents, licences
from ts_store.store.db import session_scope
from ts_store.store.models import BillingOperation, StripeEvent

SECRET = "whsec_test_webhooks"


@pytest.fixture(autouse=True)
def seats_applier(billing_services):
    """Changes apply only their seats here: the webhook's part is what these tests pin."""
    bootstrap(
        appliers={
            OperationKind.CHANGE: lambda licence, request, context: {"seats": request.target.seats}
        }
    )


@pytest.fixture
def client():
    app = Starlette(routes=[webhook_route("/stripe/webhook", SECRET, webhooks.handle_event)])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def _event(event_id: str, event_type: str, data: dict) -> bytes:
    return json.dumps({"id": event_id, "type": event_type, "data": {"object": data}}).encode()


async def _post(client, payload: bytes, secret: str = SECRET, timestamp: int | None = None):
    header = sign_payload(payload, secret, timestamp)
    return await client.post(
        "/stripe/webhook", content=payload, headers={"Stripe-Signature": header}
    )


@pytest.fixture
async def waiting_for_3ds(session, gateway):
    """An operation left in requires_action (the customer closed the page during 3-D Secure)."""
    customer = make_customer(session)
    await give_card(session, gateway, customer, "4000002760003184")
    licence = make_active_licence(session, customer.id, seats=2)
    term = CurrentTerm(
        Configuration("pro", Cycle.MONTHLY, 2), licence.period_start, licence.period_end
    )
    target = Configuration("pro", Cycle.MONTHLY, 4)
    plan = charging.ChargePlan(
        idempotency_key="wh-3ds",
        customer_id=customer.id,
        licence_id=licence.id,
        licence_version=licence.version,
        quote=quote(load_catalog(), licence.period_start, term, target),
        request=ChangeRequest(target=target, effective_now=target),
        context=OperationContext(
            today=licence.period_start, actor_customer_id=None, description="test"
        ),
    )
    result = await charging.execute(plan, gateway)
    assert result.status == "requires_action"
    operation = session.get(BillingOperation, result.operation_id)
    return licence, operation


def _intent(operation, amount=None, customer=None):
    with session_scope() as session:
        stripe_customer = customers.get_customer(session, operation.customer_id).stripe_customer_id
    return {
        "id": operation.stripe_payment_intent_id,
        "amount": operation.amount_cents if amount is None else amount,
        "customer": customer or stripe_customer,
        "metadata": {"ts_store_operation_id": str(operation.id)},
    }


@pytest.mark.stripe
async def test_payment_succeeded_event_applies_the_operation_once(session, client, waiting_for_3ds):
    licence, operation = waiting_for_3ds
    payload = _event("evt_ok_1", "payment_intent.succeeded", _intent(operation))

    first = await _post(client, payload)
    replay = await _post(client, payload)

    assert (first.status_code, replay.status_code) == (200, 200)
    session.expire_all()
    assert licences.get_licence(session, licence.id).seats == 4
    assert len(documents.documents_of(session, licence.customer_id)) == 1
    assert session.get(StripeEvent, "evt_ok_1") is not None


@pytest.mark.stripe
async def test_payment_failed_event_marks_the_operation_failed(session, client, waiting_for_3ds):
    licence, operation = waiting_for_3ds
    intent = {**_intent(operation), "last_payment_error": {"code": "card_declined"}}
    response = await _post(client, _event("evt_ko_1", "payment_intent.payment_failed", intent))

    assert response.status_code == 200
    session.expire_all()
    stored = session.get(BillingOperation, operation.id)
    assert (stored.status, stored.lock_key) == ("failed", None)
    assert licences.get_licence(session, licence.id).seats == 2


@pytest.mark.stripe
async def test_wrong_amount_in_event_is_not_applied(session, client, waiting_for_3ds):
    licence, operation = waiting_for_3ds
    await _post(client, _event("evt_amount", "payment_intent.succeeded", _intent(operation, 1)))
    session.expire_all()
    assert licences.get_licence(session, licence.id).seats == 2


@pytest.mark.stripe
@pytest.mark.parametrize(
    ("secret", "age_seconds"),
    [("whsec_wrong", 0), (SECRET, 6 * 60)],
    ids=["wrong_secret", "stale_over_5_minutes"],
)
async def test_bad_or_stale_signature_is_refused_and_changes_nothing(
    session, client, waiting_for_3ds, secret, age_seconds
):
    licence, operation = waiting_for_3ds
    payload = _event("evt_bad", "payment_intent.succeeded", _intent(operation))
    response = await _post(client, payload, secret, int(time.time()) - age_seconds)

    assert response.status_code == 400
    session.expire_all()
    assert licences.get_licence(session, licence.id).seats == 2
    assert session.get(StripeEvent, "evt_bad") is None


async def test_missing_signature_is_refused(client):
    response = await client.post("/stripe/webhook", content=b"{}")
    assert response.status_code == 400


@pytest.mark.stripe
async def test_customer_updated_refreshes_the_default_card_mirror(session, gateway):
    from ts_store.store import payment_methods

    customer = make_customer(session)
    await give_card(session, gateway, customer, "4242424242424242")
    new_card = await gateway.attach_test_card(customer.stripe_customer_id, "5555555555554444")
    await gateway.set_default_card(customer.stripe_customer_id, new_card.payment_method_id)

    outcome = await webhooks.handle_event(
        {
            "id": "evt_cus_1",
            "type": "customer.updated",
            "data": {"object": {"id": customer.stripe_customer_id}},
        },
        gateway,
    )

    assert outcome == "card refreshed"
    session.expire_all()
    assert payment_methods.default_card(session, customer.id).last4 == "4444"


@pytest.mark.stripe
async def test_payment_event_for_another_customers_stripe_id_is_ignored(
    session, client, waiting_for_3ds
):
    """Operation ids are ours only: a database sharing the Stripe account has the same ids."""
    licence, operation = waiting_for_3ds
    intent = _intent(operation, customer="cus_of_another_environment")
    response = await _post(client, _event("evt_foreign", "payment_intent.succeeded", intent))

    assert response.status_code == 200
    session.expire_all()
    assert licences.get_licence(session, licence.id).seats == 2
    assert session.get(BillingOperation, operation.id).status == "requires_action"


async def test_unknown_event_type_is_recorded_and_ignored(session):
    event = {"id": "evt_other", "type": "invoice.created", "data": {"object": {}}}
    assert await webhooks.handle_event(event) == "ignored: invoice.created"
    assert await webhooks.handle_event(event) == "duplicate"


@pytest.mark.stripe
async def test_failed_handling_forgets_the_event_so_stripes_retry_is_handled(
    session, gateway, stripe_settings
):
    customer = make_customer(session)
    await give_card(session, gateway, customer, "4242424242424242")
    new_card = await gateway.attach_test_card(customer.stripe_customer_id, "5555555555554444")
    await gateway.set_default_card(customer.stripe_customer_id, new_card.payment_method_id)
    event = {
        "id": "evt_cus_retry",
        "type": "customer.updated",
        "data": {"object": {"id": customer.stripe_customer_id}},
    }
    unreachable = StripeGateway(
        dataclasses.replace(stripe_settings, api_base="http://127.0.0.1:9"),
        timeout_seconds=2,
        max_network_retries=0,
    )

    with pytest.raises(PaymentsUnavailable):
        await webhooks.handle_event(event, unreachable)
    session.expire_all()
    assert session.get(StripeEvent, "evt_cus_retry") is None

    assert await webhooks.handle_event(event, gateway) == "card refreshed"
    assert await webhooks.handle_event(event, gateway) == "duplicate"


@pytest.mark.stripe
async def test_payment_succeeded_sent_by_localstripe_applies_the_abandoned_3ds_operation(
    session, localstripe_url, stripe_settings, waiting_for_3ds
):
    """The customer authenticated but closed the tab before the page reported back: Stripe's
    own signed event (localstripe posts it about 1 s later) finishes the operation."""
    licence, operation = waiting_for_3ds
    app = Starlette(routes=[webhook_route("/stripe/webhook", SECRET, webhooks.handle_event)])
    async with forwarded_webhooks(
        localstripe_url, "ts_store_billing_test", app, SECRET, ["payment_intent.succeeded"]
    ) as statuses:
        await authenticate_payment_intent(
            stripe_settings, operation.stripe_payment_intent_id, success=True
        )
        async with asyncio.timeout(15):
            while True:
                session.expire_all()
                if session.get(BillingOperation, operation.id).status == "succeeded":
                    break
                await asyncio.sleep(0.1)

    assert licences.get_licence(session, licence.id).seats == 4
    assert len(documents.documents_of(session, licence.customer_id)) == 1
    assert set(statuses) == {200}
