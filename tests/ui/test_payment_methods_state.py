"""'Metodi di pagamento' and 'Documenti' page states, driven without a browser.

Every handler is a public endpoint: these tests call them as a client could — in any order,
with forged arguments — on the page state inside a root state with the login cookie, against a
real SQLite file and the session's localstripe. What the Card Element does in the page is done
with the localstripe helpers, as Stripe.js would.
"""

from __future__ import annotations

import inspect
from datetime import date

import pytest
import reflex as rx

from tests.fixtures.factories import PASSWORD, give_card, make_active_licence, make_customer
from tests.fixtures.localstripe import confirm_setup_intent_with_card
from ts_store.billing import accounts, renewals
from ts_store.store import documents, licences, operations, payment_methods
from ts_store.ui.pages.documents import DocumentsState
from ts_store.ui.pages.payment_methods import PaymentMethodsState
from ts_store.ui.session import SessionState

TODAY = date(2026, 11, 28)
DECLINED = "La carta è stata rifiutata dalla banca. La carta attuale resta invariata."


pytestmark = [pytest.mark.usefixtures("app_gateway_env"), pytest.mark.stripe]


class Tab:
    """One browser tab: the root state with the login cookie, holding one page state."""

    def __init__(self, token: str, state_class: type[rx.State]) -> None:
        self.root = rx.State(_reflex_internal_init=True)
        self.root.get_substate(SessionState.get_full_name().split(".")).session_token = token
        self.state = self.root.get_substate(state_class.get_full_name().split("."))

    async def send(self, handler, *args) -> list:
        """Run one event to its end; return what it yielded or returned."""
        result = handler.fn(self.state, *args)
        if inspect.isasyncgen(result):
            return [item async for item in result if item is not None]
        if inspect.iscoroutine(result):
            result = await result
        return [result] if result is not None else []


def _script(event) -> str:
    return " ".join(str(value) for _name, value in event.args)


def _login(session, customer) -> str:
    token = accounts.login(email=customer.email, password=PASSWORD).token
    session.commit()
    return token


def _default(session, customer_id) -> tuple[str, str]:
    session.expire_all()
    card = payment_methods.default_card(session, customer_id)
    return card.brand, card.last4


@pytest.fixture
async def visa_tab(session, gateway):
    customer = make_customer(session)
    await give_card(session, gateway, customer, "4242424242424242")
    tab = Tab(_login(session, customer), PaymentMethodsState)
    assert await tab.send(PaymentMethodsState.load) == []
    return customer, tab


async def _start(tab: Tab) -> None:
    [mount] = await tab.send(PaymentMethodsState.start_replacement)
    assert "mountCard" in _script(mount)
    await tab.send(PaymentMethodsState.card_mounted, {"ok": True})


async def _save(tab: Tab, browser_result: dict) -> list:
    [confirm] = await tab.send(PaymentMethodsState.save)
    assert "confirmSetup" in _script(confirm)
    return await tab.send(PaymentMethodsState.setup_done, browser_result)


async def test_load_shows_the_card_on_file(visa_tab):
    _customer, tab = visa_tab
    state = tab.state
    assert (state.loaded, state.has_card, state.card_label) == (True, True, "Visa •••• 4242")
    assert (state.expiry, state.expires_soon) == ("Scadenza 12/2030", False)


async def test_only_the_publishable_key_and_client_secret_reach_the_page(visa_tab, stripe_settings):
    _customer, tab = visa_tab
    [mount] = await tab.send(PaymentMethodsState.start_replacement)
    [confirm] = await tab.send(PaymentMethodsState.save)
    sent = _script(mount) + _script(confirm)
    assert stripe_settings.publishable_key in sent
    assert stripe_settings.secret_key not in sent
    assert tab.state._setup_client_secret in sent
    assert "_setup_intent_id" not in tab.state.get_delta().get(tab.state.get_full_name(), {})


async def test_mastercard_replaces_visa_through_the_page_state(session, visa_tab, stripe_settings):
    customer, tab = visa_tab
    await _start(tab)
    await confirm_setup_intent_with_card(
        stripe_settings, tab.state._setup_intent_id, "5555555555554444"
    )
    assert await _save(tab, {"ok": True}) == []

    assert tab.state.card_label == "Mastercard •••• 4444"
    assert tab.state.message == "Carta sostituita: ora usiamo Mastercard •••• 4444."
    assert (tab.state.message_ok, tab.state.replacing, tab.state.busy) == (True, False, False)
    assert _default(session, customer.id) == ("mastercard", "4444")
    assert tab.state._setup_intent_id == ""  # one SetupIntent, one attempt


async def test_declined_in_the_browser_shows_the_message_and_keeps_the_old_card(
    session, visa_tab, stripe_settings
):
    customer, tab = visa_tab
    await _start(tab)
    await confirm_setup_intent_with_card(
        stripe_settings, tab.state._setup_intent_id, "4000000000000002"
    )
    await _save(tab, {"ok": False, "code": "card_declined", "message": "declined"})

    assert (tab.state.message, tab.state.message_ok) == (DECLINED, False)
    assert tab.state.card_label == "Visa •••• 4242"
    assert _default(session, customer.id) == ("visa", "4242")


async def test_failed_3d_secure_in_the_browser_has_its_own_message(
    session, visa_tab, stripe_settings
):
    customer, tab = visa_tab
    await _start(tab)
    await confirm_setup_intent_with_card(
        stripe_settings, tab.state._setup_intent_id, "4000002760003184", authenticate=False
    )
    await _save(tab, {"ok": False, "code": "", "message": "Authentication failed"})

    assert "autenticazione" in tab.state.message.lower()
    assert tab.state.message.endswith("La carta attuale resta invariata.")
    assert _default(session, customer.id) == ("visa", "4242")


async def test_browser_claiming_success_without_a_confirmed_setup_changes_nothing(
    session, visa_tab
):
    """The page says ok, but Stripe says the SetupIntent was never confirmed."""
    customer, tab = visa_tab
    await _start(tab)
    await _save(tab, {"ok": True})

    assert tab.state.message_ok is False
    assert tab.state.message.endswith("La carta attuale resta invariata.")
    assert _default(session, customer.id) == ("visa", "4242")


async def test_forged_events_out_of_order_do_nothing(session, visa_tab):
    customer, tab = visa_tab
    assert await tab.send(PaymentMethodsState.save) == []  # no replacement started
    assert await tab.send(PaymentMethodsState.setup_done, {"ok": True}) == []
    assert await tab.send(PaymentMethodsState.retry_authenticated, {"ok": True}) == []
    assert await tab.send(PaymentMethodsState.setup_done, "not a dict") == []
    assert (tab.state.message, tab.state.card_label) == ("", "Visa •••• 4242")
    assert _default(session, customer.id) == ("visa", "4242")


async def test_handlers_without_login_do_nothing(session, visa_tab):
    customer, _tab = visa_tab
    anonymous = Tab("", PaymentMethodsState)
    [redirect] = await anonymous.send(PaymentMethodsState.load)
    assert "/login?next=/myarea/metodi-di-pagamento" in str(redirect.args)
    assert await anonymous.send(PaymentMethodsState.start_replacement) == []
    assert anonymous.state._setup_intent_id == ""
    assert await anonymous.send(PaymentMethodsState.setup_done, {"ok": True}) == []
    assert _default(session, customer.id) == ("visa", "4242")


async def test_replacement_on_a_past_due_licence_reactivates_it(session, gateway, stripe_settings):
    customer = make_customer(session)
    await give_card(session, gateway, customer, "4000000000000341")
    licence = make_active_licence(
        session, customer.id, seats=2, period_start=date(2026, 10, 28), period_end=TODAY
    )
    await renewals.renew_due(TODAY, gateway)
    tab = Tab(_login(session, customer), PaymentMethodsState)
    await tab.send(PaymentMethodsState.load)
    [unpaid] = tab.state.unpaid  # the declined renewal is shown where the card is fixed
    assert unpaid.pay_label == "Aggiorna la carta e paga 61,00\xa0€"
    assert (
        f"rifiutata per il rinnovo di 61,00\xa0€ (IVA inclusa) della licenza n. {licence.id}"
        in (unpaid.text)
    )
    await _start(tab)
    await confirm_setup_intent_with_card(
        stripe_settings, tab.state._setup_intent_id, "4242424242424242"
    )
    await _save(tab, {"ok": True})

    assert tab.state.message == (
        "Carta sostituita: ora usiamo Visa •••• 4242. "
        "Il rinnovo non pagato è stato addebitato: la licenza è di nuovo attiva."
    )
    assert tab.state.unpaid == []
    session.expire_all()
    assert licences.get_licence(session, licence.id).status == "active"


# --- Documenti ---------------------------------------------------------------------------------


def _issue(session, customer_id: int, key: str) -> int:
    operation, _ = operations.start_operation(
        session, key, customer_id=customer_id, kind="purchase"
    )
    document = documents.issue_document(
        session,
        operation_id=operation.id,
        customer_id=customer_id,
        licence_id=None,
        issued_on=TODAY,
        description="CRM in Cloud – modifica licenza",
        lines=[
            {
                "kind": "added_seats",
                "description": "Utenti aggiunti (rateo)",
                "quantity": 3,
                "unit_cents": 2500,
                "days": 12,
                "period_days": 30,
                "amount_cents": 3000,
            }
        ],
        billing={"company_name": "Bianchi Consulting S.r.l."},
        net_cents=3000,
        vat_cents=660,
        gross_cents=3660,
    )
    session.commit()
    return document.id


async def test_documents_of_the_owner_only_with_detail_and_pdf(session):
    owner, intruder = make_customer(session), make_customer(session)
    own_id = _issue(session, owner.id, "doc-state-own")
    foreign_id = _issue(session, intruder.id, "doc-state-foreign")
    tab = Tab(_login(session, owner), DocumentsState)
    await tab.send(DocumentsState.load)

    assert [row.document_id for row in tab.state.rows] == [own_id]
    row = tab.state.rows[0]
    assert (row.date, row.net.replace("\xa0", " "), row.gross.replace("\xa0", " ")) == (
        "28/11/2026",
        "30,00 €",
        "36,60 €",
    )

    await tab.send(DocumentsState.show, own_id)
    assert tab.state.selected.document_id == own_id
    assert tab.state.selected_lines[0].detail.replace("\xa0", " ") == "3 × 25,00 € × 12/30 giorni"
    [download] = await tab.send(DocumentsState.download, own_id)
    assert "fattura-" in _script(download) and "application/pdf" in _script(download)

    assert await tab.send(DocumentsState.download, foreign_id) == []
    assert tab.state.error == "Documento non trovato."
    await tab.send(DocumentsState.show, foreign_id)
    assert tab.state.selected.document_id == own_id  # unchanged
    assert await tab.send(DocumentsState.download, "1; drop") == []
