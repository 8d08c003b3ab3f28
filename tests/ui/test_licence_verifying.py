"""A licence locked by a payment still being verified says so, on the page and on a confirm,
and unlocks once the reconciliation settles it (issue #13, docs/recovery.md).

The process that confirmed first died mid-charge (`DiesMidCharge`: Stripe did charge); the
page is driven as in test_licence_state.py, against a real database and localstripe.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.billing.test_recovery_commands import DiesMidCharge
from tests.fixtures.factories import give_card, make_active_licence, make_customer
from tests.ui.test_licence_state import Tab, _login, _stored
from ts_store.billing import changes, charging, reconciliation
from ts_store.billing.errors import ConflictError
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration
from ts_store.store.models import BillingOperation, utcnow
from ts_store.ui.messages import message_for, text
from ts_store.ui.pages.licence import ChangeState

pytestmark = [pytest.mark.usefixtures("app_gateway_env"), pytest.mark.stripe]

VERIFYING = (
    "Stiamo verificando il pagamento della modifica del 28/11/2026: riprova tra qualche minuto."
)


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("change", "della modifica del 28/11/2026"),
        ("purchase", "dell'acquisto del 28/11/2026"),
        ("renewal", "del rinnovo del 28/11/2026"),
    ],
)
def test_payment_being_verified_names_the_kind_and_day(kind, words):
    worded = text(charging.PAYMENT_BEING_VERIFIED, kind=kind, day="2026-11-28")
    assert worded == f"Stiamo verificando il pagamento {words}: riprova tra qualche minuto."


def test_payment_being_verified_with_a_bad_day_still_reads_well():
    worded = text(charging.PAYMENT_BEING_VERIFIED, kind="change", day="ieri")
    assert worded == "Stiamo verificando il pagamento della modifica: riprova tra qualche minuto."


async def test_locked_licence_says_payment_is_verified_then_unlocks_once_settled(session, gateway):
    customer = make_customer(session)
    await give_card(session, gateway, customer)
    licence = make_active_licence(session, customer.id, seats=2)
    token = _login(session, customer)
    before_crash = Tab(token)
    assert await before_crash.open(licence.id) == []
    with pytest.raises(asyncio.CancelledError):
        await changes.apply_change(
            customer_id=customer.id,
            licence_id=licence.id,
            expected_version=licence.version,
            target=Configuration("pro", Cycle.MONTHLY, 3),
            idempotency_key="crashed-confirm",
            gateway=DiesMidCharge(gateway),
        )

    # The use case: a new confirm (another key, same version) is refused with the truth.
    with pytest.raises(ConflictError) as refused:
        await changes.apply_change(
            customer_id=customer.id,
            licence_id=licence.id,
            expected_version=licence.version,
            target=Configuration("pro", Cycle.MONTHLY, 4),
            idempotency_key="second-confirm",
        )
    assert refused.value.code == charging.PAYMENT_BEING_VERIFIED
    assert refused.value.params == {"kind": "change", "day": "2026-11-28"}
    assert message_for(refused.value) == VERIFYING

    # The page opened now says it and offers no confirm.
    reopened = Tab(token)
    await reopened.open(licence.id)
    assert reopened.state.refusal == VERIFYING
    await reopened.send(ChangeState.set_seats, "4")
    assert not reopened.change.can_confirm

    # The page opened before the crash: its confirm gets the same words, and nothing is charged.
    await before_crash.send(ChangeState.set_seats, "4")
    assert before_crash.change.can_confirm
    await before_crash.send(ChangeState.confirm_change)
    assert before_crash.state.result_message == VERIFYING
    assert not before_crash.state.result_ok
    assert len(session.exec(select(BillingOperation)).all()) == 1

    # Settled by the reconciliation: the paid change is applied and the licence unlocked.
    operation = session.exec(select(BillingOperation)).one()
    operation.updated_at = utcnow() - reconciliation.STALE_AFTER - timedelta(seconds=1)
    session.add(operation)
    session.commit()
    await reconciliation.settle_and_refund(gateway=gateway)

    after = Tab(token)
    await after.open(licence.id)
    assert after.state.refusal == ""
    assert _stored(session, licence.id).seats == 3
    await after.send(ChangeState.set_seats, "4")
    assert after.change.can_confirm
    await after.send(ChangeState.confirm_change)
    assert after.state.result_ok, after.state.result_message
    assert _stored(session, licence.id).seats == 4
