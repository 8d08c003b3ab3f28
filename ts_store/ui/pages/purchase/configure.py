"""Wizard step 2, "Configura la licenza": users, plan and billing cycle, with the live quote.

Every change recomputes the domain quote through one private `_recalculate()` (no database, no
Stripe call).
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from ts_store.billing import purchase
from ts_store.billing.errors import InputError
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration
from ts_store.ui import routes
from ts_store.ui.components.fields import field_label
from ts_store.ui.components.quote_summary import QuoteView, action_bar, quote_summary, quote_view
from ts_store.ui.components.seat_stepper import next_seat_count, seat_stepper
from ts_store.ui.formatting import format_cents
from ts_store.ui.messages import message_for
from ts_store.ui.pages.purchase.payment import PaymentStep
from ts_store.ui.pages.purchase.wizard import CONFIGURE, PAYMENT, PurchaseState
from ts_store.ui.theme import NATIVE_SELECT_STYLE


@dataclasses.dataclass
class PlanOption:
    code: str = ""
    label: str = ""


class ConfigureStep(PurchaseState):
    """The configuration being chosen and its quote (also shown by the confirm step)."""

    seats_input: str = "1"
    plan: str = ""
    cycle: str = "monthly"
    plan_options: list[PlanOption] = []
    plan_note: str = ""
    annual_saving: str = ""
    preview: QuoteView = QuoteView()
    preview_error: str = ""

    def _start(self) -> None:
        catalog = self._priced()
        default_plan = "pro" if catalog.has_plan("pro") else catalog.plans[0].code
        self.plan = default_plan
        self.seats_input = str(catalog.plan(default_plan).min_seats)
        self.cycle = Cycle.MONTHLY  # the smaller commitment; annual is one click (issue #17)
        self.plan_options = [
            PlanOption(
                p.code,
                # Short enough for a phone (390 px): "per utente" is in the field's label.
                f"{p.name} — {format_cents(p.monthly_cents)}/mese, "
                f"{format_cents(p.annual_cents)}/anno",
            )
            for p in catalog.plans
        ]

    def _configuration(self) -> Configuration:
        """The chosen configuration; call after `_recalculate()` left no `preview_error`."""
        return Configuration(self.plan, Cycle(self.cycle), int(self.seats_input))

    def _recalculate(self) -> None:
        """One place that turns the chosen configuration into the live summary (pure: no
        database, no Stripe)."""
        if self._today is None:
            return
        catalog = self._priced()
        if not catalog.has_plan(self.plan):
            self.preview_error = "Piano: scegli uno dei piani."
            return
        text = self.seats_input.strip()
        if not (text.isascii() and text.isdigit()):
            self.preview_error = "Numero utenti: inserisci un numero intero."
            return
        try:
            result = purchase.preview(
                Configuration(self.plan, Cycle(self.cycle), int(text)), self._today, catalog
            )
        except InputError as exc:
            self.preview_error = message_for(exc)
            return
        if self.preview_error:  # Reflex re-sends any var assigned, even to the same value
            self.preview_error = ""
        self.preview = quote_view(result, catalog)

    def _show_plan(self) -> None:
        """Texts that depend on the plan only (not recomputed on every users click)."""
        catalog = self._priced()
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
        if self.step == CONFIGURE and isinstance(code, str) and self._priced().has_plan(code):
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
    def configuration_done(self):
        if self.step != CONFIGURE:
            return None
        self._recalculate()
        if self.preview_error:
            return None
        self.step = PAYMENT
        if not self.saved_card:
            return PaymentStep.open_card_form(False)
        return None


def step_configuration() -> rx.Component:
    editor = rx.vstack(
        seat_stepper(
            ConfigureStep.seats_input,
            ConfigureStep.set_seats,
            ConfigureStep.remove_seat,
            ConfigureStep.add_seat,
            base_id="purchase-seats",
            input_id="purchase-seats",
        ),
        rx.text(ConfigureStep.plan_note, size="1", color_scheme="gray", id="purchase-plan-note"),
        field_label(
            rx.fragment(
                "Piano ",
                rx.text.span("(prezzi per utente, IVA esclusa)", color_scheme="gray", size="2"),
            ),
            "purchase-plan",
        ),
        # A native dropdown ("menu a tendina"): no popover to mount and unmount on every plan
        # change.
        rx.el.select(
            rx.foreach(
                ConfigureStep.plan_options,
                lambda option: rx.el.option(option.label, value=option.code),
            ),
            value=ConfigureStep.plan,
            on_change=ConfigureStep.set_plan,
            id="purchase-plan",
            aria_describedby="purchase-plan-note",
            style=NATIVE_SELECT_STYLE,
        ),
        rx.link(
            "Confronta i piani", href=routes.PLANS, is_external=True, size="2", id="compare-plans"
        ),
        rx.text("Fatturazione", weight="medium", id="purchase-cycle-label"),
        rx.segmented_control.root(
            rx.segmented_control.item("Mensile", value="monthly", id="purchase-cycle-monthly"),
            rx.segmented_control.item("Annuale", value="annual", id="purchase-cycle-annual"),
            value=ConfigureStep.cycle,
            on_change=ConfigureStep.set_cycle,
            id="purchase-cycle",
            aria_labelledby="purchase-cycle-label",
        ),
        rx.text(ConfigureStep.annual_saving, size="2", color_scheme="green", id="annual-saving"),
        spacing="2",
        width="100%",
    )
    summary = rx.cond(
        ConfigureStep.preview_error != "",
        rx.callout(
            ConfigureStep.preview_error,
            icon="info",
            color_scheme="orange",
            id="purchase-preview-error",
            role="alert",
        ),
        quote_summary(ConfigureStep.preview, prefix="purchase"),
    )
    # The buttons below both columns: on a phone the bar with the totals sticks to the bottom
    # of the screen for the whole step (quote_summary.action_bar).
    return rx.vstack(
        rx.grid(
            editor, summary, columns=rx.breakpoints(initial="1", md="2"), spacing="5", width="100%"
        ),
        action_bar(
            ConfigureStep.preview,
            rx.button(
                "Continua",
                on_click=ConfigureStep.configuration_done,
                size="3",
                disabled=ConfigureStep.preview_error != "",
                id="configuration-submit",
            ),
            prefix="purchase",
        ),
        spacing="4",
        width="100%",
    )
