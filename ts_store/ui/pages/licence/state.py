"""The licence page: "Aggiorna servizi", "Cambia piano", "Disdici abbonamento", "Riattiva".

The licence is read once (owner-checked) on load into a backend-only snapshot, held by
`LicenceState` with what every tab shows about it; the change editor (users and plan tabs,
change.py) and the cancellation tab (cancel.py) are its substates. Every click on "+", a plan or
a cycle recomputes the domain quote from the snapshot, with no database or Stripe call.
Confirming re-checks owner, status and version in the use case.
"""

from __future__ import annotations

from datetime import date

import reflex as rx

from ts_store.billing import changes, clock
from ts_store.billing.catalog import current_catalog
from ts_store.billing.changes import ChangePricing, LicenceSnapshot
from ts_store.billing.charging import PAYMENT_BEING_VERIFIED
from ts_store.billing.errors import UseCaseError
from ts_store.domain.catalog import Catalog
from ts_store.domain.lifecycle import (
    PAID_STATUSES,
    LicenceStatus,
    retention_until,
    status_label,
)
from ts_store.domain.periods import CYCLE_LABELS
from ts_store.ui import routes
from ts_store.ui.formatting import format_date, format_users
from ts_store.ui.messages import message_for, text
from ts_store.ui.session import customer_id_of
from ts_store.ui.theme import status_color

SECTIONS = ("utenti", "piano", "disdetta")


class LicenceState(rx.State):
    """The licence as loaded, the open tab, and the message of the last action."""

    _snapshot: LicenceSnapshot | None = None
    _today: date | None = None
    # The catalogues pricing this licence's changes (its own version, the one in force), read at
    # load: previews never touch the database. An Anteprima puts a draft's in both.
    _pricing: ChangePricing | None = None

    loaded: bool = False
    load_error: str = ""
    licence_id: int = 0
    section: str = "utenti"
    status_label: str = ""
    status_color: str = "gray"
    current_text: str = ""
    period_text: str = ""
    refusal: str = ""
    scheduled_text: str = ""
    cancel_pending: bool = False
    can_cancel: bool = False
    can_reactivate: bool = False
    cancel_end_text: str = ""
    retention_text: str = ""
    result_message: str = ""
    result_ok: bool = False

    @rx.event
    async def load(self):
        customer_id = await customer_id_of(self)
        if customer_id is None:
            return rx.redirect(routes.login_url(self.router.url.path))
        raw_id = routes.route_arg(self.router.url.path, routes.LICENCE, "licence_id")
        requested = self.router.url.query_parameters.get("sezione", "utenti")
        self.section = requested if requested in SECTIONS else "utenti"
        self.result_message = ""
        if not (raw_id.isascii() and raw_id.isdigit()):
            self.load_error = "Licenza non trovata."
            return None
        try:
            await self._reload(customer_id, int(raw_id))
        except UseCaseError as exc:
            self.load_error = message_for(exc)
            self.loaded = False
        return None

    def _priced(self, plan: str | None = None, cycle: str | None = None) -> Catalog:
        """The catalogue pricing a change to `plan` and `cycle`: the licence's own version when
        both stay (or none is named), the version in force otherwise (docs/pricing-lab.md)."""
        pricing = self.get_value("_pricing")
        snapshot = self.get_value("_snapshot")
        if pricing is None or snapshot is None:
            return current_catalog()
        if plan is None or changes.keeps_terms(snapshot.current, plan, cycle or ""):
            return pricing.own
        return pricing.in_force

    async def _reload(self, customer_id: int, licence_id: int) -> None:
        from ts_store.ui.pages.licence.change import (
            ChangeState,  # a substate of this one
        )

        snapshot = changes.load_snapshot(customer_id, licence_id)
        self._today = clock.today()
        self._pricing = changes.pricing_for(snapshot, self._today)
        self._snapshot = snapshot
        self.licence_id = snapshot.licence_id
        self.load_error = ""
        self._show_snapshot(snapshot)
        (await self.get_state(ChangeState))._start(snapshot)
        self.loaded = True

    def _show_snapshot(self, snapshot: LicenceSnapshot) -> None:
        catalog = self._priced()
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
        self.status_color = status_color(snapshot.status, snapshot.cancel_at_period_end)
        refusal = changes.refusal(snapshot)
        self.refusal = text(refusal) if refusal else ""
        if not refusal and snapshot.payment_being_verified is not None:
            # Locked until the reconciliation settles an earlier payment (docs/recovery.md).
            self.refusal = text(PAYMENT_BEING_VERIFIED, **snapshot.payment_being_verified)
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
        if self.scheduled_text and self.cancel_pending:  # the same words as MyArea's card
            self.scheduled_text += (
                ". Non si applica perché la licenza è in disdetta; torna valida se riattivi "
                "l'abbonamento."
            )

    def _raw_snapshot(self) -> LicenceSnapshot | None:
        """The snapshot itself, not Reflex's change-tracking proxy around it: previews only
        read it, and every attribute read through the proxy costs a wrapper."""
        return self.get_value("_snapshot")

    async def _after_failure(self, customer_id: int, message: str, reload: bool) -> None:
        if reload:
            await self._reload(customer_id, self.licence_id)
        self.result_ok = False
        self.result_message = message

    async def _after_success(self, customer_id: int, message: str) -> None:
        await self._reload(customer_id, self.licence_id)
        self.result_ok = True
        self.result_message = message

    @rx.event
    def set_section(self, value: str):
        if value in SECTIONS:
            self.section = value
