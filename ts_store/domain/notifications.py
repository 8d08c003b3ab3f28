"""What the store tells its customers by email, and the life of one message in the outbox.

Pure: the kinds of message, the outbox statuses with their one transition table, and the
retry policy (exponential back-off, and at most one retry of a delivery that was never
confirmed). The rules are written down in docs/notifications.md.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


class MessageKind(enum.StrEnum):
    """Every email the store sends. Account messages go to the login email, billing messages
    to the invoice email of the billing data (docs/notifications.md, Recipients)."""

    # account
    WELCOME = "welcome"
    REGISTRATION_ATTEMPT = "registration_attempt"
    SUPPORT_RECEIVED = "support_received"
    PASSWORD_RESET = "password_reset"
    PASSWORD_CHANGED = "password_changed"
    # billing
    PURCHASE_CONFIRMED = "purchase_confirmed"
    CHANGE_CONFIRMED = "change_confirmed"
    SCHEDULED_CHANGE_SAVED = "scheduled_change_saved"
    SCHEDULED_CHANGE_APPLIED = "scheduled_change_applied"
    RENEWAL_UPCOMING = "renewal_upcoming"
    RENEWAL_PAID = "renewal_paid"
    RENEWAL_FAILED = "renewal_failed"
    LICENCE_SUSPENDED = "licence_suspended"
    PAYMENT_RECOVERED = "payment_recovered"
    TRIAL_ENDING = "trial_ending"
    TRIAL_ENDED = "trial_ended"
    CARD_EXPIRING = "card_expiring"
    CARD_REPLACED = "card_replaced"
    CANCELLATION_CONFIRMED = "cancellation_confirmed"
    REACTIVATED = "reactivated"
    PRICE_CHANGE_NOTICE = "price_change_notice"
    PRICE_CHANGE_WITHDRAWN = "price_change_withdrawn"  # a notice taken back: prices stay


ACCOUNT_KINDS = frozenset(
    {
        MessageKind.WELCOME,
        MessageKind.REGISTRATION_ATTEMPT,
        MessageKind.SUPPORT_RECEIVED,
        MessageKind.PASSWORD_RESET,
        MessageKind.PASSWORD_CHANGED,
    }
)

# Parameters that must never outlive delivery: they are removed from the stored row once the
# message is sent or given up, and never shown in "Posta inviata".
SECRET_PARAMS = frozenset({"reset_token"})


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its first delivery
    SENDING = "sending"  # claimed by one sender, delivery in progress
    SENT = "sent"  # the SMTP server accepted it
    RETRYING = "retrying"  # a delivery failed; tried again at next_attempt_at
    DEAD = "dead"  # given up: permanent refusal, too many attempts, or unconfirmed twice


OUTBOX_TRANSITIONS: dict[OutboxStatus, frozenset[OutboxStatus]] = {
    OutboxStatus.PENDING: frozenset({OutboxStatus.SENDING}),
    OutboxStatus.RETRYING: frozenset({OutboxStatus.SENDING}),
    OutboxStatus.SENDING: frozenset({OutboxStatus.SENT, OutboxStatus.RETRYING, OutboxStatus.DEAD}),
    OutboxStatus.SENT: frozenset(),
    OutboxStatus.DEAD: frozenset(),
}

CLAIMABLE = frozenset({OutboxStatus.PENDING, OutboxStatus.RETRYING})


class IllegalOutboxTransition(ValueError):
    def __init__(self, current: OutboxStatus, target: OutboxStatus) -> None:
        super().__init__(f"outbox message cannot go from {current} to {target}")
        self.current = current
        self.target = target


def check_transition(current: str, target: str) -> OutboxStatus:
    """The target status, if the table allows it from `current`; raises otherwise."""
    now, then = OutboxStatus(current), OutboxStatus(target)
    if then not in OUTBOX_TRANSITIONS[now]:
        raise IllegalOutboxTransition(now, then)
    return then


class DeliveryResult(enum.StrEnum):
    """What one delivery attempt learned from the SMTP server."""

    ACCEPTED = "accepted"  # 250 after DATA
    TEMPORARY = "temporary"  # refused or unreachable before the message was sent: safe to retry
    PERMANENT = "permanent"  # 5xx refusal: retrying cannot help
    UNCONFIRMED = "unconfirmed"  # the message may have been accepted (lost answer, crash)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off: base, 2 x base, 4 x base ... capped; given up after max_attempts.

    A delivery whose acceptance was never confirmed (the sender died after sending, or the
    answer to DATA was lost) may have reached the recipient: it is retried once, with the
    same Message-ID, and given up if that retry is not confirmed either.
    """

    base: timedelta = timedelta(minutes=1)
    cap: timedelta = timedelta(hours=6)
    max_attempts: int = 10
    max_unconfirmed: int = 1

    def delay(self, attempts: int) -> timedelta:
        """Wait after the `attempts`-th failed attempt (1-based)."""
        factor = 2 ** max(0, min(attempts - 1, 30))
        return min(self.base * factor, self.cap)

    def after_failure(
        self, result: DeliveryResult, attempts: int, unconfirmed: int, now: datetime
    ) -> tuple[OutboxStatus, datetime | None]:
        """Next status (retrying or dead) and, when retrying, when to try again.

        `attempts` counts deliveries tried so far (this one included); `unconfirmed` the
        unconfirmed ones so far (this one included when it was unconfirmed).
        """
        if result == DeliveryResult.ACCEPTED:
            raise ValueError("an accepted delivery is not a failure")
        if result == DeliveryResult.PERMANENT:
            return OutboxStatus.DEAD, None
        if result == DeliveryResult.UNCONFIRMED and unconfirmed > self.max_unconfirmed:
            return OutboxStatus.DEAD, None
        if attempts >= self.max_attempts:
            return OutboxStatus.DEAD, None
        if result == DeliveryResult.UNCONFIRMED:
            return OutboxStatus.RETRYING, now  # the one retry: at once, same Message-ID
        return OutboxStatus.RETRYING, now + self.delay(attempts)
