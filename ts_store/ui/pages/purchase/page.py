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
    def item(index: int, label: str) -> rx.Component:
        number = index + 1
        return rx.button(
            f"{number}. {label}",
            variant=rx.cond(PurchaseState.step == number, "solid", "soft"),
            color_scheme=rx.cond(PurchaseState.step > number, "green", "indigo"),
            size="1",
            on_click=PurchaseState.go_to_step(number),
            disabled=PurchaseState.step < number,
            id=f"wizard-step-{number}",
        )

    return rx.hstack(*[item(i, label) for i, label in enumerate(STEPS)], wrap="wrap", spacing="2")


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
    )
