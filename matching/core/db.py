"""The database layer every domain's models share: the SQLAlchemy extension, the declarative
base with its constraint naming convention, and the column types (instants in UTC, enums
guarded by CHECK constraints)."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import CheckConstraint, DateTime, Enum, MetaData, String, event, inspect
from sqlalchemy.orm import DeclarativeBase, Session
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


def bounded_text(*columns: str, limit: int | None = None) -> tuple[CheckConstraint, ...]:
    """CHECK constraints that bound free-text columns to ``limit`` characters (default
    ``matching.core.text.DATABASE_TEXT_MAX``): what a form refuses, the database refuses
    too, on SQLite (which ignores VARCHAR lengths) as on PostgreSQL."""
    from matching.core.text import DATABASE_TEXT_MAX

    top = limit or DATABASE_TEXT_MAX
    return tuple(CheckConstraint(f"length({c}) <= {top}", name=f"{c}_bounded")
                 for c in columns)


_TEXT_COLUMNS: dict[Any, list[tuple[str, bool, int | None]]] = {}


def _text_columns(mapper) -> list[tuple[str, bool, int | None]]:
    """(attribute, multi-line, limit) of every text column of a mapped class, cached."""
    found = _TEXT_COLUMNS.get(mapper)
    if found is None:
        found = []
        for attr in mapper.column_attrs:
            column = attr.columns[0]
            kind = column.type
            if isinstance(kind, Enum) or not isinstance(kind, String):
                continue
            length = getattr(kind, "length", None)
            found.append((attr.key, length is None, length))
        _TEXT_COLUMNS[mapper] = found
    return found


@event.listens_for(Session, "before_flush")
def _refuse_unstorable_text(session: Session, flush_context, instances) -> None:
    """The last line behind the forms: no text with a NUL or control character (a line
    break only in a TEXT column) and no one-line text longer than its VARCHAR is flushed
    (``matching.core.text``). A refusal is a DomainError: nothing is stored."""
    from matching.core.errors import DomainError
    from matching.core.text import TOO_LONG_MESSAGE, text_problem

    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        for key, multiline, limit in _text_columns(state.mapper):
            value = state.dict.get(key)
            if not isinstance(value, str) or not value:
                continue
            if state.key is not None and not state.attrs[key].history.added:
                continue  # unchanged since loaded
            problem = text_problem(value, multiline=multiline, limit=limit or len(value))
            if problem is not None:
                if problem == TOO_LONG_MESSAGE:
                    raise DomainError(problem, field=key, limit=limit)
                raise DomainError(problem, field=key)
