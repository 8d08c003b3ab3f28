"""What MyArea shows of each licence: status, configuration, renewal and what is scheduled.

Amounts come from the domain quote; the UI only formats them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ts_store.billing import clock
from ts_store.billing.catalog import current_catalog
from ts_store.domain.catalog import Catalog
from ts_store.domain.lifecycle import (
    PAID_STATUSES,
    LicenceStatus,
    can_change,
    can_purchase,
    retention_until,
    status_label,
    trial_days_left,
)
from ts_store.domain.periods import Cycle
from ts_store.domain.quote import Configuration, Quote, QuoteError
from ts_store.domain.renewal import renewal_quote, suspension_date
from ts_store.store import licences
from ts_store.store.db import session_scope
from ts_store.store.models import Licence


@dataclass(frozen=True)
class Renewal:
    on: date
    plan_name: str
    cycle: Cycle
    seats: int
    net_cents: int
    vat_cents: int
    gross_cents: int


@dataclass(frozen=True)
class LicenceOverview:
    id: int
    product: str
    status: LicenceStatus
    status_label: str
    plan_name: str | None
    cycle: Cycle | None
    seats: int | None
    period_start: date | None
    period_end: date | None
    trial_ends_on: date | None
    trial_days_left: int | None
    ended_on: date | None
    retention_until: date | None
    renewal: Renewal | None
    scheduled_change: bool
    cancel_at_period_end: bool
    can_purchase: bool
    can_change: bool
    past_due_since: date | None
    suspended_on: date | None
    # Dunning (renewals): next retry, suspension day, and the unpaid renewal (IVA included).
    next_retry_on: date | None = None
    suspends_on: date | None = None
    open_amount_net_cents: int | None = None
    open_amount_gross_cents: int | None = None
    # The configuration a scheduled change applies at period end, also while in disdetta (then
    # `renewal` is None: nothing renews unless the customer reactivates).
    scheduled: Renewal | None = None


def current_configuration(licence: Licence) -> Configuration | None:
    if licence.plan is None or licence.cycle is None or licence.seats is None:
        return None
    return Configuration(plan=licence.plan, cycle=Cycle(licence.cycle), seats=licence.seats)


def renewal_configuration(licence: Licence) -> Configuration | None:
    if (
        licence.renewal_plan is None
        or licence.renewal_cycle is None
        or licence.renewal_seats is None
    ):
        return current_configuration(licence)
    return Configuration(
        plan=licence.renewal_plan, cycle=Cycle(licence.renewal_cycle), seats=licence.renewal_seats
    )


def renewal_charge(licence: Licence, catalog: Catalog) -> Quote | None:
    """The charge of the licence's next renewal with `catalog` (the version `renewal_catalog`
    picks): one function for what MyArea shows as "Prossimo rinnovo", what the renewal emails
    say and what the renewal job charges, so they agree to the cent. None without a period or
    a configuration; QuoteError when the catalogue no longer sells it (the renewal job reports
    that instead of charging)."""
    configuration = renewal_configuration(licence)
    if configuration is None or licence.period_end is None:
        return None
    anchor_day = licence.anchor_day or (licence.period_start or licence.period_end).day
    return renewal_quote(catalog, licence.period_end, anchor_day, configuration)


def _renewal_charge_or_none(licence: Licence, catalog: Catalog) -> Quote | None:
    try:
        return renewal_charge(licence, catalog)
    except QuoteError:
        return None  # nothing would be charged: no amount to announce


def has_scheduled_change(licence: Licence) -> bool:
    return renewal_configuration(licence) != current_configuration(licence)


def overview(licence: Licence, today: date, catalog: Catalog | None = None) -> LicenceOverview:
    catalog = catalog or current_catalog()
    status = LicenceStatus(licence.status)
    current = current_configuration(licence)
    renewal = None
    target = renewal_configuration(licence)
    paid = status in PAID_STATUSES
    renewing = status == LicenceStatus.ACTIVE and not licence.cancel_at_period_end
    # The next period's amount, also while in disdetta (then shown only as the scheduled
    # change that would apply if the customer reactivates, never as a renewal).
    charge = _renewal_charge_or_none(licence, catalog) if paid else None
    next_period = None
    if charge is not None and target is not None and licence.period_end:
        next_period = Renewal(
            on=licence.period_end,
            plan_name=_plan_name(catalog, target.plan),
            cycle=target.cycle,
            seats=target.seats,
            net_cents=charge.charge_now.net_cents,
            vat_cents=charge.charge_now.vat_cents,
            gross_cents=charge.charge_now.gross_cents,
        )
    if renewing:
        renewal = next_period
    scheduled_change = paid and has_scheduled_change(licence)
    ended_on = licence.ended_on
    if status == LicenceStatus.TRIAL_EXPIRED and ended_on is None:
        ended_on = licence.trial_ends_on
    return LicenceOverview(
        id=licence.id,
        product=licence.product,
        status=status,
        status_label=status_label(status, licence.cancel_at_period_end),
        plan_name=_plan_name(catalog, current.plan) if current else None,
        cycle=current.cycle if current else None,
        seats=current.seats if current else None,
        period_start=licence.period_start,
        period_end=licence.period_end,
        trial_ends_on=licence.trial_ends_on,
        trial_days_left=(
            trial_days_left(licence.trial_ends_on, today)
            if status == LicenceStatus.TRIAL and licence.trial_ends_on
            else None
        ),
        ended_on=ended_on,
        retention_until=retention_until(ended_on, catalog.retention_days) if ended_on else None,
        renewal=renewal,
        scheduled_change=scheduled_change,
        scheduled=next_period if scheduled_change else None,
        cancel_at_period_end=licence.cancel_at_period_end,
        can_purchase=can_purchase(status, ended_on, today, catalog.retention_days),
        can_change=can_change(status, licence.cancel_at_period_end),
        past_due_since=licence.past_due_since,
        suspended_on=licence.suspended_on,
        **_dunning_fields(licence, status, target, catalog),
    )


def _dunning_fields(
    licence: Licence, status: LicenceStatus, target: Configuration | None, catalog: Catalog
) -> dict:
    """What a past-due or suspended licence owes and when it is retried or suspended."""
    if status not in (LicenceStatus.PAST_DUE, LicenceStatus.SUSPENDED) or target is None:
        return {}
    fields: dict = {"next_retry_on": licence.next_retry_on}
    if status == LicenceStatus.PAST_DUE and licence.past_due_since is not None:
        fields["suspends_on"] = suspension_date(licence.past_due_since)
    charge = _renewal_charge_or_none(licence, catalog)
    if charge is not None:
        fields.update(
            open_amount_net_cents=charge.charge_now.net_cents,
            open_amount_gross_cents=charge.charge_now.gross_cents,
        )
    return fields


def _plan_name(catalog: Catalog, code: str) -> str:
    return catalog.plan(code).name if catalog.has_plan(code) else code


def licences_overview(customer_id: int, today: date | None = None) -> list[LicenceOverview]:
    """MyArea: every licence of this customer, on `today` (by default the store's)."""
    catalog = current_catalog()
    today = today or clock.today()
    with session_scope() as session:
        owned = licences.licences_of(session, customer_id)
    return [overview(licence, today, renewal_catalog(licence, catalog)) for licence in owned]


def renewal_catalog(licence: Licence, default: Catalog) -> Catalog:
    """The catalogue of the licence's next renewal: its own version, or the one a price-change
    notice or a scheduled new plan or cycle moves it to (docs/pricing-lab.md)."""
    if licence.period_end is None or LicenceStatus(licence.status) not in PAID_STATUSES:
        return default
    return renewal_pricing(licence).catalog


def renewal_pricing(licence: Licence):
    """The catalogue version (`catalog_versions.PricedCatalog`) pricing the renewal on the
    licence's `period_end`: what `renewal_catalog` shows and the renewal job charges with."""
    from ts_store.billing import (
        catalog_versions,  # it reads this module's configurations
    )

    return catalog_versions.licence_version_on(
        licence, licence.period_end, renewal_configuration(licence)
    )
