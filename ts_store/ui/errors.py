"""What the customer sees when an event handler fails unexpectedly.

Why: Reflex's default shows an English toast (or, without a toaster, an English alert). The
store speaks Italian and has no toaster, so the error is logged with its traceback and the
customer gets an Italian alert that says what to do next. No annotation future import here:
Reflex evaluates the return annotation in its own module.
"""

import logging

import reflex as rx
from reflex.event import EventSpec

logger = logging.getLogger("ts_store.ui")

UNEXPECTED_ERROR_TEXT = (
    "Si è verificato un errore imprevisto e l'operazione non è stata completata. "
    "Ricarica la pagina e riprova; se si ripete, scrivici da Contattaci."
)


def backend_exception_handler(exception: Exception) -> EventSpec:
    """Log the failure with its traceback; tell the customer in Italian."""
    logger.error("Unhandled error in an event handler", exc_info=exception)
    return rx.window_alert(UNEXPECTED_ERROR_TEXT)
