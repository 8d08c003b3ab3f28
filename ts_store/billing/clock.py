"""One clock for the whole store.

'Today' is, in order: the product team's simulated date (stored, so every process agrees),
the TS_STORE_TODAY environment variable (tests, demos), or the real date in Europe/Rome.
"""

from __future__ import annotations

import os
from datetime import date

from sqlmodel import Session

from ts_store.domain.calendar import parse_iso_date, rome_today
from ts_store.store import settings
from ts_store.store.db import session_scope


def today(session: Session | None = None) -> date:
    if session is None:
        with session_scope() as own_session:
            return today(own_session)
    simulated = settings.get_setting(session, settings.SIMULATED_TODAY)
    if simulated:
        return parse_iso_date(simulated)
    configured = os.environ.get("TS_STORE_TODAY", "").strip()
    if configured:
        return parse_iso_date(configured)
    return rome_today()


def set_simulated_today(session: Session, value: date | None) -> None:
    """Set (or clear, with None) the simulated date seen by every process."""
    settings.set_setting(
        session, settings.SIMULATED_TODAY, value.isoformat() if value is not None else None
    )


def simulated_today(session: Session) -> date | None:
    value = settings.get_setting(session, settings.SIMULATED_TODAY)
    return parse_iso_date(value) if value else None
