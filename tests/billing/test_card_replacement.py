"""'Sostituisci carta' against localstripe: the new card replaces the old one only on success."""

from datetime import date

import pytest
from sqlmodel import select

from tests.fixtures.factories import give_card, make_active_licence, make_customer
from tests.fixtures.localstripe import confirm_setup_intent_with_card
from ts_store.billing import cards, renewals
from ts_store.billing.errors import PaymentProblem
from ts_store.payments.config import StripeSettings
from ts_store.payments.gateway import StripeGateway
from ts_store.store import documents, licences, payment_methods
from ts_store.store.models import AuditEntry
from ts_store.ui.messages import message_for, result_text

TODAY = date(2026, 11, 28)


@pytest.fixture
async def customer_with_visa(session, gateway):
    customer = make_customer(session)
    old = await give_card(session, gateway, customer, "4242424242424242")
    return customer, old


async def _replace(gateway, settings, customer_id, number, authenticate=True):
    setup = await cards.start_card_setup(customer_id, gateway)
    await confirm_setup_intent_with_card(settings, setup.id, number, authenticate=authenticate)
    return await cards.replace_card(customer_id, setup.id, TODAY, gateway)


async def _assert_old_card_still_default(session, gateway, customer, old):
    session.expire_all()
    assert payment_methods.default_card(session, customer.id).stripe_payment_method_id == (
        old.payment_method_id
    )
    stripe_default = await gateway.default_card(customer.stripe_customer_id)
    assert stripe_default.payment_method_id == old.payment_method_id


@pytest.mark.stripe
async def test_mastercard_replaces_visa_and_the_old_card_is_detached(
    session, gateway, stripe_settings, customer_with_visa
):
    customer, _old = customer_with_visa
    replaced = await _replace(gateway, stripe_settings, customer.id, "5555555555554444")

    assert (replaced.card.brand, replaced.card.last4, replaced.card.replaced_last4) == (
        "mastercard",
        "4444",
        "4242",
    )
    session.expire_all()
    mirror = payment_methods.cards_of(session, customer.id)
    assert [(c.brand, c.last4, c.is_default) for c in mirror] == [("mastercard", "4444", True)]
    in_stripe = await gateway.list_cards(customer.stripe_customer_id)
    assert [c.last4 for c in in_stripe] == ["4444"]
    assert (await gateway.default_card(customer.stripe_customer_id)).last4 == "4444"
    actions = session.exec(select(AuditEntry.action)).all()
    assert "card_replaced" in actions


@pytest.mark.stripe
@pytest.mark.parametrize("number", ["4000000000000002", "4000000000009995"])
async def test_declined_card_leaves_the_old_card_in_place(
    session, gateway, stripe_settings, customer_with_visa, number
):
    customer, old = customer_with_visa
    with pytest.raises(PaymentProblem) as error:
        await _replace(gateway, stripe_settings, customer.id, number)
    # localstripe records no last_setup_error for a card refused at confirmation.
    assert error.value.code == "card_not_verified"
    assert message_for(error.value) == (
        "La carta non è stata verificata. Riprova o usa un'altra carta."
    )
    await _assert_old_card_still_default(session, gateway, customer, old)


@pytest.mark.stripe
async def test_failed_3d_secure_authentication_leaves_the_old_card(
    session, gateway, stripe_settings, customer_with_visa
):
    customer, old = customer_with_visa
    with pytest.raises(PaymentProblem) as error:
        await _replace(
            gateway, stripe_settings, customer.id, "4000002760003184", authenticate=False
        )
    assert error.value.code in ("card_declined", "card_not_verified")
    await _assert_old_card_still_default(session, gateway, customer, old)


def _unreachable(stripe_settings) -> StripeGateway:
    """The gateway as it is when localstripe (or Stripe) is stopped: nothing answers."""
    return StripeGateway(
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


@pytest.mark.stripe
async def test_stripe_unreachable_gives_a_message_and_changes_nothing(
    session, gateway, stripe_settings, customer_with_visa
):
    customer, old = customer_with_visa
    setup = await cards.start_card_setup(customer.id, gateway)
    await confirm_setup_intent_with_card(stripe_settings, setup.id, "5555555555554444")
    with pytest.raises(PaymentProblem) as error:
        await cards.replace_card(customer.id, setup.id, TODAY, _unreachable(stripe_settings))
    assert error.value.code == "payments_unavailable"
    assert "non è raggiungibile" in message_for(error.value)
    await _assert_old_card_still_default(session, gateway, customer, old)


@pytest.mark.stripe
async def test_stripe_unreachable_when_starting_the_replacement_gives_a_message(
    session, gateway, stripe_settings, customer_with_visa
):
    customer, old = customer_with_visa
    with pytest.raises(PaymentProblem) as error:
        await cards.start_card_setup(customer.id, _unreachable(stripe_settings))
    assert error.value.code == "payments_unavailable"
    assert "non è raggiungibile" in message_for(error.value)
    await _assert_old_card_still_default(session, gateway, customer, old)


@pytest.mark.stripe
async def test_setup_intent_of_another_customer_cannot_be_used(
    session, gateway, stripe_settings, customer_with_visa
):
    customer, old = customer_with_visa
    intruder = make_customer(session)
    foreign = await cards.start_card_setup(intruder.id, gateway)
    await confirm_setup_intent_with_card(stripe_settings, foreign.id, "5555555555554444")
    with pytest.raises(PaymentProblem) as error:
        await cards.replace_card(customer.id, foreign.id, TODAY, gateway)
    assert error.value.code == "card_not_found"
    await _assert_old_card_still_default(session, gateway, customer, old)


@pytest.mark.stripe
async def test_past_due_licence_is_charged_again_with_the_new_card(
    session, gateway, stripe_settings
):
    customer = make_customer(session)
    await give_card(session, gateway, customer, "4000000000000341")
    licence = make_active_licence(
        session,
        customer.id,
        seats=2,
        period_start=date(2026, 10, 28),
        period_end=date(2026, 11, 28),
    )
    await renewals.renew_due(TODAY, gateway)
    session.expire_all()
    assert licences.get_licence(session, licence.id).status == "past_due"

    replaced = await _replace(gateway, stripe_settings, customer.id, "4242424242424242")

    assert [result.status for result in replaced.retried] == ["succeeded"]
    session.expire_all()
    renewed = licences.get_licence(session, licence.id)
    assert (renewed.status, renewed.period_start, renewed.period_end) == (
        "active",
        date(2026, 11, 28),
        date(2026, 12, 28),
    )


async def _past_due_customer(session, gateway, *, seats=2):
    """A Pro monthly licence whose renewal on 28/11/2026 failed (card 0341: charges fail)."""
    customer = make_customer(session)
    await give_card(session, gateway, customer, "4000000000000341")
    licence = make_active_licence(
        session,
        customer.id,
        seats=seats,
        period_start=date(2026, 10, 28),
        period_end=date(2026, 11, 28),
    )
    await renewals.renew_due(TODAY, gateway)
    session.expire_all()
    assert licences.get_licence(session, licence.id).status == "past_due"
    return customer, licence


@pytest.mark.stripe
async def test_past_due_retry_after_replacement_is_idempotent(session, gateway, stripe_settings):
    customer, licence = await _past_due_customer(session, gateway)
    setup = await cards.start_card_setup(customer.id, gateway)
    await confirm_setup_intent_with_card(stripe_settings, setup.id, "4242424242424242")

    first = await cards.replace_card(customer.id, setup.id, TODAY, gateway)
    again = await cards.replace_card(customer.id, setup.id, TODAY, gateway)  # retried event
    later = await renewals.retry_past_due(customer.id, TODAY, gateway)

    assert [r.status for r in first.retried] == ["succeeded"]
    assert (again.retried, later) == ([], [])
    session.expire_all()
    [document] = documents.documents_of(session, customer.id)
    assert document.gross_cents == 2 * 2500 * 122 // 100  # 50,00 € + IVA, charged once
    assert licences.get_licence(session, licence.id).status == "active"


@pytest.mark.stripe
async def test_new_card_that_fails_the_retry_is_kept_and_the_licence_stays_past_due(
    session, gateway, stripe_settings
):
    customer, licence = await _past_due_customer(session, gateway)
    old_id = payment_methods.default_card(session, customer.id).stripe_payment_method_id
    setup = await cards.start_card_setup(customer.id, gateway)
    await confirm_setup_intent_with_card(stripe_settings, setup.id, "4000000000000341")

    replaced = await cards.replace_card(customer.id, setup.id, TODAY, gateway)

    [result] = replaced.retried
    assert (result.status, result.failure_code) == ("failed", "card_declined")
    assert result_text(result) == "La carta è stata rifiutata dalla banca."
    session.expire_all()
    assert licences.get_licence(session, licence.id).status == "past_due"
    cards_now = payment_methods.cards_of(session, customer.id)
    assert [(c.last4, c.is_default) for c in cards_now] == [("0341", True)]
    assert cards_now[0].stripe_payment_method_id != old_id
    stripe_default = await gateway.default_card(customer.stripe_customer_id)
    assert stripe_default.payment_method_id == cards_now[0].stripe_payment_method_id
    assert documents.documents_of(session, customer.id) == []


@pytest.mark.parametrize(
    ("today", "expires_soon"),
    [
        (date(2026, 11, 30), False),  # 31 days before the card's last valid day (31/12/2026)
        (date(2026, 12, 1), True),  # 30 days before
        (date(2026, 12, 31), True),  # its last valid day
    ],
    ids=["31_days_left", "30_days_left", "last_day"],
)
def test_card_expiring_within_30_days_is_flagged_scade_presto(session, today, expires_soon):
    customer = make_customer(session)
    payment_methods.replace_default_card(
        session,
        customer.id,
        stripe_payment_method_id="pm_expiring",
        brand="visa",
        last4="4242",
        exp_month=12,
        exp_year=2026,
    )
    session.commit()
    card = cards.card_on_file(customer.id, today)
    assert (card.last4, card.exp_month, card.exp_year, card.expires_soon) == (
        "4242",
        12,
        2026,
        expires_soon,
    )


def test_no_card_on_file_for_a_customer_without_one(session):
    assert cards.card_on_file(make_customer(session).id, TODAY) is None
