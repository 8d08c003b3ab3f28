"""Charge-then-apply against localstripe and a real SQLite file.

A test-only applier, wired by the bootstrap for changes, sets only the seats from the request,
so these tests pin the core's guarantees — idempotency, apply only after payment, documents,
audit — independently of the purchase/change/renewal use cases built on it.
"""

from datetime import date

import pytest
from sqlmodel import select

from tests.fixtures.factories import give_card, make_active_licence, make_customer
from tests.fixtures.localstripe import authenticate_payment_intent, payment_intents_of
from ts_store.billing import charging
from ts_store.billing.bootstrap import bootstrap
from ts_store.billing.errors import ConflictError, NotAllowed
from ts_store.domain.catalog import load_catalog
from ts_store.domain.operations import ChangeRequest, OperationContext, OperationKind
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration, CurrentTerm, quote
from ts_store.payments.gateway import PaymentOutcome
from ts_store.store import documents, licences
from ts_store.store.models import AuditEntry, BillingOperation, Customer
from ts_store.ui.messages import result_text

pytestmark = pytest.mark.stripe

TODAY = date(2026, 11, 28)


def _seats_only(licence, request, context):
    return {"seats": request.effective_now.seats}


@pytest.fixture(autouse=True)
def seats_applier(billing_services):
    bootstrap(appliers={OperationKind.CHANGE: _seats_only})


def _plan(licence, key: str, seats: int = 5, version: int | None = None) -> charging.ChargePlan:
    current = CurrentTerm(
        Configuration("pro", Cycle.MONTHLY, licence.seats), licence.period_start, licence.period_end
    )
    target = Configuration("pro", Cycle.MONTHLY, seats)
    return charging.ChargePlan(
        idempotency_key=key,
        customer_id=licence.customer_id,
        licence_id=licence.id,
        licence_version=licence.version if version is None else version,
        quote=quote(load_catalog(), TODAY, current, target),
        request=ChangeRequest(target=target, effective_now=target),
        context=OperationContext(
            today=TODAY,
            actor_customer_id=licence.customer_id,
            description="Aggiunta utenti",
            line_descriptions={"added_seats": "Utenti aggiunti"},
        ),
    )


@pytest.fixture
async def paying_licence(session, gateway):
    customer = make_customer(session)
    await give_card(session, gateway, customer)
    return make_active_licence(session, customer.id, seats=2)


async def test_paid_change_is_applied_with_document_and_audit(session, gateway, paying_licence):
    result = await charging.execute(_plan(paying_licence, "k-ok"), gateway)

    assert result.status == "succeeded" and result.document_number == "2026/000001"
    session.expire_all()
    assert licences.get_licence(session, paying_licence.id).seats == 5
    [document] = documents.documents_of(session, paying_licence.customer_id)
    assert (document.net_cents, document.vat_cents, document.gross_cents) == (3000, 660, 3660)
    assert '"description": "Utenti aggiunti"' in document.lines_json
    actions = session.exec(select(AuditEntry.action)).all()
    assert "change_applied" in actions


async def test_same_key_twice_charges_once(session, gateway, stripe_settings, paying_licence):
    first = await charging.execute(_plan(paying_licence, "k-twice"), gateway)
    again = await charging.execute(_plan(paying_licence, "k-twice"), gateway)

    assert again.operation_id == first.operation_id and again.status == "succeeded"
    customer = session.get(Customer, paying_licence.customer_id)
    assert (
        len(payment_intents_of(stripe_settings, customer.stripe_customer_id, first.operation_id))
        == 1
    )
    assert len(documents.documents_of(session, paying_licence.customer_id)) == 1


async def test_declined_charge_changes_nothing(session, gateway):
    customer = make_customer(session)
    await give_card(session, gateway, customer, "4000000000000341")
    licence = make_active_licence(session, customer.id, seats=2)

    result = await charging.execute(_plan(licence, "k-declined"), gateway)

    assert (result.status, result.failure_code) == ("failed", "card_declined")
    assert result_text(result) == "La carta è stata rifiutata dalla banca."
    session.expire_all()
    assert licences.get_licence(session, licence.id).seats == 2
    assert documents.documents_of(session, customer.id) == []


async def test_without_a_saved_card_nothing_is_charged(session, gateway):
    customer = make_customer(session)
    licence = make_active_licence(session, customer.id, seats=2)

    result = await charging.execute(_plan(licence, "k-nocard"), gateway)

    assert (result.status, result.failure_code) == ("failed", charging.NO_CARD)
    assert result_text(result) == (
        "Non c'è una carta salvata per questo account: aggiungila in «Metodi di pagamento»."
    )
    session.expire_all()
    assert licences.get_licence(session, licence.id).seats == 2


async def test_stale_version_is_refused_before_any_charge(session, gateway, paying_licence):
    with pytest.raises(ConflictError):
        await charging.execute(_plan(paying_licence, "k-stale", version=0), gateway)
    assert session.exec(select(BillingOperation)).all() == []


async def test_zero_amount_change_applies_without_document(session, gateway, paying_licence):
    result = await charging.execute(_plan(paying_licence, "k-free", seats=2), gateway)

    assert result.status == "applied" and result.document_number is None
    assert documents.documents_of(session, paying_licence.customer_id) == []


async def test_another_customers_licence_is_refused(session, gateway, paying_licence):
    intruder = make_customer(session)
    plan = _plan(paying_licence, "k-foreign")
    forged = charging.ChargePlan(**{**plan.__dict__, "customer_id": intruder.id})
    with pytest.raises(NotAllowed):
        await charging.execute(forged, gateway)


async def test_3d_secure_completed_in_page_then_applied(session, gateway, stripe_settings):
    customer = make_customer(session)
    await give_card(session, gateway, customer, "4000002760003184")
    licence = make_active_licence(session, customer.id, seats=2)

    pending = await charging.execute(_plan(licence, "k-3ds"), gateway)
    assert pending.status == "requires_action" and pending.client_secret
    session.expire_all()
    assert licences.get_licence(session, licence.id).seats == 2

    operation = session.get(BillingOperation, pending.operation_id)
    await authenticate_payment_intent(stripe_settings, operation.stripe_payment_intent_id, True)
    done = await charging.complete_after_authentication(customer.id, pending.operation_id, gateway)

    assert done.status == "succeeded" and done.document_number is not None
    session.expire_all()
    assert licences.get_licence(session, licence.id).seats == 5


async def test_3d_secure_failed_leaves_the_licence_unchanged(session, gateway, stripe_settings):
    customer = make_customer(session)
    await give_card(session, gateway, customer, "4000002760003184")
    licence = make_active_licence(session, customer.id, seats=2)
    pending = await charging.execute(_plan(licence, "k-3ds-fail"), gateway)
    operation = session.get(BillingOperation, pending.operation_id)

    await authenticate_payment_intent(stripe_settings, operation.stripe_payment_intent_id, False)
    done = await charging.complete_after_authentication(customer.id, pending.operation_id, gateway)

    assert done.status == "failed"
    session.expire_all()
    assert licences.get_licence(session, licence.id).seats == 2
    assert documents.documents_of(session, customer.id) == []


async def test_second_tab_cannot_charge_while_the_first_is_charging(
    session, gateway, paying_licence
):
    from ts_store.store import operations

    tab_one, _ = operations.start_operation(
        session,
        "tab-one",
        customer_id=paying_licence.customer_id,
        licence_id=paying_licence.id,
        kind="change",
        lock_key=f"{paying_licence.id}:v{paying_licence.version}",
    )
    assert operations.claim_operation(session, tab_one, "pending", "charging")
    session.commit()
    with pytest.raises(ConflictError) as error:
        await charging.execute(_plan(paying_licence, "tab-two"), gateway)
    # Its payment may be under way: the second tab is told so (issue #13), not to reload.
    assert error.value.code == charging.PAYMENT_BEING_VERIFIED
    assert error.value.params["kind"] == "change"
    session.expire_all()
    assert licences.get_licence(session, paying_licence.id).seats == 2


async def test_failed_attempt_releases_the_lock_for_another_card(session, gateway):
    customer = make_customer(session)
    await give_card(session, gateway, customer, "4000000000000341")
    licence = make_active_licence(session, customer.id, seats=2)
    assert (await charging.execute(_plan(licence, "first"), gateway)).status == "failed"

    await give_card(session, gateway, customer, "4242424242424242")
    retry = await charging.execute(_plan(licence, "second"), gateway)

    assert retry.status == "succeeded"


async def test_abandoned_3d_secure_attempt_is_cancelled_in_stripe_when_superseded(
    session, gateway, stripe_settings
):
    customer = make_customer(session)
    await give_card(session, gateway, customer, "4000002760003184")
    licence = make_active_licence(session, customer.id, seats=2)
    abandoned = await charging.execute(_plan(licence, "closed-tab"), gateway)
    assert abandoned.status == "requires_action"

    await give_card(session, gateway, customer, "4242424242424242")
    fresh = await charging.execute(_plan(licence, "new-tab", seats=3), gateway)
    assert fresh.status == "succeeded"

    old = session.get(BillingOperation, abandoned.operation_id)
    session.refresh(old)
    assert old.status == "superseded"
    # The old tab can no longer complete it: Stripe has cancelled that payment.
    await authenticate_payment_intent(stripe_settings, old.stripe_payment_intent_id, True)
    assert (await gateway.retrieve_payment(old.stripe_payment_intent_id)).status == "failed"
    late = await charging.complete_after_authentication(customer.id, old.id, gateway)
    assert (late.status, late.failure_code) == ("superseded", charging.SUPERSEDED)
    session.expire_all()
    assert licences.get_licence(session, licence.id).seats == 3
    assert len(documents.documents_of(session, customer.id)) == 1


async def test_3d_secure_completed_just_before_a_new_confirm_is_recorded_for_refund(
    session, gateway, stripe_settings
):
    """The old tab finished 3-D Secure but never told us; a new confirm supersedes it, Stripe
    refuses to cancel a paid payment, so the late payment is recorded, never applied."""
    customer = make_customer(session)
    await give_card(session, gateway, customer, "4000002760003184")
    licence = make_active_licence(session, customer.id, seats=2)
    abandoned = await charging.execute(_plan(licence, "race-old"), gateway)
    old = session.get(BillingOperation, abandoned.operation_id)
    await authenticate_payment_intent(stripe_settings, old.stripe_payment_intent_id, True)

    await give_card(session, gateway, customer, "4242424242424242")
    fresh = await charging.execute(_plan(licence, "race-new", seats=3), gateway)

    assert fresh.status == "succeeded"
    session.expire_all()
    old = session.get(BillingOperation, abandoned.operation_id)
    assert (old.status, old.failure_code) == ("paid_not_applied", charging.LATE_PAYMENT)
    assert licences.get_licence(session, licence.id).seats == 3
    assert len(documents.documents_of(session, customer.id)) == 1
    assert "late_payment_to_refund" in session.exec(select(AuditEntry.action)).all()
    # The old tab reporting back changes nothing; nor does the webhook's second report.
    reported = await charging.complete_after_authentication(customer.id, old.id, gateway)
    again = charging.record_outcome(
        old.id, await gateway.retrieve_payment(old.stripe_payment_intent_id)
    )
    assert reported.status == again.status == "paid_not_applied"
    session.expire_all()
    assert licences.get_licence(session, licence.id).seats == 3
    assert len(documents.documents_of(session, customer.id)) == 1


async def test_no_answer_from_stripe_keeps_the_lock_and_a_retry_resends_the_same_operation(
    session, gateway, stripe_settings, paying_licence
):
    from ts_store.payments.config import StripeSettings
    from ts_store.payments.gateway import StripeGateway

    silent = StripeGateway(
        StripeSettings(
            secret_key=stripe_settings.secret_key,
            publishable_key=stripe_settings.publishable_key,
            api_base="http://127.0.0.1:9",
            js_url=stripe_settings.js_url,
            webhook_secret=stripe_settings.webhook_secret,
        ),
        timeout_seconds=2,
        max_network_retries=0,
    )
    first = await charging.execute(_plan(paying_licence, "no-answer"), silent)
    assert (first.status, first.failure_code) == ("unknown", charging.PAYMENT_UNKNOWN)

    with pytest.raises(ConflictError):  # a new attempt could charge twice: refused
        await charging.execute(_plan(paying_licence, "impatient-new-key"), gateway)

    retry = await charging.execute(_plan(paying_licence, "no-answer"), gateway)
    assert retry.status == "succeeded" and retry.operation_id == first.operation_id
    customer = session.get(Customer, paying_licence.customer_id)
    assert (
        len(payment_intents_of(stripe_settings, customer.stripe_customer_id, first.operation_id))
        == 1
    )


async def test_late_success_of_a_failed_attempt_after_a_newer_one_is_not_applied_twice(
    session, gateway, stripe_settings
):
    customer = make_customer(session)
    await give_card(session, gateway, customer, "4000002760003184")
    licence = make_active_licence(session, customer.id, seats=2)
    first = await charging.execute(_plan(licence, "3ds-first"), gateway)
    operation = session.get(BillingOperation, first.operation_id)
    await authenticate_payment_intent(stripe_settings, operation.stripe_payment_intent_id, False)
    assert (
        await charging.complete_after_authentication(customer.id, first.operation_id, gateway)
    ).status == "failed"
    await give_card(session, gateway, customer, "4242424242424242")
    assert (await charging.execute(_plan(licence, "second"), gateway)).status == "succeeded"

    late = charging.record_outcome(
        first.operation_id,
        PaymentOutcome(
            status="succeeded",
            payment_intent_id=operation.stripe_payment_intent_id,
            client_secret=None,
            amount_cents=operation.amount_cents,
            decline_code=None,
            metadata={},
        ),
    )

    assert late.status == "paid_not_applied"
    session.expire_all()
    assert licences.get_licence(session, licence.id).seats == 5
    assert len(documents.documents_of(session, customer.id)) == 1
    assert "late_payment_to_refund" in session.exec(select(AuditEntry.action)).all()


async def test_new_confirm_goes_ahead_when_stripe_cannot_cancel_the_superseded_payment(
    session, gateway, stripe_settings
):
    from ts_store.payments.errors import PaymentsUnavailable

    class CancelUnreachable:
        def __init__(self, real) -> None:
            self._real = real

        async def cancel_payment(self, payment_intent_id):
            raise PaymentsUnavailable(detail="down (test)")

        async def retrieve_payment(self, payment_intent_id):
            raise PaymentsUnavailable(detail="down (test)")

        def __getattr__(self, name):
            return getattr(self._real, name)

    customer = make_customer(session)
    await give_card(session, gateway, customer, "4000002760003184")
    licence = make_active_licence(session, customer.id, seats=2)
    abandoned = await charging.execute(_plan(licence, "cancel-down-old"), gateway)
    await give_card(session, gateway, customer, "4242424242424242")

    fresh = await charging.execute(
        _plan(licence, "cancel-down-new", seats=3), CancelUnreachable(gateway)
    )

    assert fresh.status == "succeeded"
    session.expire_all()
    assert session.get(BillingOperation, abandoned.operation_id).status == "superseded"
    assert licences.get_licence(session, licence.id).seats == 3
