"""The users stepper: "−", a typed number, "+". Shared by the wizard and "Aggiorna utenti"."""

from __future__ import annotations

import reflex as rx

from ts_store.ui.components.fields import field_label


def next_seat_count(text: str, delta: int) -> str:
    """The count after a "+" or "−" click; a blank or invalid entry counts as 0.

    No clamping to the plan's limits: below the minimum (even 0) the quote explains the limit
    and confirming is disabled, rather than the number silently refusing to move.
    """
    seats = int(text) if text.strip().isascii() and text.strip().isdigit() else 0
    return str(max(seats + delta, 0))


def seat_stepper(
    value, on_change, on_minus, on_plus, *, base_id: str, input_id: str
) -> rx.Component:
    return rx.vstack(
        field_label("Numero utenti", input_id),
        rx.hstack(
            rx.icon_button(
                rx.icon("minus"),
                on_click=on_minus,
                id=f"{base_id}-minus",
                aria_label="Un utente in meno",
                variant="soft",
            ),
            rx.input(
                value=value,
                on_change=on_change,
                id=input_id,
                input_mode="numeric",
                auto_complete="off",
                # ArrowUp/ArrowDown press "+"/"−" (assets/a11y.js): the same event, same quote
                custom_attrs={
                    "data-step-up": f"{base_id}-plus",
                    "data-step-down": f"{base_id}-minus",
                },
                width="6rem",
                text_align="center",
            ),
            rx.icon_button(
                rx.icon("plus"),
                on_click=on_plus,
                id=f"{base_id}-plus",
                aria_label="Un utente in più",
                variant="soft",
            ),
            align="center",
            spacing="2",
        ),
        spacing="2",
    )
