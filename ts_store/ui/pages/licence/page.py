"""The licence page: the licence's card, the last action's message and the three tabs."""

from __future__ import annotations

import reflex as rx

from ts_store.ui import routes
from ts_store.ui.components.layout import loaded_or_error, page_shell
from ts_store.ui.pages.licence.cancel import CancelState, cancel_tab
from ts_store.ui.pages.licence.plan_tab import plan_tab
from ts_store.ui.pages.licence.seats_tab import seats_tab
from ts_store.ui.pages.licence.state import LicenceState


def _result_callout() -> rx.Component:
    return rx.cond(
        LicenceState.result_message != "",
        rx.callout(
            LicenceState.result_message,
            icon=rx.cond(LicenceState.result_ok, "circle_check", "triangle_alert"),
            color_scheme=rx.cond(LicenceState.result_ok, "green", "red"),
            id="licence-result",
            role="status",
            tab_index=-1,  # focused after a confirm (focus.focus_element), so it is read at once
        ),
    )


def _editor() -> rx.Component:
    return rx.tabs.root(
        rx.tabs.list(
            rx.tabs.trigger("Aggiorna utenti", value="utenti", id="tab-utenti"),
            rx.tabs.trigger("Cambia piano", value="piano", id="tab-piano"),
            rx.tabs.trigger("Disdici abbonamento", value="disdetta", id="tab-disdetta"),
            flex_wrap="wrap",
        ),
        rx.tabs.content(seats_tab(), value="utenti", padding_top="1rem"),
        rx.tabs.content(plan_tab(), value="piano", padding_top="1rem"),
        rx.tabs.content(cancel_tab(), value="disdetta", padding_top="1rem"),
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
                            rx.badge(
                                LicenceState.status_label,
                                color_scheme=LicenceState.status_color,
                                high_contrast=True,
                                size="2",
                                id="licence-status",
                            ),
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
                                        on_click=CancelState.undo_scheduled,
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
