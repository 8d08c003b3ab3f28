"""Issue #13's done-when: the cron commands, run as processes of their own on a migrated
database, settle a stale paid purchase, change and renewal — one charge, one document, the
licence updated — and extra charges of one operation are refunded once.

The only thing simulated is the process that died mid-charge: `DiesMidCharge` forwards the
charge to localstripe (so Stripe has really charged) and then dies as a killed worker would,
leaving the operation `charging`. Time passing is simulated by moving the operation's last
change back past `reconciliation.STALE_AFTER`; test_recovery_stripe_paused.py waits for real.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from datetime import date, timedelta

import httpx
import pytest
from sqlmodel import select

from tests.billing.test_renewals import ROOT, _command_env
from tests.fixtures.factories import (
    give_card,
    make_active_licence,
    make_customer,
    make_trial,
    save_billing_profile,
)
from tests.fixtures.localstripe import payment_intents_of, refunds_of
from ts_store.billing import changes, purchase, reconciliation, renewals, webhooks
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration
from ts_store.store import documents, licences
from ts_store.store.models import AuditEntry, BillingOperation, Customer, utcnow
from ts_store.ui.messages import text

pytestmark = pytest.mark.stripe


class DiesMidCharge:
    """The real gateway; the charge reaches Stripe, then the process dies before the answer."""

    def __init__(self, real) -> None:
        self._real = real

    async def charge_off_session(self, **kwargs):
        await self._real.charge_off_session(**kwargs)
        raise asyncio.CancelledError  # the worker was killed with the answer on its way

    def __getattr__(self, name):
        return getattr(self._real, name)


def _only_operation(session) -> BillingOperation:
    session.expire_all()
    [operation] = session.exec(select(BillingOperation)).all()
    return operation


def _make_stale(session, operation: BillingOperation) -> None:
    """As if the operation had been left alone for just over the stale threshold."""
    operation = session.get(BillingOperation, operation.id)
    operation.updated_at = utcnow() - reconciliation.STALE_AFTER - timedelta(seconds=1)
    session.add(operation)
    session.commit()


def _run(db_url, stripe_settings, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "ts_store.billing", *args],
        env=_command_env(db_url, stripe_settings),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result, time.monotonic() - started


def _stripe_id(session, customer_id: int) -> str:
    return session.get(Customer, customer_id).stripe_customer_id


async def _change_dead_mid_charge(session, gateway, key: str):
    """A 2→3 seat change whose worker dies after Stripe took the money: what the commands settle."""
    customer = make_customer(session)
    await give_card(session, gateway, customer)
    licence = make_active_licence(session, customer.id, seats=2)
    with pytest.raises(asyncio.CancelledError):
        await changes.apply_change(
            customer_id=customer.id,
            licence_id=licence.id,
            expected_version=licence.version,
            target=Configuration("pro", Cycle.MONTHLY, 3),
            idempotency_key=key,
            gateway=DiesMidCharge(gateway),
        )
    return customer, licence, _only_operation(session)


def _assert_one_charge_one_document(session, stripe_settings, operation_id: int, licence_id):
    session.expire_all()
    operation = session.get(BillingOperation, operation_id)
    assert operation.status == "succeeded" and operation.lock_key is not None
    intents = payment_intents_of(
        stripe_settings, _stripe_id(session, operation.customer_id), operation_id
    )
    assert [intent["status"] for intent in intents] == ["succeeded"]
    assert intents[0]["id"] == operation.stripe_payment_intent_id
    [document] = documents.documents_of(session, operation.customer_id)
    assert document.operation_id == operation_id
    assert document.gross_cents == operation.amount_cents == intents[0]["amount"]
    actions = session.exec(
        select(AuditEntry.action).where(AuditEntry.licence_id == licence_id)
    ).all()
    assert "stale_operation_settled" in actions


async def test_reconcile_command_settles_a_stale_paid_purchase_once(
    session, gateway, db_url, stripe_settings
):
    customer = make_customer(session)
    save_billing_profile(session, customer.id)
    await give_card(session, gateway, customer)
    trial = make_trial(session, customer.id, date(2026, 11, 20), status="trial_expired")
    with pytest.raises(asyncio.CancelledError):
        await purchase.purchase(
            customer_id=customer.id,
            licence_id=trial.id,
            expected_version=trial.version,
            target=Configuration("pro", Cycle.MONTHLY, 3),
            idempotency_key="purchase-crash",
            gateway=DiesMidCharge(gateway),
        )
    operation = _only_operation(session)
    assert operation.status == "charging"
    _make_stale(session, operation)

    result, seconds = _run(db_url, stripe_settings, "reconcile")
    again, _ = _run(db_url, stripe_settings, "reconcile")

    assert result.returncode == 0, result.stderr
    assert "operazioni in sospeso: 1 chiuse" in result.stdout, result.stdout
    assert "operazioni in sospeso: 0 chiuse" in again.stdout
    assert seconds < 60
    _assert_one_charge_one_document(session, stripe_settings, operation.id, trial.id)
    bought = licences.get_licence(session, trial.id)
    assert (bought.status, bought.plan, bought.seats) == ("active", "pro", 3)
    assert bought.period_start == date(2026, 11, 28)


async def test_reconcile_command_settles_a_stale_paid_change_once(
    session, gateway, db_url, stripe_settings
):
    _, licence, operation = await _change_dead_mid_charge(session, gateway, "change-crash")
    _make_stale(session, operation)

    result, seconds = _run(db_url, stripe_settings, "reconcile")

    assert result.returncode == 0, result.stderr
    assert seconds < 60
    _assert_one_charge_one_document(session, stripe_settings, operation.id, licence.id)
    # The example: +1 user on 28/11 of a 10/11–10/12 Pro month, 12,20 € with IVA.
    assert operation.amount_cents == 1220
    assert licences.get_licence(session, licence.id).seats == 3


async def test_renew_command_settles_a_stale_paid_renewal_without_charging_it_again(
    session, gateway, db_url, stripe_settings
):
    customer = make_customer(session)
    await give_card(session, gateway, customer)
    licence = make_active_licence(session, customer.id, seats=2)
    with pytest.raises(asyncio.CancelledError):
        await renewals.renew_due(date(2026, 12, 10), DiesMidCharge(gateway))
    operation = _only_operation(session)
    assert (operation.kind, operation.status) == ("renewal", "charging")
    _make_stale(session, operation)

    result, seconds = _run(db_url, stripe_settings, "renew", "--today", "2026-12-10")
    again, _ = _run(db_url, stripe_settings, "renew", "--today", "2026-12-10")

    assert result.returncode == 0, result.stderr
    assert "operazioni in sospeso: 1 chiuse" in result.stdout, result.stdout
    assert again.returncode == 0 and "nulla da fare" in again.stdout
    assert seconds < 60
    _assert_one_charge_one_document(session, stripe_settings, operation.id, licence.id)
    renewed = licences.get_licence(session, licence.id)
    assert (renewed.status, renewed.period_start, renewed.period_end) == (
        "active",
        date(2026, 12, 10),
        date(2027, 1, 10),
    )
    assert len(payment_intents_of(stripe_settings, customer.stripe_customer_id)) == 1


# --- extra charges --------------------------------------------------------------------------


async def _extra_payment(gateway, operation: BillingOperation, stripe_customer_id: str, key: str):
    """A second real payment naming the operation: what a re-send under a key Stripe had
    forgotten (or any bug) would make."""
    card = await gateway.default_card(stripe_customer_id)
    return await gateway.charge_off_session(
        customer_id=stripe_customer_id,
        payment_method_id=card.payment_method_id,
        amount_cents=operation.amount_cents,
        idempotency_key=key,
        description="duplicato",
        metadata={"ts_store_operation_id": str(operation.id)},
    )


async def test_two_extra_charges_of_a_settled_change_are_refunded_once_across_runs(
    session, gateway, db_url, stripe_settings
):
    customer, licence, operation = await _change_dead_mid_charge(session, gateway, "change-extra")
    stripe_id = customer.stripe_customer_id
    for n in (1, 2):
        await _extra_payment(gateway, operation, stripe_id, f"dup-{n}")
    _make_stale(session, operation)

    runs = [_run(db_url, stripe_settings, "reconcile")[0] for _ in range(3)]
    concurrent = await reconciliation.settle_and_refund(gateway=gateway)

    assert all(run.returncode == 0 for run in runs), runs[0].stderr
    assert "addebiti in più trovati: 2" in runs[0].stdout, runs[0].stdout
    assert "addebiti in più trovati: 0" in runs[1].stdout
    assert concurrent.extras == [] and concurrent.refunded == []
    session.expire_all()
    applied = session.get(BillingOperation, operation.id)
    assert applied.status == "succeeded"
    assert licences.get_licence(session, licence.id).seats == 3
    # One of the three payments (the oldest: any, within one second) is the operation's; the
    # two others are refunded in full, once.
    intents = payment_intents_of(stripe_settings, stripe_id, operation.id)
    assert len(intents) == 3
    refunded = {
        intent["id"]: refunds_of(stripe_settings, intent["id"])
        for intent in intents
        if intent["id"] != applied.stripe_payment_intent_id
    }
    assert [[r["amount"] for r in refunds] for refunds in refunded.values()] == [[1220], [1220]]
    rows = session.exec(select(BillingOperation).where(BillingOperation.id != operation.id)).all()
    assert sorted(row.stripe_payment_intent_id for row in rows) == sorted(refunded)
    assert {(row.status, row.failure_code) for row in rows} == {
        ("refunded", reconciliation.EXTRA_REFUNDED)
    }
    assert text(reconciliation.EXTRA_REFUNDED) == (
        "Addebito in più per la stessa operazione: rimborsato per intero."
    )
    # The refund of a payment never invoiced issues no credit note: still one document.
    assert len(documents.documents_of(session, customer.id)) == 1
    actions = session.exec(select(AuditEntry.action)).all()
    assert actions.count("extra_charge_to_refund") == 2
    assert actions.count("extra_charge_refunded") == 2


async def test_webhook_of_an_extra_payment_records_it_once_and_the_pass_refunds_it(
    session, gateway, stripe_settings
):
    customer = make_customer(session)
    await give_card(session, gateway, customer)
    licence = make_active_licence(session, customer.id, seats=2)
    paid = await changes.apply_change(
        customer_id=customer.id,
        licence_id=licence.id,
        expected_version=licence.version,
        target=Configuration("pro", Cycle.MONTHLY, 3),
        idempotency_key="change-webhook-extra",
        gateway=gateway,
    )
    assert paid.status == "succeeded"
    operation = _only_operation(session)
    extra = await _extra_payment(gateway, operation, customer.stripe_customer_id, "dup-wh")
    intent = httpx.get(
        f"{stripe_settings.api_base}/v1/payment_intents/{extra.payment_intent_id}",
        auth=(stripe_settings.secret_key, ""),
    ).json()

    first = await webhooks.handle_event(
        {"id": "evt_extra_1", "type": "payment_intent.succeeded", "data": {"object": intent}}
    )
    redelivered = await webhooks.handle_event(
        {"id": "evt_extra_2", "type": "payment_intent.succeeded", "data": {"object": intent}}
    )
    report = await reconciliation.settle_and_refund(gateway=gateway)

    assert first == f"operation {operation.id}: extra payment to refund"
    assert redelivered == first  # the same PaymentIntent is one row, whoever finds it
    assert report.extras == [] and len(report.refunded) == 1
    session.expire_all()
    [row] = session.exec(select(BillingOperation).where(BillingOperation.id != operation.id)).all()
    assert (row.stripe_payment_intent_id, row.status) == (extra.payment_intent_id, "refunded")
    assert session.get(BillingOperation, operation.id).status == "succeeded"
    assert [r["amount"] for r in refunds_of(stripe_settings, extra.payment_intent_id)] == [1220]
    assert refunds_of(stripe_settings, operation.stripe_payment_intent_id) == []
