"""'Contattaci': store a request to the store's staff, for the logged-in customer only."""

from __future__ import annotations

from sqlmodel import Session

from ts_store.billing.errors import InputError
from ts_store.billing.notifications import notify_account
from ts_store.domain.notifications import MessageKind
from ts_store.store import customers, licences, support
from ts_store.store.models import SupportRequest

STORE_EMAIL = "store@teamsystem.com"
SUBJECTS = (
    "Acquisto o rinnovo",
    "Fatturazione e pagamenti",
    "Modifica della licenza",
    "Altro",
)


def send_request(
    session: Session, *, customer_id: int, subject: str, message: str, licence_id: int | None
) -> SupportRequest:
    subject = subject.strip()
    message = message.strip()
    if subject not in SUBJECTS:
        raise InputError("subject", "Argomento: scegli un argomento dall'elenco.")
    if not 10 <= len(message) <= 5000:
        raise InputError("message", "Messaggio: scrivi almeno 10 caratteri (massimo 5000).")
    if licence_id is not None and licences.owned_licence(session, customer_id, licence_id) is None:
        raise InputError("licence_id", "Licenza: la licenza indicata non è tua.")
    request = support.add_support_request(
        session, customer_id=customer_id, subject=subject, message=message, licence_id=licence_id
    )
    notify_account(  # a receipt with a copy of the message, committed with the request
        session,
        customers.get_customer(session, customer_id),
        MessageKind.SUPPORT_RECEIVED,
        f"support_received:{request.id}",
        {
            "reference": request.id,
            "subject": subject,
            "message": message,
            "licence_id": licence_id,
            "store_email": STORE_EMAIL,
        },
    )
    return request
