"""Wizard step 3, "Pagamento": the saved card, or a new one entered in Stripe's Card Element.

The card is saved through a SetupIntent the backend created and then checks with Stripe (never
the page's word).
"""

from __future__ import annotations

import reflex as rx

from ts_store.billing import cards
from ts_store.billing.errors import UseCaseError
from ts_store.ui.components.layout import error_callout
from ts_store.ui.components.stripe_card import (
    CARD_ELEMENT_ID,
    card_element,
    confirm_setup,
    mount_card,
)
from ts_store.ui.messages import decline_text, message_for
from ts_store.ui.pages.purchase.confirm import ConfirmStep
from ts_store.ui.pages.purchase.wizard import CONFIRM, PAYMENT, PurchaseState
from ts_store.ui.session import customer_id_of

# Page-side check after a load (which also runs on a socket reconnect).
CARD_FORM_PRESENT = (
    f"(() => {{ const el = document.getElementById({CARD_ELEMENT_ID!r}); "
    "return !!(el && el.childElementCount > 0); })()"
)


class PaymentStep(PurchaseState):
    """The card form and its SetupIntent (ids in backend-only vars)."""

    _setup_intent_id: str = ""
    _setup_client_secret: str = ""

    card_message: str = ""
    card_busy: bool = False
    entering_card: bool = False

    def _start(self) -> None:
        self._setup_intent_id = self._setup_client_secret = ""
        self.entering_card = False
        self.card_message = ""

    def _check_card_form(self):
        return rx.call_script(CARD_FORM_PRESENT, callback=PaymentStep.card_form_checked)

    @rx.event
    async def open_card_form(self, keep_message: bool = False):
        """A SetupIntent for this customer, then the Card Element in the page."""
        customer_id = await customer_id_of(self)
        if self.step != PAYMENT or not self._is_customer(customer_id):
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
        yield rx.call_script(mount_card(), callback=PaymentStep.card_mounted)

    @rx.event
    def card_form_checked(self, present: bool):
        """After a load: a reload lost the Card Element (mount a new one); a reconnect did not
        (keep it, with what the customer typed)."""
        if self.step == PAYMENT and self.entering_card and present is not True:
            self.card_busy = False
            return PaymentStep.open_card_form(True)
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
            confirm_setup(self._setup_client_secret), callback=PaymentStep.card_confirmed
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
            yield PaymentStep.open_card_form(True)  # a failed SetupIntent is spent
            return
        try:
            saved = await cards.save_card_from_setup(customer_id, self._setup_intent_id)
        except UseCaseError as exc:
            self.card_busy = False
            self.card_message = message_for(exc)
            yield PaymentStep.open_card_form(True)
            return
        self._setup_intent_id = self._setup_client_secret = ""
        self.card_busy = False
        self.entering_card = False
        self.saved_card = f"{saved.brand.capitalize()} •••• {saved.last4}"
        await self._enter_confirm()

    @rx.event
    async def use_saved_card(self):
        if self.step == PAYMENT and self.saved_card:
            self.entering_card = False
            await self._enter_confirm()

    async def _enter_confirm(self) -> None:
        """A new confirmation screen, with a new operation key (made at its first click)."""
        self.step = CONFIRM
        self.card_message = ""
        (await self.get_state(ConfirmStep))._new_screen()

    @rx.event
    async def change_card(self):
        """ "Usa un'altra carta" on the confirm step: back to this step with a new form."""
        if self.step != CONFIRM or (await self.get_state(ConfirmStep)).busy:
            return None
        self.step = PAYMENT
        return PaymentStep.open_card_form(False)


def step_payment() -> rx.Component:
    return rx.vstack(
        rx.text(
            "La carta viene salvata da Stripe: i dati della carta non passano dai nostri server.",
            size="2",
            color_scheme="gray",
        ),
        rx.cond(
            (PaymentStep.saved_card != "") & ~PaymentStep.entering_card,
            rx.vstack(
                rx.text("Carta salvata: ", rx.text.strong(PaymentStep.saved_card), id="saved-card"),
                rx.hstack(
                    rx.button(
                        "Usa questa carta",
                        on_click=PaymentStep.use_saved_card,
                        id="use-saved-card",
                    ),
                    rx.button(
                        "Usa un'altra carta",
                        on_click=PaymentStep.open_card_form(False),
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
                    on_click=PaymentStep.save_card,
                    loading=PaymentStep.card_busy,
                    size="3",
                    id="save-card",
                ),
                spacing="3",
                width="100%",
                max_width="32rem",
            ),
        ),
        rx.cond(
            PaymentStep.card_message != "",
            error_callout(PaymentStep.card_message, "card-error"),
        ),
        spacing="3",
        width="100%",
    )
