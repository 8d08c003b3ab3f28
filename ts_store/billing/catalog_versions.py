"""Catalogue versions: the product team's drafts, publishing, and which version prices what.

Use cases for the laboratory take the actor's customer id and check the product-team role
themselves (every one: an event handler is a public endpoint). The pricing functions
(`in_force`, `catalog_of`) serve billing and need no actor. API and rules: docs/pricing-lab.md.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime

from ts_store.billing.errors import ConflictError, InputError, NotAllowed
from ts_store.billing.pricing_sandbox import parse_draft
from ts_store.domain.catalog import Catalog
from ts_store.domain.catalog_versions import (
    VERSION_STATUS_LABELS,
    Grandfathering,
    VersionRef,
    VersionStatus,
    status_on,
    version_in_force,
)
from ts_store.store import audit, customers
from ts_store.store import catalog_versions as store
from ts_store.store.db import session_scope
from ts_store.store.models import CatalogVersion

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


def catalog_of(version_id: int) -> Catalog:
    """The catalogue of a version (any status)."""
    with session_scope() as session:
        row = store.content_of(session, version_id)
    if row is None:
        raise NotAllowed("catalog_version_not_found")
    return parsed(row[0])


def _refs() -> list[VersionRef]:
    with session_scope() as session:
        refs = store.pricing_refs(session)
        if not refs:
            store.ensure_seeded(session)
            refs = store.pricing_refs(session)
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
