"""Column types: a status enum stored as plain text, read back as the enum."""

from __future__ import annotations

import enum

import sqlalchemy as sa


class TextEnum(sa.types.TypeDecorator):
    """A StrEnum kept as VARCHAR (no database enum type to migrate when a value is added)."""

    impl = sa.String
    cache_ok = True

    def __init__(self, enum_type: type[enum.StrEnum], length: int = 20) -> None:
        super().__init__(length=length)
        self.enum_type = enum_type

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        return None if value is None else str(self.enum_type(value))

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        return None if value is None else self.enum_type(value)
