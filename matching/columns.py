"""Column helpers shared by the models of every domain."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


def enum_column(enum_cls: type[enum.Enum], name: str) -> Enum:
    """A portable enum column: VARCHAR guarded by a CHECK constraint on its values."""
    return Enum(enum_cls, name=name, native_enum=False, create_constraint=True,
                values_callable=lambda e: [m.value for m in e], validate_strings=True,
                length=max(len(m.value) for m in enum_cls))
