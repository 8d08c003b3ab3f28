"""Shared key/value settings, read by every process (the app, the renewal command, tests)."""

from __future__ import annotations

from sqlmodel import Session

from ts_store.store.models import AppSetting


def get_setting(session: Session, key: str) -> str | None:
    row = session.get(AppSetting, key)
    return row.value if row else None


def set_setting(session: Session, key: str, value: str | None) -> None:
    row = session.get(AppSetting, key)
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(AppSetting(key=key, value=value))
    else:
        row.value = value
        session.add(row)
    session.flush()
