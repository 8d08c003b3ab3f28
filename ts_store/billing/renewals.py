"""Time in the store: renewals, dunning, trial expiry and data retention (BRIEF §4).

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
import json
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from ts_store.billing import charging
from ts_store.billing.catalog import current_catalog
from ts_store.billing.errors import ConflictError
from ts_store.billing.gateway import get_gateway
from ts_store.billing.overview import LicenceOverview, overview, renewal_configuration
from ts_store.domain.catalog import Catalog
from ts_store.domain.periods import CYCLE_LABELS, Cycle
from ts_store.domain.quote import Configuration, QuoteError
from ts_store.domain.renewal import (
    next_retry_after,
    renewal_period,
    renewal_quote,
    suspension_date,
)
from ts_store.payments.errors import CardError, PaymentsError
from ts_store.payments.gateway import StripeGateway
from ts_store.store import audit, customers, licences, operations, payment_methods, renewal_queries
from ts_store.store.db import session_scope
from ts_store.store.licences import StaleLicenceError
from ts_store.store.models import BillingOperation, Licence

log = logging.getLogger(__name__)

RENEWAL = renewal_queries.RENEWAL_KIND
# A guard, not a limit anyone should meet: a monthly licence 100 years behind.
MAX_PERIODS_PER_RUN = 1200
MAX_LAB_STEPS = 5000
AUTHENTICATION_NEEDED = (
    "La banca chiede di autenticare il pagamento del rinnovo (3-D Secure), che non si può fare "
    "in automatico: sostituisci la carta in «Metodi di pagamento»."
)

ACTION_LABELS: dict[str, str] = {
    "renewed": "Rinnovata",
    "ended": "Terminata per disdetta",
    "past_due": "Pagamento del rinnovo non riuscito",
    "retry_failed": "Nuovo tentativo non riuscito",
    "suspended": "Sospesa per mancato pagamento",
    "trial_expired": "Prova scaduta",
    "data_removed": "Dati rimossi (fine conservazione)",
    "in_progress": "Addebito già in corso altrove",
    "error": "Non elaborata",
}


@dataclass(frozen=True)
class LicenceEvent:
    """One thing the job did to one licence on one day."""

    licence_id: int
    customer_id: int
    action: str  # a key of ACTION_LABELS
    on: date
    period_end: date | None = None
    document_number: str | None = None
    gross_cents: int | None = None
    message: str | None = None

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

    def lines(self) -> list[str]:
        out = []
        for event in self.events:
            text = f"{_it_date(event.on)} · licenza n. {event.licence_id} · {event.label}"
            if event.period_end is not None and event.action in ("renewed", "past_due"):
                text += f" (rinnovo del {_it_date(event.period_end)})"
            if event.document_number:
                text += f" · documento {event.document_number}"
            if event.message:
                text += f" · {event.message}"
            out.append(text)
        return out


# --- the applier: what a paid renewal changes --------------------------------------------


def _apply_renewal(session: Session, licence: Licence, request: dict[str, Any]) -> dict[str, Any]:
    """The renewal configuration becomes current and the next period starts on the anchor day."""
    period_end = date.fromisoformat(request["period_end"])
    if licence.period_end != period_end:  # pragma: no cover - one attempt per period succeeds
        log.error("renewal of licence %s for %s paid but the period moved", licence.id, period_end)
        return {}
    configuration = Configuration(request["plan"], Cycle(request["cycle"]), int(request["seats"]))
    anchor_day = int(request["anchor_day"])
    return {
        "status": "active",
        "plan": configuration.plan,
        "cycle": str(configuration.cycle),
        "seats": configuration.seats,
        "renewal_plan": configuration.plan,
        "renewal_cycle": str(configuration.cycle),
        "renewal_seats": configuration.seats,
        "anchor_day": anchor_day,
        "period_start": period_end,
        "period_end": renewal_period(period_end, configuration, anchor_day),
        "past_due_since": None,
        "next_retry_on": None,
        "suspended_on": None,
        "ended_on": None,
    }


charging.register_applier(RENEWAL, _apply_renewal)


# --- use cases ------------------------------------------------------------------------------


async def renew_due(today: date, gateway: StripeGateway | None = None) -> RenewalReport:
    """Everything due by `today`: trial ends, renewals (with catch-up), dunning, retention."""
    catalog = current_catalog()
    report = RenewalReport(today)
    report.events.extend(_expire_trials(today))
    with session_scope() as session:
        due = [licence.id for licence in renewal_queries.renewals_due(session, today)]
    for licence_id in due:
        try:
            events, _ = await _advance(licence_id, today, gateway, catalog)
        except Exception as exc:  # one broken licence must not stop the others
            log.exception("renewal of licence %s failed", licence_id)
            events = [_error_event(licence_id, today, f"errore interno ({type(exc).__name__})")]
        report.events.extend(events)
    report.events.extend(await _remove_expired_data(today, catalog, gateway))
    return report


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
        if licence is None or licence.period_end is None or licence.data_removed_on is not None:
            break
        period_end, status = licence.period_end, licence.status
        if period_end in seen:
            break
        if status in ("active", "past_due") and licence.cancel_at_period_end:
            if period_end <= today:
                events.extend(_write(licence, today, "ended", _end_changes(licence)))
            break
        if status == "active":
            if period_end > today:
                break
        elif status == "past_due":
            first_failure = licence.past_due_since or period_end
            if not retry_now:
                if today >= suspension_date(first_failure):
                    events.extend(_write(licence, today, "suspended", _suspend_changes(licence)))
                    break
                if licence.next_retry_on is None or licence.next_retry_on > today:
                    break
        elif not (status == "suspended" and retry_now):
            break
        seen.add(period_end)
        # One read of the period's attempts decides both whether to charge and under which key:
        # a run that saw no attempt uses the first key and so finds the other run's operation.
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
            continue
        if result.status in ("failed", "requires_action"):
            failure = _record_failure(licence_id, period_end, today, event.message)
            if failure is not None:
                events[-1] = dataclasses.replace(failure, gross_cents=event.gross_cents)
        break
    return events, first_result


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
        return None, _error_event(licence.id, today, "configurazione di rinnovo mancante", licence)
    try:
        renewal = renewal_quote(catalog, period_end, anchor_day, configuration)
    except QuoteError as exc:
        return None, _error_event(licence.id, today, exc.message, licence)
    plan_name = catalog.plan(configuration.plan).name
    last_day = renewal.at_renewal.date - timedelta(days=1)
    line = (
        f"Rinnovo CRM in Cloud, piano {plan_name} {CYCLE_LABELS[configuration.cycle].lower()}, "
        f"{_users(configuration.seats)}, dal {_it_date(period_end)} al {_it_date(last_day)}"
    )
    plan = charging.ChargePlan(
        idempotency_key=key,
        kind=RENEWAL,
        customer_id=licence.customer_id,
        licence_id=licence.id,
        licence_version=licence.version,
        quote=renewal,
        request={
            "period_end": period_end.isoformat(),
            "anchor_day": anchor_day,
            "plan": configuration.plan,
            "cycle": str(configuration.cycle),
            "seats": configuration.seats,
        },
        description=line,
        today=today,
        actor_customer_id=None,
        line_descriptions={"new_period": line},
    )
    base = {"licence_id": licence.id, "customer_id": licence.customer_id, "on": today}
    gross = renewal.charge_now.gross_cents
    try:
        result = await charging.execute(plan, gateway)
    except ConflictError:
        return None, LicenceEvent(**base, action="in_progress", period_end=period_end)
    if result.done:
        event = LicenceEvent(
            **base,
            action="renewed",
            period_end=period_end,
            document_number=result.document_number,
            gross_cents=gross,
        )
    elif result.status == "requires_action" and not on_session:
        _note_authentication_needed(result.operation_id)
        event = LicenceEvent(
            **base,
            action="past_due",
            period_end=period_end,
            gross_cents=gross,
            message=AUTHENTICATION_NEEDED,
        )
    elif result.status in ("failed", "requires_action"):
        event = LicenceEvent(
            **base,
            action="past_due",
            period_end=period_end,
            gross_cents=gross,
            message=result.message,
        )
    else:
        event = LicenceEvent(**base, action="in_progress", period_end=period_end)
    return result, event


# An attempt in one of these states may still charge, or has charged: never start another.
# Any other state (failed, requires_action left to the job, superseded) is a finished attempt.
_OPEN_OR_PAID = frozenset({"pending", "charging", "unknown", "succeeded", "applied"})


def _attempt_key(attempts: list[BillingOperation], base: str) -> str:
    """The key of the next attempt at a period's renewal.

    An attempt in progress or paid is found again under its own key (never charged twice);
    otherwise attempt n (n = earlier attempts, all failed) gets a key of its own, the same
    in every process that looks at the licence in this state.
    """
    for operation in attempts:
        if operation.status in _OPEN_OR_PAID:
            return operation.idempotency_key
    return base if not attempts else f"{base}:retry{len(attempts)}"


def _note_authentication_needed(operation_id: int) -> None:
    with session_scope() as session:
        operation = operations.get_operation(session, operation_id)
        if operation is not None and operation.status == "requires_action":
            operations.update_operation(session, operation, failure_message=AUTHENTICATION_NEEDED)


def _attempts(licence_id: int, period_end: date) -> list[BillingOperation]:
    with session_scope() as session:
        return renewal_queries.renewal_operations(session, licence_id, period_end)


def _finished(attempts: list[BillingOperation]) -> list[BillingOperation]:
    return [operation for operation in attempts if operation.status not in _OPEN_OR_PAID]


def _attempt_day(operation: BillingOperation) -> date:
    """The store's day on which an attempt was made (the plan's `today`)."""
    try:
        return date.fromisoformat(json.loads(operation.request_json)["_today"])
    except (ValueError, KeyError, TypeError):
        return operation.created_at.date()


def _failure_not_recorded(licence: Licence, attempts: list[BillingOperation]) -> bool:
    """True when a finished attempt for this period is not reflected on the licence yet:
    the licence is still active, or past due with the current rung already tried. Never
    while an attempt is in progress (that one is found again under its key)."""
    finished = _finished(attempts)
    if not finished or len(finished) < len(attempts):
        return False
    if licence.status == "active":
        return True
    last_try = _attempt_day(finished[-1])
    return licence.status == "past_due" and (
        licence.next_retry_on is None or last_try >= licence.next_retry_on
    )


def _record_failure(
    licence_id: int, period_end: date, today: date, message: str | None
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
    message = message or finished[-1].failure_message
    if licence.status == "active":
        action = "past_due"
        changes = {
            "status": "past_due",
            "past_due_since": first_failure,
            "next_retry_on": next_retry_after(first_failure, last_try),
        }
    elif licence.status == "past_due":
        action = "retry_failed"
        since = licence.past_due_since or first_failure
        changes = {"next_retry_on": next_retry_after(since, last_try)}
    else:
        action, changes = "retry_failed", {}
    written = _write(licence, today, action, changes, message=message, period_end=period_end)
    return written[0] if written else None


def _end_changes(licence: Licence) -> dict[str, Any]:
    return {
        "status": "cancelled",
        "ended_on": licence.period_end,
        "past_due_since": None,
        "next_retry_on": None,
    }


def _suspend_changes(licence: Licence) -> dict[str, Any]:
    on = suspension_date(licence.past_due_since or licence.period_end)
    return {"status": "suspended", "suspended_on": on, "ended_on": on, "next_retry_on": None}


def _write(
    licence: Licence,
    today: date,
    action: str,
    changes: dict[str, Any],
    *,
    message: str | None = None,
    period_end: date | None = None,
) -> list[LicenceEvent]:
    """Write a transition under the optimistic lock, with its audit entry.

    Returns the event, or nothing when another process moved the licence first. An attempt
    whose outcome changes nothing on the licence (a retry that failed again) still reports.
    """
    event = LicenceEvent(
        licence_id=licence.id,
        customer_id=licence.customer_id,
        action=action,
        on=today,
        period_end=period_end or licence.period_end,
        message=message,
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
                after={**audit.licence_snapshot(current), "on": today, "message": message},
            )
    except StaleLicenceError:
        return []
    return [event]


# --- trials and retention -------------------------------------------------------------------


def _expire_trials(today: date) -> list[LicenceEvent]:
    """Trials past their last day become "Prova scaduta", ended on the trial's end."""
    with session_scope() as session:
        ended = renewal_queries.trials_ended_by(session, today)
    events = []
    for licence in ended:
        changes = {"status": "trial_expired", "ended_on": licence.trial_ends_on}
        events.extend(_write(licence, today, "trial_expired", changes))
    return events


async def _remove_expired_data(
    today: date, catalog: Catalog, gateway: StripeGateway | None
) -> list[LicenceEvent]:
    """After the retention days, remove what BRIEF §3 keeps only for a while.

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
            events.append(_error_event(licence.id, today, exc.message, licence))
        except Exception as exc:
            log.exception("data removal of licence %s failed", licence.id)
            message = f"errore interno ({type(exc).__name__})"
            events.append(_error_event(licence.id, today, message, licence))
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
        gateway = gateway or get_gateway()
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
            action="data_removed",
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


def schedule(session: Session, today: date) -> list[LicenceSchedule]:
    """Every licence with its next renewal and amount (from the domain quote)."""
    catalog = current_catalog()
    return [
        LicenceSchedule(
            view=overview(licence, today, catalog),
            company_name=customer.company_name,
            email=customer.email,
            data_removed_on=licence.data_removed_on,
        )
        for licence, customer in renewal_queries.licences_with_customers(session)
    ]


# --- helpers --------------------------------------------------------------------------------


def _error_event(
    licence_id: int, today: date, message: str, licence: Licence | None = None
) -> LicenceEvent:
    return LicenceEvent(
        licence_id=licence_id,
        customer_id=licence.customer_id if licence else 0,
        action="error",
        on=today,
        period_end=licence.period_end if licence else None,
        message=message,
    )


def _users(count: int) -> str:
    return "1 utente" if count == 1 else f"{count} utenti"


def _it_date(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
