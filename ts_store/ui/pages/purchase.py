"""'Acquista ora': the purchase wizard — I tuoi dati, Configura la licenza, Pagamento, Conferma.

The wizard lives in this state, so going back and forth keeps what was entered and a reload of
the tab resumes it. Prices come from the domain quote on every change (no database or Stripe
call); the card is entered in Stripe's Card Element and verified by the backend.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date

import reflex as rx

from ts_store.billing import cards, charging, clock, purchase
from ts_store.billing.catalog import current_catalog
from ts_store.billing.errors import ConflictError, InputError, NotAllowed, UseCaseError
from ts_store.domain.fiscal import BILLING_FIELDS, FIELD_LABELS, validate_field
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration
from ts_store.payments.errors import PaymentsError, decline_message
from ts_store.store import payment_methods
from ts_store.store.db import session_scope
from ts_store.ui import routes
from ts_store.ui.components.layout import page_shell
from ts_store.ui.components.quote_summary import QuoteView, quote_summary, quote_view
from ts_store.ui.components.stripe_card import (
    card_element,
    confirm_payment,
    confirm_setup,
    mount_card,
)
from ts_store.ui.formatting import format_cents, format_date
from ts_store.ui.session import customer_id_of

STEPS = ("I tuoi dati", "Configura la licenza", "Pagamento", "Conferma")
DONE = 5
# A native dropdown ("menu a tendina"): no popover to mount and unmount on every plan change.
NATIVE_SELECT_STYLE = {
    "width": "100%",
    "height": "var(--space-6)",
    "padding": "0 var(--space-2)",
    "border": "1px solid var(--gray-a7)",
    "border_radius": "var(--radius-2)",
    "background": "var(--color-surface)",
    "font_size": "var(--font-size-2)",
}
FIELD_HINTS = {
    "vat_number": "11 cifre",
    "tax_code": "16 caratteri (persona) o 11 cifre (azienda)",
    "province": "Sigla, es. MI",
    "sdi_code": "7 caratteri; oppure 0000000 con la PEC",
    "pec": "Facoltativa se indichi il Codice Destinatario",
}


@dataclasses.dataclass
class PlanOption:
    code: str = ""
    label: str = ""


class PurchaseState(rx.State):
    _licence_id: int = 0
    _version: int = 0
    _today: date | None = None
    _operation_key: str = ""
    _setup_intent_id: str = ""
    _setup_client_secret: str = ""
    _pending_operation_id: int = 0

    loaded: bool = False
    load_error: str = ""
    step: int = 1
    profile: dict[str, str] = {}
    profile_errors: dict[str, str] = {}

    seats_input: str = "1"
    plan: str = ""
    cycle: str = "annual"
    plan_options: list[PlanOption] = []
    plan_note: str = ""
    annual_saving: str = ""
    preview: QuoteView = QuoteView()
    preview_error: str = ""

    saved_card: str = ""
    card_message: str = ""
    card_busy: bool = False
    entering_card: bool = False

    busy: bool = False
    result_message: str = ""
    document_number: str = ""
    next_renewal: str = ""

    # --- loading -------------------------------------------------------------------------

    @rx.event
    async def load(self):
        customer_id = await customer_id_of(self)
        if customer_id is None:
            return rx.redirect(routes.login_url(self.router.url.path))
        raw_id = str(self.router.page.params.get("licence_id", ""))
        if not raw_id.isdigit():
            self.load_error = "Licenza non trovata."
            return None
        licence_id = int(raw_id)
        resuming = self.loaded and self._licence_id == licence_id and self.step != DONE
        try:
            with session_scope() as session:
                purchasable = purchase.load_purchasable(session, customer_id, licence_id)
                stored_profile = purchase.billing_profile_fields(session, customer_id)
                card = payment_methods.default_card(session, customer_id)
                self._today = clock.today(session)
        except UseCaseError as exc:
            self.loaded = False
            self.load_error = exc.message
            return None
        self.load_error = ""
        self._licence_id, self._version = purchasable.licence_id, purchasable.version
        self.saved_card = f"{card.brand.capitalize()} •••• {card.last4}" if card else ""
        if not resuming:
            self._start_wizard(stored_profile)
        self.loaded = True
        self._show_plan()
        self._recalculate()
        if self.step == 3 and self.entering_card:
            return PurchaseState.open_card_form(False)
        return None

    def _start_wizard(self, stored_profile: dict[str, str]) -> None:
        catalog = current_catalog()
        self.step = 1
        self.profile = {name: stored_profile.get(name, "") for name in BILLING_FIELDS}
        self.profile_errors = {}
        default_plan = "pro" if catalog.has_plan("pro") else catalog.plans[0].code
        self.plan = default_plan
        self.seats_input = str(catalog.plan(default_plan).min_seats)
        self.cycle = Cycle.ANNUAL
        self.plan_options = [
            PlanOption(
                p.code,
                f"{p.name} — {format_cents(p.monthly_cents)}/utente al mese, "
                f"{format_cents(p.annual_cents)}/utente all'anno",
            )
            for p in catalog.plans
        ]
        self._operation_key = ""
        self.entering_card = False
        self.card_message = self.result_message = ""
        self.document_number = self.next_renewal = ""

    # --- step 1: billing data --------------------------------------------------------------

    @rx.event
    def check_field(self, field: str, value: str):
        """Live check of one field when it loses focus (the step is validated again on submit)."""
        if field not in BILLING_FIELDS:
            return
        self.profile[field] = str(value)
        message = validate_field(field, str(value), self.profile)
        errors = dict(self.profile_errors)
        if message:
            errors[field] = message
        else:
            errors.pop(field, None)
        self.profile_errors = errors

    @rx.event
    async def submit_profile(self, form_data: dict):
        customer_id = await customer_id_of(self)
        if customer_id is None:
            return rx.redirect(routes.login_url(routes.MYAREA))
        raw = {name: str(form_data.get(name, "") or "") for name in BILLING_FIELDS}
        self.profile = raw
        try:
            with session_scope() as session:
                data = purchase.save_billing_profile(session, customer_id, raw)
        except purchase.BillingProfileInvalid as exc:
            self.profile_errors = exc.errors
            return None
        self.profile = {name: getattr(data, name) for name in BILLING_FIELDS}
        self.profile_errors = {}
        self.step = 2
        return None

    # --- step 2: configuration -------------------------------------------------------------

    def _recalculate(self) -> None:
        """One place that turns the chosen configuration into the live summary."""
        if self._today is None:
            return
        catalog = current_catalog()
        if not catalog.has_plan(self.plan):
            return
        self._operation_key = ""
        text = self.seats_input.strip()
        if not text.isdigit():
            self.preview_error = "Numero utenti: inserisci un numero intero."
            return
        try:
            result = purchase.preview(
                Configuration(self.plan, Cycle(self.cycle), int(text)), self._today, catalog
            )
        except InputError as exc:
            self.preview_error = exc.message
            return
        self.preview_error = ""
        self.preview = quote_view(result, catalog)

    def _show_plan(self) -> None:
        """Texts that depend on the plan only (not recomputed on every users click)."""
        plan = current_catalog().plan(self.plan)
        self.plan_note = (
            f"Il piano {plan.name} consente da {plan.min_seats} a {plan.max_seats} utenti."
        )
        self.annual_saving = (
            f"Con la fatturazione annuale risparmi {format_cents(plan.annual_saving_cents())} "
            "per utente all'anno."
        )

    @rx.event
    def set_seats(self, value: str):
        self.seats_input = str(value)[:6]
        self._recalculate()

    @rx.event
    def add_seat(self):
        self._step_seats(+1)

    @rx.event
    def remove_seat(self):
        self._step_seats(-1)

    def _step_seats(self, delta: int) -> None:
        text = self.seats_input.strip()
        self.seats_input = str(max((int(text) if text.isdigit() else 0) + delta, 1))
        self._recalculate()

    @rx.event
    def set_plan(self, code: str):
        if current_catalog().has_plan(str(code)):
            self.plan = str(code)
            self._show_plan()
            self._recalculate()

    @rx.event
    def set_cycle(self, cycle: str | list[str]):
        if isinstance(cycle, str) and cycle in (Cycle.MONTHLY, Cycle.ANNUAL):
            self.cycle = cycle
            self._recalculate()

    @rx.event
    def go_to_step(self, step: int):
        """Back to an earlier step (forward only through each step's own button)."""
        if isinstance(step, int) and 1 <= step < self.step and self.step != DONE:
            self.step = step
            self.entering_card = False

    @rx.event
    def configuration_done(self):
        self._recalculate()
        if self.preview_error:
            return None
        self.step = 3
        if not self.saved_card:
            return PurchaseState.open_card_form(False)
        return None

    # --- step 3: card ----------------------------------------------------------------------

    @rx.event
    async def open_card_form(self, keep_message: bool = False):
        """A SetupIntent for this customer, then the Card Element in the page."""
        customer_id = await customer_id_of(self)
        if customer_id is None:
            return
        if keep_message is not True:
            self.card_message = ""
        self.entering_card = True
        try:
            setup = await cards.start_card_setup(customer_id)
        except PaymentsError as exc:
            self.card_message = exc.message
            return
        self._setup_intent_id, self._setup_client_secret = setup.id, setup.client_secret
        yield rx.call_script(mount_card(), callback=PurchaseState.card_mounted)

    @rx.event
    def card_mounted(self, result: dict):
        if not (isinstance(result, dict) and result.get("ok")):
            self.card_message = (
                "Il modulo della carta non si è caricato. Controlla la connessione e riprova."
            )

    @rx.event
    def save_card(self):
        if not self._setup_client_secret:
            return None
        self.card_busy = True
        self.card_message = ""
        return rx.call_script(
            confirm_setup(self._setup_client_secret), callback=PurchaseState.card_confirmed
        )

    @rx.event
    async def card_confirmed(self, result: dict):
        """Stripe.js is done; the backend checks the SetupIntent it created (never the page's)."""
        customer_id = await customer_id_of(self)
        if customer_id is None:
            return
        result = result if isinstance(result, dict) else {}
        if not result.get("ok"):
            self.card_busy = False
            self.card_message = decline_message(result.get("code"), result.get("code"))
            yield PurchaseState.open_card_form(True)  # a failed SetupIntent is spent
            return
        try:
            saved = await cards.save_card_from_setup(customer_id, self._setup_intent_id)
        except PaymentsError as exc:
            self.card_busy = False
            self.card_message = exc.message
            yield PurchaseState.open_card_form(True)
            return
        self.card_busy = False
        self.entering_card = False
        self.saved_card = f"{saved.brand.capitalize()} •••• {saved.last4}"
        self.step = 4

    @rx.event
    def use_saved_card(self):
        if self.saved_card:
            self.entering_card = False
            self.step = 4

    # --- step 4: confirm -------------------------------------------------------------------

    @rx.event
    async def confirm_purchase(self):
        customer_id = await customer_id_of(self)
        if customer_id is None or self.step != 4 or self.preview_error:
            return
        if not self._operation_key:
            self._operation_key = f"purchase:{self._licence_id}:{uuid.uuid4()}"
        self.busy = True
        self.result_message = ""
        yield
        try:
            result = await purchase.purchase(
                customer_id=customer_id,
                licence_id=self._licence_id,
                expected_version=self._version,
                target=Configuration(self.plan, Cycle(self.cycle), int(self.seats_input)),
                idempotency_key=self._operation_key,
            )
        except (ConflictError, InputError, NotAllowed) as exc:
            self.busy = False
            self.result_message = exc.message
            return
        yield self._handle_result(result)

    @rx.event
    async def payment_authenticated(self, _browser_result: dict):
        customer_id = await customer_id_of(self)
        if customer_id is None or not self._pending_operation_id:
            return None
        result = await charging.complete_after_authentication(
            customer_id, self._pending_operation_id
        )
        self._pending_operation_id = 0
        return self._handle_result(result)

    def _handle_result(self, result: charging.ChargeResult):
        if result.status == "requires_action" and result.client_secret:
            self._pending_operation_id = result.operation_id
            self.result_message = "La banca chiede di confermare il pagamento (3-D Secure)."
            return rx.call_script(
                confirm_payment(result.client_secret, result.payment_method_id),
                callback=PurchaseState.payment_authenticated,
            )
        self.busy = False
        if result.done:
            self.step = DONE
            self.document_number = result.document_number or ""
            self.next_renewal = (
                f"Prossimo rinnovo il {format_date(self._renewal_date())}: "
                f"{self.preview.renewal_net} + IVA ({self.preview.renewal_gross} IVA inclusa)."
            )
            self.result_message = ""
            return None
        if result.status != "unknown":  # after no answer, a retry re-sends the same operation
            self._operation_key = ""  # a new attempt (e.g. with another card) is a new one
        self.result_message = (
            f"{result.message or 'Il pagamento non è andato a buon fine.'} "
            "La prova resta attiva: puoi usare un'altra carta."
        )
        return None

    def _renewal_date(self) -> date:
        result = purchase.preview(
            Configuration(self.plan, Cycle(self.cycle), int(self.seats_input)), self._today
        )
        return result.at_renewal.date

    @rx.event
    def change_card(self):
        self.step = 3
        return PurchaseState.open_card_form(False)


# --- view ----------------------------------------------------------------------------------


def _stepper() -> rx.Component:
    def item(index: int, label: str) -> rx.Component:
        number = index + 1
        return rx.button(
            f"{number}. {label}",
            variant=rx.cond(PurchaseState.step == number, "solid", "soft"),
            color_scheme=rx.cond(PurchaseState.step > number, "green", "indigo"),
            size="1",
            on_click=PurchaseState.go_to_step(number),
            disabled=PurchaseState.step < number,
            id=f"wizard-step-{number}",
        )

    return rx.hstack(*[item(i, label) for i, label in enumerate(STEPS)], wrap="wrap", spacing="2")


def _profile_field(name: str) -> rx.Component:
    return rx.vstack(
        rx.text(
            FIELD_LABELS[name], as_="label", html_for=f"profile-{name}", weight="medium", size="2"
        ),
        rx.input(
            name=name,
            id=f"profile-{name}",
            default_value=PurchaseState.profile[name],
            on_blur=lambda value: PurchaseState.check_field(name, value),
            width="100%",
        ),
        rx.cond(
            PurchaseState.profile_errors.contains(name),
            rx.text(
                PurchaseState.profile_errors[name],
                color_scheme="red",
                size="1",
                id=f"profile-{name}-error",
            ),
            rx.text(FIELD_HINTS.get(name, ""), color_scheme="gray", size="1"),
        ),
        spacing="1",
        width="100%",
    )


def _step_profile() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(
                "I dati per la fattura elettronica. Li salviamo solo quando sono tutti corretti.",
                size="2",
                color_scheme="gray",
            ),
            rx.grid(
                *[_profile_field(name) for name in BILLING_FIELDS],
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="3",
                width="100%",
            ),
            rx.button("Continua", type="submit", size="3", id="profile-submit"),
            spacing="4",
            width="100%",
        ),
        on_submit=PurchaseState.submit_profile,
        reset_on_submit=False,
    )


def _step_configuration() -> rx.Component:
    editor = rx.vstack(
        rx.text("Numero utenti", as_="label", html_for="purchase-seats", weight="medium"),
        rx.hstack(
            rx.icon_button(
                rx.icon("minus"),
                on_click=PurchaseState.remove_seat,
                variant="soft",
                id="purchase-seats-minus",
                aria_label="Un utente in meno",
            ),
            rx.input(
                value=PurchaseState.seats_input,
                on_change=PurchaseState.set_seats,
                id="purchase-seats",
                input_mode="numeric",
                width="6rem",
                text_align="center",
            ),
            rx.icon_button(
                rx.icon("plus"),
                on_click=PurchaseState.add_seat,
                variant="soft",
                id="purchase-seats-plus",
                aria_label="Un utente in più",
            ),
            align="center",
            spacing="2",
        ),
        rx.text(PurchaseState.plan_note, size="1", color_scheme="gray"),
        rx.text("Abbonamento", weight="medium"),
        rx.el.select(
            rx.foreach(
                PurchaseState.plan_options,
                lambda option: rx.el.option(option.label, value=option.code),
            ),
            value=PurchaseState.plan,
            on_change=PurchaseState.set_plan,
            id="purchase-plan",
            aria_label="Abbonamento",
            style=NATIVE_SELECT_STYLE,
        ),
        rx.link(
            "Confronta i piani", href=routes.PLANS, is_external=True, size="2", id="compare-plans"
        ),
        rx.text("Fatturazione", weight="medium"),
        rx.segmented_control.root(
            rx.segmented_control.item("Mensile", value="monthly"),
            rx.segmented_control.item("Annuale", value="annual"),
            value=PurchaseState.cycle,
            on_change=PurchaseState.set_cycle,
            id="purchase-cycle",
        ),
        rx.text(PurchaseState.annual_saving, size="2", color_scheme="green", id="annual-saving"),
        rx.button(
            "Continua",
            on_click=PurchaseState.configuration_done,
            size="3",
            disabled=PurchaseState.preview_error != "",
            id="configuration-submit",
        ),
        spacing="2",
        width="100%",
    )
    summary = rx.cond(
        PurchaseState.preview_error != "",
        rx.callout(
            PurchaseState.preview_error,
            icon="info",
            color_scheme="orange",
            id="purchase-preview-error",
        ),
        quote_summary(PurchaseState.preview, prefix="purchase"),
    )
    return rx.grid(
        editor, summary, columns=rx.breakpoints(initial="1", md="2"), spacing="5", width="100%"
    )


def _step_payment() -> rx.Component:
    return rx.vstack(
        rx.text(
            "La carta viene salvata da Stripe: i dati della carta non passano dai nostri server.",
            size="2",
            color_scheme="gray",
        ),
        rx.cond(
            (PurchaseState.saved_card != "") & ~PurchaseState.entering_card,
            rx.vstack(
                rx.text(
                    "Carta salvata: ", rx.text.strong(PurchaseState.saved_card), id="saved-card"
                ),
                rx.hstack(
                    rx.button(
                        "Usa questa carta",
                        on_click=PurchaseState.use_saved_card,
                        id="use-saved-card",
                    ),
                    rx.button(
                        "Usa un'altra carta",
                        on_click=PurchaseState.open_card_form(False),
                        variant="soft",
                        id="use-another-card",
                    ),
                    wrap="wrap",
                ),
                spacing="3",
            ),
            rx.vstack(
                card_element(),
                rx.button(
                    "Salva la carta e continua",
                    on_click=PurchaseState.save_card,
                    loading=PurchaseState.card_busy,
                    size="3",
                    id="save-card",
                ),
                spacing="3",
                width="100%",
                max_width="32rem",
            ),
        ),
        rx.cond(
            PurchaseState.card_message != "",
            rx.callout(
                PurchaseState.card_message,
                icon="triangle_alert",
                color_scheme="red",
                id="card-error",
                role="alert",
            ),
        ),
        spacing="3",
        width="100%",
    )


def _step_confirm() -> rx.Component:
    return rx.grid(
        rx.vstack(
            rx.text("Controlla il riepilogo e conferma l'acquisto.", size="2"),
            rx.text("Carta: ", rx.text.strong(PurchaseState.saved_card), id="confirm-card"),
            rx.link(
                "Usa un'altra carta",
                on_click=PurchaseState.change_card,
                size="2",
                id="confirm-change-card",
            ),
            rx.button(
                "Acquista e attiva",
                on_click=PurchaseState.confirm_purchase,
                loading=PurchaseState.busy,
                disabled=PurchaseState.busy,
                size="3",
                id="confirm-purchase",
            ),
            rx.cond(
                PurchaseState.result_message != "",
                rx.callout(
                    PurchaseState.result_message,
                    icon="triangle_alert",
                    color_scheme="red",
                    id="purchase-error",
                    role="alert",
                ),
            ),
            spacing="3",
        ),
        quote_summary(PurchaseState.preview, prefix="purchase"),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="5",
        width="100%",
    )


def _done() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Licenza attivata", size="5", as_="h2", id="purchase-done"),
            rx.text("Grazie! CRM in Cloud è attivo con la configurazione scelta."),
            rx.text(
                "Documento n. ",
                rx.text.strong(PurchaseState.document_number),
                id="purchase-document",
            ),
            rx.text(PurchaseState.next_renewal, id="purchase-next-renewal"),
            rx.link(rx.button("Vai ai miei abbonamenti"), href=routes.MYAREA),
            spacing="3",
        )
    )


def purchase_page() -> rx.Component:
    return page_shell(
        rx.cond(
            PurchaseState.load_error != "",
            rx.callout(
                PurchaseState.load_error,
                icon="triangle_alert",
                color_scheme="red",
                id="purchase-load-error",
            ),
            rx.cond(
                PurchaseState.loaded,
                rx.vstack(
                    rx.cond(PurchaseState.step != DONE, _stepper()),
                    rx.match(
                        PurchaseState.step,
                        (1, _step_profile()),
                        (2, _step_configuration()),
                        (3, _step_payment()),
                        (4, _step_confirm()),
                        _done(),
                    ),
                    spacing="5",
                    width="100%",
                ),
                rx.center(rx.spinner(size="3"), padding="2rem", width="100%"),
            ),
        ),
        title="Acquista ora",
    )
