"""The "Aggiorna servizi" tab: the number of users, beside the change's preview."""

from __future__ import annotations

import reflex as rx

from ts_store.ui.components.seat_stepper import seat_stepper
from ts_store.ui.pages.licence.change import ChangeState, preview_and_confirm


def _seats_section() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Aumenta o diminuisci gli utenti. Paghi oggi solo il rateo degli utenti aggiunti "
            "per il resto del periodo; le riduzioni valgono dal rinnovo (nessun rimborso).",
            size="2",
            color_scheme="gray",
        ),
        seat_stepper(
            ChangeState.seats_input,
            ChangeState.set_seats,
            ChangeState.remove_seat,
            ChangeState.add_seat,
            base_id="seats",
            input_id="seats-input",
        ),
        rx.text(ChangeState.seat_limits, size="1", color_scheme="gray", id="seat-limits"),
        spacing="2",
        width="100%",
    )


def seats_tab() -> rx.Component:
    return rx.cond(
        ChangeState.refusal != "",
        rx.callout(ChangeState.refusal, icon="lock", color_scheme="orange", id="change-refused"),
        rx.grid(
            _seats_section(),
            preview_and_confirm(),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="5",
            width="100%",
        ),
    )
