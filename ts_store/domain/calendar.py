"""The store's calendar: every 'today' is a calendar date in Europe/Rome."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

ROME = ZoneInfo("Europe/Rome")


def rome_today(now: datetime | None = None) -> date:
    """The date in Rome at instant `now` (aware; defaults to the current instant)."""
    instant = now if now is not None else datetime.now(UTC)
    if instant.tzinfo is None:
        raise ValueError("rome_today needs an aware datetime")
    return instant.astimezone(ROME).date()


def parse_iso_date(text: str) -> date:
    """Strict YYYY-MM-DD, as used by configuration and commands."""
    return date.fromisoformat(text.strip())
