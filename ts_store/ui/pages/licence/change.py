"""The change editor of the licence page, behind two tabs: "Aggiorna servizi" (users) and
"Cambia piano" (plan and billing cycle). One target, one preview, one "Conferma modifica".

The charge of the prorated rateo goes through the shared charge flow
(ts_store/ui/charge_flow.py), 3-D Secure included.
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from ts_store.billing import changes, charging
from ts_store.billing.changes import LicenceSnapshot
from ts_store.billing.errors import ConflictError, InputError, NotAllowed, UseCaseError
from ts_store.domain.operations import OperationStatus
from ts_store.domain.periods import Cycle
from ts_store.ui import routes
from ts_store.ui.charge_flow import ChargeFlow, Outcome, outcome_of
from ts_store.ui.components.focus import focus_element
from ts_store.ui.components.quote_summary import (
    QuoteView,
    action_bar,
    quote_summary,
    quote_view,
)
from ts_store.ui.components.seat_stepper import next_seat_count
from ts_store.ui.formatting import format_cents, format_users
from ts_store.ui.messages import message_for, result_text, text
from ts_store.ui.pages.licence.state import LicenceState
from ts_store.ui.session import customer_id_of


@dataclasses.dataclass
class PlanChoice:
    code: str = ""
    name: str = ""
    monthly: str = ""
    annual: str = ""
    limits: str = ""
    selectable: bool = True
    reason: str = ""
    is_current: bool = False
    choose_label: str = "Scegli"  # "Passa a Business con 3 utenti" when it needs more users


class ChangeState(ChargeFlow, LicenceState):
    """The edited target (users, plan, cycle), its quote, and the change operation."""

    seats_input: str = ""
    target_plan: str = ""
    target_cycle: str = "monthly"
    seat_limits: str = ""
    plan_choices: list[PlanChoice] = []
    preview: QuoteView = QuoteView()
    preview_error: str = ""
    can_confirm: bool = False
    confirm_label: str = "Conferma modifica"
    confirm_hint: str = ""  # why "Conferma" is disabled, when the preview does not say it
    busy: bool = False

    def _start(self, snapshot: LicenceSnapshot) -> None:
        """The target starts from what the licence renews with."""
        self.seats_input = str(snapshot.renewal.seats)
        self.target_plan = snapshot.renewal.plan
        self.target_cycle = str(snapshot.renewal.cycle)
        self._operation_key = ""
        self._show_plan_choices()
        self._recalculate()

    def _recalculate(self) -> None:
        """One place that turns the edited target into the preview (domain quote only)."""
        snapshot = self._raw_snapshot()
        if snapshot is None or self._today is None:
            return
        catalog = self._priced(self.target_plan, self.target_cycle)
        self._operation_key = ""
        text = self.seats_input.strip()
        if not (text.isascii() and text.isdigit()):
            self.preview_error = "Numero utenti: inserisci un numero intero."
            self.can_confirm = False
            return
        plan = catalog.plan(self.target_plan) if catalog.has_plan(self.target_plan) else None
        if plan is not None and int(text) < plan.min_seats:  # e.g. 0: say why, no grey button
            self.preview_error = (
                f"Numero utenti: il piano {plan.name} richiede almeno "
                f"{format_users(plan.min_seats)}."
            )
            self.can_confirm = False
            return
        target = changes.target_of(
            snapshot, plan=self.target_plan, cycle=Cycle(self.target_cycle), seats=int(text)
        )
        try:
            result = changes.preview(snapshot, target, self._today, catalog)
        except InputError as exc:
            self.preview_error = message_for(exc)
            self.can_confirm = False
            return
        self.preview_error = ""
        self.preview = quote_view(result, catalog)
        unchanged = (
            result.effective_now == snapshot.current
            and result.at_renewal.configuration == snapshot.renewal
        )
        self.can_confirm = not unchanged and not self.refusal
        self.confirm_hint = (
            "Nessuna modifica da confermare: cambia gli utenti, il piano o la fatturazione."
            if unchanged
            else ""
        )
        self.confirm_label = _confirm_label(snapshot, result, self.preview, catalog)

    def _show_plan_choices(self) -> None:
        """What depends on the plan only: recomputed when the plan changes, not on every click."""
        snapshot = self._raw_snapshot()
        catalog = self._priced(self.target_plan, self.target_cycle)
        plan = catalog.plan(self.target_plan)
        self.seat_limits = (
            f"Il piano {plan.name} consente da {plan.min_seats} a {plan.max_seats} utenti."
        )
        self.plan_choices = [
            PlanChoice(
                code=p.code,
                name=p.name,
                monthly=f"{format_cents(p.monthly_cents)} per utente al mese",
                annual=f"{format_cents(p.annual_cents)} per utente all'anno",
                limits=f"Da {p.min_seats} a {p.max_seats} utenti",
                selectable=p.max_seats >= snapshot.current.seats,
                choose_label=(
                    f"Passa a {p.name} con {format_users(p.min_seats)}"
                    if p.min_seats > snapshot.current.seats
                    else "Scegli"
                ),
                reason=(
                    ""
                    if p.max_seats >= snapshot.current.seats
                    else f"Il piano {p.name} arriva a {p.max_seats} utenti: oggi ne hai "
                    f"{snapshot.current.seats}. Riduci prima gli utenti."
                ),
                is_current=p.code == snapshot.current.plan,
            )
            for p in self._offered_plans()
        ]

    def _offered_plans(self) -> list:
        """The plans on offer (the version in force), each at the price a change to it pays."""
        offered = []
        for plan in self._priced("", "").plans:
            priced = self._priced(plan.code, self.target_cycle)
            offered.append(priced.plan(plan.code) if priced.has_plan(plan.code) else plan)
        return offered

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
        self.seats_input = next_seat_count(self.seats_input, delta)
        self._recalculate()

    @rx.event
    def choose_plan(self, code: str):
        """A plan that needs more users than typed comes with its minimum ("Passa a Business
        con 3 utenti"): the tab has no users field, so it must not be a dead end."""
        catalog = self._priced(str(code), self.target_cycle)
        if catalog.has_plan(str(code)):
            self.target_plan = str(code)
            minimum = catalog.plan(self.target_plan).min_seats
            typed = self.seats_input.strip()
            if not typed.isdigit() or int(typed) < minimum:
                self.seats_input = str(minimum)
            self._show_plan_choices()
            self._recalculate()

    @rx.event
    def choose_cycle(self, cycle: str | list[str]):
        if isinstance(cycle, str) and cycle in (Cycle.MONTHLY, Cycle.ANNUAL):
            self.target_cycle = cycle
            self._recalculate()

    @rx.event
    async def confirm_change(self):
        customer_id = await customer_id_of(self)
        snapshot = self._snapshot
        if customer_id is None or snapshot is None:
            yield rx.redirect(routes.login_url(routes.MYAREA))
            return
        if not self.can_confirm:
            return
        key = self._key_for(f"change:{snapshot.licence_id}:{snapshot.version}")
        target = changes.target_of(
            snapshot,
            plan=self.target_plan,
            cycle=Cycle(self.target_cycle),
            seats=int(self.seats_input),
        )
        self.busy = True
        yield
        try:
            result = await changes.apply_change(
                customer_id=customer_id,
                licence_id=snapshot.licence_id,
                expected_version=snapshot.version,
                target=target,
                idempotency_key=key,
            )
        except ConflictError as exc:
            await self._failed(customer_id, message_for(exc), reload=True)
            yield focus_element("#licence-result")
            return
        except (InputError, NotAllowed) as exc:
            await self._failed(customer_id, message_for(exc), reload=False)
            yield focus_element("#licence-result")
            return
        next_step = await self._on_charge_result(customer_id, result)
        # The bank's check in the page, or the outcome, focused so that it is read at once.
        yield next_step if next_step is not None else focus_element("#licence-result")

    async def _on_charge_result(self, customer_id: int, result: charging.ChargeResult):
        if outcome_of(result) == Outcome.AUTHENTICATE:
            self.result_message = text("authentication_requested")
            self.result_ok = False
            return self._authenticate(result)
        self._pending_operation_id = 0
        self.busy = False
        if outcome_of(result) == Outcome.DONE:
            # A reduction or a change at renewal: say what and from when, and that it can be
            # undone (the quote's own words).
            scheduled = f"Modifica salvata. {self.preview.scheduled_note}".strip()
            await self._after_success(
                customer_id,
                f"Modifica applicata. Fattura n. {result.document_number} emessa."
                if result.document_number
                else scheduled,
            )
            return None
        key = self._operation_key
        await self._failed(customer_id, result_text(result), reload=False)
        if result.status == OperationStatus.UNKNOWN:  # a retry must re-send this operation
            self._operation_key = key
        return None

    async def _failed(self, customer_id: int, message: str, reload: bool) -> None:
        """The attempt ended without a change: the next confirm is a new operation."""
        self.busy = False
        await self._after_failure(customer_id, message, reload)
        self._operation_key = ""

    async def _on_charge_error(self, customer_id: int, error: UseCaseError):
        await self._failed(customer_id, message_for(error), reload=False)


def _confirm_label(snapshot: LicenceSnapshot, result, view: QuoteView, catalog) -> str:
    """The confirm button says what happens: 'Paga 36,60 € e aggiungi 3 utenti'."""
    if not view.charges_today:
        return "Conferma modifica" if not result.scheduled else "Programma la modifica"
    added = result.effective_now.seats - snapshot.current.seats
    if result.effective_now.plan == snapshot.current.plan and added > 0:
        return f"Paga {view.gross} e aggiungi {format_users(added)}"
    plan = catalog.plan(result.effective_now.plan).name
    return f"Paga {view.gross} e passa a {plan}"


def preview_and_confirm() -> rx.Component:
    """The quote of the edited target and its confirm button (both change tabs); on a phone the
    button, today's total and the renewal stay at the bottom of the screen."""
    return rx.vstack(
        rx.cond(
            ChangeState.preview_error != "",
            rx.callout(
                ChangeState.preview_error,
                icon="info",
                color_scheme="orange",
                id="preview-error",
                role="alert",
            ),
            quote_summary(ChangeState.preview, prefix="quote"),
        ),
        rx.cond(
            ChangeState.confirm_hint != "",
            rx.text(ChangeState.confirm_hint, size="2", color_scheme="gray", id="confirm-hint"),
        ),
        action_bar(
            ChangeState.preview,
            rx.button(
                ChangeState.confirm_label,
                on_click=ChangeState.confirm_change,
                disabled=~ChangeState.can_confirm | ChangeState.busy,
                loading=ChangeState.busy,
                size="3",
                id="confirm-change",
                aria_describedby="confirm-hint",
            ),
            prefix="quote",
        ),
        spacing="3",
        width="100%",
    )
