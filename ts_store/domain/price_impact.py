"""'Impatto sui clienti': what a draft catalogue does to every live licence's renewals.

For each live licence (active or past due; those in disdetta do not renew and are counted
apart) the renewal configuration is priced as the store would price it today (the catalogue
version that prices that licence's renewal: its own under grandfathering, else the published
one) and under the draft,
given the grandfathering policy (docs/catalog-lab.md, "Impatto sui clienti"):

- KEEP (a): a licence keeps its prices until it changes plan or cycle; only a scheduled change
  of plan or cycle at a renewal on or after the effective date moves to the draft's prices.
- AT_RENEWAL (b): a licence moves to the draft's prices at its first renewal on or after both
  the effective date and 30 days after the notice (sent today).

"Before" is one renewal period under the published catalogue; "after" is the same under the
policy once it has applied (a regime). MRR counts an annual renewal as 1/12 per month; ARR is
12 × MRR. Amounts are net (IVA esclusa), exact fractions until one half-up rounding for display.
Pure and incremental (`ImpactAccumulator.add` takes chunks) so the caller can report progress.
"""

from __future__ import annotations

import csv
import enum
import heapq
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from ts_store.domain.catalog import Catalog
from ts_store.domain.periods import CYCLE_LABELS, Cycle, add_cycle

NOTICE_DAYS = 30
TOP_CHANGES = 10


class Policy(enum.StrEnum):
    KEEP = "keep"
    AT_RENEWAL = "at_renewal"


POLICY_LABELS = {
    Policy.KEEP: "(a) i clienti attuali mantengono i prezzi finché non cambiano piano o ciclo",
    Policy.AT_RENEWAL: (
        "(b) i nuovi prezzi valgono dal primo rinnovo dopo la data di efficacia, "
        f"con preavviso di almeno {NOTICE_DAYS} giorni"
    ),
}


@dataclass(frozen=True, slots=True)
class LiveLicence:
    """What the impact needs of one licence (its renewal configuration and date)."""

    licence_id: int
    customer: str
    status: str
    cancelling: bool
    plan: str
    cycle: str
    renewal_plan: str
    renewal_cycle: str
    renewal_seats: int
    renewal_on: date
    anchor_day: int
    # The catalogue version that prices its next renewal today (grandfathering): None for the
    # published catalogue passed to the accumulator.
    priced_by: int | None = None


@dataclass(frozen=True, slots=True)
class LicenceImpact:
    licence: LiveLicence
    before_net: int | None  # one renewal period under the published catalogue
    after_net: int | None  # the same under the policy, once applied; None: the draft cannot
    moves_on: date | None  # the first renewal at the draft's price (None: never)
    problem: str = ""

    @property
    def change(self) -> int | None:
        if self.before_net is None or self.after_net is None:
            return None
        return self.after_net - self.before_net

    @property
    def next_renewal_after(self) -> int | None:
        """The next renewal (on `renewal_on`) under the policy."""
        if self.moves_on == self.licence.renewal_on:
            return self.after_net
        return self.before_net


@dataclass
class Bucket:
    """One plan and cycle of the renewal configuration: licences and MRR (exact)."""

    plan: str
    cycle: str
    licences: int = 0
    mrr_before: Fraction = Fraction(0)
    mrr_after: Fraction = Fraction(0)


@dataclass
class ImpactReport:
    considered: int = 0
    more: int = 0
    less: int = 0
    same: int = 0
    unpriced: int = 0
    moving_at_next_renewal: int = 0
    cancelling: int = 0
    cancelling_mrr: Fraction = Fraction(0)
    buckets: list[Bucket] = field(default_factory=list)
    top: list[LicenceImpact] = field(default_factory=list)
    impacts: list[LicenceImpact] = field(default_factory=list)

    @property
    def mrr_before(self) -> Fraction:
        return sum((bucket.mrr_before for bucket in self.buckets), Fraction(0))

    @property
    def mrr_after(self) -> Fraction:
        return sum((bucket.mrr_after for bucket in self.buckets), Fraction(0))


def months(cycle: str) -> int:
    return 12 if cycle == Cycle.ANNUAL else 1


def first_renewal_on_or_after(renewal_on: date, cycle: str, anchor_day: int, day: date) -> date:
    """The first renewal date of the licence's calendar that is on or after `day`."""
    current = renewal_on
    while current < day:
        current = add_cycle(current, Cycle(cycle), anchor_day)
    return current


class ImpactAccumulator:
    """Feed licences in chunks, read the report at the end (or the count so far)."""

    def __init__(
        self,
        published: Catalog,
        draft: Catalog,
        policy: Policy,
        effective_on: date,
        today: date,
        versions: Mapping[int, Catalog] | None = None,
    ) -> None:
        self.published, self.draft = published, draft
        self.policy = Policy(policy)
        self.effective_on = effective_on
        # (b): the notice goes out today, so nothing moves before today + 30 days.
        self.threshold = max(effective_on, today + timedelta(days=NOTICE_DAYS))
        self._units_before = _units(published)
        self._units_of = {key: _units(catalog) for key, catalog in (versions or {}).items()}
        self._units_after = _units(draft)
        self._draft_limits = {p.code: (p.min_seats, p.max_seats, p.name) for p in draft.plans}
        self._buckets: dict[tuple[str, str], Bucket] = {}
        self._top: list[tuple[int, int, int, LicenceImpact]] = []
        self.report = ImpactReport()

    def add(self, licences: Iterable[LiveLicence]) -> None:
        report = self.report
        for licence in licences:
            if licence.cancelling:
                report.cancelling += 1
                unit = self._before(licence).get((licence.renewal_plan, licence.renewal_cycle))
                if unit is not None:
                    report.cancelling_mrr += Fraction(
                        licence.renewal_seats * unit, months(licence.renewal_cycle)
                    )
                continue
            impact = self.impact(licence)
            report.considered += 1
            report.impacts.append(impact)
            change = impact.change
            if change is None:
                report.unpriced += 1
                continue
            if change > 0:
                report.more += 1
            elif change < 0:
                report.less += 1
            else:
                report.same += 1
            if change and impact.moves_on == licence.renewal_on:
                report.moving_at_next_renewal += 1
            key = (licence.renewal_plan, licence.renewal_cycle)
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = Bucket(*key)
            per = months(licence.renewal_cycle)
            bucket.licences += 1
            bucket.mrr_before += Fraction(impact.before_net, per)
            bucket.mrr_after += Fraction(impact.after_net, per)
            if change:
                entry = (abs(change), -licence.licence_id, licence.licence_id, impact)
                if len(self._top) < TOP_CHANGES:
                    heapq.heappush(self._top, entry)
                elif entry[:2] > self._top[0][:2]:
                    heapq.heapreplace(self._top, entry)

    def _before(self, licence: LiveLicence) -> dict[tuple[str, str], int]:
        """Unit prices of the version pricing the licence's renewal today."""
        if licence.priced_by is None:
            return self._units_before
        return self._units_of.get(licence.priced_by, self._units_before)

    def impact(self, licence: LiveLicence) -> LicenceImpact:
        key = (licence.renewal_plan, licence.renewal_cycle)
        unit_before = self._before(licence).get(key)
        if unit_before is None:
            return LicenceImpact(licence, None, None, None, "piano assente nel catalogo pubblicato")
        before = licence.renewal_seats * unit_before
        changes_plan = (licence.renewal_plan, licence.renewal_cycle) != (
            licence.plan,
            licence.cycle,
        )
        if self.policy == Policy.KEEP:
            if not changes_plan or licence.renewal_on < self.effective_on:
                return LicenceImpact(licence, before, before, None)
            moves_on = licence.renewal_on
        else:
            moves_on = first_renewal_on_or_after(
                licence.renewal_on, licence.renewal_cycle, licence.anchor_day, self.threshold
            )
        problem = self._draft_problem(licence)
        if problem:
            return LicenceImpact(licence, before, None, None, problem)
        return LicenceImpact(
            licence, before, licence.renewal_seats * self._units_after[key], moves_on
        )

    def _draft_problem(self, licence: LiveLicence) -> str:
        limits = self._draft_limits.get(licence.renewal_plan)
        if limits is None:
            return f"il piano '{licence.renewal_plan}' non è nella bozza"
        low, high, name = limits
        if not low <= licence.renewal_seats <= high:
            return (
                f"il piano {name} della bozza consente da {low} a {high} utenti, "
                f"la licenza ne ha {licence.renewal_seats}"
            )
        return ""

    def result(self) -> ImpactReport:
        order = {code: n for n, code in enumerate(self.published.plan_codes())}
        self.report.buckets = sorted(
            self._buckets.values(),
            key=lambda b: (order.get(b.plan, len(order)), b.plan, b.cycle != Cycle.MONTHLY),
        )
        self.report.top = [entry[3] for entry in sorted(self._top, reverse=True)]
        return self.report


def compute_impact(
    licences: Iterable[LiveLicence],
    published: Catalog,
    draft: Catalog,
    policy: Policy,
    effective_on: date,
    today: date,
    versions: Mapping[int, Catalog] | None = None,
) -> ImpactReport:
    accumulator = ImpactAccumulator(published, draft, policy, effective_on, today, versions)
    accumulator.add(licences)
    return accumulator.result()


def _units(catalog: Catalog) -> dict[tuple[str, str], int]:
    return {
        (plan.code, cycle.value): plan.unit_cents(cycle)
        for plan in catalog.plans
        for cycle in Cycle
    }


CSV_HEADER = (
    "licenza",
    "cliente",
    "stato",
    "piano al rinnovo",
    "ciclo",
    "utenti",
    "prossimo rinnovo",
    "importo attuale (€, IVA esclusa)",
    "importo con la bozza (€, IVA esclusa)",
    "differenza (€)",
    "nuovo prezzo dal",
    "nota",
)


def impact_csv(report: ImpactReport) -> str:
    """Every licence of the report, one row each, for a spreadsheet set to Italian (';', ',')."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for impact in report.impacts:
        licence = impact.licence
        writer.writerow(
            (
                licence.licence_id,
                _csv_text(licence.customer),
                licence.status,
                licence.renewal_plan,
                CYCLE_LABELS.get(Cycle(licence.renewal_cycle), licence.renewal_cycle),
                licence.renewal_seats,
                licence.renewal_on.strftime("%d/%m/%Y"),
                _csv_euros(impact.before_net),
                _csv_euros(impact.after_net),
                _csv_euros(impact.change),
                impact.moves_on.strftime("%d/%m/%Y") if impact.moves_on else "",
                impact.problem,
            )
        )
    return out.getvalue()


def _csv_text(value: str) -> str:
    """A customer's text never starts a spreadsheet formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv_euros(cents: int | None) -> str:
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole},{rest:02d}"
