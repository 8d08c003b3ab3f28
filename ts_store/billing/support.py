"""'Contattaci': store a request to the store's staff, for the logged-in customer only."""

from __future__ import annotations

from sqlmodel import Session

from ts_store.billing.errors import InputError
from ts_store.store import licences, support
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
    return support.add_support_request(
        session, customer_id=customer_id, subject=subject, message=message, licence_id=licence_id
    )
