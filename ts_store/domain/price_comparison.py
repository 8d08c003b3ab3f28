"""'Confronto': typical situations quoted under the published catalogue and under the draft.

Every figure comes from the domain quote that charges customers, so the grid is exact to the
cent. The situations (docs/catalog-lab.md, "Confronto"): a purchase of 1, 5 and 20 users per
plan and cycle; +3 users at mid-period; a move to the next plan at mid-period (Pro → Business);
monthly → annual at mid-period. A situation a catalogue cannot quote (a plan it lacks, users out
of its limits) shows why instead of an amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from ts_store.domain.catalog import Catalog
from ts_store.domain.periods import CYCLE_LABELS, Cycle, add_cycle
from ts_store.domain.quote import Configuration, CurrentTerm, QuoteError, quote

PURCHASE_SEATS = (1, 5, 20)
ADDED_SEATS = 3
# "Mid-period": the period started this many days before the date of the grid.
_HALF_PERIOD_DAYS = {Cycle.MONTHLY: 15, Cycle.ANNUAL: 182}


@dataclass(frozen=True)
class Situation:
    label: str  # Italian, shown in the grid
    group: str  # "Acquisto", "A metà periodo"
    today: date
    current: CurrentTerm | None
    target: Configuration


@dataclass(frozen=True)
class Outcome:
    """A situation under one catalogue: the amounts, or why it cannot be quoted."""

    now_net: int | None = None
    now_gross: int | None = None
    renewal_net: int | None = None
    renewal_gross: int | None = None
    renewal_on: date | None = None
    problem: str = ""

    @property
    def quoted(self) -> bool:
        return self.now_net is not None


@dataclass(frozen=True)
class ComparisonRow:
    situation: Situation
    published: Outcome
    draft: Outcome

    def difference(self, name: str) -> int | None:
        """draft - published of one figure ("now_net", "renewal_gross" …), when both quote."""
        before, after = getattr(self.published, name), getattr(self.draft, name)
        if before is None or after is None:
            return None
        return after - before


def mid_period(today: date, cycle: Cycle) -> tuple[date, date]:
    """A period of `cycle` that contains `today` about half-way through."""
    start = today - timedelta(days=_HALF_PERIOD_DAYS[cycle])
    return start, add_cycle(start, cycle, start.day)


def typical_situations(published: Catalog, draft: Catalog, today: date) -> list[Situation]:
    """The grid's rows, for every plan of either catalogue (published order, then new ones)."""
    plans = list(dict.fromkeys(published.plan_codes() + draft.plan_codes()))
    names = {plan.code: plan.name for plan in draft.plans} | {
        plan.code: plan.name for plan in published.plans
    }
    rows: list[Situation] = []
    for code in plans:
        for cycle in (Cycle.MONTHLY, Cycle.ANNUAL):
            for seats in PURCHASE_SEATS:
                rows.append(
                    Situation(
                        label=f"{names[code]}, {_cycle(cycle)}, {_users(seats)}",
                        group="Acquisto",
                        today=today,
                        current=None,
                        target=Configuration(code, cycle, seats),
                    )
                )
    for code in plans:
        for cycle in (Cycle.MONTHLY, Cycle.ANNUAL):
            seats = _base_seats(published, draft, code, 2)
            rows.append(
                _change(
                    f"{names[code]}, {_cycle(cycle)}: da {seats} a {seats + ADDED_SEATS} utenti",
                    today,
                    Configuration(code, cycle, seats),
                    Configuration(code, cycle, seats + ADDED_SEATS),
                )
            )
    for lower, upper in pairwise(plans):
        seats = max(
            _base_seats(published, draft, lower, 5), _base_seats(published, draft, upper, 5)
        )
        for cycle in (Cycle.MONTHLY, Cycle.ANNUAL):
            rows.append(
                _change(
                    f"{names[lower]} → {names[upper]}, {_cycle(cycle)}, {_users(seats)}",
                    today,
                    Configuration(lower, cycle, seats),
                    Configuration(upper, cycle, seats),
                )
            )
    for code in plans:
        seats = _base_seats(published, draft, code, 5)
        rows.append(
            _change(
                f"{names[code]}, da mensile ad annuale, {_users(seats)}",
                today,
                Configuration(code, Cycle.MONTHLY, seats),
                Configuration(code, Cycle.ANNUAL, seats),
            )
        )
    return rows


def compare(published: Catalog, draft: Catalog, today: date) -> list[ComparisonRow]:
    """Every typical situation quoted under both catalogues."""
    return [
        ComparisonRow(situation, outcome(published, situation), outcome(draft, situation))
        for situation in typical_situations(published, draft, today)
    ]


def outcome(catalog: Catalog, situation: Situation) -> Outcome:
    if not catalog.has_plan(situation.target.plan) or (
        situation.current is not None and not catalog.has_plan(situation.current.configuration.plan)
    ):
        return Outcome(problem="piano assente in questo catalogo")
    try:
        result = quote(catalog, situation.today, situation.current, situation.target)
    except QuoteError as error:
        return Outcome(problem=error.message)
    return Outcome(
        now_net=result.charge_now.net_cents,
        now_gross=result.charge_now.gross_cents,
        renewal_net=result.at_renewal.net_cents,
        renewal_gross=result.at_renewal.gross_cents,
        renewal_on=result.at_renewal.date,
    )


def _change(label: str, today: date, current: Configuration, target: Configuration) -> Situation:
    start, end = mid_period(today, current.cycle)
    return Situation(
        label=label,
        group="A metà periodo",
        today=today,
        current=CurrentTerm(current, start, end),
        target=target,
    )


def _base_seats(published: Catalog, draft: Catalog, code: str, wanted: int) -> int:
    """`wanted` users, raised to the plan's minimum (in the published catalogue if it has it)."""
    catalog = published if published.has_plan(code) else draft
    return max(wanted, catalog.plan(code).min_seats)


def _cycle(cycle: Cycle) -> str:
    return CYCLE_LABELS[cycle].lower()


def _users(count: int) -> str:
    return "1 utente" if count == 1 else f"{count} utenti"
