"""Catalogue versions as types: their statuses, the one table of legal moves, the grandfathering
policies, and the pure rules that pick the version pricing a date or a licence's renewal.

Pure (stdlib only). The store keeps the versions (`catalog_version` table), billing asks these
functions which one applies (docs/pricing-lab.md).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

# A customer whose price moves at renewal (policy b) is told at least this many days before.
NOTICE_DAYS = 30


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"  # editable by the product team, prices nothing
    SCHEDULED = "scheduled"  # published with an effective date still ahead; can be withdrawn
    PUBLISHED = "published"  # in force since its effective date
    RETIRED = "retired"  # replaced by a newer published version (still prices grandfathered)
    WITHDRAWN = "withdrawn"  # a scheduled version taken back before its date; never prices


V = VersionStatus

VERSION_TRANSITIONS: Mapping[VersionStatus, frozenset[VersionStatus]] = {
    V.DRAFT: frozenset({V.SCHEDULED, V.PUBLISHED}),
    V.SCHEDULED: frozenset({V.PUBLISHED, V.WITHDRAWN}),
    V.PUBLISHED: frozenset({V.RETIRED}),
    V.RETIRED: frozenset(),
    V.WITHDRAWN: frozenset(),
}

# Statuses whose version prices something on the dates from its effective date on.
PRICING = frozenset({V.SCHEDULED, V.PUBLISHED, V.RETIRED})

VERSION_STATUS_LABELS: Mapping[VersionStatus, str] = {
    V.DRAFT: "Bozza",
    V.SCHEDULED: "Programmata",
    V.PUBLISHED: "In vigore",
    V.RETIRED: "Sostituita",
    V.WITHDRAWN: "Ritirata",
}


class IllegalVersionTransition(ValueError):
    def __init__(self, version_id: int | None, from_status: str, to_status: str) -> None:
        super().__init__(f"catalogue version {version_id}: {from_status} -> {to_status} refused")
        self.version_id, self.from_status, self.to_status = version_id, from_status, to_status


def check_version_transition(version_id: int | None, from_status: str, to_status: str) -> None:
    if VersionStatus(to_status) not in VERSION_TRANSITIONS[VersionStatus(from_status)]:
        raise IllegalVersionTransition(version_id, from_status, to_status)


class Grandfathering(enum.StrEnum):
    """What a newly published version does to licences priced by an older one."""

    # (a) existing licences keep their prices until they change plan or cycle
    KEEP = "keep_until_change"
    # (b) they move at their first renewal on or after the effective date, notified
    #     at least NOTICE_DAYS before that renewal
    MOVE_AT_RENEWAL = "move_at_renewal"


GRANDFATHERING_LABELS: Mapping[Grandfathering, str] = {
    Grandfathering.KEEP: "I clienti attuali mantengono i prezzi finché non cambiano piano o ciclo",
    Grandfathering.MOVE_AT_RENEWAL: (
        "I clienti attuali passano ai nuovi prezzi al primo rinnovo dalla data di efficacia, "
        f"avvisati almeno {NOTICE_DAYS} giorni prima"
    ),
}


@dataclass(frozen=True)
class VersionRef:
    """What the rules need to know of a version: id, status, effective date."""

    id: int
    status: VersionStatus
    effective_on: date | None


def _pricing_key(version: VersionRef) -> tuple[date, int]:
    assert version.effective_on is not None
    return (version.effective_on, version.id)


def version_in_force(versions: Iterable[VersionRef], on: date) -> VersionRef | None:
    """The version that prices a new purchase on `on`: among the published ones (scheduled,
    in force or retired: the date decides, not the stored status) the one with the latest
    effective date not after `on`; on the same date the newer id wins."""
    candidates = [
        v
        for v in versions
        if v.status in PRICING and v.effective_on is not None and v.effective_on <= on
    ]
    return max(candidates, key=_pricing_key, default=None)


def status_on(version: VersionRef, in_force: VersionRef | None, today: date) -> VersionStatus:
    """What a published version's status is on `today` (stored statuses follow this)."""
    if version.status not in PRICING or version.effective_on is None:
        return version.status
    if version.effective_on > today:
        return V.SCHEDULED
    if in_force is not None and in_force.id == version.id:
        return V.PUBLISHED
    return V.RETIRED


def move_date(renewals: Iterable[date], effective_on: date, noticed_on: date) -> date | None:
    """Policy (b): the renewal at which a licence moves to the new prices — the first one on or
    after the effective date that is at least NOTICE_DAYS after the notice. `renewals` are the
    licence's coming renewal dates, in order."""
    earliest = max(effective_on, noticed_on + timedelta(days=NOTICE_DAYS))
    for renewal in renewals:
        if renewal >= earliest:
            return renewal
    return None
