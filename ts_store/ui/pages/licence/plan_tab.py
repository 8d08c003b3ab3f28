"""The "Cambia piano" tab: plan cards and billing cycle, above the change's preview."""

from __future__ import annotations

import reflex as rx

from ts_store.ui.pages.licence.change import ChangeState, PlanChoice, preview_and_confirm


def _plan_card(choice: PlanChoice) -> rx.Component:
    selected = ChangeState.target_plan == choice.code
    ok = ChangeState.preview_error == ""  # never "Scelto" on a choice the preview refuses
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(choice.name, size="4", as_="h3"),
                rx.cond(
                    choice.is_current,
                    rx.badge("Piano attuale", color_scheme="green", high_contrast=True),
                ),
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
                    rx.cond(selected & ok, "Scelto", choice.choose_label),
                    on_click=ChangeState.choose_plan(choice.code),
                    variant=rx.cond(selected, "solid", "outline"),
                    aria_pressed=rx.cond(selected, "true", "false"),
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
            rx.foreach(ChangeState.plan_choices, _plan_card),
            columns=rx.breakpoints(initial="1", sm="3"),
            spacing="3",
            width="100%",
        ),
        rx.text("Fatturazione", weight="medium", id="cycle-choice-label"),
        rx.segmented_control.root(
            rx.segmented_control.item("Mensile", value="monthly", id="cycle-choice-monthly"),
            rx.segmented_control.item("Annuale", value="annual", id="cycle-choice-annual"),
            value=ChangeState.target_cycle,
            on_change=ChangeState.choose_cycle,
            id="cycle-choice",
            aria_labelledby="cycle-choice-label",
        ),
        spacing="3",
        width="100%",
    )


def plan_tab() -> rx.Component:
    return rx.cond(
        ChangeState.refusal != "",
        rx.callout(ChangeState.refusal, icon="lock", color_scheme="orange"),
        rx.vstack(_plan_section(), preview_and_confirm(), spacing="4", width="100%"),
    )
