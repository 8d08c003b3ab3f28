"""The 'Acquista ora' wizard state, driven without a browser (issue #4).

The handlers are called as Reflex calls them — on the page state inside a root state, with the
login cookie and the route set — against a real SQLite file and the session's localstripe.
What the Card Element and the 3-D Secure dialog do in the page is done with the localstripe
helpers, exactly as Stripe.js would; the backend never takes the page's word for it.
"""

from __future__ import annotations

import inspect
from datetime import date

import pytest
import reflex as rx
import sqlalchemy as sa
from reflex.istate.data import RouterData
from sqlmodel import select

from tests.fixtures.factories import (
    PASSWORD,
    VALID_BILLING,
    add_published_version,
    give_card,
    make_active_licence,
    make_customer,
    make_trial,
    save_billing_profile,
)
from tests.fixtures.localstripe import (
    authenticate_payment_intent,
    confirm_setup_intent_with_card,
    payment_intents_of,
)
from ts_store.billing import accounts, cards, charging, purchase
from ts_store.store import customers, documents, licences
from ts_store.store.db import get_engine
from ts_store.store.models import AuditEntry, BillingOperation
from ts_store.ui.messages import text
from ts_store.ui.pages.purchase import (
    CONFIGURE,
    CONFIRM,
    DONE,
    PAYMENT,
    PROFILE,
    RESUME_AUTHENTICATION,
    ConfigureStep,
    ConfirmStep,
    PaymentStep,
    ProfileStep,
    PurchaseState,
)
from ts_store.ui.session import SessionState

TODAY = date(2026, 11, 28)


pytestmark = [pytest.mark.usefixtures("app_gateway_env"), pytest.mark.stripe]


class Page:
    """One browser tab: the root state with the login cookie, on /myarea/acquista/<id>."""

    def __init__(self, token: str) -> None:
        self.root = rx.State(_reflex_internal_init=True)
        self.root.get_substate(SessionState.get_full_name().split(".")).session_token = token
        self.state: PurchaseState = self._substate(PurchaseState)
        self.profile_step: ProfileStep = self._substate(ProfileStep)
        self.configure: ConfigureStep = self._substate(ConfigureStep)
        self.payment: PaymentStep = self._substate(PaymentStep)
        self.confirm: ConfirmStep = self._substate(ConfirmStep)

    def _substate(self, state_class):
        return self.root.get_substate(state_class.get_full_name().split("."))

    def open(self, licence_id: int | str) -> None:
        self.root.router = RouterData.from_router_data(
            {
                "pathname": "/myarea/acquista/[licence_id]",
                "asPath": f"/myarea/acquista/{licence_id}",
                "query": {"licence_id": str(licence_id)},
            }
        )

    async def send(self, handler, *args) -> list:
        """Run one event to its end; return what it yielded or returned (events to chain)."""
        result = handler.fn(self.root.get_substate(handler.state_full_name.split(".")), *args)
        if inspect.isasyncgen(result):
            return [item async for item in result if item is not None]
        if inspect.iscoroutine(result):
            result = await result
        return [result] if result is not None else []

    async def load(self, licence_id: int | str) -> list:
        self.open(licence_id)
        return await self.send(PurchaseState.load)


def plain(value) -> str:
    """Babel writes '1.525,00\xa0€' and '22\xa0%': compare with ordinary spaces."""
    if isinstance(value, (list, tuple)):
        return type(value)(plain(item) for item in value)
    return str(value).replace("\xa0", " ").replace("\u202f", " ")


def _names(events: list) -> list[str]:
    return [event.handler.fn.__name__ for event in events]


def _script(event) -> str:
    return " ".join(str(value) for _name, value in event.args)


@pytest.fixture
def trial(session):
    customer = make_customer(session, company="Bianchi Consulting S.r.l.")
    return customer, make_trial(session, customer.id, trial_ends_on=date(2026, 12, 5))


def _login(session, customer) -> str:
    token = accounts.login(email=customer.email, password=PASSWORD).token
    session.commit()
    return token


@pytest.fixture
async def page(session, trial) -> Page:
    customer, licence = trial
    tab = Page(_login(session, customer))
    assert await tab.load(licence.id) == []
    return tab


async def _to_configuration(page: Page) -> None:
    """Through 'I tuoi dati', then annual billing chosen (monthly is pre-selected)."""
    await page.send(ProfileStep.submit_profile, dict(VALID_BILLING))
    assert page.state.step == CONFIGURE
    await page.send(ConfigureStep.set_cycle, "annual")


async def _to_card_step(page: Page) -> list:
    await _to_configuration(page)
    await page.send(ConfigureStep.set_seats, "5")
    chained = await page.send(ConfigureStep.configuration_done)
    assert page.state.step == PAYMENT
    return chained


async def _enter_card(page: Page, stripe_settings, number: str) -> None:
    """What the Card Element does: confirm the SetupIntent the backend created, then report."""
    opened = await page.send(PaymentStep.open_card_form, False)
    assert "mountCard" in _script(opened[0])
    await confirm_setup_intent_with_card(stripe_settings, page.payment._setup_intent_id, number)
    saving = await page.send(PaymentStep.save_card)
    assert "confirmSetup" in _script(saving[0])
    await page.send(PaymentStep.card_confirmed, {"ok": True})


def _payment_intents(stripe_settings, session, customer_id) -> list[dict]:
    stripe_id = customers.get_customer(session, customer_id).stripe_customer_id
    return payment_intents_of(stripe_settings, stripe_id)


def _operations(session, licence_id) -> list[BillingOperation]:
    session.expire_all()
    return list(
        session.exec(select(BillingOperation).where(BillingOperation.licence_id == licence_id))
    )


# --- loading ---------------------------------------------------------------------------------


async def test_load_starts_at_i_tuoi_dati_prefilled_from_the_account(page):
    state, profile, configure = page.state, page.profile_step.profile, page.configure
    assert (state.loaded, state.step, state.load_error) == (True, PROFILE, "")
    assert profile["company_name"] == "Bianchi Consulting S.r.l."
    assert profile["invoice_email"].endswith("@example.it")
    assert profile["vat_number"] == ""
    assert [option.code for option in configure.plan_options] == ["smart", "pro", "business"]
    # monthly pre-selected: the smaller commitment unless the customer chooses annual
    assert (configure.plan, configure.cycle, configure.seats_input) == ("pro", "monthly", "1")


async def test_load_prefills_a_stored_billing_profile(session, trial):
    customer, licence = trial
    save_billing_profile(session, customer.id, city="Torino", province="TO", postal_code="10121")
    tab = Page(_login(session, customer))
    await tab.load(licence.id)
    profile = tab.profile_step.profile
    assert (profile["city"], profile["province"]) == ("Torino", "TO")
    assert profile["vat_number"] == VALID_BILLING["vat_number"]


async def test_load_of_another_customers_licence_is_refused_and_logged(session, trial):
    _owner, licence = trial
    intruder = make_customer(session)
    tab = Page(_login(session, intruder))
    await tab.load(licence.id)
    assert (tab.state.loaded, tab.state.load_error) == (False, "Licenza non trovata.")
    actions = session.exec(select(AuditEntry.action)).all()
    assert "forbidden_access" in actions


async def test_load_of_an_active_licence_says_it_is_already_active(session):
    customer = make_customer(session)
    active = make_active_licence(session, customer.id)
    tab = Page(_login(session, customer))
    await tab.load(active.id)
    assert tab.state.load_error == text(purchase.ALREADY_ACTIVE) and not tab.state.loaded
    assert tab.state.load_error.startswith("La licenza è già attiva")


async def test_load_with_a_malformed_id_or_no_login(session, trial):
    customer, licence = trial
    tab = Page(_login(session, customer))
    await tab.load("12abc")
    assert tab.state.load_error == "Licenza non trovata."
    anonymous = Page("")
    [redirect] = await anonymous.load(licence.id)
    assert "/login?next=/myarea/acquista/" in str(redirect.args)


# --- step 1: I tuoi dati ---------------------------------------------------------------------


async def test_invalid_fields_each_get_their_message_and_nothing_is_saved(session, page, trial):
    customer, _licence = trial
    await page.send(
        ProfileStep.submit_profile,
        {**VALID_BILLING, "vat_number": "12345678901", "postal_code": "2012", "province": "XX"},
    )
    errors = page.profile_step.profile_errors
    assert set(errors) == {"vat_number", "postal_code", "province"}
    assert errors["vat_number"].startswith("Partita IVA")
    assert errors["postal_code"].startswith("CAP")
    assert errors["province"].startswith("Provincia")
    assert page.state.step == PROFILE
    # what was typed stays in the form
    assert page.profile_step.profile["vat_number"] == "12345678901"
    session.expire_all()
    assert customers.billing_profile(session, customer.id) is None


async def test_sdi_code_or_pec_is_required(page):
    await page.send(ProfileStep.submit_profile, {**VALID_BILLING, "sdi_code": "", "pec": ""})
    assert page.state.step == PROFILE and "sdi_code" in page.profile_step.profile_errors


async def test_a_field_is_checked_when_it_loses_focus_and_the_message_goes_when_fixed(page):
    await page.send(ProfileStep.check_field, "vat_number", "123")
    assert page.profile_step.profile_errors["vat_number"].startswith("Partita IVA")
    await page.send(ProfileStep.check_field, "vat_number", VALID_BILLING["vat_number"])
    assert "vat_number" not in page.profile_step.profile_errors


async def test_valid_data_is_saved_normalised_and_opens_configura(session, page, trial):
    customer, _licence = trial
    await page.send(ProfileStep.submit_profile, {**VALID_BILLING, "province": "mi"})
    assert page.state.step == CONFIGURE and page.profile_step.profile_errors == {}
    session.expire_all()
    assert customers.billing_profile(session, customer.id).province == "MI"


# --- step 2: Configura la licenza --------------------------------------------------------------


async def test_live_summary_follows_users_plan_and_cycle_to_the_cent(page):
    await _to_configuration(page)
    await page.send(ConfigureStep.set_seats, "5")
    view = page.configure.preview
    assert plain([line.description for line in view.lines]) == ["Piano Pro: 5 utenti × 250,00 €"]
    assert plain((view.net, view.vat_label, view.vat, view.gross)) == (
        "1.250,00 €",
        "IVA 22%",
        "275,00 €",
        "1.525,00 €",
    )
    assert view.renewal_title == "Dal 28/11/2027 pagherai ogni anno"
    assert "risparmi 50,00 €" in plain(page.configure.annual_saving)

    await page.send(ConfigureStep.set_cycle, "monthly")
    assert plain((page.configure.preview.gross, page.configure.preview.renewal_title)) == (
        "152,50 €",
        "Dal 28/12/2026 pagherai ogni mese",
    )
    await page.send(ConfigureStep.add_seat)
    assert plain(page.configure.preview.net) == "150,00 €"  # 6 × 25,00 €
    await page.send(ConfigureStep.set_plan, "business")
    assert plain(page.configure.preview.net) == "240,00 €"  # 6 × 40,00 €
    assert "da 3 a 500 utenti" in page.configure.plan_note


async def test_a_plan_change_sends_only_the_vars_it_changes(page):
    """The delta of a plan change: not the plan list, the users, the cycle or an empty error."""
    await _to_configuration(page)
    await page.send(ConfigureStep.set_seats, "5")
    page.configure.dirty_vars.clear()
    await page.send(ConfigureStep.set_plan, "business")
    assert page.configure.dirty_vars == {"plan", "plan_note", "annual_saving", "preview"}
    page.configure.dirty_vars.clear()
    await page.send(ConfigureStep.set_seats, "2")  # below Business's 3: an error, then fixed
    await page.send(ConfigureStep.set_seats, "3")
    assert page.configure.preview_error == ""
    assert "preview_error" in page.configure.dirty_vars


async def test_changes_in_the_configuration_make_no_database_or_stripe_call(page, monkeypatch):
    await _to_configuration(page)

    def forbidden(*_args, **_kwargs):
        raise AssertionError("no Stripe call on a preview")

    monkeypatch.setattr(cards, "start_card_setup", forbidden)
    monkeypatch.setattr(charging, "execute", forbidden)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(get_engine(), "before_cursor_execute", count)
    try:
        for handler, args in [
            (ConfigureStep.set_seats, ("4",)),
            (ConfigureStep.add_seat, ()),
            (ConfigureStep.remove_seat, ()),
            (ConfigureStep.set_plan, ("business",)),
            (ConfigureStep.set_cycle, ("monthly",)),
            (ConfigureStep.set_plan, ("smart",)),
        ]:
            await page.send(handler, *args)
    finally:
        sa.event.remove(get_engine(), "before_cursor_execute", count)
    assert statements == []
    assert plain(page.configure.preview.net) == "60,00 €"  # Smart monthly, 4 × 15,00 €


async def test_users_outside_the_plan_limits_get_a_message_not_a_silent_clamp(page):
    await _to_configuration(page)
    await page.send(ConfigureStep.set_plan, "business")
    assert page.configure.seats_input == "1"
    configure = page.configure
    assert configure.preview_error == "Numero utenti: il piano Business richiede almeno 3 utenti."
    assert await page.send(ConfigureStep.configuration_done) == []
    assert page.state.step == CONFIGURE

    await page.send(ConfigureStep.set_plan, "smart")
    await page.send(ConfigureStep.set_seats, "6")
    assert configure.preview_error == "Numero utenti: il piano Smart consente al massimo 5 utenti."
    await page.send(ConfigureStep.set_seats, "5")
    await page.send(ConfigureStep.add_seat)
    assert (configure.seats_input, configure.preview_error[:14]) == ("6", "Numero utenti:")

    await page.send(ConfigureStep.set_seats, "0")  # typed: the message, not a correction
    assert page.configure.seats_input == "0" and "almeno 1 utente" in page.configure.preview_error

    await page.send(ConfigureStep.set_seats, "tre")
    assert page.configure.preview_error == "Numero utenti: inserisci un numero intero."
    await page.send(ConfigureStep.add_seat)  # from a non-number "+" starts again at one user
    assert (page.configure.seats_input, page.configure.preview_error) == ("1", "")


async def test_back_and_forth_keeps_what_was_entered(page):
    await _to_configuration(page)
    await page.send(ConfigureStep.set_seats, "7")
    await page.send(ConfigureStep.set_cycle, "monthly")
    await page.send(PurchaseState.go_to_step, 1)
    assert page.state.step == PROFILE
    assert page.profile_step.profile["vat_number"] == VALID_BILLING["vat_number"]
    await page.send(ProfileStep.submit_profile, dict(page.profile_step.profile))
    assert (page.state.step, page.configure.seats_input, page.configure.cycle) == (
        CONFIGURE,
        "7",
        "monthly",
    )


async def test_reload_resumes_the_wizard_and_another_licence_starts_over(session, page, trial):
    customer, licence = trial
    await _to_configuration(page)
    await page.send(ConfigureStep.set_seats, "7")
    await page.load(licence.id)  # the same tab reloaded
    assert (page.state.step, page.configure.seats_input) == (CONFIGURE, "7")
    assert plain(page.configure.preview.net) == "1.750,00 €"

    other = make_trial(session, customer.id, trial_ends_on=date(2026, 12, 10))
    await page.load(other.id)
    assert (page.state.step, page.configure.seats_input) == (PROFILE, "1")


async def test_forged_events_out_of_step_or_with_bad_arguments_change_nothing(session, page, trial):
    _customer, licence = trial
    await page.send(PurchaseState.go_to_step, 4)  # forward jumps only through each step's button
    await page.send(ConfigureStep.set_seats, "9")  # not on this step
    await page.send(PaymentStep.use_saved_card)
    await page.send(ConfirmStep.confirm_purchase)
    await page.send(ProfileStep.check_field, "password", "x")
    assert page.state.step == PROFILE and page.configure.seats_input == "1"
    assert "password" not in page.profile_step.profile

    await _to_configuration(page)
    for handler, value in [
        (ConfigureStep.set_plan, "enterprise"),
        (ConfigureStep.set_plan, ["pro"]),
        (ConfigureStep.set_cycle, "weekly"),
        (PurchaseState.go_to_step, True),
    ]:
        await page.send(handler, value)
    configure = page.configure
    assert (configure.plan, configure.cycle, page.state.step) == ("pro", "annual", CONFIGURE)
    await page.send(ProfileStep.submit_profile, "not a form")
    assert page.state.step == CONFIGURE
    assert _operations(session, licence.id) == []


# --- steps 3 and 4: Pagamento, Conferma --------------------------------------------------------


async def test_trial_customer_buys_pro_annual_for_5_users(session, page, trial, stripe_settings):
    customer, licence = trial
    assert _names(await _to_card_step(page)) == ["open_card_form"]  # no card yet: the form
    await _enter_card(page, stripe_settings, "4242424242424242")
    assert (page.state.step, page.state.saved_card) == (CONFIRM, "Visa •••• 4242")

    await page.send(ConfirmStep.confirm_purchase)

    assert page.state.step == DONE and page.confirm.result_message == ""
    receipt = page.confirm.receipt
    assert (receipt.document_number, receipt.document_date) == ("2026/000001", "28/11/2026")
    assert plain((receipt.net, receipt.vat, receipt.gross)) == (
        "1.250,00 €",
        "275,00 €",
        "1.525,00 €",
    )
    assert receipt.configuration == "Piano Pro · 5 utenti · annuale · attiva dal 28/11/2026"
    assert plain(receipt.next_renewal) == (
        "Prossimo rinnovo il 28/11/2027: 1.250,00 € + IVA (1.525,00 € IVA inclusa)."
    )
    session.expire_all()
    active = licences.get_licence(session, licence.id)
    assert (active.status, active.plan, active.cycle, active.seats) == (
        "active",
        "pro",
        "annual",
        5,
    )
    [intent] = _payment_intents(stripe_settings, session, customer.id)
    operation = session.get(BillingOperation, page.confirm._done_operation_id)
    assert intent["amount"] == 152500
    assert intent["metadata"]["ts_store_operation_id"] == str(operation.id)

    await page.load(licence.id)  # a reload keeps showing the confirmation
    assert page.state.step == DONE and page.confirm.receipt.document_number == "2026/000001"
    await page.send(ConfirmStep.confirm_purchase)  # a retried event after the end: nothing
    assert len(_payment_intents(stripe_settings, session, customer.id)) == 1


async def test_page_claiming_an_unconfirmed_card_is_not_believed(session, page, trial):
    customer, _licence = trial
    await _to_card_step(page)
    await page.send(PaymentStep.open_card_form, False)
    chained = await page.send(PaymentStep.card_confirmed, {"ok": True})  # nothing confirmed
    assert page.state.step == PAYMENT and page.payment.card_message
    assert _names(chained) == ["open_card_form"]  # a fresh SetupIntent for the next try
    session.expire_all()
    assert cards.card_on_file(customer.id, TODAY) is None


async def test_card_declined_by_stripe_js_shows_the_reason_and_a_new_form(page, trial, session):
    _customer, licence = trial
    await _to_card_step(page)
    await page.send(PaymentStep.open_card_form, False)
    chained = await page.send(
        PaymentStep.card_confirmed, {"ok": False, "code": "card_declined", "message": "x"}
    )
    assert page.payment.card_message == "La carta è stata rifiutata dalla banca."
    assert page.state.step == PAYMENT and _names(chained) == ["open_card_form"]
    await page.send(PaymentStep.open_card_form, True)
    assert page.payment.card_message == "La carta è stata rifiutata dalla banca."  # kept
    session.expire_all()
    assert licences.get_licence(session, licence.id).status == "trial"


async def test_charge_declined_at_conferma_keeps_the_trial_and_another_card_buys(
    session, page, trial, stripe_settings
):
    customer, licence = trial
    await _to_card_step(page)
    await _enter_card(page, stripe_settings, "4000000000000341")
    await page.send(ConfirmStep.confirm_purchase)

    assert page.state.step == CONFIRM and not page.confirm.busy
    assert page.confirm.result_message.endswith(
        "Nessun addebito: la licenza non è cambiata. Puoi riprovare o usare un'altra carta."
    )
    assert page.confirm.result_message.startswith("La carta")
    assert page.confirm._operation_key == ""  # the next attempt is a new operation
    session.expire_all()
    assert licences.get_licence(session, licence.id).status == "trial"
    assert documents.documents_of(session, customer.id) == []

    assert _names(await page.send(PaymentStep.change_card)) == ["open_card_form"]
    assert page.state.step == PAYMENT
    await _enter_card(page, stripe_settings, "4242424242424242")
    await page.send(ConfirmStep.confirm_purchase)
    assert page.state.step == DONE
    statuses = sorted(
        pi["status"] for pi in _payment_intents(stripe_settings, session, customer.id)
    )
    assert statuses == ["requires_payment_method", "succeeded"]  # one charge went through
    assert len(documents.documents_of(session, customer.id)) == 1


async def test_3d_secure_is_completed_in_the_page_then_checked_with_stripe(
    session, page, trial, stripe_settings
):
    customer, licence = trial
    await _to_card_step(page)
    await _enter_card(page, stripe_settings, "4000002760003184")
    [authenticate] = await page.send(ConfirmStep.confirm_purchase)

    assert "confirmPayment" in _script(authenticate) and page.confirm.busy
    operation = session.get(BillingOperation, page.confirm._pending_operation_id)
    assert operation.status == "requires_action"
    session.expire_all()
    assert licences.get_licence(session, licence.id).status == "trial"

    await page.send(ConfirmStep.confirm_purchase)  # a double click while the dialog is open
    assert len(_operations(session, licence.id)) == 1

    await authenticate_payment_intent(stripe_settings, operation.stripe_payment_intent_id, True)
    await page.send(ConfirmStep.payment_authenticated, {"ok": False})  # the page's word: unused
    assert page.state.step == DONE
    session.expire_all()
    assert licences.get_licence(session, licence.id).status == "active"
    assert [pi["amount"] for pi in _payment_intents(stripe_settings, session, customer.id)] == [
        152500
    ]


async def test_3d_secure_failed_leaves_the_trial_and_a_new_attempt_gets_a_new_key(
    session, page, trial, stripe_settings
):
    _customer, licence = trial
    await _to_card_step(page)
    await _enter_card(page, stripe_settings, "4000002760003184")
    await page.send(ConfirmStep.confirm_purchase)
    first_key = page.confirm._operation_key
    operation = session.get(BillingOperation, page.confirm._pending_operation_id)
    await authenticate_payment_intent(stripe_settings, operation.stripe_payment_intent_id, False)
    await page.send(ConfirmStep.payment_authenticated, {"ok": True})  # a lying page

    assert page.state.step == CONFIRM and "Nessun addebito" in page.confirm.result_message
    session.expire_all()
    assert licences.get_licence(session, licence.id).status == "trial"
    [failed] = _operations(session, licence.id)
    assert failed.status == "failed"

    await page.send(ConfirmStep.confirm_purchase)  # try again: a new operation
    assert page.confirm._operation_key not in ("", first_key)
    assert len(_operations(session, licence.id)) == 2


async def test_reload_during_3d_secure_asks_stripe_how_the_payment_ended(
    session, page, trial, stripe_settings
):
    """The customer authenticated, then the tab reloaded before the page reported back."""
    customer, licence = trial
    await _to_card_step(page)
    await _enter_card(page, stripe_settings, "4000002760003184")
    await page.send(ConfirmStep.confirm_purchase)
    operation = session.get(BillingOperation, page.confirm._pending_operation_id)
    await authenticate_payment_intent(stripe_settings, operation.stripe_payment_intent_id, True)

    await page.load(licence.id)

    assert page.state.step == DONE and not page.confirm.busy
    assert plain(page.confirm.receipt.gross) == "1.525,00 €"
    assert len(documents.documents_of(session, customer.id)) == 1


async def test_reload_during_3d_secure_lets_the_customer_reopen_the_bank_check(
    session, page, trial, stripe_settings
):
    """The bank's window was lost with the page: nothing is given up or charged twice."""
    customer, licence = trial
    await _to_card_step(page)
    await _enter_card(page, stripe_settings, "4000002760003184")
    await page.send(ConfirmStep.confirm_purchase)
    [operation] = _operations(session, licence.id)

    [ask_page] = await page.load(licence.id)
    assert "__tsPaying" in _script(ask_page)  # is the bank's window still open?
    await page.send(ConfirmStep.payment_window_checked, False)  # no: the page reloaded

    assert (page.state.step, page.confirm.busy) == (CONFIRM, False)
    assert page.confirm.result_message == RESUME_AUTHENTICATION
    assert _operations(session, licence.id)[0].status == "requires_action"

    [reopen] = await page.send(ConfirmStep.confirm_purchase)
    assert "confirmPayment" in _script(reopen) and page.confirm.busy
    assert len(_operations(session, licence.id)) == 1  # the same operation, not a new charge
    await authenticate_payment_intent(stripe_settings, operation.stripe_payment_intent_id, True)
    await page.send(ConfirmStep.payment_authenticated, {"ok": True})
    assert page.state.step == DONE
    assert [pi["amount"] for pi in _payment_intents(stripe_settings, session, customer.id)] == [
        152500
    ]


async def test_reconnect_during_3d_secure_keeps_the_bank_window_open(
    session, page, trial, stripe_settings
):
    """on_load also runs when the socket reconnects: the open window must not be undone."""
    _customer, licence = trial
    await _to_card_step(page)
    await _enter_card(page, stripe_settings, "4000002760003184")
    await page.send(ConfirmStep.confirm_purchase)
    operation = session.get(BillingOperation, page.confirm._pending_operation_id)

    await page.load(licence.id)
    await page.send(ConfirmStep.payment_window_checked, True)  # still open in the page
    assert page.confirm.busy and page.confirm.result_message.startswith("La banca chiede")
    assert _operations(session, licence.id)[0].status == "requires_action"

    await authenticate_payment_intent(stripe_settings, operation.stripe_payment_intent_id, True)
    await page.send(ConfirmStep.payment_authenticated, {"ok": True})
    assert page.state.step == DONE


async def test_reload_or_reconnect_while_typing_the_card(page):
    await _to_card_step(page)
    await page.send(PaymentStep.open_card_form, False)
    setup_intent = page.payment._setup_intent_id

    [ask_page] = await page.load(page.state._licence_id)
    assert "card-element" in _script(ask_page)  # is the Card Element still in the page?
    assert await page.send(PaymentStep.card_form_checked, True) == []  # a reconnect: keep it
    assert page.payment._setup_intent_id == setup_intent

    reopened = await page.send(PaymentStep.card_form_checked, False)  # a reload: a new one
    assert _names(reopened) == ["open_card_form"]


async def test_saved_card_can_be_used_or_replaced(session, gateway, trial):
    customer, licence = trial
    await give_card(session, gateway, customer, "4242424242424242")
    tab = Page(_login(session, customer))
    await tab.load(licence.id)
    await _to_configuration(tab)
    assert await tab.send(ConfigureStep.configuration_done) == []  # a card: no form yet
    assert tab.state.saved_card == "Visa •••• 4242"
    await tab.send(PaymentStep.use_saved_card)
    assert tab.state.step == CONFIRM
    await tab.send(PurchaseState.go_to_step, 3)
    opened = await tab.send(PaymentStep.open_card_form, False)
    assert tab.payment.entering_card and "mountCard" in _script(opened[0])


async def test_missing_billing_profile_is_refused_at_conferma(session, gateway, trial):
    """A forged path to Conferma without step 1: the use case still refuses."""
    customer, licence = trial
    await give_card(session, gateway, customer, "4242424242424242")
    tab = Page(_login(session, customer))
    await tab.load(licence.id)
    tab.state.step = PAYMENT  # as if step 1 had been skipped
    await tab.send(PaymentStep.use_saved_card)
    await tab.send(ConfirmStep.confirm_purchase)
    assert tab.confirm.result_message == text(purchase.PROFILE_MISSING)
    assert tab.confirm.result_message.startswith("I tuoi dati: completa i dati di fatturazione")
    assert tab.state.step == CONFIRM
    assert _operations(session, licence.id) == []


async def test_a_catalogue_version_in_force_shows_in_the_wizard_at_the_next_load(session, trial):
    """The product team publishes a version: new plans, order and prices, no code change."""
    add_published_version(
        session,
        'currency = "EUR"\nvat_percent = "22"\ntrial_days = 15\nretention_days = 60\n'
        '[[plans]]\ncode = "start"\nname = "Start"\nmonthly_cents = 1000\n'
        "annual_cents = 9900\nmin_seats = 2\nmax_seats = 10\nfeatures = []\n"
        '[[plans]]\ncode = "pro"\nname = "Pro"\nmonthly_cents = 3000\n'
        "annual_cents = 30000\nmin_seats = 1\nmax_seats = 50\nfeatures = []\n",
        effective_on=date(2026, 1, 1),
    )
    customer, licence = trial
    tab = Page(_login(session, customer))
    await tab.load(licence.id)
    assert [option.code for option in tab.configure.plan_options] == ["start", "pro"]
    await _to_configuration(tab)
    await tab.send(ConfigureStep.set_seats, "2")
    assert plain(tab.configure.preview.net) == "600,00 €"  # Pro annual at the new price
    await tab.send(ConfigureStep.set_plan, "start")
    assert plain(tab.configure.preview.net) == "198,00 €"
    assert "risparmi 21,00 €" in plain(tab.configure.annual_saving)
