"""'Rimborsa' on 'Fatture elettroniche': the product team refunds an invoice's payment, in full
or in part, and the store issues its credit note (billing/refunds.py; docs/fatturapa.md,
"Refunds and credit notes").

Every handler checks the product-team role again and the type and size of what the browser
sent. The request key is made here when the panel opens, so a double click on "Rimborsa" is one
refund; amounts are typed in euros and parsed by the domain into integer cents.
"""

from __future__ import annotations

import uuid

import reflex as rx

from ts_store.billing import refunds
from ts_store.billing.errors import InputError, UseCaseError
from ts_store.domain.money import EuroAmountError, parse_euros
from ts_store.ui.components.layout import error_callout
from ts_store.ui.formatting import format_cents
from ts_store.ui.messages import message_for, text
from ts_store.ui.product_team import product_team_member_id

MAX_AMOUNT_TEXT = 30


def _valid_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


class RefundState(rx.State):
    open: bool = False
    document_id: int = 0
    number: str = ""
    customer: str = ""
    refundable: str = ""
    amount_text: str = ""
    reason: str = ""
    amount_error: str = ""
    reason_error: str = ""
    error: str = ""
    notice: str = ""
    busy: bool = False
    _request_key: str = ""

    def _clear_errors(self) -> None:
        self.amount_error = self.reason_error = self.error = ""

    @rx.event
    async def start(self, document_id: int):
        """Open the panel for one invoice: what is left to refund, a fresh request key."""
        actor_id = await product_team_member_id(self)
        self._clear_errors()
        self.notice = ""
        if actor_id is None or not _valid_id(document_id):
            self.open = False
            return None
        try:
            quote = refunds.refund_quote(actor_id, document_id)
        except UseCaseError as exc:
            self.open, self.error = False, message_for(exc)
            return None
        self.open = True
        self.document_id, self.number, self.customer = (
            quote.document_id,
            quote.number,
            quote.customer,
        )
        self.refundable = format_cents(quote.refundable_cents)
        self.amount_text = format_cents(quote.refundable_cents).replace("\u00a0€", "")
        self.reason = ""
        self._request_key = uuid.uuid4().hex
        if quote.refundable_cents <= 0:
            self.error = text("refund.amount_too_large", refundable_cents=0)
        return rx.set_focus("refund-heading")

    @rx.event
    def set_amount(self, value: str):
        if not isinstance(value, str) or len(value) > MAX_AMOUNT_TEXT:
            self.amount_error = text("euro.not_a_number", label="Importo da rimborsare")
            return
        self.amount_text, self.amount_error = value, ""

    @rx.event
    def set_reason(self, value: str):
        if not isinstance(value, str) or len(value) > refunds.MAX_REASON_LENGTH:
            self.reason_error = text("refund.reason_too_long", max=refunds.MAX_REASON_LENGTH)
            return
        self.reason, self.reason_error = value, ""

    @rx.event
    def cancel(self):
        self.open = False
        self._clear_errors()

    @rx.event
    async def confirm(self):
        actor_id = await product_team_member_id(self)
        if actor_id is None or not self.open or self.busy:
            self.open = actor_id is not None and self.open
            return
        self._clear_errors()
        try:
            amount_cents = parse_euros(self.amount_text)
        except EuroAmountError as exc:
            self.amount_error = text(f"euro.{exc.code}", label="Importo da rimborsare")
            yield rx.set_focus("refund-amount")
            return
        self.busy = True
        yield
        try:
            done = await refunds.refund_invoice(
                actor_id, self.document_id, amount_cents, self.reason, self._request_key
            )
        except InputError as exc:
            target = {"amount": "amount_error", "reason": "reason_error"}.get(exc.field, "error")
            setattr(self, target, message_for(exc))
            if target == "amount_error":
                yield rx.set_focus("refund-amount")
            return
        except UseCaseError as exc:
            self.error = message_for(exc)
            return
        finally:
            self.busy = False
        self.open = False
        note = f": nota di credito n. {done.credit_note_number}" if done.credit_note_number else ""
        self.notice = (
            f"Rimborso di {format_cents(done.amount_cents)} sulla fattura n. {self.number} "
            f"eseguito{note}, inviata a SDI con il prossimo invio."
        )
        from ts_store.ui.pages.einvoices import EinvoicesState

        yield EinvoicesState.load


def _field(label: str, control: rx.Component, field_id: str, error) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=field_id, class_name="field-label"),
        control,
        rx.cond(
            error != "",
            rx.text(error, id=f"{field_id}-error", color_scheme="red", size="2", role="alert"),
        ),
        spacing="1",
        width="100%",
    )


def refund_panel() -> rx.Component:
    """The form for one invoice, shown above the table while open; the outcome after."""
    return rx.fragment(
        rx.cond(
            RefundState.notice != "",
            rx.callout(RefundState.notice, icon="circle_check", role="status", id="refund-notice"),
        ),
        rx.cond(
            RefundState.open,
            rx.card(
                rx.vstack(
                    rx.heading(
                        "Rimborsa la fattura n. " + RefundState.number,
                        as_="h2",
                        size="4",
                        id="refund-heading",
                        tab_index=-1,
                    ),
                    rx.text(
                        RefundState.customer + " · rimborsabile: " + RefundState.refundable,
                        size="2",
                    ),
                    rx.text(
                        "Il rimborso torna sulla carta del pagamento; il negozio emette la nota di "
                        "credito (TD04) che rettifica la fattura e la invia a SDI.",
                        size="2",
                    ),
                    _field(
                        "Importo da rimborsare (€)",
                        rx.input(
                            value=RefundState.amount_text,
                            on_change=RefundState.set_amount,
                            id="refund-amount",
                            input_mode="decimal",
                            autocomplete="off",
                            max_length=MAX_AMOUNT_TEXT,
                            aria_invalid=rx.cond(RefundState.amount_error != "", "true", "false"),
                            aria_describedby="refund-amount-error",
                        ),
                        "refund-amount",
                        RefundState.amount_error,
                    ),
                    _field(
                        "Motivo (facoltativo, resta nel registro)",
                        rx.text_area(
                            value=RefundState.reason,
                            on_change=RefundState.set_reason,
                            id="refund-reason",
                            max_length=refunds.MAX_REASON_LENGTH,
                            aria_invalid=rx.cond(RefundState.reason_error != "", "true", "false"),
                            aria_describedby="refund-reason-error",
                        ),
                        "refund-reason",
                        RefundState.reason_error,
                    ),
                    rx.cond(
                        RefundState.error != "",
                        error_callout(RefundState.error, "refund-error"),
                    ),
                    rx.hstack(
                        rx.button(
                            "Rimborsa ed emetti la nota di credito",
                            on_click=RefundState.confirm,
                            loading=RefundState.busy,
                            color_scheme="red",
                            id="refund-confirm",
                        ),
                        rx.button(
                            "Annulla",
                            on_click=RefundState.cancel,
                            variant="soft",
                            id="refund-cancel",
                        ),
                        wrap="wrap",
                    ),
                    spacing="3",
                    width="100%",
                ),
                id="refund-panel",
                width="100%",
            ),
        ),
    )
