"""An unexpected failure in an event handler: logged with its traceback, told in Italian."""

from __future__ import annotations

import logging

from ts_store.ui.errors import UNEXPECTED_ERROR_TEXT, backend_exception_handler


def test_unexpected_error_is_logged_and_the_customer_gets_an_italian_alert(caplog):
    try:
        raise RuntimeError("database went away")
    except RuntimeError as error:
        with caplog.at_level(logging.ERROR, logger="ts_store.ui"):
            spec = backend_exception_handler(error)
    assert "database went away" in caplog.text  # the traceback is in the log
    rendered = str(spec.args)
    assert 'window?.["alert"]' in rendered  # an alert, not a toast: there is no toaster
    assert "errore imprevisto" in rendered
    assert "database went away" not in rendered  # nothing internal reaches the customer


def test_the_app_uses_the_italian_handler():
    from ts_store.ts_store import app

    assert app.backend_exception_handler is backend_exception_handler
    assert "Contattaci" in UNEXPECTED_ERROR_TEXT


def test_a_coded_error_no_handler_caught_gets_its_own_italian_words():
    """PostgreSQL down while a page loads: the customer reads why, not 'errore imprevisto'."""
    from ts_store.billing.errors import DatabaseUnavailable

    spec = backend_exception_handler(DatabaseUnavailable())

    rendered = str(spec.args)
    assert "Il servizio non è disponibile in questo momento" in rendered
    assert "errore imprevisto" not in rendered
