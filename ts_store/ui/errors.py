"""What the customer sees when an event handler fails unexpectedly.

Why: Reflex's default shows an English toast (or, without a toaster, an English alert). The
store speaks Italian and has no toaster, so the error is logged with its traceback and the
customer gets an Italian alert that says what to do next. No annotation future import here:
Reflex evaluates the return annotation in its own module.
"""

import logging

import reflex as rx
from reflex.event import EventSpec

from ts_store.billing.errors import UseCaseError
from ts_store.ui.messages import message_for

logger = logging.getLogger("ts_store.ui")

UNEXPECTED_ERROR_TEXT = (
    "Si è verificato un errore imprevisto e l'operazione non è stata completata. "
    "Ricarica la pagina e riprova; se si ripete, scrivici da Contattaci."
)


def backend_exception_handler(exception: Exception) -> EventSpec:
    """Log the failure with its traceback; tell the customer in Italian. A use case's coded
    error that no handler caught (the database down while a page loads) gets its own words."""
    logger.error("Unhandled error in an event handler", exc_info=exception)
    if isinstance(exception, UseCaseError):
        return rx.window_alert(message_for(exception))
    return rx.window_alert(UNEXPECTED_ERROR_TEXT)
