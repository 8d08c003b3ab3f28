"""The charge flow shared by the purchase wizard and the licence page.

One charged operation, seen from a page: its idempotency key (made at the first click, kept while
a retry must re-send the same operation), the 3-D Secure dialog Stripe.js opens in the page, and
what the backend (never the page) then learns from Stripe. Each page keeps its own words and what
it shows after success; the kind of each outcome is decided here once.

`ChargeFlow` is a Reflex state mixin: the page's confirming substate inherits it, so the shared
handler `payment_authenticated` is an event of that substate.
"""

from __future__ import annotations

import enum
import uuid

import reflex as rx

from ts_store.billing import charging
from ts_store.billing.errors import UseCaseError
from ts_store.domain.operations import OperationStatus
from ts_store.ui.components.stripe_card import confirm_payment
from ts_store.ui.session import customer_id_of

IN_PROGRESS = frozenset(
    {OperationStatus.UNKNOWN, OperationStatus.PENDING, OperationStatus.CHARGING}
)
# Page-side check: is the bank's window still open in this page (a reconnect) or not (a reload)?
PAYING = "window.__tsPaying === true"


def while_paying(script: str) -> str:
    """Flag the page while the bank's window is open, so a reload can be told from a
    reconnect."""
    return f"(window.__tsPaying = true, ({script}).finally(() => {{ window.__tsPaying = false; }}))"


class Outcome(enum.StrEnum):
    """What a page does with a charge result."""

    AUTHENTICATE = "authenticate"  # 3-D Secure: open the bank's window in the page
    DONE = "done"  # paid and applied
    NOT_ASKED = "not_asked"  # waiting for 3-D Secure, but Stripe could not be asked now
    IN_PROGRESS = "in_progress"  # no answer yet: a retry re-sends this same operation
    PAID_ELSEWHERE = "paid_elsewhere"  # an earlier attempt was paid: nothing more to charge
    FAILED = "failed"  # nothing charged: a new attempt is a new operation


def outcome_of(result: charging.ChargeResult) -> Outcome:
    if result.status == OperationStatus.REQUIRES_ACTION:
        return Outcome.AUTHENTICATE if result.client_secret else Outcome.NOT_ASKED
    if result.done:
        return Outcome.DONE
    if result.status in IN_PROGRESS:
        return Outcome.IN_PROGRESS
    if result.status == OperationStatus.PAID_NOT_APPLIED:
        return Outcome.PAID_ELSEWHERE
    return Outcome.FAILED


class ChargeFlow(rx.State, mixin=True):
    """Key, 3-D Secure and outcome of the page's charged operation.

    The page provides `_may_settle` (is the page still at the step that charges?),
    `_on_charge_result` (its words and what it shows) and `_on_charge_error`.
    """

    _operation_key: str = ""
    _pending_operation_id: int = 0

    def _key_for(self, prefix: str) -> str:
        """The operation's key: new at the first click, then kept until the attempt ends, so a
        double click, a retried event or a reload re-send the same operation."""
        if not self._operation_key:
            self._operation_key = f"{prefix}:{uuid.uuid4()}"
        return self._operation_key

    def _forget_operation(self) -> None:
        self._pending_operation_id = 0
        self._operation_key = ""

    def _authenticate(self, result: charging.ChargeResult):
        """Open the bank's window in the page; its callback asks the backend how it ended."""
        self._pending_operation_id = result.operation_id
        return rx.call_script(
            while_paying(confirm_payment(result.client_secret or "", result.payment_method_id)),
            callback=type(self).payment_authenticated,
        )

    @rx.event
    async def payment_authenticated(self, _browser_result: dict):
        """The page ran 3-D Secure; whatever it says, Stripe is asked how the payment ended."""
        customer_id = await customer_id_of(self)
        if customer_id is None or not self._pending_operation_id or not self._may_settle():
            return None
        return await self._settle(customer_id)

    async def _settle(self, customer_id: int):
        """The page's window has closed: a payment still waiting counts as not authenticated."""
        try:
            result = await charging.complete_after_authentication(
                customer_id, self._pending_operation_id
            )
        except UseCaseError as exc:
            self._forget_operation()
            return await self._on_charge_error(customer_id, exc)
        return await self._on_charge_result(customer_id, result)

    # --- provided by the page ------------------------------------------------------------

    def _may_settle(self) -> bool:
        return True

    async def _on_charge_result(self, customer_id: int, result: charging.ChargeResult):
        """Show `result`; return the event or script to run next, if any."""
        raise NotImplementedError

    async def _on_charge_error(self, customer_id: int, error: UseCaseError):
        """Stripe could not be asked about the operation (it is forgotten already)."""
        raise NotImplementedError
