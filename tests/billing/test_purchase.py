"""'Acquista ora' against localstripe and a real SQLite file (issue #4)."""

from datetime import date

import pytest

from tests.fixtures.factories import VALID_BILLING, make_active_licence, make_customer, make_trial
from tests.fixtures.localstripe import (
    authenticate_payment_intent,
    confirm_setup_intent_with_card,
    payment_intents_of,
)
from ts_store.billing import cards, charging, purchase
from ts_store.billing.errors import InputError, NotAllowed, PaymentProblem
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration
from ts_store.store import customers, documents, licences
from ts_store.store.models import BillingOperation
from ts_store.ui.messages import message_for, result_text, text

NO_CARD_TEXT = "Non c'è una carta salvata per questo account: aggiungila in «Metodi di pagamento»."

PRO_ANNUAL_5 = Configuration("pro", Cycle.ANNUAL, 5)


@pytest.fixture(autouse=True)
def purchase_day(monkeypatch):
    monkeypatch.setenv("TS_STORE_TODAY", "2026-11-28")


@pytest.fixture
def trial(session):
    customer = make_customer(session)
    return make_trial(session, customer.id, trial_ends_on=date(2026, 12, 5))


async def _save_card(session, gateway, stripe_settings, customer_id, number):
    """What the wizard's card step does: SetupIntent, Card Element confirm, server-side check."""
    setup = await cards.start_card_setup(customer_id, gateway)
    await confirm_setup_intent_with_card(stripe_settings, setup.id, number)
    return await cards.save_card_from_setup(customer_id, setup.id, gateway)


async def _buy(trial, gateway, key="buy-1", target=PRO_ANNUAL_5):
    return await purchase.purchase(
        customer_id=trial.customer_id,
        licence_id=trial.id,
        expected_version=trial.version,
        target=target,
        idempotency_key=key,
        gateway=gateway,
    )


def _ready(session, trial):
    purchase.save_billing_profile(trial.customer_id, VALID_BILLING)
    session.commit()


def test_preview_pro_annual_5_users_is_the_quote_contract(db_url):
    result = purchase.preview(PRO_ANNUAL_5, date(2026, 11, 28))
    [line] = result.charge_now.lines
    assert (line.kind, line.quantity, line.unit_cents, line.amount_cents) == (
        "new_period",
        5,
        25000,
        125000,
    )
    assert (result.charge_now.vat_cents, result.charge_now.gross_cents) == (27500, 152500)
    assert result.at_renewal.date == date(2027, 11, 28)


def test_invalid_billing_profile_names_each_field_and_stores_nothing(session, trial):
    with pytest.raises(purchase.BillingProfileInvalid) as error:
        purchase.save_billing_profile(
            trial.customer_id,
            {**VALID_BILLING, "vat_number": "12345678901", "postal_code": "2012"},
        )
    assert set(error.value.errors) == {"vat_number", "postal_code"}
    assert error.value.errors["vat_number"].startswith("Partita IVA")
    assert message_for(error.value) == error.value.errors[error.value.field]
    assert customers.billing_profile(session, trial.customer_id) is None


@pytest.mark.stripe
async def test_trial_customer_buys_pro_annual_for_5_users(session, gateway, stripe_settings, trial):
    _ready(session, trial)
    await _save_card(session, gateway, stripe_settings, trial.customer_id, "4242424242424242")

    result = await _buy(trial, gateway)

    assert result.status == "succeeded" and result.document_number == "2026/000001"
    session.expire_all()
    licence = licences.get_licence(session, trial.id)
    assert (licence.status, licence.plan, licence.cycle, licence.seats) == (
        "active",
        "pro",
        "annual",
        5,
    )
    assert (licence.period_start, licence.period_end, licence.anchor_day) == (
        date(2026, 11, 28),
        date(2027, 11, 28),
        28,
    )
    [document] = documents.documents_of(session, trial.customer_id)
    assert (document.net_cents, document.vat_cents, document.gross_cents) == (125000, 27500, 152500)
    assert "Bianchi Consulting" in document.billing_json


@pytest.mark.stripe
@pytest.mark.parametrize("number", ["4000000000000002", "4000000000009995"])
async def test_declined_card_is_refused_at_the_card_step_and_the_trial_stays(
    session, gateway, stripe_settings, trial, number
):
    """localstripe declines these when the Card Element confirms the SetupIntent."""
    _ready(session, trial)
    with pytest.raises(PaymentProblem) as error:
        await _save_card(session, gateway, stripe_settings, trial.customer_id, number)
    assert error.value.code == "card_not_verified" and message_for(error.value)
    result = await _buy(trial, gateway)
    assert (result.status, result.failure_code) == ("failed", charging.NO_CARD)
    assert result_text(result) == NO_CARD_TEXT
    session.expire_all()
    assert licences.get_licence(session, trial.id).status == "trial"


@pytest.mark.stripe
async def test_3d_secure_card_needs_authentication_before_activation(
    session, gateway, stripe_settings, trial
):
    _ready(session, trial)
    await _save_card(session, gateway, stripe_settings, trial.customer_id, "4000002760003184")

    pending = await _buy(trial, gateway)
    assert pending.status == "requires_action" and pending.client_secret
    session.expire_all()
    assert licences.get_licence(session, trial.id).status == "trial"

    operation = session.get(BillingOperation, pending.operation_id)
    await authenticate_payment_intent(stripe_settings, operation.stripe_payment_intent_id, True)
    done = await charging.complete_after_authentication(trial.customer_id, operation.id, gateway)
    assert done.status == "succeeded"
    session.expire_all()
    assert licences.get_licence(session, trial.id).status == "active"


@pytest.mark.stripe
async def test_retried_purchase_event_charges_once(session, gateway, stripe_settings, trial):
    _ready(session, trial)
    await _save_card(session, gateway, stripe_settings, trial.customer_id, "4242424242424242")

    first = await _buy(trial, gateway, key="double-click")
    second = await _buy(trial, gateway, key="double-click")

    assert first.operation_id == second.operation_id and second.status == "succeeded"
    stripe_id = customers.get_customer(session, trial.customer_id).stripe_customer_id
    charged = payment_intents_of(stripe_settings, stripe_id)
    assert [pi["amount"] for pi in charged] == [152500]
    assert len(documents.documents_of(session, trial.customer_id)) == 1


@pytest.mark.stripe
async def test_active_licence_is_never_bought_again(session, gateway):
    customer = make_customer(session)
    active = make_active_licence(session, customer.id)
    with pytest.raises(NotAllowed) as error:
        await _buy(active, gateway)
    assert error.value.code == purchase.ALREADY_ACTIVE
    assert message_for(error.value) == (
        "La licenza è già attiva: non serve acquistarne un'altra. Per utenti e piano usa "
        "«Aggiorna utenti» o «Cambia piano»."
    )


@pytest.mark.stripe
async def test_forged_purchase_of_another_customers_trial_is_refused(session, gateway, trial):
    intruder = make_customer(session)
    with pytest.raises(NotAllowed):
        await purchase.purchase(
            customer_id=intruder.id,
            licence_id=trial.id,
            expected_version=1,
            target=PRO_ANNUAL_5,
            idempotency_key="forged",
            gateway=gateway,
        )


@pytest.mark.stripe
async def test_purchase_without_billing_data_is_refused(session, gateway, trial):
    with pytest.raises(InputError) as error:
        await _buy(trial, gateway)
    assert error.value.code == purchase.PROFILE_MISSING
    assert message_for(error.value) == (
        "I tuoi dati: completa i dati di fatturazione prima di acquistare."
    )


def test_expired_trial_can_be_bought_within_the_60_days_of_retention(session):
    customer = make_customer(session)
    expired = make_trial(
        session, customer.id, trial_ends_on=date(2026, 10, 1), status="trial_expired"
    )
    assert purchase.load_purchasable(customer.id, expired.id).licence_id == expired.id
    too_old = make_trial(
        session, customer.id, trial_ends_on=date(2026, 9, 1), status="trial_expired"
    )
    with pytest.raises(NotAllowed):
        purchase.load_purchasable(customer.id, too_old.id)


def test_business_below_3_users_names_the_seats_field(db_url):
    with pytest.raises(InputError) as error:
        purchase.preview(Configuration("business", Cycle.MONTHLY, 2), date(2026, 11, 28))
    assert error.value.field == "seats" and "almeno 3" in message_for(error.value)


@pytest.mark.stripe
async def test_charge_declined_at_confirm_changes_nothing_and_a_new_key_can_retry(
    session, gateway, stripe_settings, trial
):
    """4000000000000341 attaches, then the charge fails: no activation, no document."""
    _ready(session, trial)
    await _save_card(session, gateway, stripe_settings, trial.customer_id, "4000000000000341")

    declined = await _buy(trial, gateway, key="attempt-1")

    assert declined.status == "failed" and result_text(declined).startswith("La carta")
    session.expire_all()
    assert licences.get_licence(session, trial.id).status == "trial"
    assert documents.documents_of(session, trial.customer_id) == []
    again = await _buy(trial, gateway, key="attempt-1")  # the same event retried: same outcome
    assert (again.operation_id, again.status) == (declined.operation_id, "failed")

    await _save_card(session, gateway, stripe_settings, trial.customer_id, "4242424242424242")
    paid = await _buy(trial, gateway, key="attempt-2")  # the lock was released by the failure
    assert paid.status == "succeeded"


@pytest.mark.stripe
async def test_charge_carries_our_operation_id_and_the_quote_gross(
    session, gateway, stripe_settings, trial
):
    _ready(session, trial)
    await _save_card(session, gateway, stripe_settings, trial.customer_id, "4242424242424242")
    result = await _buy(trial, gateway, target=Configuration("smart", Cycle.MONTHLY, 3))
    operation = session.get(BillingOperation, result.operation_id)
    intent = await gateway.retrieve_payment(operation.stripe_payment_intent_id)
    assert intent.amount_cents == 5490  # 3 × 15,00 € + 22 % IVA
    assert intent.metadata["ts_store_operation_id"] == str(operation.id)
    assert (operation.idempotency_key, operation.kind) == ("buy-1", "purchase")


@pytest.mark.stripe
async def test_3d_secure_authentication_failed_leaves_the_trial(
    session, gateway, stripe_settings, trial
):
    _ready(session, trial)
    await _save_card(session, gateway, stripe_settings, trial.customer_id, "4000002760003184")
    pending = await _buy(trial, gateway)
    operation = session.get(BillingOperation, pending.operation_id)
    await authenticate_payment_intent(stripe_settings, operation.stripe_payment_intent_id, False)

    result = await charging.complete_after_authentication(trial.customer_id, operation.id, gateway)

    assert result.status == "failed"
    session.expire_all()
    assert licences.get_licence(session, trial.id).status == "trial"
    assert documents.documents_of(session, trial.customer_id) == []


@pytest.mark.stripe
async def test_stale_wizard_after_a_purchase_in_another_tab_is_refused(
    session, gateway, stripe_settings, trial
):
    _ready(session, trial)
    await _save_card(session, gateway, stripe_settings, trial.customer_id, "4242424242424242")
    assert (await _buy(trial, gateway, key="tab-1")).status == "succeeded"
    with pytest.raises(NotAllowed) as error:  # the other tab's click: already active now
        await _buy(trial, gateway, key="tab-2")
    assert error.value.code == purchase.ALREADY_ACTIVE


def test_suspended_licence_is_recovered_by_the_card_not_bought_again(session):
    customer = make_customer(session)
    suspended = make_active_licence(session, customer.id, status="suspended")
    with pytest.raises(NotAllowed) as error:
        purchase.load_purchasable(customer.id, suspended.id)
    assert error.value.code == purchase.SUSPENDED
    assert message_for(error.value).startswith("La licenza è sospesa per un rinnovo non pagato")


def test_expired_trial_after_retention_says_the_data_is_gone(session):
    customer = make_customer(session)
    too_old = make_trial(
        session, customer.id, trial_ends_on=date(2026, 9, 1), status="trial_expired"
    )
    with pytest.raises(NotAllowed) as error:
        purchase.load_purchasable(customer.id, too_old.id)
    assert error.value.code == purchase.DATA_GONE
    assert message_for(error.value) == text("data_gone")


def test_form_is_prefilled_from_the_account_until_a_profile_is_saved(session, trial):
    fields = purchase.billing_profile_fields(trial.customer_id)
    assert set(fields) == {"company_name", "invoice_email"}
    assert fields["company_name"] == "Bianchi S.r.l." and fields["invoice_email"].endswith(".it")
    purchase.save_billing_profile(trial.customer_id, VALID_BILLING)
    session.commit()
    assert purchase.billing_profile_fields(trial.customer_id) == VALID_BILLING


@pytest.mark.stripe
async def test_receipt_is_only_for_its_customer(session, gateway, stripe_settings, trial):
    _ready(session, trial)
    await _save_card(session, gateway, stripe_settings, trial.customer_id, "4242424242424242")
    result = await _buy(trial, gateway)
    session.expire_all()
    receipt = purchase.receipt(trial.customer_id, result.operation_id)
    assert (receipt.document_number, receipt.gross_cents) == ("2026/000001", 152500)
    assert receipt.renewal.on == date(2027, 11, 28) and receipt.renewal.gross_cents == 152500
    intruder = make_customer(session)
    with pytest.raises(NotAllowed):
        purchase.receipt(intruder.id, result.operation_id)


@pytest.mark.stripe
async def test_resume_payment_keeps_a_waiting_3d_secure_and_records_the_end(
    session, gateway, stripe_settings, trial
):
    _ready(session, trial)
    await _save_card(session, gateway, stripe_settings, trial.customer_id, "4000002760003184")
    pending = await _buy(trial, gateway)

    waiting = await purchase.resume_payment(trial.customer_id, pending.operation_id, gateway)
    assert waiting.status == "requires_action" and waiting.client_secret
    session.expire_all()
    operation = session.get(BillingOperation, pending.operation_id)
    assert operation.status == "requires_action"  # nothing given up
    with pytest.raises(NotAllowed):
        await purchase.resume_payment(make_customer(session).id, operation.id, gateway)

    await authenticate_payment_intent(stripe_settings, operation.stripe_payment_intent_id, True)
    done = await purchase.resume_payment(trial.customer_id, operation.id, gateway)
    assert done.status == "succeeded" and done.document_number
    session.expire_all()
    assert licences.get_licence(session, trial.id).status == "active"
