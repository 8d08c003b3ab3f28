"""Charges whose answer from Stripe was lost are settled by asking Stripe, against localstripe.

The only thing simulated is the lost answer: `LostAnswer` forwards to the real gateway and then
drops the reply (Stripe unreachable after or before charging) or dies mid-call, as a crashed
process would. Everything else — the charge, the listing of PaymentIntents, the database — is
real.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.billing.test_charging import _plan
from tests.billing.test_renewals import ROOT, _command_env
from tests.fixtures.factories import give_card, make_active_licence, make_customer
from tests.fixtures.localstripe import authenticate_payment_intent, payment_intents_of, refunds_of
from ts_store.billing import charging, reconciliation, renewal_task
from ts_store.domain.operations import RenewalRequest
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration
from ts_store.payments.config import STRIPE_CALL_DEADLINE_SECONDS
from ts_store.payments.errors import PaymentsUnavailable
from ts_store.store import documents, licences
from ts_store.store.models import AuditEntry, BillingOperation, Customer, utcnow
from ts_store.ui.messages import text

pytestmark = pytest.mark.stripe

LATER = reconciliation.STALE_AFTER + timedelta(seconds=1)


class LostAnswer:
    """The real gateway whose charge answer never reaches us."""

    def __init__(self, real, *, reaches_stripe: bool, crash: bool = False) -> None:
        self._real = real
        self._reaches_stripe = reaches_stripe
        self._crash = crash

    async def charge_off_session(self, **kwargs):
        if self._reaches_stripe:
            await self._real.charge_off_session(**kwargs)
        if self._crash:
            raise asyncio.CancelledError  # the worker died with the request in flight
        raise PaymentsUnavailable(detail="connection reset (test)")

    def __getattr__(self, name):
        return getattr(self._real, name)


class StripeDown:
    """The real gateway, but Stripe cannot be reached for any lookup."""

    def __init__(self, real) -> None:
        self._real = real

    async def find_payment(self, **kwargs):
        raise PaymentsUnavailable(detail="down (test)")

    async def retrieve_payment(self, payment_intent_id):
        raise PaymentsUnavailable(detail="down (test)")


@pytest.fixture
async def paying_licence(session, gateway):
    customer = make_customer(session)
    await give_card(session, gateway, customer)
    return make_active_licence(session, customer.id, seats=2)


def _operation(session, operation_id: int) -> BillingOperation:
    session.expire_all()
    return session.get(BillingOperation, operation_id)


async def _reconcile_later(gateway):
    return await reconciliation.reconcile_stale_operations(now=utcnow() + LATER, gateway=gateway)


async def test_crash_after_stripe_charged_is_applied_once_with_its_document(
    session, gateway, stripe_settings, paying_licence
):
    plan = _plan(paying_licence, "crash-after-charge")
    with pytest.raises(asyncio.CancelledError):
        await charging.execute(plan, LostAnswer(gateway, reaches_stripe=True, crash=True))
    [operation] = session.exec(select(BillingOperation)).all()
    assert operation.status == "charging" and operation.lock_key is not None

    report = await _reconcile_later(gateway)
    again = await _reconcile_later(gateway)

    settled = _operation(session, operation.id)
    assert settled.status == "succeeded"
    assert len(report.settled) == 1 and again.settled == []
    assert licences.get_licence(session, paying_licence.id).seats == 5
    [document] = documents.documents_of(session, paying_licence.customer_id)
    assert document.gross_cents == 3660
    customer = session.get(Customer, paying_licence.customer_id)
    assert len(payment_intents_of(stripe_settings, customer.stripe_customer_id, operation.id)) == 1
    actions = session.exec(select(AuditEntry.action)).all()
    assert "stale_operation_settled" in actions


async def test_unknown_outcome_that_stripe_never_received_is_closed_and_unlocked(
    session, gateway, stripe_settings, paying_licence
):
    first = await charging.execute(
        _plan(paying_licence, "never-sent"), LostAnswer(gateway, reaches_stripe=False)
    )
    assert first.status == "unknown"

    report = await _reconcile_later(gateway)

    closed = _operation(session, first.operation_id)
    assert (closed.status, closed.lock_key) == ("failed", None)
    assert closed.failure_code == reconciliation.NOT_STARTED
    assert text(closed.failure_code) == (
        "Il pagamento non è partito: nessun addebito è stato fatto. Puoi confermare di nuovo."
    )
    assert "nessun pagamento in Stripe" in report.settled[0]
    assert licences.get_licence(session, paying_licence.id).seats == 2
    customer = session.get(Customer, paying_licence.customer_id)
    assert (
        payment_intents_of(stripe_settings, customer.stripe_customer_id, first.operation_id) == []
    )
    # The licence is no longer locked: the customer can confirm again, and pays once.
    retry = await charging.execute(_plan(paying_licence, "second-confirm"), gateway)
    assert retry.status == "succeeded"
    session.expire_all()
    assert licences.get_licence(session, paying_licence.id).seats == 5


async def test_unknown_outcome_after_stripe_charged_is_applied(session, gateway, paying_licence):
    first = await charging.execute(
        _plan(paying_licence, "answer-lost"), LostAnswer(gateway, reaches_stripe=True)
    )
    assert first.status == "unknown"

    await _reconcile_later(gateway)

    assert _operation(session, first.operation_id).status == "succeeded"
    assert licences.get_licence(session, paying_licence.id).seats == 5


async def test_operation_younger_than_60_seconds_is_left_alone(session, gateway, paying_licence):
    first = await charging.execute(
        _plan(paying_licence, "just-now"), LostAnswer(gateway, reaches_stripe=False)
    )

    report = await reconciliation.reconcile_stale_operations(
        now=utcnow() + timedelta(seconds=59), gateway=gateway
    )

    assert report.settled == [] and report.waiting == []
    assert _operation(session, first.operation_id).status == "unknown"


def test_stale_threshold_leaves_a_live_confirm_its_whole_stripe_deadline():
    assert reconciliation.STALE_AFTER.total_seconds() == 60
    assert reconciliation.STALE_AFTER.total_seconds() >= 2 * STRIPE_CALL_DEADLINE_SECONDS
    # Settled within 2 minutes: stale after 60 s, then the app's next pass (every 30 s) or
    # cron's (every minute) — docs/recovery.md.
    assert renewal_task.reconcile_interval_seconds({}) == 30.0
    assert reconciliation.STALE_AFTER.total_seconds() + 60 <= 120


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, 30.0), ("5", 5.0), ("0", 0.0), ("mezzo minuto", 30.0)],
    ids=["unset", "five", "zero_disables", "not_a_number"],
)
def test_reconcile_interval_from_environment(raw, expected):
    environ = {} if raw is None else {renewal_task.RECONCILE_INTERVAL_ENV: raw}
    assert renewal_task.reconcile_interval_seconds(environ) == expected


async def test_background_reconciliation_settles_a_stale_crash_and_keeps_running(
    session, gateway, paying_licence
):
    with pytest.raises(asyncio.CancelledError):
        await charging.execute(
            _plan(paying_licence, "background"),
            LostAnswer(gateway, reaches_stripe=True, crash=True),
        )
    operation = session.exec(select(BillingOperation)).one()
    operation.updated_at = utcnow() - LATER
    session.add(operation)
    session.commit()

    task = asyncio.create_task(renewal_task.periodic_reconciliation(0.05, gateway))
    try:
        for _ in range(200):
            if _operation(session, operation.id).status == "succeeded":
                break
            await asyncio.sleep(0.05)
        assert not task.done()
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert _operation(session, operation.id).status == "succeeded"
    assert licences.get_licence(session, paying_licence.id).seats == 5


async def test_background_reconciliation_disabled_with_interval_0_returns_at_once():
    await asyncio.wait_for(renewal_task.periodic_reconciliation(0), timeout=5)


async def test_stripe_still_unreachable_leaves_the_operation_for_the_next_pass(
    session, gateway, paying_licence
):
    first = await charging.execute(
        _plan(paying_licence, "still-down"), LostAnswer(gateway, reaches_stripe=True)
    )

    report = await _reconcile_later(StripeDown(gateway))

    assert report.settled == [] and len(report.waiting) == 1
    assert _operation(session, first.operation_id).status == "unknown"
    await _reconcile_later(gateway)  # Stripe is back
    assert _operation(session, first.operation_id).status == "succeeded"


async def test_crashed_renewal_never_sent_is_handed_back_to_the_renewal_job(
    session, gateway, paying_licence
):
    plan = _plan(paying_licence, "renewal:crash")
    renewal = RenewalRequest(
        period_end=paying_licence.period_end,
        anchor_day=paying_licence.anchor_day,
        configuration=Configuration("pro", Cycle.MONTHLY, 2),
    )
    renewal_plan = charging.ChargePlan(**{**plan.__dict__, "request": renewal})
    with pytest.raises(asyncio.CancelledError):
        await charging.execute(renewal_plan, LostAnswer(gateway, reaches_stripe=False, crash=True))
    [operation] = session.exec(select(BillingOperation)).all()
    assert operation.status == "charging"

    await _reconcile_later(gateway)

    # "unknown" keeps the lock: the renewal job re-sends it under the same idempotency key.
    handed_back = _operation(session, operation.id)
    assert handed_back.status == "unknown" and handed_back.lock_key is not None
    again = await _reconcile_later(gateway)  # an unknown renewal is the renewal job's business
    assert again.settled == []


async def test_reconcile_command_prints_what_it_settled(
    session, gateway, db_url, stripe_settings, paying_licence
):
    await charging.execute(
        _plan(paying_licence, "cli-lost"), LostAnswer(gateway, reaches_stripe=False)
    )
    with session.begin():  # as if it had been left alone for 20 minutes
        operation = session.exec(select(BillingOperation)).one()
        operation.updated_at = utcnow() - timedelta(minutes=20)
        session.add(operation)

    result = subprocess.run(
        [sys.executable, "-m", "ts_store.billing", "reconcile"],
        env=_command_env(db_url, stripe_settings),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "operazioni in sospeso: 1 chiuse" in result.stdout
    assert _operation(session, operation.id).status == "failed"


# --- late payments are refunded ----------------------------------------------------------------


async def _late_payment(session, gateway, stripe_settings, key: str) -> BillingOperation:
    """A 3-D Secure attempt completed in an old tab that never reported back, then superseded
    by a newer confirm: a real payment in localstripe, recorded as paid_not_applied."""
    customer = make_customer(session)
    await give_card(session, gateway, customer, "4000002760003184")
    licence = make_active_licence(session, customer.id, seats=2)
    abandoned = await charging.execute(_plan(licence, f"{key}-old"), gateway)
    old = _operation(session, abandoned.operation_id)
    await authenticate_payment_intent(stripe_settings, old.stripe_payment_intent_id, True)
    await give_card(session, gateway, customer, "4242424242424242")
    assert (await charging.execute(_plan(licence, f"{key}-new"), gateway)).status == "succeeded"
    late = _operation(session, old.id)
    assert late.status == "paid_not_applied"
    return late


async def test_late_payment_is_refunded_in_full_once(session, gateway, stripe_settings):
    late = await _late_payment(session, gateway, stripe_settings, "refund")

    report = await reconciliation.settle_and_refund(gateway=gateway)
    again = await reconciliation.settle_and_refund(gateway=gateway)

    refunded = _operation(session, late.id)
    assert (refunded.status, refunded.failure_code) == ("refunded", reconciliation.REFUNDED)
    assert text(refunded.failure_code) == (
        "Pagamento arrivato in ritardo e non applicato: rimborsato per intero."
    )
    [refund] = refunds_of(stripe_settings, late.stripe_payment_intent_id)
    assert refund["amount"] == late.amount_cents
    assert refund["metadata"] == {"ts_store_operation_id": str(late.id)}
    assert len(report.refunded) == 1 and again.refunded == []
    actions = session.exec(select(AuditEntry.action)).all()
    assert "late_payment_refunded" in actions


async def test_refund_without_an_answer_is_retried_under_the_same_key(
    session, gateway, stripe_settings
):
    late = await _late_payment(session, gateway, stripe_settings, "refund-lost")

    class RefundAnswerLost:
        def __init__(self, real) -> None:
            self._real = real

        async def refund_payment(self, payment_intent_id, **kwargs):
            raise PaymentsUnavailable(detail="reset (test)")

        def __getattr__(self, name):
            return getattr(self._real, name)

    first = await reconciliation.settle_and_refund(gateway=RefundAnswerLost(gateway))
    assert _operation(session, late.id).status == "paid_not_applied"
    assert len(first.waiting) == 1

    await reconciliation.settle_and_refund(gateway=gateway)
    assert _operation(session, late.id).status == "refunded"
    assert len(refunds_of(stripe_settings, late.stripe_payment_intent_id)) == 1


async def test_payment_already_refunded_by_staff_is_not_refunded_twice(
    session, gateway, stripe_settings
):
    late = await _late_payment(session, gateway, stripe_settings, "refund-staff")
    await gateway.refund_payment(
        late.stripe_payment_intent_id, idempotency_key="staff-dashboard", metadata={}
    )

    report = await reconciliation.settle_and_refund(gateway=gateway)

    settled = _operation(session, late.id)
    assert (settled.status, settled.failure_code) == (
        "refunded",
        reconciliation.ALREADY_REFUNDED,
    )
    assert text(settled.failure_code).endswith("era già stato rimborsato.")
    assert "già rimborsato" in report.refunded[0]
    assert len(refunds_of(stripe_settings, late.stripe_payment_intent_id)) == 1


async def test_payment_partly_refunded_by_staff_gets_only_the_rest_back(
    session, gateway, stripe_settings
):
    late = await _late_payment(session, gateway, stripe_settings, "refund-part")
    await gateway.refund_payment(
        late.stripe_payment_intent_id,
        idempotency_key="staff-part",
        metadata={},
        amount_cents=1000,
    )

    await reconciliation.settle_and_refund(gateway=gateway)

    assert _operation(session, late.id).status == "refunded"
    refunds = refunds_of(stripe_settings, late.stripe_payment_intent_id)
    assert sorted(refund["amount"] for refund in refunds) == sorted(
        [1000, late.amount_cents - 1000]
    )
