"""The "Disdici abbonamento" tab, "Riattiva", and undoing a scheduled change: actions with no
charge, each re-checked (owner, status, version) by its use case."""

from __future__ import annotations

import reflex as rx

from ts_store.billing import changes
from ts_store.billing.errors import ConflictError, UseCaseError
from ts_store.ui.components.fields import field_label
from ts_store.ui.messages import message_for
from ts_store.ui.pages.licence.change import ChangeState
from ts_store.ui.pages.licence.state import LicenceState
from ts_store.ui.session import customer_id_of


class CancelState(LicenceState):
    """Handlers only: what they show is the licence's (reloaded) state and its message."""

    @rx.event
    async def undo_scheduled(self):
        await self._simple_action(changes.undo_scheduled_change, "Modifica programmata annullata.")

    @rx.event
    async def reactivate(self):
        await self._simple_action(changes.reactivate, "Abbonamento riattivato.")

    @rx.event
    async def cancel_subscription(self, form_data: dict):
        form_data = form_data if isinstance(form_data, dict) else {}
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
            await (await self.get_state(ChangeState))._failed(
                customer_id, message_for(exc), reload=True
            )
            return
        except UseCaseError as exc:
            await (await self.get_state(ChangeState))._failed(
                customer_id, message_for(exc), reload=False
            )
            return
        await self._after_success(customer_id, done_message)


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
            field_label("Motivo (facoltativo)", "cancel-reason"),
            rx.select.root(
                rx.select.trigger(placeholder="Scegli un motivo", id="cancel-reason"),
                rx.select.content(*[rx.select.item(r, value=r) for r in changes.CANCEL_REASONS]),
                name="reason",
            ),
            field_label("Vuoi dirci di più? (facoltativo)", "cancel-note"),
            rx.text_area(name="note", id="cancel-note", width="100%"),
            rx.button("Conferma disdetta", type="submit", color_scheme="red", id="confirm-cancel"),
            spacing="3",
            width="100%",
        ),
        on_submit=CancelState.cancel_subscription,
        reset_on_submit=False,
    )


def cancel_tab() -> rx.Component:
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
                rx.button("Riattiva", on_click=CancelState.reactivate, id="reactivate", size="3"),
            ),
            spacing="3",
        ),
        rx.cond(
            LicenceState.can_cancel,
            _cancel_form(),
            rx.callout(LicenceState.refusal, icon="lock", color_scheme="orange"),
        ),
    )
