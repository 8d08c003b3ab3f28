"""Managing an active licence: seats, plan and cycle changes, cancellation, reactivation.

A change names the whole target configuration; the domain quote splits it into what applies now
(more seats, a dearer or equal plan — charged at rateo) and what waits for the renewal. Charged
changes go through `charging.execute`, so they apply only once paid; free ones apply at once.
Every entry point checks the owner, the status and the version the customer was looking at.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from ts_store.billing import catalog_versions, charging, clock, notices
from ts_store.billing.catalog import current_catalog
from ts_store.billing.charging import ChargePlan, ChargeResult
from ts_store.billing.errors import ConflictError, InputError, NotAllowed
from ts_store.billing.overview import current_configuration, renewal_configuration
from ts_store.domain.catalog import Catalog
from ts_store.domain.choices import CANCEL_REASONS
from ts_store.domain.lifecycle import PAID_STATUSES, LicenceStatus, can_change
from ts_store.domain.operations import ChangeRequest, OperationContext
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration, CurrentTerm, Quote, QuoteError, quote
from ts_store.store import audit, licences, operations
from ts_store.store.db import session_scope
from ts_store.store.licences import StaleLicenceError
from ts_store.store.models import Licence

__all__ = ["CANCEL_REASONS"]  # re-exported: the page offers these

CANCEL_PENDING = "cancel_pending"
NOT_ACTIVE = "licence_not_active"
ENDED = "period_ended"
MAX_NOTE_CHARS = 1000


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
    # Set when an earlier confirm's payment is still being verified (the licence is locked):
    # the parameters of charging.PAYMENT_BEING_VERIFIED.
    payment_being_verified: Mapping[str, str] | None = None
    catalog_version_id: int | None = None  # the version that priced the current terms

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
        raise NotAllowed("licence_not_found")
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
        catalog_version_id=licence.catalog_version_id,
    )


def load_snapshot(customer_id: int, licence_id: int) -> LicenceSnapshot:
    """The licence as the page edits it, if it is this customer's (else refused and logged)."""
    with session_scope() as session:
        snapshot = snapshot_of(owned_or_refused(session, customer_id, licence_id))
        verifying = charging.payment_being_verified(session, licence_id, snapshot.version)
    return dataclasses.replace(snapshot, payment_being_verified=verifying)


@dataclass(frozen=True)
class ChangePricing:
    """The two catalogues a change may be priced with: the licence's own version (plan and cycle
    kept) and the version in force today (a new plan or cycle). Read once when the page loads."""

    own_version_id: int
    own: Catalog
    in_force_version_id: int
    in_force: Catalog

    def for_target(self, current: Configuration, target: Configuration) -> tuple[int, Catalog]:
        if catalog_versions.keeps_terms(current, target.plan, target.cycle):
            return self.own_version_id, self.own
        return self.in_force_version_id, self.in_force


def keeps_terms(current: Configuration, plan: str, cycle: str) -> bool:
    """A change to `plan` and `cycle` keeps the licence's own prices (both stay)."""
    return catalog_versions.keeps_terms(current, plan, cycle)


def pricing_for(snapshot: LicenceSnapshot, today: date) -> ChangePricing:
    """The catalogues that price this licence's changes on `today`."""
    own = catalog_versions.version_for_terms(
        snapshot.licence_id,
        snapshot.catalog_version_id,
        snapshot.current.plan,
        snapshot.current.cycle,
        today,
    )
    now = catalog_versions.in_force(today)
    return ChangePricing(own.version_id, own.catalog, now.version_id, now.catalog)


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
        raise InputError(
            exc.field.removeprefix("target."), "quote_invalid", message=exc.message
        ) from exc


def apply_change_request(
    licence: Licence, request: ChangeRequest, context: OperationContext
) -> dict[str, Any]:
    """The applier of a paid (or free) change: what applies now, and what waits for renewal."""
    now, target = request.effective_now, request.target
    return {
        "plan": now.plan,
        "cycle": now.cycle,
        "seats": now.seats,
        "renewal_plan": target.plan,
        "renewal_cycle": target.cycle,
        "renewal_seats": target.seats,
    }


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
    """Confirm a change: charge the rateo (if any) and apply it once paid.

    Priced by the licence's own catalogue version when plan and cycle stay, by the version in
    force today when either changes (docs/pricing-lab.md)."""
    with session_scope() as session:
        licence = owned_or_refused(session, customer_id, licence_id)
        retried = operations.find_operation(session, idempotency_key) is not None
        snapshot = snapshot_of(licence)
        if not retried and (reason := refusal(snapshot)) is not None:
            raise NotAllowed(reason)
        if not retried and snapshot.version != expected_version:
            raise ConflictError()
    today = clock.today()
    version_id, catalog = pricing_for(snapshot, today).for_target(snapshot.current, target)
    result = preview(snapshot, target, today, catalog)
    unchanged = result.effective_now == snapshot.current and (
        result.at_renewal.configuration == snapshot.renewal
    )
    if unchanged and not retried:
        raise InputError("seats", "no_change")
    description, line_descriptions = _descriptions(catalog, result)
    return await charging.execute(
        ChargePlan(
            idempotency_key=idempotency_key,
            customer_id=customer_id,
            licence_id=licence_id,
            licence_version=expected_version,
            quote=result,
            catalog_version_id=version_id,
            request=ChangeRequest(target=target, effective_now=result.effective_now),
            context=OperationContext(
                today=today,
                actor_customer_id=customer_id,
                description=description,
                line_descriptions=line_descriptions,
            ),
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
    *, customer_id: int, licence_id: int, expected_version: int
) -> LicenceSnapshot:
    """'Annulla modifica programmata': the renewal goes back to the current configuration."""
    with session_scope() as session:
        licence = owned_or_refused(session, customer_id, licence_id)
        snapshot = snapshot_of(licence)
        if not snapshot.has_scheduled_change:
            raise InputError("renewal", "no_scheduled_change")
        if (reason := refusal(snapshot)) is not None:
            raise NotAllowed(reason)
        return snapshot_of(
            _update(
                session,
                licence,
                expected_version,
                "scheduled_change_undone",
                renewal_plan=licence.plan,
                renewal_cycle=licence.cycle,
                renewal_seats=licence.seats,
            )
        )


def cancel_at_period_end(
    *,
    customer_id: int,
    licence_id: int,
    expected_version: int,
    reason: object,
    note: object,
) -> LicenceSnapshot:
    """'Disdici abbonamento': active until the end of the paid period, then it ends."""
    reason = reason.strip() if isinstance(reason, str) else ""
    note = note.strip() if isinstance(note, str) else ""
    with session_scope() as session:
        licence = owned_or_refused(session, customer_id, licence_id)
        snapshot = snapshot_of(licence)
        if snapshot.cancel_at_period_end:
            raise InputError("reason", "cancel_already_requested")
        if snapshot.status != LicenceStatus.ACTIVE:
            raise NotAllowed(NOT_ACTIVE)
        if reason and reason not in CANCEL_REASONS:
            raise InputError("reason", "cancel_reason_invalid")
        if len(note) > MAX_NOTE_CHARS:
            raise InputError("note", "cancel_note_too_long", max_chars=MAX_NOTE_CHARS)
        cancelled = _update(
            session,
            licence,
            expected_version,
            "cancellation_requested",
            cancel_at_period_end=True,
            cancel_reason=reason or None,
            cancel_note=note or None,
        )
        notices.cancellation_confirmed(session, cancelled)  # committed with the cancellation
        return snapshot_of(cancelled)


def reactivate(*, customer_id: int, licence_id: int, expected_version: int) -> LicenceSnapshot:
    """'Riattiva': undo a pending cancellation before the period ends."""
    today = clock.today()
    with session_scope() as session:
        licence = owned_or_refused(session, customer_id, licence_id)
        if not licence.cancel_at_period_end:
            raise InputError("cancel", "no_cancellation")
        if not can_reactivate(snapshot_of(licence), today):
            raise NotAllowed(ENDED)
        reactivated = _update(
            session,
            licence,
            expected_version,
            "cancellation_withdrawn",
            cancel_at_period_end=False,
            cancel_reason=None,
            cancel_note=None,
        )
        notices.reactivated(session, reactivated)  # committed with the reactivation
        return snapshot_of(reactivated)


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
