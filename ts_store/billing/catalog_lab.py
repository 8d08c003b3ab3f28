"""The product team's catalogue lab: the draft in euros, 'Confronto', 'Impatto sui clienti'.

Reads only: nothing is stored and nothing reaches Stripe (docs/catalog-lab.md). Callers check
the role first (`accounts.is_product_team`); the UI turns `InputError` codes into Italian.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date

from ts_store.billing import catalog_versions, pricing_sandbox
from ts_store.billing.catalog import current_catalog
from ts_store.domain.catalog import Catalog
from ts_store.domain.catalog_draft import CatalogForm, catalog_to_toml, form_from_catalog
from ts_store.domain.catalog_versions import VersionRef, version_in_force
from ts_store.domain.price_comparison import ComparisonRow, compare
from ts_store.domain.price_impact import ImpactAccumulator, ImpactReport, LiveLicence, Policy
from ts_store.store.catalog_versions import pricing_refs
from ts_store.store.db import session_scope
from ts_store.store.price_impact_queries import live_licence_rows, standing_notices

IMPACT_CHUNK = 2000
MAX_EFFECTIVE_DAYS = 5 * 366


def published_catalog() -> Catalog:
    """The catalogue the store charges with today (what the draft is compared against)."""
    return current_catalog()


def published_form() -> CatalogForm:
    return form_from_catalog(published_catalog())


def form_from_toml(text: object) -> CatalogForm:
    """A catalogue file pasted by a power user, validated as the store validates its file."""
    return form_from_catalog(pricing_sandbox.parse_draft(text))


def toml_of(catalog: Catalog) -> str:
    return catalog_to_toml(catalog)


def comparison(draft: Catalog, today: date) -> list[ComparisonRow]:
    return compare(published_catalog(), draft, today)


class _Pricing:
    """Which catalogue version prices each licence's next renewal: the rule of
    `catalog_versions.version_for_terms` (docs/pricing-lab.md), applied to every licence from
    two queries instead of two per licence."""

    def __init__(self, refs: list[VersionRef], notices: list[tuple[int, int, date]]) -> None:
        self.refs = {ref.id: ref for ref in refs}
        self.notices: dict[int, list[tuple[int, date]]] = {}
        for licence_id, version_id, moves_on in notices:
            self.notices.setdefault(licence_id, []).append((version_id, moves_on))
        self._in_force: dict[date, int | None] = {}

    def in_force(self, on: date) -> int | None:
        if on not in self._in_force:
            ref = version_in_force(self.refs.values(), on)
            self._in_force[on] = ref.id if ref is not None else None
        return self._in_force[on]

    def version(
        self, licence_id: int, own: int | None, changes_terms: bool, on: date
    ) -> int | None:
        base = self.refs.get(own) if own is not None else None
        if base is None or changes_terms:
            return self.in_force(on)
        chosen = base
        for version_id, moves_on in self.notices.get(licence_id, ()):
            moved = self.refs.get(version_id)
            if moved is not None and moves_on <= on and _newer(moved, chosen):
                chosen = moved
        return chosen.id


def _newer(a: VersionRef, b: VersionRef) -> bool:
    return (a.effective_on, a.id) > (b.effective_on, b.id)


def live_licences() -> list[LiveLicence]:
    """Every active or past-due licence with its renewal configuration and date, and the
    catalogue version that prices that renewal today."""
    licences: list[LiveLicence] = []
    with session_scope() as session:
        pricing = _Pricing(pricing_refs(session), standing_notices(session))
        for rows in live_licence_rows(session):
            for (
                licence_id,
                company,
                status,
                cancelling,
                plan,
                cycle,
                renewal_plan,
                renewal_cycle,
                renewal_seats,
                period_end,
                anchor_day,
                period_start,
                version_id,
            ) in rows:
                renewal_plan, renewal_cycle = renewal_plan or plan, renewal_cycle or cycle
                changes_terms = (renewal_plan, renewal_cycle) != (plan, cycle)
                licences.append(
                    LiveLicence(
                        licence_id=licence_id,
                        customer=company,
                        status=str(status),
                        cancelling=bool(cancelling),
                        plan=plan,
                        cycle=cycle,
                        renewal_plan=renewal_plan,
                        renewal_cycle=renewal_cycle,
                        renewal_seats=renewal_seats or 0,
                        renewal_on=period_end,
                        anchor_day=anchor_day or (period_start or period_end).day,
                        priced_by=pricing.version(
                            licence_id, version_id, changes_terms, period_end
                        ),
                    )
                )
    return licences


async def impact(
    draft: Catalog,
    policy: Policy,
    effective_on: date,
    today: date,
    progress: Callable[[int, int], Awaitable[None]] | None = None,
) -> ImpactReport:
    """Every live licence's renewals under the published catalogue and the draft.

    Runs off the event loop (a thread per chunk) and calls `progress(done, total)` between
    chunks, so the page shows how far it got and other sessions are never blocked.
    """
    licences = await asyncio.to_thread(live_licences)
    versions = {
        version_id: catalog_versions.catalog_of(version_id)
        for version_id in {licence.priced_by for licence in licences}
        if version_id is not None
    }
    accumulator = ImpactAccumulator(
        published_catalog(), draft, policy, effective_on, today, versions
    )
    total = len(licences)
    if progress is not None:
        await progress(0, total)
    for start in range(0, total, IMPACT_CHUNK):
        await asyncio.to_thread(accumulator.add, licences[start : start + IMPACT_CHUNK])
        if progress is not None:
            await progress(min(start + IMPACT_CHUNK, total), total)
    return accumulator.result()
