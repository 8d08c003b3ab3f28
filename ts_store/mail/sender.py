"""The outbox sender: claim one due message, render it, deliver it over SMTP, record the result.

Runs in the app's background (``periodic_sending``, registered beside the renewal task) and as
a command (``python -m ts_store.mail send``). Several of them may run at once (app workers,
cron): each message is claimed by one sender only (``store.outbox``). A charge never waits for
an email: use cases only enqueue, in their own transaction.

One message is claimed at a time, so a claim never waits behind other deliveries and the lease
(TS_STORE_MAIL_LEASE_SECONDS) only has to cover one SMTP conversation. A message still
`sending` after the lease belonged to a sender that died mid-delivery: it is retried once with
the same Message-ID (docs/notifications.md, "Crash during a delivery").
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from ts_store.billing import documents, notifications
from ts_store.billing.catalog import current_catalog
from ts_store.domain.notifications import DeliveryResult, OutboxStatus, RetryPolicy
from ts_store.mail import config
from ts_store.mail.config import SmtpSettings
from ts_store.mail.render import Attachment, build_email, render
from ts_store.mail.smtp import deliver
from ts_store.ui.document_pdf import document_pdf, pdf_file_name
from ts_store.ui.formatting import format_percent

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 10.0
DEFAULT_RETRY_SECONDS = 60.0
DEFAULT_LEASE_SECONDS = 600.0
MAX_PER_PASS = 200


@dataclass(frozen=True)
class SenderConfig:
    smtp: SmtpSettings | None
    public_url: str
    mail_from: str
    lease: timedelta
    policy: RetryPolicy
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    @classmethod
    def from_env(cls) -> SenderConfig:
        retry = config.seconds(config.RETRY_ENV, DEFAULT_RETRY_SECONDS)
        return cls(
            smtp=config.smtp_settings(),
            public_url=config.public_url(),
            mail_from=notifications.mail_from(),
            lease=timedelta(seconds=config.seconds(config.LEASE_ENV, DEFAULT_LEASE_SECONDS)),
            policy=RetryPolicy(base=timedelta(seconds=retry)),
        )


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    released: int = 0
    lost_claims: int = 0

    def summary(self) -> str:
        return (
            f"posta: {self.sent} inviate, {self.retrying} da ritentare, {self.dead} abbandonate, "
            f"{self.released} riprese da un invio interrotto"
        )


Deliver = Callable[[SmtpSettings, object], tuple[DeliveryResult, str]]


def attachments_for(params: dict) -> list[Attachment]:
    """The billing document's PDF when the message is about one (the same PDF as the
    "Documenti" page), rendered when the message is sent."""
    document_id = params.get("document_id")
    if not isinstance(document_id, int):
        return []
    document = documents.document_for_mail(document_id)
    if document is None:
        raise LookupError(f"document {document_id} not found")
    vat = params.get("vat_percent") or current_catalog().vat_percent
    pdf = document_pdf(document, f"IVA {format_percent(Decimal(str(vat)))}")
    return [Attachment(pdf_file_name(document), pdf)]


def send_one(
    message: notifications.OutgoingMessage, cfg: SenderConfig, deliver_fn: Deliver = deliver
) -> OutboxStatus | None:
    """Render and deliver one claimed message, and record what happened."""
    try:
        rendered = render(message.kind, message.params, public_url=cfg.public_url)
        email = build_email(
            rendered,
            sender=cfg.mail_from,
            recipient=message.recipient,
            message_id=message.message_id,
            created_at=message.created_at,
            attachments=attachments_for(message.params),
        )
    except Exception as exc:  # a template or params bug: retrying cannot fix it
        log.exception("message %s (%s) could not be rendered", message.id, message.kind)
        return notifications.record_delivery(
            message,
            DeliveryResult.PERMANENT,
            policy=cfg.policy,
            error=f"composizione non riuscita: {type(exc).__name__}: {exc}",
        )
    if cfg.smtp is None:
        result, error = DeliveryResult.TEMPORARY, f"{config.SMTP_URL_ENV} non configurato"
    else:
        result, error = deliver_fn(cfg.smtp, email)
    return notifications.record_delivery(
        message, result, policy=cfg.policy, subject=rendered.subject, error=error
    )


def send_due(cfg: SenderConfig | None = None, deliver_fn: Deliver = deliver) -> SendReport:
    """One pass: take back abandoned deliveries, then send every due message, one at a time.

    A temporary failure ends the pass (the server is probably down: the other messages wait
    for the next pass instead of each spending an attempt).
    """
    cfg = cfg or SenderConfig.from_env()
    report = SendReport()
    report.released = len(notifications.release_abandoned(cfg.lease, cfg.policy))
    for _ in range(MAX_PER_PASS):
        claimed = notifications.claim_messages(cfg.worker, limit=1)
        if not claimed:
            break
        outcome = send_one(claimed[0], cfg, deliver_fn)
        if outcome == OutboxStatus.SENT:
            report.sent += 1
        elif outcome == OutboxStatus.RETRYING:
            report.retrying += 1
        elif outcome == OutboxStatus.DEAD:
            report.dead += 1
        else:
            report.lost_claims += 1
        if outcome == OutboxStatus.RETRYING:
            break
    return report


def interval_seconds() -> float:
    return config.seconds(config.INTERVAL_ENV, DEFAULT_INTERVAL_SECONDS)


async def periodic_sending(interval: float | None = None) -> None:
    """The app's background sender: a pass every `interval` seconds (0 disables it).

    Each pass runs in a worker thread: SMTP and the database calls block, the event loop that
    serves the pages must not.
    """
    seconds = interval_seconds() if interval is None else interval
    if seconds <= 0:
        log.info("mail sender disabled (%s=0)", config.INTERVAL_ENV)
        return
    while True:
        try:
            report = await asyncio.to_thread(send_due)
            if report.sent or report.retrying or report.dead or report.released:
                log.info("%s", report.summary())
        except asyncio.CancelledError:
            raise
        except Exception:  # the next pass tries again; a crash here would stop all email
            log.exception("mail pass failed")
        await asyncio.sleep(seconds)
