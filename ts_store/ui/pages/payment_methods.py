"""'Metodi di pagamento': the card on file and 'Sostituisci carta' through Stripe's Card Element.

The backend creates the SetupIntent, keeps its id, and after Stripe.js is done re-reads it from
Stripe (status and customer) before the new card replaces the old one. A failure leaves the old
card as it was.
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from ts_store.billing import cards, charging
from ts_store.billing.errors import UseCaseError
from ts_store.billing.overview import LicenceOverview, licences_overview
from ts_store.domain.lifecycle import LicenceStatus
from ts_store.domain.operations import OperationStatus
from ts_store.ui import routes
from ts_store.ui.components.layout import page_shell
from ts_store.ui.components.stripe_card import (
    card_element,
    confirm_payment,
    confirm_setup,
    mount_card,
)
from ts_store.ui.formatting import brand_label, format_cents, format_date
from ts_store.ui.messages import decline_text, message_for, result_text
from ts_store.ui.session import customer_id_of


def browser_error_message(result: dict) -> str:
    """Italian text for what Stripe.js reported (it may give no code for a failed 3-D Secure)."""
    code = str(result.get("code") or "")
    if not code and "authenticat" in str(result.get("message") or "").lower():
        code = "setup_intent_authentication_failure"
    return decline_text(code or None, code or None)


@dataclasses.dataclass
class UnpaidRenewal:
    """A past-due or suspended licence, shown where the customer fixes it: the card."""

    licence_id: int = 0
    text: str = ""
    pay_label: str = ""


def unpaid_renewal(view: LicenceOverview) -> UnpaidRenewal | None:
    """The declined renewal of `view`, worded with its amount (from the domain's renewal quote)."""
    if view.status not in (LicenceStatus.PAST_DUE, LicenceStatus.SUSPENDED):
        return None
    amount = (
        format_cents(view.open_amount_gross_cents)
        if view.open_amount_gross_cents is not None
        else ""
    )
    owed = f"il rinnovo di {amount} (IVA inclusa)" if amount else "il rinnovo"
    if view.status == LicenceStatus.SUSPENDED:
        since = f" dal {format_date(view.suspended_on)}" if view.suspended_on else ""
        text = (
            f"La licenza n. {view.id} è sospesa{since}: la carta attuale è stata rifiutata per "
            f"{owed}."
        )
    else:
        retry = (
            f" Nuovo tentativo il {format_date(view.next_retry_on)}." if view.next_retry_on else ""
        )
        text = f"La carta attuale è stata rifiutata per {owed} della licenza n. {view.id}.{retry}"
    label = f"Aggiorna la carta e paga {amount}" if amount else "Aggiorna la carta e paga"
    return UnpaidRenewal(licence_id=view.id, text=text, pay_label=label)


class PaymentMethodsState(rx.State):
    _setup_intent_id: str = ""
    _setup_client_secret: str = ""
    _pending_operation_id: int = 0

    loaded: bool = False
    has_card: bool = False
    card_label: str = ""
    expiry: str = ""
    expires_soon: bool = False
    replacing: bool = False
    busy: bool = False
    message: str = ""
    message_ok: bool = False
    unpaid: list[UnpaidRenewal] = []

    @rx.event
    async def load(self):
        customer_id = await customer_id_of(self)
        if customer_id is None:
            return rx.redirect(routes.login_url(routes.PAYMENT_METHODS))
        self._show_card(customer_id)
        self.replacing = self.busy = False
        self.message = ""
        self.loaded = True
        return None

    def _show_card(self, customer_id: int) -> None:
        self.unpaid = [
            due for view in licences_overview(customer_id) if (due := unpaid_renewal(view))
        ]
        card = cards.card_on_file(customer_id)
        self.has_card = card is not None
        if card is not None:
            self.card_label = f"{brand_label(card.brand)} •••• {card.last4}"
            self.expiry = f"Scadenza {card.exp_month:02d}/{card.exp_year}"
            self.expires_soon = card.expires_soon

    @rx.event
    async def start_replacement(self):
        customer_id = await customer_id_of(self)
        if customer_id is None or self.busy:
            return
        self.message = ""
        try:
            setup = await cards.start_card_setup(customer_id)
        except UseCaseError as exc:
            self._fail(message_for(exc))
            return
        self._setup_intent_id, self._setup_client_secret = setup.id, setup.client_secret
        self.replacing = True
        yield rx.call_script(mount_card(), callback=PaymentMethodsState.card_mounted)

    @rx.event
    def card_mounted(self, result: dict):
        if self.replacing and not (isinstance(result, dict) and result.get("ok")):
            self._fail(
                "Il modulo della carta non si è caricato. Controlla la connessione e riprova."
            )
            self.replacing = False

    @rx.event
    def cancel_replacement(self):
        self.replacing = self.busy = False
        self._setup_intent_id = self._setup_client_secret = ""

    @rx.event
    def save(self):
        if self.busy or not (self.replacing and self._setup_client_secret):
            return None
        self.busy = True
        self.message = ""
        return rx.call_script(
            confirm_setup(self._setup_client_secret), callback=PaymentMethodsState.setup_done
        )

    @rx.event
    async def setup_done(self, result: dict):
        customer_id = await customer_id_of(self)
        setup_intent_id = self._setup_intent_id
        if customer_id is None or not (self.replacing and setup_intent_id):
            return None
        # One SetupIntent, one attempt: a failure or a success both need a new one.
        self._setup_intent_id = self._setup_client_secret = ""
        self.replacing = False
        result = result if isinstance(result, dict) else {}
        if not result.get("ok"):
            self._fail(browser_error_message(result))
            return None
        try:
            replaced = await cards.replace_card(customer_id, setup_intent_id)
        except UseCaseError as exc:
            self._fail(message_for(exc))
            return None
        self.busy = False
        self._show_card(customer_id)
        self.message_ok = True
        self.message = f"Carta sostituita: ora usiamo {self.card_label}."
        if replaced.retry_error is not None:
            self.message_ok = False
            self.message += (
                " Il rinnovo non pagato non è stato addebitato: "
                f"{message_for(replaced.retry_error)}"
            )
        return self._after_retries(replaced.retried)

    def _after_retries(self, results: list[charging.ChargeResult]):
        for result in results:
            if result.status == OperationStatus.REQUIRES_ACTION and result.client_secret:
                self._pending_operation_id = result.operation_id
                return rx.call_script(
                    confirm_payment(result.client_secret, result.payment_method_id),
                    callback=PaymentMethodsState.retry_authenticated,
                )
            if result.done:
                self.message += (
                    " Il rinnovo non pagato è stato addebitato: la licenza è di nuovo attiva."
                )
            elif result.status == OperationStatus.FAILED:
                self.message_ok = False
                self.message += (
                    f" Il rinnovo non pagato non è andato a buon fine: {result_text(result)}"
                )
            elif result.failure_code:  # unknown outcome or still in progress: what we know
                self.message_ok = False
                self.message += f" Rinnovo non pagato: {result_text(result)}"
        return None

    @rx.event
    async def retry_authenticated(self, _browser_result: dict):
        customer_id = await customer_id_of(self)
        if customer_id is None or not self._pending_operation_id:
            return None
        result = await charging.complete_after_authentication(
            customer_id, self._pending_operation_id
        )
        self._pending_operation_id = 0
        return self._after_retries([result])

    def _fail(self, message: str) -> None:
        self.busy = False
        self.message_ok = False
        self.message = f"{message} La carta attuale resta invariata."


def _unpaid(due: UnpaidRenewal) -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("triangle_alert")),
        rx.vstack(
            rx.callout.text(due.text),
            rx.cond(
                ~PaymentMethodsState.replacing,
                rx.button(
                    due.pay_label,
                    on_click=PaymentMethodsState.start_replacement,
                    color_scheme="red",
                    id="pay-unpaid-" + due.licence_id.to_string(),
                ),
            ),
            spacing="2",
            align="start",
        ),
        color_scheme="red",
        id="unpaid-" + due.licence_id.to_string(),
        class_name="unpaid-renewal",
    )


def _current_card() -> rx.Component:
    return rx.card(
        rx.cond(
            PaymentMethodsState.has_card,
            rx.vstack(
                rx.hstack(
                    rx.icon("credit_card", size=20),
                    rx.text.strong(PaymentMethodsState.card_label, id="current-card"),
                    rx.cond(
                        PaymentMethodsState.expires_soon,
                        rx.badge("Scade presto", color_scheme="orange", id="expires-soon"),
                    ),
                    align="center",
                    spacing="2",
                    wrap="wrap",
                ),
                rx.text(
                    PaymentMethodsState.expiry, size="2", color_scheme="gray", id="card-expiry"
                ),
                rx.text("È la carta su cui addebitiamo rinnovi e modifiche.", size="2"),
                spacing="2",
            ),
            rx.text("Nessuna carta salvata.", id="no-card"),
        ),
        width="100%",
    )


def _replacement() -> rx.Component:
    return rx.cond(
        PaymentMethodsState.replacing,
        rx.vstack(
            rx.text("Inserisci i dati della nuova carta: sostituirà quella attuale.", size="2"),
            card_element(),
            rx.hstack(
                rx.button(
                    "Salva la nuova carta",
                    on_click=PaymentMethodsState.save,
                    loading=PaymentMethodsState.busy,
                    id="save-new-card",
                ),
                rx.button(
                    "Annulla",
                    on_click=PaymentMethodsState.cancel_replacement,
                    variant="soft",
                    color_scheme="gray",
                ),
                wrap="wrap",
            ),
            spacing="3",
            width="100%",
            max_width="32rem",
        ),
        rx.button(
            rx.cond(PaymentMethodsState.has_card, "Sostituisci carta", "Aggiungi una carta"),
            on_click=PaymentMethodsState.start_replacement,
            id="replace-card",
        ),
    )


def payment_methods_page() -> rx.Component:
    return page_shell(
        rx.text(
            "I dati della carta sono gestiti da Stripe e non passano dai nostri server.",
            size="2",
            color_scheme="gray",
        ),
        rx.cond(
            PaymentMethodsState.loaded,
            rx.vstack(
                rx.foreach(PaymentMethodsState.unpaid, _unpaid),
                _current_card(),
                rx.cond(
                    PaymentMethodsState.message != "",
                    rx.callout(
                        PaymentMethodsState.message,
                        icon=rx.cond(
                            PaymentMethodsState.message_ok, "circle_check", "triangle_alert"
                        ),
                        color_scheme=rx.cond(PaymentMethodsState.message_ok, "green", "red"),
                        id="card-message",
                        role="status",
                    ),
                ),
                _replacement(),
                spacing="4",
                width="100%",
            ),
            rx.center(rx.spinner(size="3"), padding="2rem", width="100%"),
        ),
        title="Metodi di pagamento",
    )
