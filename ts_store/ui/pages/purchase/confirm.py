"""Wizard step 4, "Conferma": 'Paga … e attiva', 3-D Secure, and the receipt when it is done.

The charge goes through the shared charge flow (ts_store/ui/charge_flow.py): one operation
with our key, charged off-session; what happened is asked to Stripe by the backend.
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from ts_store.billing import charging, purchase
from ts_store.billing.catalog import current_catalog
from ts_store.billing.errors import UseCaseError
from ts_store.domain.operations import OperationStatus
from ts_store.domain.periods import CYCLE_LABELS
from ts_store.ui import routes
from ts_store.ui.charge_flow import PAYING, ChargeFlow, Outcome, outcome_of
from ts_store.ui.components.layout import error_callout
from ts_store.ui.components.quote_summary import QuoteView, action_bar
from ts_store.ui.formatting import format_cents, format_date, format_percent, format_users
from ts_store.ui.messages import message_for, result_text, text
from ts_store.ui.pages.purchase.wizard import CONFIRM, DONE, PurchaseState
from ts_store.ui.session import customer_id_of

FAILED_SUFFIX = "Nessun addebito: la licenza non è cambiata. Puoi riprovare o usare un'altra carta."
RESUME_AUTHENTICATION = (
    "Il pagamento attende ancora la conferma della banca (3-D Secure): premi «Paga e "
    "attiva» per completarla. Non ti addebiteremo due volte."
)
PROCESSING = (
    "Il pagamento è in lavorazione presso la banca. Ricarica la pagina tra qualche minuto: "
    "la licenza si attiva appena il pagamento è confermato."
)


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


class ConfirmStep(ChargeFlow, PurchaseState):
    """The purchase operation, its 3-D Secure and its receipt."""

    _done_operation_id: int = 0

    busy: bool = False
    result_message: str = ""
    receipt: ReceiptView = ReceiptView()

    def _start(self) -> None:
        """A new wizard: no operation, no receipt."""
        self._forget_operation()
        self._done_operation_id = 0
        self.result_message = ""
        self.receipt = ReceiptView()

    def _new_screen(self) -> None:
        """A new confirmation screen: its key is made at the first click and kept until the
        attempt ends, so a double click, a retried event or a reload re-use it."""
        self._operation_key = ""
        self.result_message = ""

    @rx.event
    async def confirm_purchase(self):
        """'Paga … e attiva': one operation (our key) charged off-session through charging."""
        from ts_store.ui.pages.purchase.configure import ConfigureStep  # imports this module

        customer_id = await customer_id_of(self)
        if not self._is_customer(customer_id) or self.step != CONFIRM or self.busy:
            return
        if self._pending_operation_id:  # a 3-D Secure payment left open: resume it first
            yield await self._settle_pending(customer_id, resume=True, reopen=True)
            return
        configure = await self.get_state(ConfigureStep)
        configure._recalculate()
        if configure.preview_error:
            self.result_message = configure.preview_error
            return
        key = self._key_for(f"purchase:{self._licence_id}")
        self.busy = True
        self.result_message = ""
        yield
        try:
            result = await purchase.purchase(
                customer_id=customer_id,
                licence_id=self._licence_id,
                expected_version=self._version,
                target=configure._configuration(),
                idempotency_key=key,
            )
        except UseCaseError as exc:
            self.busy = False
            self._operation_key = ""
            self.result_message = message_for(exc)
            return
        yield await self._on_charge_result(customer_id, result)

    def _may_settle(self) -> bool:
        return self.step == CONFIRM

    async def _settle(self, customer_id: int):
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
            self._forget_operation()
            return await self._on_charge_error(customer_id, exc)
        waiting = outcome_of(result) == Outcome.AUTHENTICATE
        if waiting and not reopen:
            # Still waiting for the bank: is its window still open in this page?
            return rx.call_script(PAYING, callback=ConfirmStep.payment_window_checked)
        if waiting:
            self.busy = True
        return await self._on_charge_result(customer_id, result)

    @rx.event
    def payment_window_checked(self, open_in_page: bool):
        """After a load with 3-D Secure pending: a reconnect keeps the bank's window (its
        callback settles the payment); a reload lost it, so the customer can reopen it."""
        if self.step != CONFIRM or not self._pending_operation_id or open_in_page is True:
            return
        self.busy = False
        self.result_message = RESUME_AUTHENTICATION

    async def _on_charge_error(self, customer_id: int, error: UseCaseError):
        self.busy = False
        self.result_message = message_for(error)

    async def _on_charge_result(self, customer_id: int, result: charging.ChargeResult):
        outcome = outcome_of(result)
        if outcome == Outcome.AUTHENTICATE:
            self.result_message = text("authentication_requested")
            return self._authenticate(result)
        self.busy = False
        if outcome == Outcome.DONE:
            self._pending_operation_id = 0
            self._done_operation_id = result.operation_id
            if self._show_receipt(customer_id):
                self.step = DONE
                self.result_message = ""
            return None
        said = result_text(result) if result.failure_code else ""
        if outcome == Outcome.NOT_ASKED:  # Stripe could not be asked
            self._pending_operation_id = result.operation_id
            self.result_message = said or PROCESSING
            return None
        if outcome == Outcome.IN_PROGRESS:
            # No answer from Stripe, or still in progress: the key is kept, so the next click
            # re-sends this same operation (Stripe deduplicates it) instead of a second charge.
            unknown = result.status == OperationStatus.UNKNOWN
            self.result_message = said if unknown and said else PROCESSING
            return None
        self._forget_operation()  # a new attempt (e.g. with another card) is a new operation
        if outcome == Outcome.PAID_ELSEWHERE:  # paid after another attempt
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


def step_confirm(
    summary: rx.Component, change_card: rx.EventHandler, preview: QuoteView
) -> rx.Component:
    """The confirm screen beside `summary` (the configure step's quote, `preview`);
    `change_card` goes back to the payment step. The button says what is paid."""
    grid = rx.grid(
        rx.vstack(
            rx.text("Controlla il riepilogo e conferma l'acquisto.", size="2"),
            rx.text("Carta: ", rx.text.strong(ConfirmStep.saved_card), id="confirm-card"),
            rx.button(  # a button, not a link: a link to "#" would reload the page state
                "Usa un'altra carta",
                on_click=change_card,
                variant="ghost",
                size="2",
                id="confirm-change-card",
            ),
            rx.cond(
                ConfirmStep.result_message != "",
                error_callout(ConfirmStep.result_message, "purchase-error"),
            ),
            spacing="3",
        ),
        summary,
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="5",
        width="100%",
    )
    return rx.vstack(
        grid,
        action_bar(
            preview,
            rx.button(
                f"Paga {preview.gross} e attiva",
                on_click=ConfirmStep.confirm_purchase,
                loading=ConfirmStep.busy,
                disabled=ConfirmStep.busy,
                size="3",
                id="confirm-purchase",
            ),
            prefix="purchase",
        ),
        spacing="4",
        width="100%",
    )


def done() -> rx.Component:
    receipt = ConfirmStep.receipt
    return rx.card(
        rx.vstack(
            rx.heading("Licenza attivata", size="5", as_="h2", id="purchase-done"),
            rx.text("Grazie! CRM in Cloud è attivo con la configurazione scelta."),
            rx.text(receipt.configuration, weight="medium", id="purchase-configuration"),
            rx.separator(),
            rx.text(
                "Fattura n. ",
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
