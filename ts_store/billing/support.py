"""'Contattaci': store a request to the store's staff, for the logged-in customer only."""

from __future__ import annotations

from dataclasses import dataclass

from ts_store.billing.errors import InputError
from ts_store.billing.notifications import notify_account
from ts_store.billing.services import services
from ts_store.domain.choices import SUPPORT_SUBJECTS
from ts_store.domain.notifications import MessageKind
from ts_store.domain.text import visible_text
from ts_store.store import customers, licences, support
from ts_store.store.db import session_scope

STORE_EMAIL = "store@teamsystem.com"
SUBJECTS = SUPPORT_SUBJECTS
MIN_MESSAGE_CHARS, MAX_MESSAGE_CHARS = 10, 5000


@dataclass(frozen=True)
class SupportRequestSent:
    id: int
    subject: str
    message: str
    licence_id: int | None


def _clean_message(message: object) -> str | None:
    """NFKC, line breaks kept; None when it holds NUL, a right-to-left override, a zero-width
    or another hidden character (issue #15)."""
    if not isinstance(message, str):
        return ""
    if len(message) > 4 * MAX_MESSAGE_CHARS:
        message = message[: MAX_MESSAGE_CHARS + 1]  # too long either way: no need to scan it all
    return visible_text(message, multiline=True)


def request_problems(subject: object, message: object) -> list[InputError]:
    """Every problem of the form at once, in the form's order, so the page can show them all."""
    subject = subject.strip() if isinstance(subject, str) else ""
    cleaned = _clean_message(message)
    problems = []
    if subject not in SUBJECTS:
        problems.append(InputError("subject", "support_subject_invalid"))
    if cleaned is None:
        problems.append(InputError("message", "support_message_hidden_characters"))
    elif not MIN_MESSAGE_CHARS <= len(cleaned) <= MAX_MESSAGE_CHARS:
        problems.append(
            InputError(
                "message",
                "support_message_length",
                min_chars=MIN_MESSAGE_CHARS,
                max_chars=MAX_MESSAGE_CHARS,
            )
        )
    return problems


def send_request(
    *,
    customer_id: int,
    subject: object,
    message: object,
    licence_id: int | None,
    client_address: str | None = None,
) -> SupportRequestSent:
    problems = request_problems(subject, message)
    if problems:
        raise problems[0]
    subject = subject.strip() if isinstance(subject, str) else ""
    message = _clean_message(message) or ""
    services().throttle.attempt(
        "contact", account=str(customer_id), address=client_address, field="message"
    )
    with session_scope() as session:
        if (
            licence_id is not None
            and licences.owned_licence(session, customer_id, licence_id) is None
        ):
            raise InputError("licence_id", "support_licence_not_yours")
        row = support.add_support_request(
            session,
            customer_id=customer_id,
            subject=subject,
            message=message,
            licence_id=licence_id,
        )
        notify_account(  # a receipt with a copy of the message, committed with the request
            session,
            customers.get_customer(session, customer_id),
            MessageKind.SUPPORT_RECEIVED,
            f"support_received:{row.id}",
            {
                "reference": row.id,
                "subject": subject,
                "message": message,
                "licence_id": licence_id,
                "store_email": STORE_EMAIL,
            },
        )
        return SupportRequestSent(row.id, row.subject, row.message, row.licence_id)
