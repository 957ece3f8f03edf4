"""The database layer every domain's models share: the SQLAlchemy extension, the declarative
base with its constraint naming convention, and the column types (instants in UTC, enums
guarded by CHECK constraints)."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Enum, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# The class every model subclasses. At run time it is db.Model, the class Flask-SQLAlchemy
# builds from Base (it adds the table name, the query property and the session binding).
# That class is made dynamically, so a type checker cannot see it as a class ("Name db.Model
# is not defined"); to the type checker, Model is the declarative Base it derives from, which
# carries everything the mapped annotations need.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


ModelT = TypeVar("ModelT", bound=Base)


def get_required(model: type[ModelT], ident: Any) -> ModelT:
    """``db.session.get`` of a row that must exist, one a foreign key refers to: a missing
    row is a bug, refused with a LookupError naming it rather than passed on as None."""
    row = db.session.get(model, ident)
    if row is None:
        raise LookupError(f"{model.__name__} {ident!r} does not exist")
    return row


class UTCDateTime(TypeDecorator):
    """An instant: stored in UTC, always returned timezone-aware in UTC.

    Naive datetimes are refused on the way in: an instant without a zone is a bug.
    SQLite keeps no zone, so values read back without one are UTC by construction.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored as an instant")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_cls: type[enum.Enum], name: str) -> Enum:
    """A portable enum column: VARCHAR guarded by a CHECK constraint on its values."""
    return Enum(enum_cls, name=name, native_enum=False, create_constraint=True,
                values_callable=lambda e: [m.value for m in e], validate_strings=True,
                length=max(len(m.value) for m in enum_cls))
