"""The wizard's page: the stepper and the step shown."""

from __future__ import annotations

import reflex as rx

from ts_store.ui.components.layout import loaded_or_error, page_shell
from ts_store.ui.components.quote_summary import quote_summary
from ts_store.ui.pages.purchase.configure import ConfigureStep, step_configuration
from ts_store.ui.pages.purchase.confirm import done, step_confirm
from ts_store.ui.pages.purchase.payment import PaymentStep, step_payment
from ts_store.ui.pages.purchase.profile import step_profile
from ts_store.ui.pages.purchase.wizard import DONE, STEPS, PurchaseState


def _stepper() -> rx.Component:
    """The steps, as a list in a nav: done steps are buttons back to them, the current one is
    marked aria-current="step", later ones are disabled."""

    def item(index: int, label: str) -> rx.Component:
        number = index + 1
        return rx.el.li(
            rx.button(
                f"{number}. {label}",
                variant=rx.cond(PurchaseState.step == number, "solid", "soft"),
                color_scheme=rx.cond(PurchaseState.step > number, "green", "indigo"),
                size="1",
                on_click=PurchaseState.go_to_step(number),
                disabled=PurchaseState.step < number,
                aria_current=rx.cond(PurchaseState.step == number, "step", "false"),
                id=f"wizard-step-{number}",
            ),
            style={"list_style": "none"},
        )

    return rx.el.nav(
        rx.el.ol(
            *[item(i, label) for i, label in enumerate(STEPS)],
            style={
                "display": "flex",
                "flex_wrap": "wrap",
                "gap": "var(--space-2)",
                "margin": "0",
                "padding": "0",
            },
        ),
        aria_label="Passi dell'acquisto",
    )


def purchase_page() -> rx.Component:
    return page_shell(
        loaded_or_error(
            PurchaseState.load_error,
            PurchaseState.loaded,
            rx.vstack(
                rx.cond(PurchaseState.step != DONE, _stepper()),
                rx.match(
                    PurchaseState.step,
                    (1, step_profile()),
                    (2, step_configuration()),
                    (3, step_payment()),
                    (
                        4,
                        step_confirm(
                            quote_summary(ConfigureStep.preview, prefix="purchase"),
                            PaymentStep.change_card,
                            ConfigureStep.preview,
                        ),
                    ),
                    done(),
                ),
                spacing="5",
                width="100%",
            ),
            "purchase-load-error",
        ),
        title="Acquista ora",
        heading=PurchaseState.heading,
    )
