"""Transmission to SDI in the background: generate missing files, send the ones due (with
retries and back-off), record every notification and move each file's SDI state.

Runs as the app's lifespan task every TS_STORE_SDI_INTERVAL_SECONDS (default 60; 0: off) and as
the command `python -m ts_store.billing sdi-sync`. It never runs inside a charge: a slow or absent
intermediary delays the files, never a payment. Several processes may run it at once: a file is
claimed (attempts + 1, held for a while) before it is sent, so it goes out once per attempt.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ts_store.billing.einvoices import generate_missing
from ts_store.domain.einvoice import NOTIFICATION_STATE, NotificationType, SdiState
from ts_store.einvoice.sdi import (
    IntermediaryRefused,
    IntermediaryUnavailable,
    SdiIntermediary,
    intermediary_from,
)
from ts_store.store import einvoices
from ts_store.store.db import session_scope

log = logging.getLogger(__name__)

INTERVAL_ENV = "TS_STORE_SDI_INTERVAL_SECONDS"
DEFAULT_INTERVAL_SECONDS = 60.0
# Wait after the n-th failed attempt (the last one repeats): a short outage is bridged within
# minutes, a long one is not hammered.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=6),
)
CLAIM_HOLD = timedelta(minutes=2)  # longer than one send (sdi.TIMEOUT_SECONDS)


def backoff(attempts: int) -> timedelta:
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


@dataclass
class SyncReport:
    generated: int = 0
    sent: list[str] = field(default_factory=list)
    retry: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    not_generated: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        lines = [f"{name}: inviato" for name in self.sent]
        lines += [f"da ritentare: {item}" for item in self.retry]
        lines += self.outcomes
        lines += [
            f"documento {number}: XML non generato, manca {missing}"
            for number, missing in self.not_generated.items()
        ]
        return lines

    def summary(self) -> str:
        return (
            f"Fatture elettroniche: {self.generated} generate, {len(self.sent)} inviate, "
            f"{len(self.retry)} da ritentare, {len(self.outcomes)} esiti ricevuti"
        )


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


async def send_due(intermediary: SdiIntermediary, now: datetime, report: SyncReport) -> None:
    with session_scope() as session:
        due = [row.id for row in einvoices.files_to_send(session, now)]
    for file_id in due:
        with session_scope() as session:
            row = einvoices.get_file(session, file_id)
            if row is None or not einvoices.claim_for_sending(session, row, now, now + CLAIM_HOLD):
                continue  # another process took it
            name, xml, attempts = row.file_name, row.xml, row.attempts
        try:
            accepted = await intermediary.send(name, xml)
        except (IntermediaryUnavailable, IntermediaryRefused) as exc:
            with session_scope() as session:
                einvoices.update_file(
                    session,
                    einvoices.get_file(session, file_id),
                    next_attempt_at=now + backoff(attempts),
                    last_error=str(exc)[:500],
                )
            report.retry.append(f"{name} ({exc})")
            continue
        with session_scope() as session:
            einvoices.set_state(
                session,
                einvoices.get_file(session, file_id),
                SdiState.SENT,
                transmission_id=accepted.transmission_id,
                next_attempt_at=None,
                last_error=None,
            )
        report.sent.append(name)


async def collect_notifications(intermediary: SdiIntermediary, report: SyncReport) -> None:
    with session_scope() as session:
        waiting = [
            (row.id, row.file_name, row.transmission_id)
            for row in einvoices.files_awaiting_outcome(session)
            if row.transmission_id
        ]
    for file_id, name, transmission_id in waiting:
        try:
            notifications = await intermediary.notifications(transmission_id)
        except (IntermediaryUnavailable, IntermediaryRefused) as exc:
            log.warning("notifications of %s not read: %s", name, exc)
            continue
        for notification in notifications:
            with session_scope() as session:
                if einvoices.has_notification(session, notification.external_id):
                    continue
                row = einvoices.get_file(session, file_id)
                errors = [{"code": e.code, "text": e.text} for e in notification.errors]
                einvoices.add_notification(
                    session,
                    file_id=file_id,
                    external_id=notification.external_id,
                    type=notification.type,
                    errors=errors,
                )
                target = NOTIFICATION_STATE[notification.type]
                if target == row.sdi_state:
                    continue
                changes = {}
                if notification.type == NotificationType.NS:
                    changes = {
                        "reason_code": ", ".join(e["code"] for e in errors)[:100],
                        "reason_text": "; ".join(e["text"] for e in errors),
                    }
                einvoices.set_state(session, row, target, **changes)
                report.outcomes.append(f"{name}: {notification.type} {json.dumps(errors)}")


async def sync_once(
    intermediary: SdiIntermediary | None = None, now: datetime | None = None
) -> SyncReport:
    """One pass: generate, send what is due, read the outcomes. Without an intermediary
    (TS_STORE_SDI_URL unset) the files are only generated, and wait."""
    report = SyncReport()
    # building XML is CPU and database work: off the event loop, so the app's pages stay quick
    generation = await asyncio.to_thread(generate_missing)
    report.generated, report.not_generated = generation.generated, generation.failed
    intermediary = intermediary or intermediary_from()
    if intermediary is None:
        return report
    await send_due(intermediary, _aware(now) or _now(), report)
    await collect_notifications(intermediary, report)
    return report


def interval_seconds() -> float:
    raw = os.environ.get(INTERVAL_ENV, "").strip()
    try:
        value = float(raw) if raw else DEFAULT_INTERVAL_SECONDS
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        log.warning("%s=%r is not a number: using %s", INTERVAL_ENV, raw, DEFAULT_INTERVAL_SECONDS)
        return DEFAULT_INTERVAL_SECONDS
    return max(value, 0.0)


async def periodic_sdi_sync(interval: float | None = None) -> None:
    """The app's background task: a pass now and then every `interval` seconds."""
    seconds = interval_seconds() if interval is None else interval
    if seconds <= 0:
        log.info("SDI transmission task disabled (%s=0)", INTERVAL_ENV)
        return
    while True:
        try:
            report = await sync_once()
            if report.lines():
                log.info("%s", report.summary())
        except asyncio.CancelledError:
            raise
        except Exception:  # the next pass tries again
            log.exception("SDI transmission pass failed")
        await asyncio.sleep(seconds)
