"""Catalogue versions: the product team's drafts, publishing, and which version prices what.

Use cases for the laboratory take the actor's customer id and check the product-team role
themselves (every one: an event handler is a public endpoint). The pricing functions
(`in_force`, `catalog_of`) serve billing and need no actor. API and rules: docs/pricing-lab.md.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime

from ts_store.billing import notices
from ts_store.billing.errors import ConflictError, InputError, NotAllowed
from ts_store.billing.overview import renewal_configuration
from ts_store.billing.pricing_sandbox import parse_draft
from ts_store.domain.catalog import Catalog
from ts_store.domain.catalog_versions import (
    VERSION_STATUS_LABELS,
    Grandfathering,
    VersionRef,
    VersionStatus,
    move_date,
    status_on,
    version_in_force,
)
from ts_store.domain.money import with_vat
from ts_store.domain.quote import Configuration, QuoteError, renewal_amount
from ts_store.domain.renewal import renewal_period
from ts_store.store import audit, customers
from ts_store.store import catalog_versions as store
from ts_store.store import licences as licences_store
from ts_store.store.db import session_scope
from ts_store.store.models import CatalogVersion, Licence, utcnow

V = VersionStatus
PRODUCT_TEAM = "product_team"
MAX_NAME_CHARS = 120
MAX_NOTE_CHARS = 2000
NAME_INVALID = "version_name_invalid"
NOTE_INVALID = "version_note_invalid"


@dataclass(frozen=True)
class VersionView:
    """One catalogue version as the laboratory shows it (status as of `today`)."""

    id: int
    status: VersionStatus
    status_label: str
    name: str
    note: str
    content: str  # the catalogue's TOML text
    effective_on: date | None
    grandfathering: Grandfathering | None
    author_customer_id: int | None
    author_email: str
    based_on_id: int | None
    revision: int  # pass it back to save_draft/publish: refused if someone saved since
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    published_by_email: str
    in_force: bool  # the version pricing new purchases today

    @property
    def editable(self) -> bool:
        return self.status == V.DRAFT


@dataclass(frozen=True)
class PricedCatalog:
    """A catalogue and the version it comes from (recorded on what it prices)."""

    version_id: int
    catalog: Catalog


# --- pricing: which version, and its catalogue -------------------------------------------------

# Parsed catalogues by their TOML text: a version read again is not parsed again, and a
# changed draft (or another database in tests) can never be served a stale catalogue.
_parsed: dict[str, Catalog] = {}
_parsed_lock = threading.Lock()
_MAX_PARSED = 64


def parsed(content: str) -> Catalog:
    """A version's TOML as a catalogue (validated; cached by text)."""
    cached = _parsed.get(content)
    if cached is not None:
        return cached
    catalog = parse_draft(content)
    with _parsed_lock:
        if len(_parsed) >= _MAX_PARSED:
            _parsed.clear()
        _parsed[content] = catalog
    return catalog


@dataclass
class _Pinned:
    """The versions as one stretch of work read them (see `pinned_versions`)."""

    refs: list[VersionRef] | None = None
    contents: dict[int, str] = field(default_factory=dict)


_pinned: ContextVar[_Pinned | None] = ContextVar("ts_store_pinned_versions", default=None)


@contextmanager
def pinned_versions() -> Iterator[None]:
    """Inside, which versions may price (`pricing_refs`) and each version's text are read once
    and kept, instead of once per question. The renewal job wraps each batch of licences it
    claims in one (a renewal priced, its XML, its email each asked for the catalogue: six
    reads per renewal, issue #18); a version published or withdrawn meanwhile is seen by the
    next batch, as a run that reached that licence a few seconds later would. A licence's
    price-change notices are still read each time (they are the licence's own rows)."""
    token = _pinned.set(_Pinned())
    try:
        yield
    finally:
        _pinned.reset(token)


def catalog_of(version_id: int) -> Catalog:
    """The catalogue of a version (any status)."""
    pinned = _pinned.get()
    if pinned is not None and version_id in pinned.contents:
        return parsed(pinned.contents[version_id])
    with session_scope() as session:
        row = store.content_of(session, version_id)
    if row is None:
        raise NotAllowed("catalog_version_not_found")
    if pinned is not None:
        pinned.contents[version_id] = row[0]
    return parsed(row[0])


def _pinned_refs() -> list[VersionRef] | None:
    pinned = _pinned.get()
    return None if pinned is None else pinned.refs


def _pin_refs(refs: list[VersionRef]) -> None:
    pinned = _pinned.get()
    if pinned is not None and refs:
        pinned.refs = refs


def _refs() -> list[VersionRef]:
    refs = _pinned_refs()
    if refs is not None:
        return refs
    with session_scope() as session:
        refs = store.pricing_refs(session)
        if not refs:
            store.ensure_seeded(session)
            refs = store.pricing_refs(session)
    _pin_refs(refs)
    return refs


def in_force(on: date) -> PricedCatalog:
    """The published version that prices a new purchase on `on`, with its catalogue."""
    ref = version_in_force(_refs(), on)
    if ref is None:  # only before version 1's date (2000-01-01)
        raise NotAllowed("catalog_version_not_found")
    return PricedCatalog(ref.id, catalog_of(ref.id))


def in_force_content(on: date) -> str:
    """The TOML text of the version in force on `on`."""
    ref = version_in_force(_refs(), on)
    with session_scope() as session:
        row = store.content_of(session, ref.id) if ref is not None else None
    if row is None:
        raise NotAllowed("catalog_version_not_found")
    return row[0]


def in_force_id(on: date) -> int | None:
    ref = version_in_force(_refs(), on)
    return None if ref is None else ref.id


# --- the laboratory's use cases -------------------------------------------------------------


def _require_product_team(actor_customer_id: object) -> int:
    if (
        not isinstance(actor_customer_id, int)
        or isinstance(actor_customer_id, bool)
        or not 0 < actor_customer_id < 2**31
    ):
        raise NotAllowed("product_team_only")
    with session_scope() as session:
        customer = customers.get_customer(session, actor_customer_id)
        if customer is None or customer.role != PRODUCT_TEAM:
            raise NotAllowed("product_team_only")
    return actor_customer_id


def require_product_team(actor_customer_id: object) -> int:
    """The actor's id if it is a product-team member's (else NotAllowed product_team_only)."""
    return _require_product_team(actor_customer_id)


def _version_id(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31:
        raise NotAllowed("catalog_version_not_found")
    return value


def _text(value: object, field: str, code: str, max_chars: int, *, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InputError(field, code, max_chars=max_chars)
    value = value.strip()
    if len(value) > max_chars or (required and not value):
        raise InputError(field, code, max_chars=max_chars)
    return value


def _emails(session, *ids: int | None) -> dict[int, str]:
    out = {}
    for customer_id in {i for i in ids if i is not None}:
        customer = customers.get_customer(session, customer_id)
        out[customer_id] = customer.email if customer else ""
    return out


def _view(session, version: CatalogVersion, today: date, current: VersionRef | None) -> VersionView:
    emails = _emails(session, version.author_customer_id, version.published_by)
    ref = VersionRef(version.id, version.status, version.effective_on)
    status = status_on(ref, current, today)
    return VersionView(
        id=version.id,
        status=status,
        status_label=VERSION_STATUS_LABELS[status],
        name=version.name,
        note=version.note,
        content=version.content,
        effective_on=version.effective_on,
        grandfathering=Grandfathering(version.grandfathering) if version.grandfathering else None,
        author_customer_id=version.author_customer_id,
        author_email=emails.get(version.author_customer_id, ""),
        based_on_id=version.based_on_id,
        revision=version.revision,
        created_at=version.created_at,
        updated_at=version.updated_at,
        published_at=version.published_at,
        published_by_email=emails.get(version.published_by, ""),
        in_force=current is not None and current.id == version.id,
    )


def _today() -> date:
    from ts_store.billing import clock  # the clock reads services; imported when used

    return clock.today()


def sync_statuses(today: date | None = None) -> None:
    """Bring stored statuses in line with the date: a scheduled version whose date came is
    published, the one it replaced retired. Pricing never depends on this (the date decides);
    it keeps the list and the audit readable."""
    today = today or _today()
    with session_scope() as session:
        refs = store.pricing_refs(session)
        current = version_in_force(refs, today)
        for ref in refs:
            wanted = status_on(ref, current, today)
            if wanted != ref.status and wanted != V.SCHEDULED:
                version = store.get_version(session, ref.id)
                # Scheduled -> published -> retired; a version skipped over goes straight on.
                if ref.status == V.SCHEDULED and wanted == V.RETIRED:
                    store.set_status(session, version, V.PUBLISHED)
                store.set_status(session, version, wanted)
                audit.record(
                    session,
                    action=f"catalog_version_{wanted}",
                    actor_customer_id=None,
                    after={"version": ref.id, "on": today},
                )


def list_versions(actor_customer_id: int) -> list[VersionView]:
    """Every version, newest first (drafts of every product-team member included)."""
    _require_product_team(actor_customer_id)
    today = _today()
    sync_statuses(today)
    with session_scope() as session:
        current = version_in_force(store.pricing_refs(session), today)
        return [_view(session, v, today, current) for v in store.all_versions(session)]


def get_version(actor_customer_id: int, version_id: int) -> VersionView:
    _require_product_team(actor_customer_id)
    version_id = _version_id(version_id)
    today = _today()
    with session_scope() as session:
        version = store.get_version(session, version_id)
        if version is None:
            raise NotAllowed("catalog_version_not_found")
        current = version_in_force(store.pricing_refs(session), today)
        return _view(session, version, today, current)


def version_catalog(actor_customer_id: int, version_id: int) -> Catalog:
    """A version's catalogue (a draft's too), for the laboratory's comparisons and previews."""
    _require_product_team(actor_customer_id)
    return catalog_of(_version_id(version_id))


def create_draft(
    actor_customer_id: int, name: object, note: object = "", content: object = None
) -> VersionView:
    """A new draft: the given TOML, or a copy of the version in force today."""
    actor = _require_product_team(actor_customer_id)
    name = _text(name, "name", NAME_INVALID, MAX_NAME_CHARS, required=True)
    note = _text(note, "note", NOTE_INVALID, MAX_NOTE_CHARS, required=False)
    based_on = None
    if content is None:
        current = in_force(_today())
        based_on = current.version_id
        with session_scope() as session:
            content = store.content_of(session, based_on)[0]
    parse_draft(content)  # InputError naming plan and field
    return _add_draft(actor, name, note, content, based_on, "catalog_draft_created")


def duplicate(actor_customer_id: int, version_id: int, name: object = None) -> VersionView:
    """A new draft with the content of any version (to start again from a published one, or to
    try a variant of a colleague's draft)."""
    actor = _require_product_team(actor_customer_id)
    version_id = _version_id(version_id)
    with session_scope() as session:
        source = store.get_version(session, version_id)
        if source is None:
            raise NotAllowed("catalog_version_not_found")
        content, source_name = source.content, source.name
    if name is None:
        name = f"Copia di {source_name}"[:MAX_NAME_CHARS]
    name = _text(name, "name", NAME_INVALID, MAX_NAME_CHARS, required=True)
    return _add_draft(actor, name, "", content, version_id, "catalog_draft_duplicated")


def _add_draft(
    actor: int, name: str, note: str, content: str, based_on: int | None, action: str
) -> VersionView:
    today = _today()
    with session_scope() as session:
        version = store.add_draft(
            session,
            name=name,
            note=note,
            content=content,
            author_customer_id=actor,
            based_on_id=based_on,
        )
        audit.record(
            session,
            action=action,
            actor_customer_id=actor,
            after={"version": version.id, "name": name, "based_on": based_on},
        )
        current = version_in_force(store.pricing_refs(session), today)
        return _view(session, version, today, current)


def save_draft(
    actor_customer_id: int,
    version_id: int,
    revision: object,
    name: object,
    note: object,
    content: object,
) -> VersionView:
    """Save a draft's name, note and TOML (validated), if nobody saved it since `revision`."""
    actor = _require_product_team(actor_customer_id)
    version_id = _version_id(version_id)
    if not isinstance(revision, int) or isinstance(revision, bool):
        raise ConflictError("draft_changed")
    name = _text(name, "name", NAME_INVALID, MAX_NAME_CHARS, required=True)
    note = _text(note, "note", NOTE_INVALID, MAX_NOTE_CHARS, required=False)
    parse_draft(content)
    today = _today()
    with session_scope() as session:
        version = store.get_version(session, version_id)
        if version is None:
            raise NotAllowed("catalog_version_not_found")
        if version.status != V.DRAFT:
            raise NotAllowed("version_not_draft")
        before = {"name": version.name, "note": version.note, "revision": version.revision}
        try:
            store.update_draft(session, version, revision, name=name, note=note, content=content)
        except store.StaleDraftError:
            raise ConflictError("draft_changed") from None
        audit.record(
            session,
            action="catalog_draft_saved",
            actor_customer_id=actor,
            before={"version": version_id, **before},
            after={"version": version_id, "name": name, "note": note, "revision": revision + 1},
        )
        current = version_in_force(store.pricing_refs(session), today)
        return _view(session, version, today, current)


# --- which version prices a licence -------------------------------------------------------------


def _ref_of(refs: list[VersionRef], version_id: int | None) -> VersionRef | None:
    return next((ref for ref in refs if ref.id == version_id), None)


def _newer(a: VersionRef, b: VersionRef | None) -> bool:
    return b is None or (a.effective_on, a.id) > (b.effective_on, b.id)


def keeps_terms(current: Configuration, plan: str, cycle: str) -> bool:
    """Pure: plan and cycle stay as they are (so the licence's own prices apply)."""
    return plan == current.plan and cycle == current.cycle


def licence_version_on(
    licence: Licence, on: date, configuration: Configuration | None = None
) -> PricedCatalog:
    """The version pricing this licence's terms on `on` (its renewal, a change)."""
    return version_for_terms(
        licence.id, licence.catalog_version_id, licence.plan, licence.cycle, on, configuration
    )


def version_for_terms(
    licence_id: int | None,
    catalog_version_id: int | None,
    plan: str | None,
    cycle: str | None,
    on: date,
    configuration: Configuration | None = None,
) -> PricedCatalog:
    """Which version prices a licence's terms on `on`:

    - a new plan or cycle (`configuration` differs from the licence's): the version in force;
    - otherwise the version that priced the licence (policy a keeps it), unless a standing
      price-change notice (policy b) moves it on or before `on`: the newest such version.
    A licence priced before versions existed (no version) takes the version in force.
    Rules: docs/pricing-lab.md.
    """
    refs = _pinned_refs()
    notices_ = []
    if refs is None or licence_id is not None:
        with session_scope() as session:
            if refs is None:
                refs = store.pricing_refs(session)
                _pin_refs(refs)
            if licence_id is not None:
                notices_ = store.notices_of(session, licence_id)
    if not refs:
        refs = _refs()
    current = version_in_force(refs, on)
    if current is None:
        raise NotAllowed("catalog_version_not_found")
    base = _ref_of(refs, catalog_version_id)
    changes_terms = configuration is not None and (
        configuration.plan != plan or configuration.cycle != cycle
    )
    if base is None or changes_terms:
        return PricedCatalog(current.id, catalog_of(current.id))
    chosen = base
    for notice in notices_:
        moved = _ref_of(refs, notice.catalog_version_id)
        if moved is not None and notice.moves_on <= on and _newer(moved, chosen):
            chosen = moved
    return PricedCatalog(chosen.id, catalog_of(chosen.id))


# --- publishing -------------------------------------------------------------------------------

MAX_NOTICE_RENEWALS = 60  # renewal dates looked at to find the move date (5 years monthly)


@dataclass(frozen=True)
class PublishResult:
    version: VersionView
    notices: int  # licences told of a price change (policy b)


def _effective_date(value: object, today: date) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise InputError("effective_on", "effective_on_invalid") from None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InputError("effective_on", "effective_on_invalid")
    if value < today:
        raise InputError("effective_on", "effective_on_past")
    if value.year > today.year + 5:
        raise InputError("effective_on", "effective_on_invalid")
    return value


def _policy(value: object) -> Grandfathering:
    try:
        return Grandfathering(value)
    except ValueError:
        raise InputError("grandfathering", "grandfathering_invalid") from None


def publish(
    actor_customer_id: int,
    version_id: int,
    revision: object,
    effective_on: object,
    grandfathering: object,
) -> PublishResult:
    """Publish a draft from `effective_on` (today or later) with a grandfathering policy.

    Effective today: in force at once. Later: scheduled (withdrawable until then). One version
    may be scheduled at a time. Policy (b) records now, for every live licence, the renewal at
    which it moves and queues its notice email (docs/pricing-lab.md). Audited with its author.
    """
    actor = _require_product_team(actor_customer_id)
    version_id = _version_id(version_id)
    today = _today()
    effective = _effective_date(effective_on, today)
    policy = _policy(grandfathering)
    if not isinstance(revision, int) or isinstance(revision, bool):
        raise ConflictError("draft_changed")
    with session_scope() as session:
        version = store.get_version(session, version_id)
        if version is None:
            raise NotAllowed("catalog_version_not_found")
        if version.status != V.DRAFT:
            raise NotAllowed("version_not_draft")
        if version.revision != revision:
            raise ConflictError("draft_changed")
        parse_draft(version.content)
        if store.scheduled_versions(session):
            raise NotAllowed("version_already_scheduled")
        status = V.PUBLISHED if effective <= today else V.SCHEDULED
        store.set_status(
            session,
            version,
            status,
            effective_on=effective,
            grandfathering=str(policy),
            published_by=actor,
            published_at=utcnow(),
        )
        audit.record(
            session,
            action="catalog_version_published",
            actor_customer_id=actor,
            before={"version": version_id, "status": "draft"},
            after={
                "version": version_id,
                "status": status,
                "effective_on": effective,
                "grandfathering": policy,
            },
        )
    sync_statuses(today)
    told = record_notices(today) if policy == Grandfathering.MOVE_AT_RENEWAL else 0
    return PublishResult(get_version(actor, version_id), told)


def withdraw(actor_customer_id: int, version_id: int) -> VersionView:
    """Take back a scheduled version before its date: it will never price anything, and the
    licences told of it keep their prices (their notices are marked withdrawn)."""
    actor = _require_product_team(actor_customer_id)
    version_id = _version_id(version_id)
    today = _today()
    sync_statuses(today)
    with session_scope() as session:
        version = store.get_version(session, version_id)
        if version is None:
            raise NotAllowed("catalog_version_not_found")
        if version.status != V.SCHEDULED:
            raise NotAllowed("version_not_scheduled")
        store.set_status(session, version, V.WITHDRAWN, withdrawn_by=actor, withdrawn_at=utcnow())
        withdrawn = 0
        for notice in store.notices_of_version(session, version_id):
            if notice.withdrawn_on is None:
                notice.withdrawn_on = today
                session.add(notice)
                withdrawn += 1
                _tell_withdrawn(session, notice)
        audit.record(
            session,
            action="catalog_version_withdrawn",
            actor_customer_id=actor,
            before={"version": version_id, "status": "scheduled"},
            after={"version": version_id, "status": "withdrawn", "notices_withdrawn": withdrawn},
        )
    return get_version(actor, version_id)


def _tell_withdrawn(session, notice) -> None:
    """The customers whose notice email announced a different price are told it is taken back
    (in the withdrawal's transaction); a notice that announced no change sent no email."""
    if notice.old_net_cents == notice.new_net_cents:
        return
    licence = licences_store.get_licence(session, notice.licence_id)
    own = catalog_of(licence.catalog_version_id) if licence.catalog_version_id else None
    catalog = own or catalog_of(1)
    _net, _vat, old_gross = with_vat(notice.old_net_cents, catalog.vat_percent)
    notices.price_change_withdrawn(
        session,
        licence,
        catalog_version=notice.catalog_version_id,
        renewal_on=notice.moves_on,
        old_gross_cents=old_gross,
        catalog=catalog,
    )


def _renewal_dates(licence: Licence, configuration: Configuration):
    anchor = licence.anchor_day or licence.period_end.day
    on = licence.period_end
    for _ in range(MAX_NOTICE_RENEWALS):
        yield on
        on = renewal_period(on, configuration, anchor)


def record_notices(today: date) -> int:
    """Policy (b): for each version published with it (scheduled or in force), every live licence
    priced by an older version and not yet told gets its move date and its notice email, in one
    transaction per licence. Idempotent (one notice per licence and version); the renewal job
    calls it daily, so a licence bought at the old prices before the date is told too."""
    with session_scope() as session:
        refs = store.pricing_refs(session)
        moving = [
            v
            for v in store.all_versions(session)
            if v.grandfathering == Grandfathering.MOVE_AT_RENEWAL
            and v.status in (V.SCHEDULED, V.PUBLISHED)
        ]
        live = [lic.id for lic in store.live_licences(session)]
    told = 0
    for version in moving:
        target = _ref_of(refs, version.id)
        for licence_id in live:
            told += _notice_one(licence_id, version, target, refs, today)
    return told


def _notice_one(
    licence_id: int, version: CatalogVersion, target: VersionRef, refs: list[VersionRef], today
) -> int:
    with session_scope() as session:
        licence = licences_store.get_licence(session, licence_id)
        if licence is None or licence.cancel_at_period_end or licence.period_end is None:
            return 0
        base = _ref_of(refs, licence.catalog_version_id)
        if base is not None and not _newer(target, base):
            return 0  # already priced by this version or a newer one
        if store.notice_for(session, licence_id, version.id) is not None:
            return 0
        configuration = renewal_configuration(licence)
        if configuration is None:
            return 0
        moves_on = move_date(_renewal_dates(licence, configuration), version.effective_on, today)
        old_catalog = catalog_of(base.id) if base is not None else parsed(version.content)
        new_catalog = parsed(version.content)
        if moves_on is None or not new_catalog.has_plan(configuration.plan):
            return 0  # a plan the new version drops keeps its prices until changed
        try:
            old_net, _, old_gross = renewal_amount(old_catalog, configuration)
            new_net, _, new_gross = renewal_amount(new_catalog, configuration)
        except (KeyError, QuoteError):
            return 0
        store.add_notice(
            session,
            licence_id=licence_id,
            catalog_version_id=version.id,
            noticed_on=today,
            moves_on=moves_on,
            old_net_cents=old_net,
            new_net_cents=new_net,
        )
        if old_gross != new_gross:
            notices.price_change_notice(
                session,
                licence,
                catalog_version=version.id,
                effective_on=version.effective_on,
                renewal_on=moves_on,
                old_gross_cents=old_gross,
                new_gross_cents=new_gross,
                catalog=new_catalog,
            )
        audit.record(
            session,
            action="price_change_notice_recorded",
            actor_customer_id=None,
            licence_id=licence_id,
            after={
                "version": version.id,
                "moves_on": moves_on,
                "old_net_cents": old_net,
                "new_net_cents": new_net,
            },
        )
    return 1
