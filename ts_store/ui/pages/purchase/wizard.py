"""'Acquista ora': the purchase wizard — I tuoi dati, Configura la licenza, Pagamento, Conferma.

The wizard lives in Reflex state, so going back and forth keeps what was entered and a reload of
the tab resumes it. `PurchaseState` holds what every step shares (who, which licence, which
step); each step is a substate in its own module (profile, configure, payment, confirm). Prices
come from the domain quote on every change (no database or Stripe call); the card is entered in
Stripe's Card Element and verified by the backend.
"""

from __future__ import annotations

from datetime import date

import reflex as rx

from ts_store.billing import cards, clock, purchase
from ts_store.billing.catalog import current_catalog
from ts_store.billing.errors import UseCaseError
from ts_store.domain.catalog import Catalog
from ts_store.ui import routes
from ts_store.ui.messages import message_for
from ts_store.ui.session import customer_id_of

STEPS = ("I tuoi dati", "Configura la licenza", "Pagamento", "Conferma")
PROFILE, CONFIGURE, PAYMENT, CONFIRM = 1, 2, 3, 4
DONE = 5


class PurchaseState(rx.State):
    """What the steps share. Every handler is a public endpoint: each checks the login, the
    step it belongs to and its arguments; ids, dates and keys live in backend-only vars."""

    _customer_id: int = 0
    _licence_id: int = 0
    _version: int = 0
    _today: date | None = None
    # The catalogue version in force on `_today`, read at load: previews never touch the database.
    _catalog: Catalog | None = None

    loaded: bool = False
    load_error: str = ""
    step: int = PROFILE
    saved_card: str = ""

    def _priced(self) -> Catalog:
        """The catalogue this wizard prices with (read at load; an Anteprima sets a draft's)."""
        return self.get_value("_catalog") or current_catalog()

    @rx.var
    def heading(self) -> str:
        """The page's h1 names the step, so focus moved to it tells where the customer is."""
        if self.step == DONE:
            return "Acquista ora · Licenza attivata"
        if 1 <= self.step <= len(STEPS):
            return f"Acquista ora · {self.step} di {len(STEPS)}: {STEPS[self.step - 1]}"
        return "Acquista ora"

    def _is_customer(self, customer_id: int | None) -> bool:
        return customer_id is not None and customer_id == self._customer_id

    @rx.event
    async def load(self):
        """Start the wizard, or resume it (same customer, same licence) after a reload."""
        # The steps are substates of this state: imported here, where they are asked for.
        from ts_store.ui.pages.purchase.configure import ConfigureStep
        from ts_store.ui.pages.purchase.confirm import ConfirmStep
        from ts_store.ui.pages.purchase.payment import PaymentStep
        from ts_store.ui.pages.purchase.profile import ProfileStep

        customer_id = await customer_id_of(self)
        if customer_id is None:
            return rx.redirect(routes.login_url(self.router.url.path))
        confirm = await self.get_state(ConfirmStep)
        if not confirm._pending_operation_id:
            confirm.busy = False  # a reload ends any request the old page waited for
        raw_id = routes.route_arg(self.router.url.path, routes.PURCHASE, "licence_id")
        if not (raw_id.isascii() and raw_id.isdigit()):
            self.loaded = False
            self.load_error = "Licenza non trovata."
            return None
        licence_id = int(raw_id)
        same = self.loaded and (self._customer_id, self._licence_id) == (customer_id, licence_id)
        if same and self.step == DONE and confirm._show_receipt(customer_id):
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
        self._catalog = purchase.catalog_on(self._today)
        card = cards.card_on_file(customer_id, self._today)
        self.load_error = ""
        self._customer_id = customer_id
        self._licence_id, self._version = purchasable.licence_id, purchasable.version
        self.saved_card = f"{card.brand.capitalize()} •••• {card.last4}" if card else ""
        configure = await self.get_state(ConfigureStep)
        payment = await self.get_state(PaymentStep)
        if not same or self.step == DONE:
            self.step = PROFILE
            (await self.get_state(ProfileStep))._start(stored_profile)
            configure._start()
            payment._start()
            confirm._start()
        self.loaded = True
        configure._show_plan()
        configure._recalculate()
        # on_load also runs when the socket reconnects, with the page (and Stripe's windows)
        # still there: nothing typed or being authenticated may be thrown away.
        if self.step == CONFIRM and confirm._pending_operation_id:
            return await confirm._settle_pending(customer_id, resume=True)
        if self.step == PAYMENT and payment.entering_card:
            return payment._check_card_form()
        return None

    @rx.event
    async def go_to_step(self, step: int):
        """Back to an earlier step (forward only through each step's own button)."""
        from ts_store.ui.pages.purchase.confirm import ConfirmStep
        from ts_store.ui.pages.purchase.payment import PaymentStep

        if (
            not isinstance(step, int)
            or isinstance(step, bool)
            or not 1 <= step < self.step
            or self.step == DONE
            or (await self.get_state(ConfirmStep)).busy
        ):
            return
        self.step = step
        (await self.get_state(PaymentStep)).entering_card = False
