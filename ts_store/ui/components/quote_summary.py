"""The live price summary: "Oggi paghi" and "Dal <data> pagherai", from a domain Quote.

`quote_view` turns a Quote into display strings (the page computes nothing); `quote_summary`
renders them. Used by the purchase wizard and by the licence changes.
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from ts_store.domain.catalog import Catalog
from ts_store.domain.periods import CYCLE_LABELS, Cycle
from ts_store.domain.quote import ADDED_SEATS, NEW_PERIOD, RENEWAL, UPGRADE, ChargeLine, Quote
from ts_store.ui.formatting import format_cents, format_date, format_percent, format_users


@dataclasses.dataclass
class QuoteLineView:
    description: str = ""
    amount: str = ""


@dataclasses.dataclass
class QuoteView:
    lines: list[QuoteLineView] = dataclasses.field(default_factory=list)
    charges_today: bool = False
    net: str = ""
    vat_label: str = ""
    vat: str = ""
    gross: str = ""
    renewal_title: str = ""
    renewal_detail: str = ""
    renewal_net: str = ""
    renewal_vat: str = ""
    renewal_gross: str = ""
    renewal_cadence: str = ""  # "ogni mese" / "ogni anno"
    scheduled_note: str = ""
    announcement: str = ""  # read by screen readers when the price changes (aria-live)
    today_short: str = ""  # the phone's action bar: "Oggi 1.525,00 €"
    renewal_short: str = ""  # "poi 1.525,00 € ogni anno"


def _cycle_label(cycle) -> str:
    return CYCLE_LABELS[cycle].lower()


CADENCES = {Cycle.MONTHLY: "ogni mese", Cycle.ANNUAL: "ogni anno"}
AUTO_RENEWAL = "Rinnovo automatico, disdici quando vuoi."


def describe_line(line: ChargeLine, plan_name: str) -> str:
    """'3 utenti × 25,00 € × 12/30 giorni' — the rateo written out, as the article explains it."""
    unit = format_cents(line.unit_cents)
    days = f"{line.days}/{line.period_days} giorni"
    if line.kind in (NEW_PERIOD, RENEWAL):
        return f"Piano {plan_name}: {format_users(line.quantity)} × {unit}"
    if line.kind == UPGRADE:
        return (
            f"Passaggio a {plan_name}: {format_users(line.quantity)} × {unit} "
            f"(differenza di prezzo) × {days}"
        )
    if line.kind == ADDED_SEATS:
        return f"Utenti aggiunti: {format_users(line.quantity)} × {unit} × {days}"
    return str(line.kind)


def quote_view(quote: Quote, catalog: Catalog) -> QuoteView:
    """Every text the summary shows, from a domain Quote (purchase or change) and its catalogue.

    Keep the result in a state var and render it with `quote_summary(State.var, prefix=...)`;
    recompute it in the handler that changes the configuration (pure: no database, no Stripe).
    """
    now_plan = catalog.plan(quote.effective_now.plan).name
    renewal = quote.at_renewal
    renewal_config = renewal.configuration
    scheduled = ""
    if quote.scheduled:
        scheduled = (
            f"Dal {format_date(renewal.date)} la licenza passa a: piano "
            f"{catalog.plan(renewal_config.plan).name}, {format_users(renewal_config.seats)}, "
            f"fatturazione {_cycle_label(renewal_config.cycle)}. Nessun rimborso: le riduzioni "
            "valgono dal rinnovo e puoi annullarle fino ad allora."
        )
    cadence = CADENCES[Cycle(renewal_config.cycle)]
    today = (
        f"Oggi paghi {format_cents(quote.charge_now.gross_cents)}"
        if quote.charge_now.gross_cents > 0
        else "Nessun addebito oggi"
    )
    return QuoteView(
        lines=[
            QuoteLineView(describe_line(line, now_plan), format_cents(line.amount_cents))
            for line in quote.charge_now.lines
        ],
        charges_today=quote.charge_now.gross_cents > 0,
        net=format_cents(quote.charge_now.net_cents),
        vat_label=f"IVA {format_percent(catalog.vat_percent)}",
        vat=format_cents(quote.charge_now.vat_cents),
        gross=format_cents(quote.charge_now.gross_cents),
        renewal_title=f"Dal {format_date(renewal.date)} pagherai {cadence}",
        renewal_detail=(
            f"Piano {catalog.plan(renewal_config.plan).name} · "
            f"{format_users(renewal_config.seats)} · {_cycle_label(renewal_config.cycle)}"
        ),
        renewal_net=format_cents(renewal.net_cents),
        renewal_vat=format_cents(renewal.vat_cents),
        renewal_gross=format_cents(renewal.gross_cents),
        renewal_cadence=cadence,
        scheduled_note=scheduled,
        today_short=(
            f"Oggi {format_cents(quote.charge_now.gross_cents)}"
            if quote.charge_now.gross_cents > 0
            else "Oggi nessun addebito"
        ),
        renewal_short=f"poi {format_cents(renewal.gross_cents)} {cadence}",
        announcement=(
            f"{today}. Dal {format_date(renewal.date)} {format_cents(renewal.gross_cents)} "
            f"{cadence}, IVA inclusa."
        ),
    )


def _row(label, value, value_id: str, strong: bool = False) -> rx.Component:
    text = rx.text.strong(value) if strong else rx.text(value)
    return rx.hstack(
        rx.text(label, size="2", color_scheme="gray"),
        rx.spacer(),
        rx.box(text, id=value_id),
        width="100%",
        align="center",
    )


def quote_summary(view: QuoteView, prefix: str = "quote") -> rx.Component:
    """Renders a QuoteView var; element ids start with `prefix` for tests and benchmarks."""
    return rx.card(
        rx.vstack(
            rx.el.div(view.announcement, aria_live="polite", class_name="ts-sr-only"),
            rx.heading("Oggi paghi", size="3", as_="h2"),
            rx.cond(
                view.charges_today,
                rx.vstack(
                    rx.foreach(
                        view.lines,
                        lambda line: rx.hstack(
                            rx.text(line.description, size="2", class_name=f"{prefix}-line"),
                            rx.spacer(),
                            rx.text(line.amount, size="2"),
                            width="100%",
                            align="start",
                        ),
                    ),
                    rx.separator(),
                    _row("Imponibile", view.net, f"{prefix}-net"),
                    _row(view.vat_label, view.vat, f"{prefix}-vat"),
                    _row("Totale oggi", view.gross, f"{prefix}-gross", strong=True),
                    spacing="2",
                    width="100%",
                ),
                rx.text(
                    "Nessun addebito oggi.", size="2", id=f"{prefix}-no-charge", color_scheme="gray"
                ),
            ),
            rx.separator(),
            rx.heading(view.renewal_title, size="3", as_="h2", id=f"{prefix}-renewal-title"),
            rx.text(view.renewal_detail, size="2", id=f"{prefix}-renewal-detail"),
            _row("Imponibile", view.renewal_net, f"{prefix}-renewal-net"),
            _row(view.vat_label, view.renewal_vat, f"{prefix}-renewal-vat"),
            _row("Totale", view.renewal_gross, f"{prefix}-renewal-gross", strong=True),
            rx.cond(
                view.scheduled_note != "",
                rx.callout(
                    view.scheduled_note, icon="calendar_clock", size="1", id=f"{prefix}-scheduled"
                ),
            ),
            rx.text(
                AUTO_RENEWAL + " Prezzi IVA esclusa, IVA indicata a parte.",
                size="1",
                color_scheme="gray",
                id=f"{prefix}-auto-renewal",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        id=f"{prefix}-summary",
    )


def action_bar(view: QuoteView, *buttons: rx.Component, prefix: str = "quote") -> rx.Component:
    """The step's buttons with today's total and the renewal: on a phone it sticks to the bottom
    of the screen while the customer edits, so the new price is never off-screen
    (assets/a11y.css, .ts-action-bar). IVA included, as in the summary's totals."""
    return rx.box(
        rx.hstack(
            rx.vstack(
                rx.text.strong(view.today_short, id=f"{prefix}-bar-today"),
                rx.text(
                    view.renewal_short, size="1", color_scheme="gray", id=f"{prefix}-bar-renewal"
                ),
                spacing="0",
                class_name="ts-action-bar-totals",
            ),
            rx.spacer(),
            *buttons,
            align="center",
            wrap="wrap",
            spacing="3",
            width="100%",
        ),
        class_name="ts-action-bar",
        width="100%",
    )
