"""'Simulazione': time in the store over a horizon, on a throwaway copy of its data.

The live store's clock is always the real one. To see what renewals, dunning, trial expiry and
suspensions would do over the coming months — with the published catalogue or a draft — the
product team runs the store's own renewal job on a temporary SQLite copy of the live rows, with
a payment gateway that never calls Stripe, then reads charges, documents, suspensions and MRR
over time; the copy is deleted. docs/pricing-lab.md, "Simulazione".
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel, select

from ts_store.billing import catalog_versions, renewals
from ts_store.billing.catalog import catalog_in_force_today
from ts_store.billing.errors import InputError
from ts_store.billing.services import Services, installed_here, services
from ts_store.domain.catalog_versions import Grandfathering, VersionStatus
from ts_store.domain.lifecycle import LicenceStatus
from ts_store.domain.periods import Cycle, add_cycle
from ts_store.payments.gateway import PaymentOutcome, PaymentStatus
from ts_store.store import models
from ts_store.store.db import dispose_engine, get_engine, session_scope, using_database

log = logging.getLogger(__name__)

MAX_MONTHS = 36
# What a simulation needs of the live store; sessions, emails, e-invoice files, the audit log
# and support requests stay behind (a simulation writes its own, then they are deleted).
COPIED_TABLES = (
    "customer",
    "billing_profile",
    "catalog_version",
    "licence",
    "payment_method",
    "billing_operation",
    "document_counter",
    "billing_document",
    "einvoice_counter",
    "price_change_notice",
)
_CHUNK = 500


class SandboxGateway:
    """Stands in for Stripe inside a simulation: every charge of a saved card succeeds, nothing
    leaves the process. Anything else a use case might ask of Stripe is refused loudly."""

    def __init__(self) -> None:
        self.charges = 0

    async def charge_off_session(
        self, *, amount_cents: int, metadata: dict[str, str] | None = None, **_: Any
    ) -> PaymentOutcome:
        self.charges += 1
        return PaymentOutcome(
            status=PaymentStatus.SUCCEEDED,
            payment_intent_id=f"pi_simulated_{self.charges}",
            client_secret=None,
            amount_cents=amount_cents,
            decline_code=None,
            metadata=dict(metadata or {}),
        )

    async def detach_card(self, payment_method_id: str, *, customer_id: str | None = None) -> None:
        """Retention removes cards: in a simulation there is nothing to detach."""

    async def cancel_payment(self, payment_intent_id: str) -> None:
        """Nothing to cancel: no payment ever waits in a simulation."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"a simulation never calls Stripe ({name})")


class _SimulatedClock:
    def __init__(self, today: date) -> None:
        self.day = today

    def today(self) -> date:
        return self.day


@dataclass(frozen=True)
class MrrPoint:
    on: date
    mrr_cents: int
    paying: int  # active or past-due licences
    suspended: int


@dataclass(frozen=True)
class SimulatedCharge:
    on: date
    licence_id: int
    company_name: str
    gross_cents: int
    document_number: str | None


@dataclass
class SimulationResult:
    start: date
    end: date
    catalog_label: str
    charges: list[SimulatedCharge] = field(default_factory=list)
    charged_gross_cents: int = 0
    documents: int = 0
    past_due: int = 0
    suspensions: int = 0
    trials_expired: int = 0
    ended: int = 0
    mrr: list[MrrPoint] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    stripe_calls: int = 0  # always 0: the sandbox gateway is the only gateway it had


def _months(value: object) -> int:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_MONTHS:
        raise InputError("months", "simulation_months_invalid", max_months=MAX_MONTHS)
    return value


async def simulate(
    actor_customer_id: int,
    months: object,
    version_id: int | None = None,
    grandfathering: object = Grandfathering.KEEP,
    describe: renewals.Describe | None = None,
) -> SimulationResult:
    """Run the store's job from today over `months` months on a copy of the data.

    `version_id` None: the published versions as they are. A version id (a draft, typically):
    it is published on the copy from today with `grandfathering`, as "Pubblica" would do.
    Nothing is written to the live database, nothing reaches Stripe, no email is sent.
    """
    actor = catalog_versions.require_product_team(actor_customer_id)
    count = _months(months)
    live = services()
    start = live.clock.today()
    checkpoints, month_end = [], start
    for _ in range(count):  # one MRR point a month, on the day of the month of today
        month_end = add_cycle(month_end, Cycle.MONTHLY, start.day)
        checkpoints.append(month_end)
    draft, policy = None, Grandfathering.KEEP
    if version_id is not None:
        draft = catalog_versions.get_version(actor, version_id)
        try:
            policy = Grandfathering(grandfathering)
        except ValueError:
            raise InputError("grandfathering", "grandfathering_invalid") from None
    folder = Path(tempfile.mkdtemp(prefix="ts-store-simulation-"))
    url = f"sqlite:///{folder / 'simulation.db'}"
    gateway = SandboxGateway()
    try:
        _copy_live_data(get_engine(), url)
        clock = _SimulatedClock(start)
        sandbox = Services(
            appliers=live.appliers,
            gateway=gateway,  # type: ignore[arg-type]
            clock=clock,
            catalog=catalog_in_force_today,
            throttle=live.throttle,
        )
        with using_database(url), installed_here(sandbox):
            label = "catalogo pubblicato"
            if draft is not None:
                _publish_on_copy(draft.content, draft.name, start, policy)
                label = f"bozza «{draft.name}»"
            result = SimulationResult(start=start, end=checkpoints[-1], catalog_label=label)
            with session_scope() as session:
                first_document = session.exec(
                    sa.select(sa.func.coalesce(sa.func.max(models.BillingDocument.id), 0))
                ).one()[0]
            result.mrr.append(_mrr_point(start))
            day = start
            report = renewals.RenewalReport(start)
            for checkpoint in checkpoints:
                clock.day = checkpoint
                report.merge(await renewals.renew_through(day, checkpoint, gateway))
                result.mrr.append(_mrr_point(checkpoint))
                day = checkpoint
            _read_outcome(result, report, first_document, describe)
    finally:
        dispose_engine(url)
        shutil.rmtree(folder, ignore_errors=True)
    result.stripe_calls = 0
    return result


def _copy_live_data(live: sa.Engine, url: str) -> None:
    """The live rows the job needs, read in one transaction, into a fresh SQLite file."""
    tables = [t for t in SQLModel.metadata.sorted_tables if t.name in COPIED_TABLES]
    target = get_engine_for(url)
    SQLModel.metadata.create_all(target)
    options = {} if live.dialect.name == "sqlite" else {"isolation_level": "REPEATABLE READ"}
    with (
        live.connect().execution_options(**options) as source,
        source.begin(),
        target.begin() as sink,
    ):
        for table in tables:
            rows = [dict(r) for r in source.execute(table.select()).mappings()]
            for i in range(0, len(rows), _CHUNK):
                sink.execute(table.insert(), rows[i : i + _CHUNK])


def get_engine_for(url: str) -> sa.Engine:
    with using_database(url):
        return get_engine()


def _publish_on_copy(content: str, name: str, start: date, policy: Grandfathering) -> None:
    with session_scope() as session:
        session.add(
            models.CatalogVersion(
                status=VersionStatus.PUBLISHED,
                name=name,
                content=content,
                effective_on=start,
                grandfathering=str(policy),
            )
        )
    catalog_versions.sync_statuses(start)
    if policy == Grandfathering.MOVE_AT_RENEWAL:
        catalog_versions.record_notices(start)


def _mrr_point(on: date) -> MrrPoint:
    """Monthly recurring revenue on `on`: each paying licence's seats × unit price of its own
    catalogue version, an annual price counted as 1/12 per month; rounded half-up once."""
    total = Fraction(0)
    paying = suspended = 0
    with session_scope() as session:
        rows = session.exec(select(models.Licence)).all()
    for licence in rows:
        status = LicenceStatus(licence.status)
        if status == LicenceStatus.SUSPENDED:
            suspended += 1
        if status not in (LicenceStatus.ACTIVE, LicenceStatus.PAST_DUE) or not licence.plan:
            continue
        paying += 1
        catalog = (
            catalog_versions.catalog_of(licence.catalog_version_id)
            if licence.catalog_version_id
            else catalog_in_force_today()
        )
        if not catalog.has_plan(licence.plan):
            continue
        unit = catalog.plan(licence.plan).unit_cents(Cycle(licence.cycle))
        months = 12 if licence.cycle == Cycle.ANNUAL else 1
        total += Fraction(unit * (licence.seats or 0), months)
    return MrrPoint(
        on=on, mrr_cents=int(total + Fraction(1, 2)), paying=paying, suspended=suspended
    )


def _read_outcome(
    result: SimulationResult,
    report: renewals.RenewalReport,
    first: int,
    describe: renewals.Describe | None,
) -> None:
    with session_scope() as session:
        companies = {c.id: c.company_name for c in session.exec(select(models.Customer))}
        documents = session.exec(
            select(models.BillingDocument).where(models.BillingDocument.id > first)
        ).all()
    A = renewals.Action
    for event in report.events:
        if event.action == A.RENEWED:
            result.charges.append(
                SimulatedCharge(
                    on=event.on,
                    licence_id=event.licence_id,
                    company_name=companies.get(event.customer_id, ""),
                    gross_cents=event.gross_cents or 0,
                    document_number=event.document_number,
                )
            )
    result.charged_gross_cents = sum(d.gross_cents for d in documents)
    result.documents = len(documents)
    result.past_due = report.count(A.PAST_DUE)
    result.suspensions = report.count(A.SUSPENDED)
    result.trials_expired = report.count(A.TRIAL_EXPIRED)
    result.ended = report.count(A.ENDED)
    result.lines = report.lines(describe) if describe else report.lines()
