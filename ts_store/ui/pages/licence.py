"""The licence page: "Aggiorna servizi", "Cambia piano", "Disdici abbonamento", "Riattiva".

The licence is read once (owner-checked) on load into a backend-only snapshot; every click on
"+", a plan or a cycle recomputes the domain quote from it, with no database or Stripe call.
Confirming re-checks owner, status and version in the use case.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date

import reflex as rx

from ts_store.billing import changes, charging, clock
from ts_store.billing.catalog import current_catalog
from ts_store.billing.changes import LicenceSnapshot
from ts_store.billing.errors import ConflictError, InputError, NotAllowed, UseCaseError
from ts_store.domain.lifecycle import (
    PAID_STATUSES,
    LicenceStatus,
    retention_until,
    status_label,
)
from ts_store.domain.operations import OperationStatus
from ts_store.domain.periods import CYCLE_LABELS, Cycle
from ts_store.ui import routes
from ts_store.ui.components.layout import loaded_or_error, page_shell
from ts_store.ui.components.quote_summary import QuoteView, quote_summary, quote_view
from ts_store.ui.components.seat_stepper import next_seat_count, seat_stepper
from ts_store.ui.components.stripe_card import confirm_payment
from ts_store.ui.formatting import format_cents, format_date, format_users
from ts_store.ui.messages import message_for, result_text, text
from ts_store.ui.session import customer_id_of

SECTIONS = ("utenti", "piano", "disdetta")


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


class LicenceState(rx.State):
    _snapshot: LicenceSnapshot | None = None
    _today: date | None = None
    _operation_key: str = ""
    _pending_operation_id: int = 0

    loaded: bool = False
    load_error: str = ""
    licence_id: int = 0
    section: str = "utenti"
    status_label: str = ""
    current_text: str = ""
    period_text: str = ""
    refusal: str = ""
    scheduled_text: str = ""
    cancel_pending: bool = False
    can_cancel: bool = False
    can_reactivate: bool = False
    cancel_end_text: str = ""
    retention_text: str = ""

    seats_input: str = ""
    target_plan: str = ""
    target_cycle: str = "monthly"
    seat_limits: str = ""
    plan_choices: list[PlanChoice] = []
    preview: QuoteView = QuoteView()
    preview_error: str = ""
    can_confirm: bool = False
    busy: bool = False
    result_message: str = ""
    result_ok: bool = False

    # --- loading -------------------------------------------------------------------------

    @rx.event
    async def load(self):
        customer_id = await customer_id_of(self)
        if customer_id is None:
            return rx.redirect(routes.login_url(self.router.url.path))
        raw_id = routes.route_arg(self.router.url.path, routes.LICENCE, "licence_id")
        requested = self.router.url.query_parameters.get("sezione", "utenti")
        self.section = requested if requested in SECTIONS else "utenti"
        self.result_message = ""
        if not raw_id.isdigit():
            self.load_error = "Licenza non trovata."
            return None
        try:
            self._reload(customer_id, int(raw_id))
        except UseCaseError as exc:
            self.load_error = message_for(exc)
            self.loaded = False
        return None

    def _reload(self, customer_id: int, licence_id: int) -> None:
        snapshot = changes.load_snapshot(customer_id, licence_id)
        self._today = clock.today()
        self._snapshot = snapshot
        self.licence_id = snapshot.licence_id
        self.load_error = ""
        self._show_snapshot(snapshot)
        self.seats_input = str(snapshot.renewal.seats)
        self.target_plan = snapshot.renewal.plan
        self.target_cycle = str(snapshot.renewal.cycle)
        self._operation_key = ""
        self._show_plan_choices()
        self._recalculate()
        self.loaded = True

    def _show_snapshot(self, snapshot: LicenceSnapshot) -> None:
        catalog = current_catalog()
        current = snapshot.current
        self.current_text = (
            f"Piano {catalog.plan(current.plan).name} · {format_users(current.seats)} · "
            f"fatturazione {CYCLE_LABELS[current.cycle].lower()}"
        )
        self.period_text = (
            f"Periodo in corso: dal {format_date(snapshot.period_start)} "
            f"al {format_date(snapshot.period_end)}"
        )
        paid = snapshot.status in PAID_STATUSES
        self.cancel_pending = snapshot.cancel_at_period_end and paid
        self.status_label = status_label(snapshot.status, snapshot.cancel_at_period_end)
        refusal = changes.refusal(snapshot)
        self.refusal = text(refusal) if refusal else ""
        self.can_cancel = snapshot.status == LicenceStatus.ACTIVE and not self.cancel_pending
        self.can_reactivate = self._today is not None and changes.can_reactivate(
            snapshot, self._today
        )
        self.cancel_end_text = format_date(snapshot.period_end)
        self.retention_text = (
            f"{format_date(retention_until(snapshot.period_end, catalog.retention_days))} "
            f"({catalog.retention_days} giorni)"
        )
        renewal = snapshot.renewal
        self.scheduled_text = (
            f"Modifica programmata dal {format_date(snapshot.period_end)}: piano "
            f"{catalog.plan(renewal.plan).name}, {format_users(renewal.seats)}, "
            f"fatturazione {CYCLE_LABELS[renewal.cycle].lower()}"
            if snapshot.has_scheduled_change
            else ""
        )

    # --- live preview --------------------------------------------------------------------

    def _raw_snapshot(self) -> LicenceSnapshot | None:
        """The snapshot itself, not Reflex's change-tracking proxy around it: previews only
        read it, and every attribute read through the proxy costs a wrapper."""
        return self.get_value("_snapshot")

    def _recalculate(self) -> None:
        """One place that turns the edited target into the preview (domain quote only)."""
        snapshot = self._raw_snapshot()
        if snapshot is None or self._today is None:
            return
        catalog = current_catalog()
        self._operation_key = ""
        text = self.seats_input.strip()
        if not text.isdigit():
            self.preview_error = "Numero utenti: inserisci un numero intero."
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

    def _show_plan_choices(self) -> None:
        """What depends on the plan only: recomputed when the plan changes, not on every click."""
        snapshot = self._raw_snapshot()
        catalog = current_catalog()
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
                reason=(
                    ""
                    if p.max_seats >= snapshot.current.seats
                    else f"Il piano {p.name} arriva a {p.max_seats} utenti: oggi ne hai "
                    f"{snapshot.current.seats}. Riduci prima gli utenti."
                ),
                is_current=p.code == snapshot.current.plan,
            )
            for p in catalog.plans
        ]

    @rx.event
    def set_section(self, value: str):
        if value in SECTIONS:
            self.section = value

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
        if current_catalog().has_plan(str(code)):
            self.target_plan = str(code)
            self._show_plan_choices()
            self._recalculate()

    @rx.event
    def choose_cycle(self, cycle: str | list[str]):
        if isinstance(cycle, str) and cycle in (Cycle.MONTHLY, Cycle.ANNUAL):
            self.target_cycle = cycle
            self._recalculate()

    # --- confirming ----------------------------------------------------------------------

    @rx.event
    async def confirm_change(self):
        customer_id = await customer_id_of(self)
        snapshot = self._snapshot
        if customer_id is None or snapshot is None:
            yield rx.redirect(routes.login_url(routes.MYAREA))
            return
        if not self.can_confirm:
            return
        if not self._operation_key:
            self._operation_key = f"change:{snapshot.licence_id}:{snapshot.version}:{uuid.uuid4()}"
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
                idempotency_key=self._operation_key,
            )
        except ConflictError as exc:
            self._after_failure(customer_id, message_for(exc), reload=True)
            return
        except (InputError, NotAllowed) as exc:
            self._after_failure(customer_id, message_for(exc), reload=False)
            return
        yield self._handle_result(customer_id, result)

    @rx.event
    async def on_payment_authenticated(self, _browser_result: dict):
        """After 3-D Secure in the page: the backend asks Stripe how the payment ended."""
        customer_id = await customer_id_of(self)
        if customer_id is None or not self._pending_operation_id:
            return None
        result = await charging.complete_after_authentication(
            customer_id, self._pending_operation_id
        )
        self._pending_operation_id = 0
        return self._handle_result(customer_id, result)

    def _handle_result(self, customer_id: int, result: charging.ChargeResult):
        if result.status == OperationStatus.REQUIRES_ACTION and result.client_secret:
            self._pending_operation_id = result.operation_id
            self.result_message = text("authentication_requested")
            self.result_ok = False
            return rx.call_script(
                confirm_payment(result.client_secret, result.payment_method_id),
                callback=LicenceState.on_payment_authenticated,
            )
        self.busy = False
        if result.done:
            self._reload(customer_id, self.licence_id)
            self.result_ok = True
            self.result_message = (
                f"Modifica applicata. Documento n. {result.document_number} emesso."
                if result.document_number
                else "Modifica salvata."
            )
            return None
        key = self._operation_key
        self._after_failure(customer_id, result_text(result), reload=False)
        if result.status == OperationStatus.UNKNOWN:  # a retry must re-send this operation
            self._operation_key = key
        return None

    def _after_failure(self, customer_id: int, message: str, reload: bool) -> None:
        self.busy = False
        if reload:
            self._reload(customer_id, self.licence_id)
        self._operation_key = ""
        self.result_ok = False
        self.result_message = message

    @rx.event
    async def undo_scheduled(self):
        await self._simple_action(changes.undo_scheduled_change, "Modifica programmata annullata.")

    @rx.event
    async def reactivate(self):
        await self._simple_action(changes.reactivate, "Abbonamento riattivato.")

    @rx.event
    async def cancel_subscription(self, form_data: dict):
        reason = str(form_data.get("reason", "") or "")
        note = str(form_data.get("note", "") or "")
        await self._simple_action(
            lambda **kw: changes.cancel_at_period_end(reason=reason, note=note, **kw),
            "Disdetta registrata: la licenza resta attiva fino alla fine del periodo pagato.",
        )

    async def _simple_action(self, action, done_message: str) -> None:
        customer_id = await customer_id_of(self)
        snapshot = self._snapshot
        if customer_id is None or snapshot is None:
            return
        try:
            action(
                customer_id=customer_id,
                licence_id=snapshot.licence_id,
                expected_version=snapshot.version,
            )
        except ConflictError as exc:
            self._after_failure(customer_id, message_for(exc), reload=True)
            return
        except UseCaseError as exc:
            self._after_failure(customer_id, message_for(exc), reload=False)
            return
        self._reload(customer_id, snapshot.licence_id)
        self.result_ok = True
        self.result_message = done_message


# --- view ----------------------------------------------------------------------------------


def _result_callout() -> rx.Component:
    return rx.cond(
        LicenceState.result_message != "",
        rx.callout(
            LicenceState.result_message,
            icon=rx.cond(LicenceState.result_ok, "circle_check", "triangle_alert"),
            color_scheme=rx.cond(LicenceState.result_ok, "green", "red"),
            id="licence-result",
            role="status",
        ),
    )


def _seats_section() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Aumenta o diminuisci gli utenti. Paghi oggi solo il rateo degli utenti aggiunti "
            "per il resto del periodo; le riduzioni valgono dal rinnovo (nessun rimborso).",
            size="2",
            color_scheme="gray",
        ),
        seat_stepper(
            LicenceState.seats_input,
            LicenceState.set_seats,
            LicenceState.remove_seat,
            LicenceState.add_seat,
            base_id="seats",
            input_id="seats-input",
        ),
        rx.text(LicenceState.seat_limits, size="1", color_scheme="gray", id="seat-limits"),
        spacing="2",
        width="100%",
    )


def _plan_card(choice: PlanChoice) -> rx.Component:
    selected = LicenceState.target_plan == choice.code
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(choice.name, size="4", as_="h3"),
                rx.cond(choice.is_current, rx.badge("Piano attuale", color_scheme="green")),
                rx.cond(selected & ~choice.is_current, rx.badge("Selezionato")),
                wrap="wrap",
                spacing="2",
            ),
            rx.text(choice.monthly, size="2"),
            rx.text(choice.annual, size="2", color_scheme="gray"),
            rx.text(choice.limits, size="1", color_scheme="gray"),
            rx.cond(
                choice.selectable,
                rx.button(
                    rx.cond(selected, "Scelto", "Scegli"),
                    on_click=LicenceState.choose_plan(choice.code),
                    variant=rx.cond(selected, "solid", "outline"),
                    size="2",
                    id="choose-plan-" + choice.code,
                ),
                rx.text(choice.reason, size="2", color_scheme="orange"),
            ),
            spacing="2",
        ),
        border=rx.cond(selected, "2px solid var(--accent-9)", "1px solid var(--gray-a5)"),
        id="plan-choice-" + choice.code,
    )


def _plan_section() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Il passaggio a un piano superiore vale da oggi (paghi il rateo della differenza); "
            "un piano inferiore o un cambio di fatturazione valgono dal rinnovo.",
            size="2",
            color_scheme="gray",
        ),
        rx.grid(
            rx.foreach(LicenceState.plan_choices, _plan_card),
            columns=rx.breakpoints(initial="1", sm="3"),
            spacing="3",
            width="100%",
        ),
        rx.text("Fatturazione", weight="medium"),
        rx.segmented_control.root(
            rx.segmented_control.item("Mensile", value="monthly"),
            rx.segmented_control.item("Annuale", value="annual"),
            value=LicenceState.target_cycle,
            on_change=LicenceState.choose_cycle,
            id="cycle-choice",
        ),
        spacing="3",
        width="100%",
    )


def _preview_and_confirm() -> rx.Component:
    return rx.vstack(
        rx.cond(
            LicenceState.preview_error != "",
            rx.callout(
                LicenceState.preview_error, icon="info", color_scheme="orange", id="preview-error"
            ),
            quote_summary(LicenceState.preview, prefix="quote"),
        ),
        rx.button(
            "Conferma modifica",
            on_click=LicenceState.confirm_change,
            disabled=~LicenceState.can_confirm | LicenceState.busy,
            loading=LicenceState.busy,
            size="3",
            id="confirm-change",
        ),
        spacing="3",
        width="100%",
    )


def _cancel_section() -> rx.Component:
    return rx.cond(
        LicenceState.cancel_pending,
        rx.vstack(
            rx.callout(
                rx.text("In disdetta — attiva fino al ", LicenceState.cancel_end_text),
                icon="calendar_x",
                color_scheme="orange",
                id="cancel-pending",
            ),
            rx.cond(
                LicenceState.can_reactivate,
                rx.button("Riattiva", on_click=LicenceState.reactivate, id="reactivate", size="3"),
            ),
            spacing="3",
        ),
        rx.cond(
            LicenceState.can_cancel,
            _cancel_form(),
            rx.callout(LicenceState.refusal, icon="lock", color_scheme="orange"),
        ),
    )


def _cancel_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(
                "La licenza resta attiva fino al ",
                rx.text.strong(LicenceState.cancel_end_text),
                ", poi termina: nessun addebito e nessun rimborso. I tuoi dati restano "
                "disponibili fino al ",
                rx.text.strong(LicenceState.retention_text),
                ", poi vengono cancellati. Puoi riattivare l'abbonamento "
                "fino alla fine del periodo.",
                size="2",
            ),
            rx.text("Motivo (facoltativo)", weight="medium"),
            rx.select(
                list(changes.CANCEL_REASONS),
                name="reason",
                placeholder="Scegli un motivo",
                id="cancel-reason",
            ),
            rx.text_area(
                name="note",
                placeholder="Vuoi dirci di più? (facoltativo)",
                id="cancel-note",
                width="100%",
            ),
            rx.button("Conferma disdetta", type="submit", color_scheme="red", id="confirm-cancel"),
            spacing="3",
            width="100%",
        ),
        on_submit=LicenceState.cancel_subscription,
        reset_on_submit=False,
    )


def _editor() -> rx.Component:
    return rx.tabs.root(
        rx.tabs.list(
            rx.tabs.trigger("Aggiorna servizi", value="utenti", id="tab-utenti"),
            rx.tabs.trigger("Cambia piano", value="piano", id="tab-piano"),
            rx.tabs.trigger("Disdici abbonamento", value="disdetta", id="tab-disdetta"),
            flex_wrap="wrap",
        ),
        rx.tabs.content(
            rx.cond(
                LicenceState.refusal != "",
                rx.callout(
                    LicenceState.refusal, icon="lock", color_scheme="orange", id="change-refused"
                ),
                rx.grid(
                    _seats_section(),
                    _preview_and_confirm(),
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="5",
                    width="100%",
                ),
            ),
            value="utenti",
            padding_top="1rem",
        ),
        rx.tabs.content(
            rx.cond(
                LicenceState.refusal != "",
                rx.callout(LicenceState.refusal, icon="lock", color_scheme="orange"),
                rx.vstack(_plan_section(), _preview_and_confirm(), spacing="4", width="100%"),
            ),
            value="piano",
            padding_top="1rem",
        ),
        rx.tabs.content(_cancel_section(), value="disdetta", padding_top="1rem"),
        value=LicenceState.section,
        on_change=LicenceState.set_section,
        width="100%",
    )


def licence_page() -> rx.Component:
    return page_shell(
        loaded_or_error(
            LicenceState.load_error,
            LicenceState.loaded,
            rx.vstack(
                rx.card(
                    rx.vstack(
                        rx.hstack(
                            rx.heading("CRM in Cloud", size="4", as_="h2"),
                            rx.badge(LicenceState.status_label, id="licence-status"),
                            spacing="3",
                            align="center",
                        ),
                        rx.text(LicenceState.current_text, id="licence-current"),
                        rx.text(LicenceState.period_text, size="2", color_scheme="gray"),
                        rx.cond(
                            LicenceState.scheduled_text != "",
                            rx.hstack(
                                rx.text(
                                    LicenceState.scheduled_text,
                                    size="2",
                                    id="licence-scheduled",
                                ),
                                rx.cond(
                                    LicenceState.refusal == "",
                                    rx.button(
                                        "Annulla modifica programmata",
                                        variant="soft",
                                        size="1",
                                        on_click=LicenceState.undo_scheduled,
                                        id="undo-scheduled",
                                    ),
                                ),
                                wrap="wrap",
                                align="center",
                            ),
                        ),
                        spacing="2",
                    ),
                    width="100%",
                ),
                _result_callout(),
                _editor(),
                rx.link("← Torna ai miei abbonamenti", href=routes.MYAREA, size="2"),
                spacing="4",
                width="100%",
            ),
            "licence-load-error",
        ),
        title="Gestione licenza",
    )
