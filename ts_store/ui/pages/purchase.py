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
from ts_store.billing.errors import InputError, UseCaseError
from ts_store.domain.fiscal import BILLING_FIELDS, FIELD_LABELS, validate_field
from ts_store.domain.operations import OperationStatus
from ts_store.domain.periods import CYCLE_LABELS, Cycle
from ts_store.domain.quote import Configuration
from ts_store.ui import routes
from ts_store.ui.components.layout import loaded_or_error, page_shell
from ts_store.ui.components.quote_summary import QuoteView, quote_summary, quote_view
from ts_store.ui.components.seat_stepper import next_seat_count, seat_stepper
from ts_store.ui.components.stripe_card import (
    CARD_ELEMENT_ID,
    card_element,
    confirm_payment,
    confirm_setup,
    mount_card,
)
from ts_store.ui.formatting import format_cents, format_date, format_percent, format_users
from ts_store.ui.messages import decline_text, message_for, result_text, text
from ts_store.ui.session import customer_id_of
from ts_store.ui.theme import NATIVE_SELECT_STYLE

STEPS = ("I tuoi dati", "Configura la licenza", "Pagamento", "Conferma")
DONE = 5
# A native dropdown ("menu a tendina"): no popover to mount and unmount on every plan change.
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


@dataclasses.dataclass
class ReceiptView:
    """The confirmation: the document issued and the next renewal, already formatted."""

    document_number: str = ""
    document_date: str = ""
    description: str = ""
    net: str = ""
    vat_label: str = ""
    vat: str = ""
    gross: str = ""
    configuration: str = ""
    next_renewal: str = ""


def receipt_view(receipt: purchase.PurchaseReceipt) -> ReceiptView:
    renewal = receipt.renewal
    next_renewal = (
        f"Prossimo rinnovo il {format_date(renewal.on)}: {format_cents(renewal.net_cents)} + IVA "
        f"({format_cents(renewal.gross_cents)} IVA inclusa)."
        if renewal
        else ""
    )
    return ReceiptView(
        document_number=receipt.document_number,
        document_date=format_date(receipt.issued_on),
        description=receipt.description,
        net=format_cents(receipt.net_cents),
        vat_label=f"IVA {format_percent(current_catalog().vat_percent)}",
        vat=format_cents(receipt.vat_cents),
        gross=format_cents(receipt.gross_cents),
        configuration=(
            f"Piano {receipt.plan_name} · {format_users(receipt.seats)} · "
            f"{CYCLE_LABELS[receipt.cycle].lower()} · "
            f"attiva dal {format_date(receipt.period_start)}"
        ),
        next_renewal=next_renewal,
    )


PROFILE, CONFIGURE, PAYMENT, CONFIRM = 1, 2, 3, 4
FAILED_SUFFIX = "Nessun addebito: la licenza non è cambiata. Puoi riprovare o usare un'altra carta."
RESUME_AUTHENTICATION = (
    "Il pagamento attende ancora la conferma della banca (3-D Secure): premi «Acquista e "
    "attiva» per completarla. Non ti addebiteremo due volte."
)
# Page-side checks after a load (which also runs on a socket reconnect).
CARD_FORM_PRESENT = (
    f"(() => {{ const el = document.getElementById({CARD_ELEMENT_ID!r}); "
    "return !!(el && el.childElementCount > 0); })()"
)
PAYING = "window.__tsPurchasePaying === true"


def _while_paying(script: str) -> str:
    """Flag the page while the bank's window is open, so a reload can be told from a
    reconnect."""
    return (
        f"(window.__tsPurchasePaying = true, ({script}).finally(() => "
        "{ window.__tsPurchasePaying = false; }))"
    )


IN_PROGRESS = frozenset(
    {OperationStatus.UNKNOWN, OperationStatus.PENDING, OperationStatus.CHARGING}
)
PROCESSING = (
    "Il pagamento è in lavorazione presso la banca. Ricarica la pagina tra qualche minuto: "
    "la licenza si attiva appena il pagamento è confermato."
)


class PurchaseState(rx.State):
    """The wizard. Every handler is a public endpoint: each checks the login, the step it
    belongs to and its arguments; ids, dates and keys live in backend-only vars."""

    _customer_id: int = 0
    _licence_id: int = 0
    _version: int = 0
    _today: date | None = None
    _operation_key: str = ""
    _setup_intent_id: str = ""
    _setup_client_secret: str = ""
    _pending_operation_id: int = 0
    _done_operation_id: int = 0

    loaded: bool = False
    load_error: str = ""
    step: int = PROFILE
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
    receipt: ReceiptView = ReceiptView()

    # --- loading -------------------------------------------------------------------------

    @rx.event
    async def load(self):
        """Start the wizard, or resume it (same customer, same licence) after a reload."""
        customer_id = await customer_id_of(self)
        if customer_id is None:
            return rx.redirect(routes.login_url(self.router.url.path))
        if not self._pending_operation_id:
            self.busy = False  # a reload ends any request the old page waited for
        raw_id = routes.route_arg(self.router.url.path, routes.PURCHASE, "licence_id")
        if not raw_id.isdigit():
            self.loaded = False
            self.load_error = "Licenza non trovata."
            return None
        licence_id = int(raw_id)
        same = self.loaded and (self._customer_id, self._licence_id) == (customer_id, licence_id)
        if same and self.step == DONE and self._show_receipt(customer_id):
            self.load_error = ""
            return None
        try:
            purchasable = purchase.load_purchasable(customer_id, licence_id)
        except UseCaseError as exc:
            self.loaded = False
            self.load_error = message_for(exc)
            return None
        stored_profile = purchase.billing_profile_fields(customer_id)
        self._today = clock.today()
        card = cards.card_on_file(customer_id, self._today)
        self.load_error = ""
        self._customer_id = customer_id
        self._licence_id, self._version = purchasable.licence_id, purchasable.version
        self.saved_card = f"{card.brand.capitalize()} •••• {card.last4}" if card else ""
        if not same or self.step == DONE:
            self._start_wizard(stored_profile)
        self.loaded = True
        self._show_plan()
        self._recalculate()
        # on_load also runs when the socket reconnects, with the page (and Stripe's windows)
        # still there: nothing typed or being authenticated may be thrown away.
        if self.step == CONFIRM and self._pending_operation_id:
            return await self._settle_pending(customer_id, resume=True)
        if self.step == PAYMENT and self.entering_card:
            return rx.call_script(CARD_FORM_PRESENT, callback=PurchaseState.card_form_checked)
        return None

    def _start_wizard(self, stored_profile: dict[str, str]) -> None:
        catalog = current_catalog()
        self.step = PROFILE
        self.profile = {name: str(stored_profile.get(name) or "") for name in BILLING_FIELDS}
        self.profile_errors = {}
        default_plan = "pro" if catalog.has_plan("pro") else catalog.plans[0].code
        self.plan = default_plan
        self.seats_input = str(catalog.plan(default_plan).min_seats)
        self.cycle = Cycle.ANNUAL
        self.plan_options = [
            PlanOption(
                p.code,
                # Short enough for a phone (390 px): "per utente" is in the field's label.
                f"{p.name} — {format_cents(p.monthly_cents)}/mese, "
                f"{format_cents(p.annual_cents)}/anno",
            )
            for p in catalog.plans
        ]
        self._operation_key = ""
        self._pending_operation_id = self._done_operation_id = 0
        self._setup_intent_id = self._setup_client_secret = ""
        self.entering_card = False
        self.card_message = self.result_message = ""
        self.receipt = ReceiptView()

    # --- step 1: billing data --------------------------------------------------------------

    @rx.event
    def check_field(self, field: str, value: str):
        """Live check of one field when it loses focus (the step is validated again on submit)."""
        if self.step != PROFILE or not isinstance(field, str) or field not in BILLING_FIELDS:
            return
        value = value if isinstance(value, str) else ""
        self.profile[field] = value
        message = validate_field(field, value, self.profile)
        errors = dict(self.profile_errors)
        if message:
            errors[field] = message
        else:
            errors.pop(field, None)
        self.profile_errors = errors

    @rx.event
    async def submit_profile(self, form_data: dict):
        """Validate every field; save the profile and go on only when all are valid."""
        customer_id = await customer_id_of(self)
        if customer_id is None:
            return rx.redirect(routes.login_url(routes.MYAREA))
        if not self.loaded or self.step != PROFILE or customer_id != self._customer_id:
            return None
        form_data = form_data if isinstance(form_data, dict) else {}
        raw = {name: form_data.get(name) for name in BILLING_FIELDS}
        self.profile = {name: v if isinstance(v, str) else "" for name, v in raw.items()}
        try:
            data = purchase.save_billing_profile(customer_id, raw)
        except purchase.BillingProfileInvalid as exc:
            self.profile_errors = exc.errors
            return None
        self.profile = {name: getattr(data, name) for name in BILLING_FIELDS}
        self.profile_errors = {}
        self.step = CONFIGURE
        return None

    # --- step 2: configuration -------------------------------------------------------------

    def _recalculate(self) -> None:
        """One place that turns the chosen configuration into the live summary (pure: no
        database, no Stripe)."""
        if self._today is None:
            return
        catalog = current_catalog()
        if not catalog.has_plan(self.plan):
            self.preview_error = "Abbonamento: scegli uno dei piani."
            return
        text = self.seats_input.strip()
        if not text.isdigit():
            self.preview_error = "Numero utenti: inserisci un numero intero."
            return
        try:
            result = purchase.preview(
                Configuration(self.plan, Cycle(self.cycle), int(text)), self._today, catalog
            )
        except InputError as exc:
            self.preview_error = message_for(exc)
            return
        self.preview_error = ""
        self.preview = quote_view(result, catalog)

    def _show_plan(self) -> None:
        """Texts that depend on the plan only (not recomputed on every users click)."""
        catalog = current_catalog()
        if not catalog.has_plan(self.plan):
            return
        plan = catalog.plan(self.plan)
        self.plan_note = (
            f"Il piano {plan.name} consente da {plan.min_seats} a {plan.max_seats} utenti."
        )
        self.annual_saving = (
            f"Con la fatturazione annuale risparmi {format_cents(plan.annual_saving_cents())} "
            "per utente all'anno."
        )

    @rx.event
    def set_seats(self, value: str):
        """The typed number of users: out of the plan's limits it shows a message, never a
        silent correction."""
        if self.step != CONFIGURE:
            return
        self.seats_input = (value if isinstance(value, str) else "").strip()[:6]
        self._recalculate()

    @rx.event
    def add_seat(self):
        self._step_seats(+1)

    @rx.event
    def remove_seat(self):
        self._step_seats(-1)

    def _step_seats(self, delta: int) -> None:
        if self.step != CONFIGURE:
            return
        self.seats_input = next_seat_count(self.seats_input, delta)
        self._recalculate()

    @rx.event
    def set_plan(self, code: str):
        if self.step == CONFIGURE and isinstance(code, str) and current_catalog().has_plan(code):
            self.plan = code
            self._show_plan()
            self._recalculate()

    @rx.event
    def set_cycle(self, cycle: str | list[str]):
        cycles = (Cycle.MONTHLY, Cycle.ANNUAL)
        if self.step == CONFIGURE and isinstance(cycle, str) and cycle in cycles:
            self.cycle = cycle
            self._recalculate()

    @rx.event
    def go_to_step(self, step: int):
        """Back to an earlier step (forward only through each step's own button)."""
        if (
            isinstance(step, int)
            and not isinstance(step, bool)
            and 1 <= step < self.step
            and self.step != DONE
            and not self.busy
        ):
            self.step = step
            self.entering_card = False

    @rx.event
    def configuration_done(self):
        if self.step != CONFIGURE:
            return None
        self._recalculate()
        if self.preview_error:
            return None
        self.step = PAYMENT
        if not self.saved_card:
            return PurchaseState.open_card_form(False)
        return None

    # --- step 3: card ----------------------------------------------------------------------

    @rx.event
    async def open_card_form(self, keep_message: bool = False):
        """A SetupIntent for this customer, then the Card Element in the page."""
        customer_id = await customer_id_of(self)
        if customer_id is None or self.step != PAYMENT or customer_id != self._customer_id:
            return
        if keep_message is not True:
            self.card_message = ""
        self.entering_card = True
        self._setup_intent_id = self._setup_client_secret = ""
        try:
            setup = await cards.start_card_setup(customer_id)
        except UseCaseError as exc:
            self.card_message = message_for(exc)
            return
        self._setup_intent_id, self._setup_client_secret = setup.id, setup.client_secret
        yield rx.call_script(mount_card(), callback=PurchaseState.card_mounted)

    @rx.event
    def card_form_checked(self, present: bool):
        """After a load: a reload lost the Card Element (mount a new one); a reconnect did not
        (keep it, with what the customer typed)."""
        if self.step == PAYMENT and self.entering_card and present is not True:
            self.card_busy = False
            return PurchaseState.open_card_form(True)
        return None

    @rx.event
    def card_mounted(self, result: dict):
        if not (isinstance(result, dict) and result.get("ok")):
            self.card_message = (
                "Il modulo della carta non si è caricato. Controlla la connessione e riprova."
            )

    @rx.event
    def save_card(self):
        if self.step != PAYMENT or not self._setup_client_secret or self.card_busy:
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
        if customer_id is None or self.step != PAYMENT or not self._setup_intent_id:
            return
        result = result if isinstance(result, dict) else {}
        if not result.get("ok"):
            self.card_busy = False
            code = result.get("code") if isinstance(result.get("code"), str) else None
            self.card_message = decline_text(code, code)
            yield PurchaseState.open_card_form(True)  # a failed SetupIntent is spent
            return
        try:
            saved = await cards.save_card_from_setup(customer_id, self._setup_intent_id)
        except UseCaseError as exc:
            self.card_busy = False
            self.card_message = message_for(exc)
            yield PurchaseState.open_card_form(True)
            return
        self._setup_intent_id = self._setup_client_secret = ""
        self.card_busy = False
        self.entering_card = False
        self.saved_card = f"{saved.brand.capitalize()} •••• {saved.last4}"
        self._enter_confirm()

    @rx.event
    def use_saved_card(self):
        if self.step == PAYMENT and self.saved_card:
            self.entering_card = False
            self._enter_confirm()

    def _enter_confirm(self) -> None:
        """A new confirmation screen: its key is made at the first click and kept until the
        attempt ends, so a double click, a retried event or a reload re-use it."""
        self.step = CONFIRM
        self._operation_key = ""
        self.card_message = self.result_message = ""

    # --- step 4: confirm -------------------------------------------------------------------

    @rx.event
    async def confirm_purchase(self):
        """'Acquista e attiva': one operation (our key) charged off-session through charging."""
        customer_id = await customer_id_of(self)
        if (
            customer_id is None
            or customer_id != self._customer_id
            or self.step != CONFIRM
            or self.busy
        ):
            return
        if self._pending_operation_id:  # a 3-D Secure payment left open: resume it first
            yield await self._settle_pending(customer_id, resume=True, reopen=True)
            return
        self._recalculate()
        if self.preview_error:
            self.result_message = self.preview_error
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
        except UseCaseError as exc:
            self.busy = False
            self._operation_key = ""
            self.result_message = message_for(exc)
            return
        yield self._handle_result(customer_id, result)

    @rx.event
    async def payment_authenticated(self, _browser_result: dict):
        """The page ran 3-D Secure; whatever it says, Stripe is asked how the payment ended."""
        customer_id = await customer_id_of(self)
        if customer_id is None or self.step != CONFIRM or not self._pending_operation_id:
            return None
        return await self._settle_pending(customer_id)

    async def _settle_pending(self, customer_id: int, resume: bool = False, reopen: bool = False):
        """Ask Stripe (never the page) how the pending 3-D Secure payment stands.

        `resume`: a payment still waiting is kept (after a load, or a click to reopen the
        bank's window with `reopen`); otherwise the page's window has closed and a payment
        still waiting counts as not authenticated.
        """
        try:
            if resume:
                result = await purchase.resume_payment(customer_id, self._pending_operation_id)
            else:
                result = await charging.complete_after_authentication(
                    customer_id, self._pending_operation_id
                )
        except UseCaseError as exc:
            self._pending_operation_id = 0
            self._operation_key = ""
            self.busy = False
            self.result_message = message_for(exc)
            return None
        waiting = result.status == OperationStatus.REQUIRES_ACTION and result.client_secret
        if waiting and not reopen:
            # Still waiting for the bank: is its window still open in this page?
            return rx.call_script(PAYING, callback=PurchaseState.payment_window_checked)
        if waiting:
            self.busy = True
        return self._handle_result(customer_id, result)

    @rx.event
    def payment_window_checked(self, open_in_page: bool):
        """After a load with 3-D Secure pending: a reconnect keeps the bank's window (its
        callback settles the payment); a reload lost it, so the customer can reopen it."""
        if self.step != CONFIRM or not self._pending_operation_id or open_in_page is True:
            return
        self.busy = False
        self.result_message = RESUME_AUTHENTICATION

    def _handle_result(self, customer_id: int, result: charging.ChargeResult):
        if result.status == OperationStatus.REQUIRES_ACTION and result.client_secret:
            self._pending_operation_id = result.operation_id
            self.result_message = text("authentication_requested")
            return rx.call_script(
                _while_paying(confirm_payment(result.client_secret, result.payment_method_id)),
                callback=PurchaseState.payment_authenticated,
            )
        self.busy = False
        if result.done:
            self._pending_operation_id = 0
            self._done_operation_id = result.operation_id
            if self._show_receipt(customer_id):
                self.step = DONE
                self.result_message = ""
            return None
        said = result_text(result) if result.failure_code else ""
        if result.status == OperationStatus.REQUIRES_ACTION:  # Stripe could not be asked
            self._pending_operation_id = result.operation_id
            self.result_message = said or PROCESSING
            return None
        if result.status in IN_PROGRESS:
            # No answer from Stripe, or still in progress: the key is kept, so the next click
            # re-sends this same operation (Stripe deduplicates it) instead of a second charge.
            unknown = result.status == OperationStatus.UNKNOWN
            self.result_message = said if unknown and said else PROCESSING
            return None
        self._pending_operation_id = 0
        self._operation_key = ""  # a new attempt (e.g. with another card) is a new operation
        if result.status == OperationStatus.PAID_NOT_APPLIED:  # paid after another attempt
            self.result_message = said or PROCESSING
            return None
        self.result_message = f"{result_text(result)} {FAILED_SUFFIX}"
        return None

    def _show_receipt(self, customer_id: int) -> bool:
        if not self._done_operation_id:
            return False
        try:
            self.receipt = receipt_view(purchase.receipt(customer_id, self._done_operation_id))
        except UseCaseError:
            return False
        return True

    @rx.event
    def change_card(self):
        if self.step != CONFIRM or self.busy:
            return None
        self.step = PAYMENT
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
        seat_stepper(
            PurchaseState.seats_input,
            PurchaseState.set_seats,
            PurchaseState.remove_seat,
            PurchaseState.add_seat,
            base_id="purchase-seats",
            input_id="purchase-seats",
        ),
        rx.text(PurchaseState.plan_note, size="1", color_scheme="gray"),
        rx.text(
            "Abbonamento ",
            rx.text.span("(prezzi per utente, IVA esclusa)", color_scheme="gray", size="2"),
            as_="label",
            html_for="purchase-plan",
            weight="medium",
        ),
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
            rx.button(  # a button, not a link: a link to "#" would reload the page state
                "Usa un'altra carta",
                on_click=PurchaseState.change_card,
                variant="ghost",
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
    receipt = PurchaseState.receipt
    return rx.card(
        rx.vstack(
            rx.heading("Licenza attivata", size="5", as_="h2", id="purchase-done"),
            rx.text("Grazie! CRM in Cloud è attivo con la configurazione scelta."),
            rx.text(receipt.configuration, weight="medium", id="purchase-configuration"),
            rx.separator(),
            rx.text(
                "Documento n. ",
                rx.text.strong(receipt.document_number),
                " del ",
                receipt.document_date,
                id="purchase-document",
            ),
            rx.text(receipt.description, size="2", color_scheme="gray"),
            rx.hstack(
                rx.text("Imponibile", size="2", color_scheme="gray"),
                rx.spacer(),
                rx.text(receipt.net, id="purchase-document-net"),
                width="100%",
            ),
            rx.hstack(
                rx.text(receipt.vat_label, size="2", color_scheme="gray"),
                rx.spacer(),
                rx.text(receipt.vat, id="purchase-document-vat"),
                width="100%",
            ),
            rx.hstack(
                rx.text("Totale pagato", size="2", color_scheme="gray"),
                rx.spacer(),
                rx.text.strong(receipt.gross, id="purchase-document-gross"),
                width="100%",
            ),
            rx.separator(),
            rx.text(receipt.next_renewal, id="purchase-next-renewal"),
            rx.hstack(
                rx.link(rx.button("Vai ai miei abbonamenti"), href=routes.MYAREA, id="to-myarea"),
                rx.link(
                    rx.button("Documenti", variant="soft"),
                    href=routes.DOCUMENTS,
                    id="to-documents",
                ),
                wrap="wrap",
            ),
            spacing="3",
            width="100%",
        ),
        max_width="36rem",
        width="100%",
    )


def purchase_page() -> rx.Component:
    return page_shell(
        loaded_or_error(
            PurchaseState.load_error,
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
            "purchase-load-error",
        ),
        title="Acquista ora",
    )
