"""Managing an active licence: seats, plan and cycle changes, cancellation, reactivation.

A change names the whole target configuration; the domain quote splits it into what applies now
(more seats, a dearer or equal plan — charged at rateo) and what waits for the renewal. Charged
changes go through `charging.execute`, so they apply only once paid; free ones apply at once.
Every entry point checks the owner, the status and the version the customer was looking at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from ts_store.billing import charging, clock
from ts_store.billing.catalog import current_catalog
from ts_store.billing.charging import ChargePlan, ChargeResult
from ts_store.billing.errors import ConflictError, InputError, NotAllowed
from ts_store.billing.overview import current_configuration, renewal_configuration
from ts_store.domain.catalog import Catalog
from ts_store.domain.lifecycle import PAID_STATUSES, LicenceStatus, can_change
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration, CurrentTerm, Quote, QuoteError, quote
from ts_store.store import audit, licences
from ts_store.store.db import session_scope
from ts_store.store.licences import StaleLicenceError
from ts_store.store.models import Licence

CHANGE = "change"
CANCEL_REASONS = (
    "Costo troppo alto",
    "Mancano funzionalità che mi servono",
    "Passo a un altro prodotto",
    "Uso il CRM meno del previsto",
    "Chiusura o riorganizzazione dell'attività",
    "Altro",
)
CANCEL_PENDING = (
    "La disdetta è in corso: riattiva l'abbonamento prima di modificare utenti o piano."
)
NOT_ACTIVE = "La licenza non è attiva: utenti e piano si modificano solo su una licenza attiva."
ENDED = "Il periodo pagato è terminato: la licenza non si può più riattivare."


@dataclass(frozen=True)
class LicenceSnapshot:
    """What a preview needs, read once (owner-checked) when the page loads."""

    licence_id: int
    customer_id: int
    version: int
    status: LicenceStatus
    current: Configuration
    renewal: Configuration
    period_start: date
    period_end: date
    cancel_at_period_end: bool

    @property
    def term(self) -> CurrentTerm:
        return CurrentTerm(self.current, self.period_start, self.period_end)

    @property
    def has_scheduled_change(self) -> bool:
        return self.renewal != self.current


def owned_or_refused(session: Session, customer_id: int, licence_id: int) -> Licence:
    """The licence if it is this customer's; otherwise the attempt is logged and refused."""
    licence = licences.owned_licence(session, customer_id, licence_id)
    if licence is None:
        audit.record(
            session,
            action="forbidden_access",
            actor_customer_id=customer_id,
            after={"licence_id": licence_id},
        )
        session.commit()
        raise NotAllowed("Licenza non trovata.")
    return licence


def snapshot_of(licence: Licence) -> LicenceSnapshot:
    current = current_configuration(licence)
    if current is None or licence.period_start is None or licence.period_end is None:
        raise NotAllowed(NOT_ACTIVE)
    return LicenceSnapshot(
        licence_id=licence.id,
        customer_id=licence.customer_id,
        version=licence.version,
        status=LicenceStatus(licence.status),
        current=current,
        renewal=renewal_configuration(licence) or current,
        period_start=licence.period_start,
        period_end=licence.period_end,
        cancel_at_period_end=licence.cancel_at_period_end,
    )


def load_snapshot(session: Session, customer_id: int, licence_id: int) -> LicenceSnapshot:
    return snapshot_of(owned_or_refused(session, customer_id, licence_id))


def refusal(snapshot: LicenceSnapshot) -> str | None:
    """Why this licence cannot be changed now, or None."""
    if snapshot.cancel_at_period_end and snapshot.status in PAID_STATUSES:
        return CANCEL_PENDING
    if not can_change(snapshot.status, snapshot.cancel_at_period_end):
        return NOT_ACTIVE
    return None


def can_reactivate(snapshot: LicenceSnapshot, today: date) -> bool:
    """'Riattiva' is possible while the paid period lasts, not once the licence has ended."""
    return (
        snapshot.cancel_at_period_end
        and snapshot.status in PAID_STATUSES
        and today < snapshot.period_end
    )


def preview(
    snapshot: LicenceSnapshot, target: Configuration, today: date, catalog: Catalog | None = None
) -> Quote:
    """The quote of a change — pure, no database or Stripe: called on every click."""
    try:
        return quote(catalog or current_catalog(), today, snapshot.term, target)
    except QuoteError as exc:
        raise InputError(exc.field.removeprefix("target."), exc.message) from exc


def _configuration_json(configuration: Configuration) -> dict[str, Any]:
    return {
        "plan": configuration.plan,
        "cycle": str(configuration.cycle),
        "seats": configuration.seats,
    }


def _apply_change(session: Session, licence: Licence, request: dict[str, Any]) -> dict[str, Any]:
    now, target = request["effective_now"], request["target"]
    return {
        "plan": now["plan"],
        "cycle": now["cycle"],
        "seats": now["seats"],
        "renewal_plan": target["plan"],
        "renewal_cycle": target["cycle"],
        "renewal_seats": target["seats"],
    }


charging.register_applier(CHANGE, _apply_change)


def _descriptions(catalog: Catalog, result: Quote) -> tuple[str, dict[str, str]]:
    now = result.effective_now
    plan = catalog.plan(now.plan).name
    return (
        f"CRM in Cloud – modifica licenza: piano {plan}, {now.seats} utenti "
        f"(rateo fino al {result.at_renewal.date.strftime('%d/%m/%Y')})",
        {
            "upgrade": f"Passaggio al piano {plan} (rateo)",
            "added_seats": f"Utenti aggiunti al piano {plan} (rateo)",
        },
    )


async def apply_change(
    *,
    customer_id: int,
    licence_id: int,
    expected_version: int,
    target: Configuration,
    idempotency_key: str,
    gateway=None,
) -> ChargeResult:
    """Confirm a change: charge the rateo (if any) and apply it once paid."""
    catalog = current_catalog()
    with session_scope() as session:
        licence = owned_or_refused(session, customer_id, licence_id)
        retried = charging.operation_exists(session, idempotency_key)
        snapshot = snapshot_of(licence)
        if not retried and (reason := refusal(snapshot)) is not None:
            raise NotAllowed(reason)
        if not retried and snapshot.version != expected_version:
            raise ConflictError()
        today = clock.today(session)
    result = preview(snapshot, target, today, catalog)
    unchanged = result.effective_now == snapshot.current and (
        result.at_renewal.configuration == snapshot.renewal
    )
    if unchanged and not retried:
        raise InputError("seats", "Nessuna modifica: la configurazione è già questa.")
    description, line_descriptions = _descriptions(catalog, result)
    return await charging.execute(
        ChargePlan(
            idempotency_key=idempotency_key,
            kind=CHANGE,
            customer_id=customer_id,
            licence_id=licence_id,
            licence_version=expected_version,
            quote=result,
            request={
                "target": _configuration_json(target),
                "effective_now": _configuration_json(result.effective_now),
            },
            description=description,
            today=today,
            actor_customer_id=customer_id,
            line_descriptions=line_descriptions,
        ),
        gateway,
    )


def _update(
    session: Session, licence: Licence, expected_version: int, action: str, **changes: Any
) -> Licence:
    before = {name: getattr(licence, name) for name in changes}
    try:
        licences.update_licence(session, licence, expected_version, **changes)
    except StaleLicenceError as exc:
        raise ConflictError() from exc
    audit.record(
        session,
        action=action,
        actor_customer_id=licence.customer_id,
        licence_id=licence.id,
        before=before,
        after=changes,
    )
    return licence


def undo_scheduled_change(
    session: Session, *, customer_id: int, licence_id: int, expected_version: int
) -> Licence:
    """'Annulla modifica programmata': the renewal goes back to the current configuration."""
    licence = owned_or_refused(session, customer_id, licence_id)
    snapshot = snapshot_of(licence)
    if not snapshot.has_scheduled_change:
        raise InputError("renewal", "Non c'è nessuna modifica programmata da annullare.")
    if (reason := refusal(snapshot)) is not None:
        raise NotAllowed(reason)
    return _update(
        session,
        licence,
        expected_version,
        "scheduled_change_undone",
        renewal_plan=licence.plan,
        renewal_cycle=licence.cycle,
        renewal_seats=licence.seats,
    )


def cancel_at_period_end(
    session: Session,
    *,
    customer_id: int,
    licence_id: int,
    expected_version: int,
    reason: str,
    note: str,
) -> Licence:
    """'Disdici abbonamento': active until the end of the paid period, then it ends."""
    licence = owned_or_refused(session, customer_id, licence_id)
    snapshot = snapshot_of(licence)
    if snapshot.cancel_at_period_end:
        raise InputError("reason", "La disdetta è già registrata.")
    if snapshot.status != LicenceStatus.ACTIVE:
        raise NotAllowed(NOT_ACTIVE)
    reason = reason.strip()
    if reason and reason not in CANCEL_REASONS:
        raise InputError("reason", "Motivo: scegli un motivo dall'elenco.")
    note = note.strip()
    if len(note) > 1000:
        raise InputError("note", "Note: al massimo 1000 caratteri.")
    return _update(
        session,
        licence,
        expected_version,
        "cancellation_requested",
        cancel_at_period_end=True,
        cancel_reason=reason or None,
        cancel_note=note or None,
    )


def reactivate(
    session: Session, *, customer_id: int, licence_id: int, expected_version: int
) -> Licence:
    """'Riattiva': undo a pending cancellation before the period ends."""
    licence = owned_or_refused(session, customer_id, licence_id)
    if not licence.cancel_at_period_end:
        raise InputError("cancel", "Non c'è nessuna disdetta da annullare.")
    if not can_reactivate(snapshot_of(licence), clock.today(session)):
        raise NotAllowed(ENDED)
    return _update(
        session,
        licence,
        expected_version,
        "cancellation_withdrawn",
        cancel_at_period_end=False,
        cancel_reason=None,
        cancel_note=None,
    )


def target_of(
    snapshot: LicenceSnapshot,
    *,
    plan: str | None = None,
    cycle: Cycle | None = None,
    seats: int | None = None,
) -> Configuration:
    """The target a page starts from: the renewal configuration, with the fields it edits."""
    base = snapshot.renewal
    return Configuration(
        plan=plan or base.plan, cycle=cycle or base.cycle, seats=seats if seats else base.seats
    )
