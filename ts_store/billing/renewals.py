"""Time in the store: renewals, dunning, trial expiry and data retention
(docs/billing-policy.md).

`renew_due(today)` is correct whenever it runs and however many times, also from two processes
at once (the cron command and the app's background task, or two app workers):

- A renewal is charged through `charging.execute` (kind "renewal"), whose operation row is
  unique per idempotency key and claimed by one caller only before Stripe is called. The first
  charge of a period uses the key ``renewal:{licence_id}:{period_end}``; retry *n* of that period
  uses ``…:retry{n}``, where *n* is the number of earlier attempts that failed. Two runs that
  look at the same licence at the same moment compute the same key, so only one of them charges.
- Every other transition (past due, retry dates, suspension, end of a cancelled licence, trial
  expiry, data removal) is a plain write guarded by the licence's optimistic lock: the second
  process finds the version moved and leaves it alone.
- Missed periods are caught up one period at a time, each with its own key, until the period
  ends after today or a charge fails.

The dunning ladder (retries on +1, +3, +7 days from the first failure, suspension on +14) and the
renewal quote (one whole period ending on the licence's anchor day) are pure functions in
`ts_store.domain.renewal`.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from ts_store.billing import catalog_versions, charging, notices
from ts_store.billing.catalog import current_catalog
from ts_store.billing.errors import ConflictError
from ts_store.billing.overview import (
    LicenceOverview,
    overview,
    renewal_catalog,
    renewal_charge,
    renewal_configuration,
    renewal_pricing,
)
from ts_store.billing.services import services
from ts_store.domain.catalog import Catalog
from ts_store.domain.lifecycle import LicenceStatus
from ts_store.domain.operations import (
    OPEN_OR_PAID,
    OperationContext,
    OperationKind,
    OperationStatus,
    RenewalRequest,
    request_day,
)
from ts_store.domain.periods import CYCLE_LABELS
from ts_store.domain.quote import LineKind, QuoteError
from ts_store.domain.renewal import (
    next_retry_after,
    renewal_period,
    suspension_date,
)
from ts_store.payments.errors import CardError, PaymentsError
from ts_store.payments.gateway import StripeGateway
from ts_store.store import (
    audit,
    customers,
    licences,
    operations,
    payment_methods,
    renewal_queries,
)
from ts_store.store.db import session_scope
from ts_store.store.licences import StaleLicenceError
from ts_store.store.models import BillingOperation, Licence

log = logging.getLogger(__name__)

L = LicenceStatus
S = OperationStatus
RENEWAL = OperationKind.RENEWAL
# A guard, not a limit anyone should meet: a monthly licence 100 years behind.
MAX_PERIODS_PER_RUN = 1200
# A run claims due licences this many at a time (renewal_queries.claim_due), so that runs in
# several processes split them; a claim left by a process that died is free after the lease.
CLAIM_BATCH = 10
CLAIM_LEASE = timedelta(minutes=10)
MAX_LAB_STEPS = 5000
AUTHENTICATION_NEEDED = "renewal_authentication_needed"


class Action(enum.StrEnum):
    """What the job did to a licence (also the suffix of its audit action)."""

    RENEWED = "renewed"
    ENDED = "ended"
    PAST_DUE = "past_due"
    RETRY_FAILED = "retry_failed"
    SUSPENDED = "suspended"
    TRIAL_EXPIRED = "trial_expired"
    DATA_REMOVED = "data_removed"
    IN_PROGRESS = "in_progress"
    ERROR = "error"


# The command's report (printed by `python -m ts_store.billing renew`, shown in the laboratory).
ACTION_LABELS: dict[Action, str] = {
    Action.RENEWED: "Rinnovata",
    Action.ENDED: "Terminata per disdetta",
    Action.PAST_DUE: "Pagamento del rinnovo non riuscito",
    Action.RETRY_FAILED: "Nuovo tentativo non riuscito",
    Action.SUSPENDED: "Sospesa per mancato pagamento",
    Action.TRIAL_EXPIRED: "Prova scaduta",
    Action.DATA_REMOVED: "Dati rimossi (fine conservazione)",
    Action.IN_PROGRESS: "Addebito già in corso altrove",
    Action.ERROR: "Non elaborata",
}

# Words a failure code with its parameters (the laboratory passes the UI's; the command prints
# the code).
Describe = Callable[[str, dict[str, Any]], str]


# Queues the email of a licence transition in the transaction that writes it.
Notify = Callable[[Session, Licence], None]


def _code_only(code: str, params: dict[str, Any]) -> str:
    return f"{code} {params}" if params else code


@dataclass(frozen=True)
class LicenceEvent:
    """One thing the job did to one licence on one day; `code` and `params`: why it failed."""

    licence_id: int
    customer_id: int
    action: Action
    on: date
    period_end: date | None = None
    document_number: str | None = None
    gross_cents: int | None = None
    code: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)


@dataclass
class RenewalReport:
    today: date
    events: list[LicenceEvent] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for event in self.events if event.action == action)

    @property
    def document_numbers(self) -> list[str]:
        return [e.document_number for e in self.events if e.document_number is not None]

    def merge(self, other: RenewalReport) -> None:
        self.today = max(self.today, other.today)
        self.events.extend(other.events)

    def summary(self) -> str:
        counts = [
            f"{ACTION_LABELS[action].lower()}: {self.count(action)}"
            for action in ACTION_LABELS
            if self.count(action)
        ]
        what = "; ".join(counts) if counts else "nulla da fare"
        return f"Rinnovi al {_it_date(self.today)} — {what}."

    def lines(self, describe: Describe = _code_only) -> list[str]:
        out = []
        for event in self.events:
            text = f"{_it_date(event.on)} · licenza n. {event.licence_id} · {event.label}"
            if event.period_end is not None and event.action in (Action.RENEWED, Action.PAST_DUE):
                text += f" (rinnovo del {_it_date(event.period_end)})"
            if event.document_number:
                text += f" · documento {event.document_number}"
            if event.code:
                text += f" · {describe(event.code, event.params)}"
            out.append(text)
        return out


# --- the applier: what a paid renewal changes --------------------------------------------


def apply_renewal(
    licence: Licence, request: RenewalRequest, context: OperationContext
) -> dict[str, Any]:
    """The renewal configuration becomes current and the next period starts on the anchor day."""
    period_end = request.period_end
    if licence.period_end != period_end:  # pragma: no cover - one attempt per period succeeds
        log.error("renewal of licence %s for %s paid but the period moved", licence.id, period_end)
        return {}
    configuration = request.configuration
    anchor_day = request.anchor_day
    return {
        "status": L.ACTIVE,
        "plan": configuration.plan,
        "cycle": configuration.cycle,
        "seats": configuration.seats,
        "renewal_plan": configuration.plan,
        "renewal_cycle": configuration.cycle,
        "renewal_seats": configuration.seats,
        "anchor_day": anchor_day,
        "period_start": period_end,
        "period_end": renewal_period(period_end, configuration, anchor_day),
        "past_due_since": None,
        "next_retry_on": None,
        "suspended_on": None,
        "ended_on": None,
    }


# --- use cases ------------------------------------------------------------------------------


async def renew_due(today: date, gateway: StripeGateway | None = None) -> RenewalReport:
    """Everything due by `today`: trial ends, renewals (with catch-up), dunning, retention."""
    catalog = current_catalog()
    report = RenewalReport(today)
    _catalogue_day(today)
    report.events.extend(_expire_trials(today))
    claimed: list[int] = []
    seen: set[int] = set()
    try:
        # In id order, so the run ends even if its own claims expire; then once more from the
        # start for licences skipped while another transaction held them (a customer's change).
        for _ in range(2):
            after = 0
            while batch := _claim(today, after):
                after = batch[-1]
                claimed.extend(batch)
                # The catalogue versions are read once per batch, not per licence, XML and email.
                with catalog_versions.pinned_versions():
                    for licence_id in batch:
                        if licence_id not in seen:
                            seen.add(licence_id)
                            events = await _advance_one(licence_id, today, gateway, catalog)
                            report.events.extend(events)
    finally:
        if claimed:
            with session_scope() as session:
                renewal_queries.release_claims(session, claimed)
    report.events.extend(await _remove_expired_data(today, catalog, gateway))
    return report


def _claim(today: date, after: int) -> list[int]:
    """The next due licences after `after` that no other run holds (held until this run ends)."""
    now = datetime.now(UTC)
    with session_scope() as session:
        return renewal_queries.claim_due(
            session, today, after_id=after, now=now, until=now + CLAIM_LEASE, limit=CLAIM_BATCH
        )


async def _advance_one(
    licence_id: int, today: date, gateway: StripeGateway | None, catalog: Catalog
) -> list[LicenceEvent]:
    try:
        events, _ = await _advance(licence_id, today, gateway, catalog)
    except Exception as exc:  # one broken licence must not stop the others
        log.exception("renewal of licence %s failed", licence_id)
        events = [_error_event(licence_id, today, "internal_error", exception=type(exc).__name__)]
    return events


async def retry_past_due(
    customer_id: int, today: date, gateway: StripeGateway | None = None
) -> list[charging.ChargeResult]:
    """Charge now the open renewal of each past-due or suspended licence of this customer.

    Called after the customer replaced the card. Idempotent: a double call finds the first
    attempt (in progress or paid) instead of charging again; a call after a failed attempt makes
    a new attempt. A success reactivates the licence and catches up any further period due.
    A ``requires_action`` result can be authenticated in the page and completed with
    ``charging.complete_after_authentication``.
    """
    catalog = current_catalog()
    with session_scope() as session:
        open_ids = [lic.id for lic in renewal_queries.open_renewals_of(session, customer_id)]
    results = []
    for licence_id in open_ids:
        _, first = await _advance(licence_id, today, gateway, catalog, retry_now=True)
        if first is not None:
            results.append(first)
    return results


async def renew_through(
    start: date, end: date, gateway: StripeGateway | None = None
) -> RenewalReport:
    """Run the job as if it ran every day from `start` to `end` (the product team's lab).

    Only the days on which something happens are visited (renewals, retries, suspensions,
    trial ends, retention ends), so documents carry the day of their renewal and the dunning
    ladder plays out as it would in real time.
    """
    if end <= start:
        return await renew_due(end, gateway)
    retention_days = current_catalog().retention_days
    report = RenewalReport(start)
    day = start
    for _ in range(MAX_LAB_STEPS):
        report.merge(await renew_due(day, gateway))
        if day >= end:
            break
        with session_scope() as session:
            upcoming = renewal_queries.next_event_after(session, day, retention_days)
        day = end if upcoming is None else min(upcoming, end)
    return report


def _catalogue_day(today: date) -> None:
    """Once a day with the job: stored version statuses follow the date, and licences not yet
    told of a policy-(b) price change get their notice (docs/pricing-lab.md)."""
    try:
        catalog_versions.sync_statuses(today)
        catalog_versions.record_notices(today)
    except Exception:  # never stops the renewals; the next run tries again
        log.exception("catalogue versions: statuses or notices not brought up to date")


# --- one licence ----------------------------------------------------------------------------


async def _advance(
    licence_id: int,
    today: date,
    gateway: StripeGateway | None,
    catalog: Catalog,
    *,
    retry_now: bool = False,
) -> tuple[list[LicenceEvent], charging.ChargeResult | None]:
    """Bring one licence up to `today`, period by period. Returns the events and the result of
    the first charge attempt (None when nothing was charged)."""
    events: list[LicenceEvent] = []
    first_result: charging.ChargeResult | None = None
    seen: set[date] = set()
    for _ in range(MAX_PERIODS_PER_RUN):
        with session_scope() as session:
            licence = licences.get_licence(session, licence_id)
            # The period's attempts in the same transaction when a charge may follow.
            attempts = (
                renewal_queries.renewal_operations(session, licence_id, licence.period_end)
                if licence is not None and _may_charge(licence, today, retry_now)
                else None
            )
        if licence is None or licence.period_end is None or licence.data_removed_on is not None:
            break
        period_end, status = licence.period_end, licence.status
        if period_end in seen:
            break
        if status in (L.ACTIVE, L.PAST_DUE) and licence.cancel_at_period_end:
            if period_end <= today:
                events.extend(_write(licence, today, Action.ENDED, _end_changes(licence)))
            break
        if status == L.ACTIVE:
            if period_end > today:
                break
        elif status == L.PAST_DUE:
            first_failure = licence.past_due_since or period_end
            if not retry_now:
                if today >= suspension_date(first_failure):
                    events.extend(
                        _write(
                            licence,
                            today,
                            Action.SUSPENDED,
                            _suspend_changes(licence),
                            notify=_suspension_notice(licence),
                        )
                    )
                    break
                if licence.next_retry_on is None or licence.next_retry_on > today:
                    break
        elif not (status == L.SUSPENDED and retry_now):
            break
        seen.add(period_end)
        # One read of the period's attempts decides both whether to charge and under which key:
        # a run that saw no attempt uses the first key and so finds the other run's operation.
        if attempts is None:
            attempts = _attempts(licence_id, period_end)
        if not retry_now and _failure_not_recorded(licence, attempts):
            # Another run's attempt failed and that run is recording it now (or stopped before
            # it could): record it too (same values, optimistic lock) instead of charging again.
            failure = _record_failure(licence_id, period_end, today, None)
            events.extend([failure] if failure is not None else [])
            break
        key = _attempt_key(attempts, renewal_queries.renewal_key(licence_id, period_end))
        result, event = await _charge_renewal(licence, key, today, gateway, catalog, retry_now)
        retry_now = False
        events.append(event)
        if result is None:
            break
        first_result = first_result or result
        if result.done:
            if _renewed_beyond(licence, today):
                break  # the new period ends after today: nothing more to catch up
            continue
        if result.status in (S.FAILED, S.REQUIRES_ACTION):
            failure = _record_failure(licence_id, period_end, today, event.code, event.params)
            if failure is not None:
                events[-1] = dataclasses.replace(failure, gross_cents=event.gross_cents)
        break
    return events, first_result


def _may_charge(licence: Licence, today: date, retry_now: bool) -> bool:
    """Whether `_advance` may go on to charge this licence (wider than its own checks: it
    only saves the separate read of the period's attempts)."""
    if licence.period_end is None or licence.data_removed_on is not None:
        return False
    if licence.cancel_at_period_end:
        return False
    if licence.status == L.ACTIVE:
        return licence.period_end <= today
    if licence.status == L.PAST_DUE:
        retry_on = licence.next_retry_on
        return retry_now or (retry_on is not None and retry_on <= today)
    return licence.status == L.SUSPENDED and retry_now


def _renewed_beyond(licence: Licence, today: date) -> bool:
    """After the renewal of `licence` (as read before it) was paid and applied: whether the new
    period ends after `today`, so that reading the licence again would only find nothing due
    (`apply_renewal` sets the period this computes)."""
    configuration = renewal_configuration(licence)
    if configuration is None or licence.period_end is None:
        return False
    anchor_day = licence.anchor_day or (licence.period_start or licence.period_end).day
    return renewal_period(licence.period_end, configuration, anchor_day) > today


async def _charge_renewal(
    licence: Licence,
    key: str,
    today: date,
    gateway: StripeGateway | None,
    catalog: Catalog,
    on_session: bool,
) -> tuple[charging.ChargeResult | None, LicenceEvent]:
    period_end = licence.period_end
    anchor_day = licence.anchor_day or (licence.period_start or period_end).day
    configuration = renewal_configuration(licence)
    if configuration is None:
        return None, _error_event(licence.id, today, "renewal_configuration_missing", licence)
    # The version pricing this renewal: the licence's own, or the one a notice moved it to, or
    # the one in force for a new plan or cycle (docs/pricing-lab.md) — as MyArea shows it.
    priced = renewal_pricing(licence)
    catalog = priced.catalog
    try:
        # The same function as MyArea's "Prossimo rinnovo" (overview.renewal_charge).
        renewal = renewal_charge(licence, catalog)
    except QuoteError as exc:
        return None, _error_event(licence.id, today, "quote_invalid", licence, message=exc.message)
    if renewal is None:  # pragma: no cover - configuration and period_end checked above
        return None, _error_event(licence.id, today, "renewal_configuration_missing", licence)
    plan_name = catalog.plan(configuration.plan).name
    last_day = renewal.at_renewal.date - timedelta(days=1)
    line = (
        f"Rinnovo CRM in Cloud, piano {plan_name} {CYCLE_LABELS[configuration.cycle].lower()}, "
        f"{_users(configuration.seats)}, dal {_it_date(period_end)} al {_it_date(last_day)}"
    )
    plan = charging.ChargePlan(
        idempotency_key=key,
        customer_id=licence.customer_id,
        licence_id=licence.id,
        licence_version=licence.version,
        quote=renewal,
        catalog_version_id=priced.version_id,
        request=RenewalRequest(
            period_end=period_end, anchor_day=anchor_day, configuration=configuration
        ),
        context=OperationContext(
            today=today,
            actor_customer_id=None,
            description=line,
            line_descriptions={LineKind.RENEWAL: line},
        ),
    )
    base = {"licence_id": licence.id, "customer_id": licence.customer_id, "on": today}
    gross = renewal.charge_now.gross_cents
    try:
        result = await charging.execute(plan, gateway)
    except ConflictError:
        return None, LicenceEvent(**base, action=Action.IN_PROGRESS, period_end=period_end)
    if result.done:
        event = LicenceEvent(
            **base,
            action=Action.RENEWED,
            period_end=period_end,
            document_number=result.document_number,
            gross_cents=gross,
        )
    elif result.status == S.REQUIRES_ACTION and not on_session:
        _note_authentication_needed(result.operation_id)
        event = LicenceEvent(
            **base,
            action=Action.PAST_DUE,
            period_end=period_end,
            gross_cents=gross,
            code=AUTHENTICATION_NEEDED,
        )
    elif result.status in (S.FAILED, S.REQUIRES_ACTION):
        event = LicenceEvent(
            **base,
            action=Action.PAST_DUE,
            period_end=period_end,
            gross_cents=gross,
            code=result.failure_code,
            params=result.failure_params,
        )
    else:
        event = LicenceEvent(**base, action=Action.IN_PROGRESS, period_end=period_end)
    return result, event


# An attempt in one of OPEN_OR_PAID may still charge, or has charged: never start another.
# Any other state (failed, requires_action left to the job, superseded) is a finished attempt.


def _attempt_key(attempts: list[BillingOperation], base: str) -> str:
    """The key of the next attempt at a period's renewal.

    An attempt in progress or paid is found again under its own key (never charged twice);
    otherwise attempt n (n = earlier attempts, all failed) gets a key of its own, the same
    in every process that looks at the licence in this state.
    """
    for operation in attempts:
        if operation.status in OPEN_OR_PAID:
            return operation.idempotency_key
    return base if not attempts else f"{base}:retry{len(attempts)}"


def _note_authentication_needed(operation_id: int) -> None:
    with session_scope() as session:
        operation = operations.get_operation(session, operation_id)
        if operation is not None and operation.status == S.REQUIRES_ACTION:
            operations.update_operation(session, operation, failure_code=AUTHENTICATION_NEEDED)


def _attempts(licence_id: int, period_end: date) -> list[BillingOperation]:
    with session_scope() as session:
        return renewal_queries.renewal_operations(session, licence_id, period_end)


def _finished(attempts: list[BillingOperation]) -> list[BillingOperation]:
    return [operation for operation in attempts if operation.status not in OPEN_OR_PAID]


def _attempt_day(operation: BillingOperation) -> date:
    """The store's day on which an attempt was made (the plan's `today`)."""
    return request_day(operation.request_json, operation.created_at.date())


def _failure_not_recorded(licence: Licence, attempts: list[BillingOperation]) -> bool:
    """True when a finished attempt for this period is not reflected on the licence yet:
    the licence is still active, or past due with the current rung already tried. Never
    while an attempt is in progress (that one is found again under its key)."""
    finished = _finished(attempts)
    if not finished or len(finished) < len(attempts):
        return False
    if licence.status == L.ACTIVE:
        return True
    last_try = _attempt_day(finished[-1])
    return licence.status == L.PAST_DUE and (
        licence.next_retry_on is None or last_try >= licence.next_retry_on
    )


def _record_failure(
    licence_id: int,
    period_end: date,
    today: date,
    code: str | None,
    params: dict[str, Any] | None = None,
) -> LicenceEvent | None:
    """Bring the licence in line with the failed attempts of the period's renewal.

    Past due since the day of the first failed attempt; next retry: the first rung of the
    ladder after the last attempt. Derived from the stored attempts, so two processes write the
    same values (and the optimistic lock lets one of them write).
    """
    finished = _finished(_attempts(licence_id, period_end))
    with session_scope() as session:
        licence = licences.get_licence(session, licence_id)
    if licence is None or licence.period_end != period_end or not finished:
        return None
    first_failure, last_try = _attempt_day(finished[0]), _attempt_day(finished[-1])
    if not code:
        code, params = finished[-1].failure_code, operations.failure_params(finished[-1])
    since = first_failure
    if licence.status == L.ACTIVE:
        action = Action.PAST_DUE
        changes = {
            "status": L.PAST_DUE,
            "past_due_since": first_failure,
            "next_retry_on": next_retry_after(first_failure, last_try),
        }
    elif licence.status == L.PAST_DUE:
        action = Action.RETRY_FAILED
        since = licence.past_due_since or first_failure
        changes = {"next_retry_on": next_retry_after(since, last_try)}
    else:
        action, changes = Action.RETRY_FAILED, {}

    def notify(session: Session, current: Licence) -> None:
        notices.renewal_failed(
            session,
            current,
            gross_cents=finished[-1].amount_cents,
            failure_code=code or "",
            failure_params=params or {},
            failed_on=last_try,
            next_retry_on=changes.get("next_retry_on"),
            suspension_on=suspension_date(since),
        )

    written = _write(
        licence,
        today,
        action,
        changes,
        code=code,
        params=params,
        period_end=period_end,
        notify=notify,
    )
    return written[0] if written else None


def _end_changes(licence: Licence) -> dict[str, Any]:
    return {
        "status": L.CANCELLED,
        "ended_on": licence.period_end,
        "past_due_since": None,
        "next_retry_on": None,
    }


def _suspension_notice(licence: Licence) -> Notify:
    """The "licence suspended" email, with the amount its last renewal attempt asked for."""
    attempts = _attempts(licence.id, licence.period_end)
    gross = attempts[-1].amount_cents if attempts else 0

    def notify(session: Session, current: Licence) -> None:
        notices.licence_suspended(
            session, current, gross_cents=gross, suspended_on=current.suspended_on
        )

    return notify


def _suspend_changes(licence: Licence) -> dict[str, Any]:
    on = suspension_date(licence.past_due_since or licence.period_end)
    return {"status": L.SUSPENDED, "suspended_on": on, "ended_on": on, "next_retry_on": None}


def _write(
    licence: Licence,
    today: date,
    action: Action,
    changes: dict[str, Any],
    *,
    code: str | None = None,
    params: dict[str, Any] | None = None,
    period_end: date | None = None,
    notify: Notify | None = None,
) -> list[LicenceEvent]:
    """Write a transition under the optimistic lock, with its audit entry and its email
    (`notify`, queued in the same transaction: docs/notifications.md).

    Returns the event, or nothing when another process moved the licence first. An attempt
    whose outcome changes nothing on the licence (a retry that failed again) still reports.
    """
    event = LicenceEvent(
        licence_id=licence.id,
        customer_id=licence.customer_id,
        action=action,
        on=today,
        period_end=period_end or licence.period_end,
        code=code,
        params=params or {},
    )
    pending = {name: value for name, value in changes.items() if getattr(licence, name) != value}
    if not pending:
        return [event]
    try:
        with session_scope() as session:
            current = licences.get_licence(session, licence.id)
            before = audit.licence_snapshot(current)
            licences.update_licence(session, current, licence.version, **pending)
            audit.record(
                session,
                action=f"licence_{action}",
                actor_customer_id=None,
                licence_id=licence.id,
                before=before,
                after={
                    **audit.licence_snapshot(current),
                    "on": today,
                    "code": code,
                    "params": params or {},
                },
            )
            if notify is not None:
                notify(session, current)
    except StaleLicenceError:
        return []
    return [event]


# --- trials and retention -------------------------------------------------------------------


def _trial_ended_notice(session: Session, licence: Licence) -> None:
    notices.trial_ended(session, licence, licence.trial_ends_on)


def _expire_trials(today: date) -> list[LicenceEvent]:
    """Trials past their last day become "Prova scaduta", ended on the trial's end."""
    with session_scope() as session:
        ended = renewal_queries.trials_ended_by(session, today)
    events = []
    for licence in ended:
        changes = {"status": L.TRIAL_EXPIRED, "ended_on": licence.trial_ends_on}
        events.extend(
            _write(licence, today, Action.TRIAL_EXPIRED, changes, notify=_trial_ended_notice)
        )
    return events


async def _remove_expired_data(
    today: date, catalog: Catalog, gateway: StripeGateway | None
) -> list[LicenceEvent]:
    """After the retention days, remove what is kept only for a while (docs/billing-policy.md,
    "Trial and data retention").

    Removed: the licence's configuration and cancellation notes; and, once the customer has no
    other licence whose data is kept, the billing profile and the saved cards (detached in
    Stripe too). Kept: the billing documents (a fiscal record, with the billing data they were
    issued with), the audit log, the login and the support requests.
    """
    cutoff = today - timedelta(days=catalog.retention_days)
    with session_scope() as session:
        expired = renewal_queries.ended_before(session, cutoff)
    events = []
    for licence in expired:
        try:
            events.extend(await _remove_data(licence, today, catalog, gateway))
        except PaymentsError as exc:  # Stripe unreachable: the next run tries again
            events.append(_error_event(licence.id, today, exc.code, licence))
        except Exception as exc:
            log.exception("data removal of licence %s failed", licence.id)
            events.append(
                _error_event(
                    licence.id, today, "internal_error", licence, exception=type(exc).__name__
                )
            )
    return events


async def _remove_data(
    licence: Licence, today: date, catalog: Catalog, gateway: StripeGateway | None
) -> list[LicenceEvent]:
    with session_scope() as session:
        keep_customer_data = renewal_queries.customer_keeps_data(
            session, licence.customer_id, licence.id
        )
        customer = customers.get_customer(session, licence.customer_id)
        card_ids = (
            []
            if keep_customer_data
            else [
                card.stripe_payment_method_id
                for card in payment_methods.cards_of(session, licence.customer_id)
            ]
        )
        stripe_customer_id = customer.stripe_customer_id if customer else None
    if card_ids and stripe_customer_id:
        gateway = gateway or services().gateway
        for payment_method_id in card_ids:
            try:
                await gateway.detach_card(payment_method_id, customer_id=stripe_customer_id)
            except CardError:
                log.info("card %s already gone from Stripe", payment_method_id)
    changes = {
        "plan": None,
        "cycle": None,
        "seats": None,
        "renewal_plan": None,
        "renewal_cycle": None,
        "renewal_seats": None,
        "cancel_reason": None,
        "cancel_note": None,
        "data_removed_on": today,
    }
    try:
        with session_scope() as session:
            current = licences.get_licence(session, licence.id)
            before = audit.licence_snapshot(current)
            licences.update_licence(session, current, licence.version, **changes)
            profile_removed = cards_removed = 0
            if not keep_customer_data:
                profile_removed = int(
                    renewal_queries.remove_billing_profile(session, licence.customer_id)
                )
                cards_removed = renewal_queries.remove_cards(session, licence.customer_id)
            audit.record(
                session,
                action="licence_data_removed",
                actor_customer_id=None,
                licence_id=licence.id,
                before=before,
                after={
                    **audit.licence_snapshot(current),
                    "retention_days": catalog.retention_days,
                    "billing_profile_removed": profile_removed,
                    "cards_removed": cards_removed,
                },
            )
    except StaleLicenceError:
        return []
    return [
        LicenceEvent(
            licence_id=licence.id,
            customer_id=licence.customer_id,
            action=Action.DATA_REMOVED,
            on=today,
        )
    ]


# --- what the laboratory shows --------------------------------------------------------------


@dataclass(frozen=True)
class LicenceSchedule:
    """One licence as the product team's laboratory lists it."""

    view: LicenceOverview
    company_name: str
    email: str
    data_removed_on: date | None


def schedule(today: date) -> list[LicenceSchedule]:
    """Every licence with its next renewal and amount (from the domain quote, with the version
    that renewal will be priced by: docs/pricing-lab.md)."""
    catalog = current_catalog()
    with session_scope() as session:
        rows = renewal_queries.licences_with_customers(session)
    return [
        LicenceSchedule(
            view=overview(licence, today, renewal_catalog(licence, catalog)),
            company_name=customer.company_name,
            email=customer.email,
            data_removed_on=licence.data_removed_on,
        )
        for licence, customer in rows
    ]


# --- helpers --------------------------------------------------------------------------------


def _error_event(
    licence_id: int, today: date, code: str, licence: Licence | None = None, **params: Any
) -> LicenceEvent:
    return LicenceEvent(
        licence_id=licence_id,
        customer_id=licence.customer_id if licence else 0,
        action=Action.ERROR,
        on=today,
        period_end=licence.period_end if licence else None,
        code=code,
        params=params,
    )


def _users(count: int) -> str:
    return "1 utente" if count == 1 else f"{count} utenti"


def _it_date(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
