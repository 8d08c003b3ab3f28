"""Catalogue versions and price-change notices: queries and guarded writes (Session in).

Status writes are checked against the domain's transition table; drafts are written under
their `revision` (an optimistic lock: two product-team members editing one draft).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from ts_store.domain.catalog import CATALOG_ENV_VAR, default_catalog_path, load_catalog
from ts_store.domain.catalog_versions import (
    PRICING,
    VersionRef,
    VersionStatus,
    check_version_transition,
)
from ts_store.domain.lifecycle import PAID_STATUSES
from ts_store.store.models import CatalogVersion, Licence, PriceChangeNotice, utcnow

# Version 1 prices everything stored before versions existed, whatever its date.
FIRST_EFFECTIVE_ON = date(2000, 1, 1)
FIRST_NAME = "Catalogo iniziale"


def seed_text() -> tuple[str, str, str]:
    """Name, note and TOML text of version 1: the file the store ran on (validated)."""
    path = Path(os.environ.get(CATALOG_ENV_VAR) or default_catalog_path())
    load_catalog(path)  # refuses an invalid file with a message naming field and plan
    source = "TS_STORE_CATALOG" if os.environ.get(CATALOG_ENV_VAR) else "catalogo del pacchetto"
    return FIRST_NAME, f"Dal file {path.name} ({source})", path.read_text(encoding="utf-8")


def ensure_seeded(session: Session) -> CatalogVersion:
    """Version 1 when the table is empty (the migration seeds it; idempotent)."""
    first = session.exec(select(CatalogVersion).order_by(CatalogVersion.id)).first()
    if first is not None:
        return first
    name, note, content = seed_text()
    now = utcnow()
    first = CatalogVersion(
        status=VersionStatus.PUBLISHED,
        name=name,
        note=note,
        content=content,
        effective_on=FIRST_EFFECTIVE_ON,
        published_at=now,
    )
    session.add(first)
    session.flush()
    return first


class StaleDraftError(Exception):
    """The draft was saved by someone else since it was read."""


def get_version(session: Session, version_id: int) -> CatalogVersion | None:
    return session.get(CatalogVersion, version_id)


def all_versions(session: Session) -> list[CatalogVersion]:
    return list(session.exec(select(CatalogVersion).order_by(CatalogVersion.id.desc())))


def pricing_refs(session: Session) -> list[VersionRef]:
    """Every version that may price something (id, status, effective date): a few rows."""
    rows = session.exec(
        select(CatalogVersion.id, CatalogVersion.status, CatalogVersion.effective_on).where(
            CatalogVersion.status.in_([str(s) for s in PRICING])
        )
    ).all()
    return [VersionRef(id=r[0], status=VersionStatus(r[1]), effective_on=r[2]) for r in rows]


def content_of(session: Session, version_id: int) -> tuple[str, VersionStatus, int] | None:
    row = session.exec(
        select(CatalogVersion.content, CatalogVersion.status, CatalogVersion.revision).where(
            CatalogVersion.id == version_id
        )
    ).first()
    return None if row is None else (row[0], VersionStatus(row[1]), row[2])


def add_draft(session: Session, **fields: Any) -> CatalogVersion:
    version = CatalogVersion(status=VersionStatus.DRAFT, **fields)
    session.add(version)
    session.flush()
    return version


def update_draft(
    session: Session, version: CatalogVersion, expected_revision: int, **changes: Any
) -> CatalogVersion:
    """Write a draft's fields if nobody saved it since `expected_revision`."""
    if version.status != VersionStatus.DRAFT:
        raise StaleDraftError()
    values = {**changes, "revision": expected_revision + 1, "updated_at": utcnow()}
    result = session.execute(
        sa.update(CatalogVersion)
        .where(
            CatalogVersion.id == version.id,
            CatalogVersion.revision == expected_revision,
            CatalogVersion.status == str(VersionStatus.DRAFT),
        )
        .values(**values)
    )
    if result.rowcount != 1:
        raise StaleDraftError()
    session.refresh(version)
    return version


def set_status(
    session: Session, version: CatalogVersion, status: VersionStatus, **changes: Any
) -> CatalogVersion:
    """Move a version's status (checked against the transition table) with other fields."""
    if version.status != status:
        check_version_transition(version.id, version.status, status)
    for name, value in {**changes, "status": status, "updated_at": utcnow()}.items():
        setattr(version, name, value)
    version.revision += 1
    session.add(version)
    session.flush()
    return version


def scheduled_versions(session: Session) -> list[CatalogVersion]:
    return list(
        session.exec(
            select(CatalogVersion).where(CatalogVersion.status == str(VersionStatus.SCHEDULED))
        )
    )


# --- price-change notices (policy b) ------------------------------------------------------


def notices_of(session: Session, licence_id: int) -> list[PriceChangeNotice]:
    """The licence's standing notices (withdrawn ones left out), oldest first."""
    return list(
        session.exec(
            select(PriceChangeNotice)
            .where(
                PriceChangeNotice.licence_id == licence_id,
                PriceChangeNotice.withdrawn_on.is_(None),
            )
            .order_by(PriceChangeNotice.id)
        )
    )


def notice_for(session: Session, licence_id: int, version_id: int) -> PriceChangeNotice | None:
    return session.exec(
        select(PriceChangeNotice).where(
            PriceChangeNotice.licence_id == licence_id,
            PriceChangeNotice.catalog_version_id == version_id,
        )
    ).first()


def add_notice(session: Session, **fields: Any) -> PriceChangeNotice:
    notice = PriceChangeNotice(**fields)
    session.add(notice)
    session.flush()
    return notice


def notices_of_version(session: Session, version_id: int) -> list[PriceChangeNotice]:
    return list(
        session.exec(
            select(PriceChangeNotice)
            .where(PriceChangeNotice.catalog_version_id == version_id)
            .order_by(PriceChangeNotice.id)
        )
    )


def live_licences(session: Session) -> list[Licence]:
    """Licences that renew: active or past due (a pending cancellation is the caller's call)."""
    return list(
        session.exec(
            select(Licence)
            .where(Licence.status.in_([str(s) for s in PAID_STATUSES]))
            .order_by(Licence.id)
        )
    )
