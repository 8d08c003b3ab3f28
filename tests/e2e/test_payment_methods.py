"""'Metodi di pagamento' in Chromium: Visa replaced by Mastercard, then a declined card."""

import pytest

from tests.e2e.helpers import login, run_async, text_of, type_card, wait_for_text
from tests.fixtures.app import screenshots
from tests.fixtures.factories import give_card, make_active_licence, make_customer
from ts_store.payments.gateway import StripeGateway
from ts_store.store import payment_methods

pytestmark = pytest.mark.e2e


def test_replace_visa_with_mastercard_then_a_declined_card_keeps_it(
    page, running_app, stripe_settings
):
    with running_app.session() as session:
        customer = make_customer(session)
        run_async(give_card(session, StripeGateway(stripe_settings), customer))
        make_active_licence(session, customer.id)
    login(page, running_app, customer.email)
    page.goto(f"{running_app.url}/myarea/metodi-di-pagamento")
    page.wait_for_selector("#current-card")
    assert text_of(page, "#current-card") == "Visa •••• 4242"
    assert text_of(page, "#card-expiry") == "Scadenza 12/2030"

    page.click("#replace-card")
    type_card(page, "5555555555554444")
    screenshots(page, "metodi-pagamento-nuova-carta")
    page.click("#save-new-card")
    wait_for_text(page, "#card-message", "Carta sostituita")
    assert text_of(page, "#current-card") == "Mastercard •••• 4444"
    screenshots(page, "metodi-pagamento-sostituita")

    page.click("#replace-card")
    type_card(page, "4000000000000002")
    page.click("#save-new-card")
    wait_for_text(page, "#card-message", "rifiutata")
    assert text_of(page, "#card-message") == (
        "La carta è stata rifiutata dalla banca. La carta attuale resta invariata."
    )
    assert text_of(page, "#current-card") == "Mastercard •••• 4444"
    with running_app.session() as session:
        card = payment_methods.default_card(session, customer.id)
        assert (card.brand, card.last4) == ("mastercard", "4444")
    screenshots(page, "metodi-pagamento-rifiutata")
