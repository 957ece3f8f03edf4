"""Conditional requests on the public pages (issue 17): the addenda list, its Atom feed and
one addendum answer ``If-None-Match`` / ``If-Modified-Since`` with 304 Not Modified, and a
304 costs one SQL statement and no template.

What the validator covers (everything the page shows, not only the latest version):

* the data, read in ONE statement before anything else is loaded: for the list and the
  feed the published procedures (how many, per state their ids), the published addendum
  versions (the newest id and instant) and the audit events of procedures (every state
  change is a transition, audited as ``procedure``), of work areas (their names and
  municipalities) and of the retention run (it pseudonymises the contact persons shown);
  for one addendum the same narrowed to the procedure: its state, its newest published
  version (a pitch moment added after publication is a new version too), the events of
  the procedure itself and of its work area, and the retention run. Nothing on these
  pages depends on today's date: the stand ("kandidaturen open", …) is the stored state,
  which only a transition changes;
* the language of the page (the session's choice, else ``Accept-Language``);
* the HTML pages carry the language switch with a CSRF token bound to the visitor's session
  and valid for ``WTF_CSRF_TIME_LIMIT`` (an hour): the ETag includes a digest of the
  session's raw token and the half-hour window, so a page served again from the browser's
  cache always has a token that is still valid for at least half an hour, and
  ``Last-Modified`` is never older than the window's start (a client sending only
  ``If-Modified-Since`` also gets a fresh page in the next window);
* the release: a digest of the templates and compiled translations (read once a process),
  so a deployment that changes a page is not hidden behind an old validator.

Who gets validators, and how they may be cached:

* Only anonymous requests, decided from the session cookie alone (a session id in it, even
  a stale one, counts as signed in, like :func:`matching.app.web.response_headers`): a
  signed-in person's pages show their name and menu and stay ``no-store``; they are
  rendered as before.
* A request with flashed messages pending is rendered as before (the page shows them once).
* HTML pages: ``Cache-Control: private, no-cache``. ``private`` because the page embeds the
  session's CSRF token: a shared proxy handing one visitor's copy to another would break
  the other's language switch (and a response that may set the session cookie must not be
  shared). ``no-cache``: the browser may keep the page but asks every time (a new version,
  a closed intake must show at once); that question is what the 304 answers cheaply.
* The Atom feed has no session content: ``public, no-cache``, so a proxy may keep one
  copy per language for all feed readers and revalidate it.
* All three say ``Vary: Cookie, Accept-Language``: the language comes from either.

The checks use Werkzeug's own machinery (:func:`werkzeug.http.is_resource_modified`,
:meth:`~werkzeug.wrappers.Response.set_etag`, ``last_modified``): ``If-None-Match`` wins
over ``If-Modified-Since`` (RFC 9110 13.2.2), weak comparison as for a GET.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request, session
from flask_babel import get_locale
from sqlalchemy import Integer, and_, bindparam, case, func, or_, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from werkzeug.http import is_resource_modified
from werkzeug.wrappers import Response as BaseResponse

from matching.accounts.sessions import SESSION_KEY
from matching.audit.models import AuditEvent
from matching.core.db import db
from workareas.models import AddendumVersion, Procedure
from workareas.rules import ProcedureState

#: The audit objects whose events change what the public list and feed show.
LIST_OBJECTS = ("procedure", "work_area", "retention")

#: A DBAPI connection of the engine's pool and the engine's dialect.
Pooled = tuple[Any, Any]

#: Flask-WTF's default lifetime of a CSRF token (seconds), when the config does not say.
CSRF_DEFAULT_LIMIT = 3600


def as_utc(value: Any) -> datetime | None:
    """A database instant (aware, naive UTC on SQLite, or a string) as an aware datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _latest_event(where, *outer) -> tuple[Any, Any]:
    """The newest audit event matching ``where``: its id and its instant (events are
    appended in time order, so the newest id carries the latest instant; one index seek
    for the id, one primary-key lookup for the instant). ``outer``: the enclosing query's
    tables ``where`` refers to (correlated two levels up)."""
    # ``id + 0``: not the bare key, so neither PostgreSQL nor SQLite turns max() into a
    # backward walk of the primary key filtering on the type, which would read every
    # candidacy's event since the last procedure event (work that grows with history);
    # the index on (object_type, object_id) then reads only these types' events.
    newest = (select(func.max(AuditEvent.id + 0)).where(where).correlate(*outer)
              .scalar_subquery())
    latest = AuditEvent.__table__.alias("latest")
    return newest, select(latest.c.at).where(latest.c.id == newest).scalar_subquery()


class greatest(FunctionElement):
    """The greatest of several non-NULL integers: ``GREATEST`` (PostgreSQL), the scalar
    ``max()`` of several arguments (SQLite)."""

    type = Integer()
    inherit_cache = True


@compiles(greatest)
def _greatest(element, compiler, **kw):
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "sqlite")
def _greatest_sqlite(element, compiler, **kw):
    return f"max({compiler.process(element.clauses, **kw)})"


@lru_cache(maxsize=1)
def _list_statement():
    shown = Procedure.state != ProcedureState.DRAFT
    per_state = [func.sum(case((Procedure.state == state, Procedure.id), else_=0))
                 for state in ProcedureState if state != ProcedureState.DRAFT]
    procedures = select(func.count(Procedure.id).label("n"), *per_state,
                        func.max(Procedure.published_at).label("at")).where(shown).subquery()
    published = AddendumVersion.published_at.is_not(None)
    versions = select(func.count(AddendumVersion.id).label("n"),
                      func.max(AddendumVersion.id).label("id"),
                      func.max(AddendumVersion.published_at).label("at")
                      ).where(published).subquery()
    # the newest of these types' events, each type's by one backward seek of the index on
    # (object_type, id), and its instant by primary key (no event: NULL, as max() gives)
    newest = [func.coalesce(select(func.max(AuditEvent.id))
                            .where(AuditEvent.object_type == kind).scalar_subquery(), 0)
              for kind in LIST_OBJECTS]
    events = select(func.nullif(greatest(*newest), 0).label("id")).subquery()
    latest = AuditEvent.__table__.alias("latest")
    counts = [c for c in procedures.c if c.key != "at"]
    return (select(*counts, versions.c.n, versions.c.id, events.c.id,
                   procedures.c.at, versions.c.at, latest.c.at)
            .select_from(procedures.join(versions, true()).join(events, true())
                         .outerjoin(latest, latest.c.id == events.c.id)))


def list_state(pooled: Pooled | None = None) -> tuple[tuple, datetime | None]:
    """The data behind the list and the feed, in one statement: a tuple of plain values
    (for the ETag) and the latest instant among them (for ``Last-Modified``). A procedure
    changing state moves its id from one state's sum to another's. ``pooled``: a DBAPI
    connection of the pool and its dialect (``workareas.revalidation``), else the request's
    database session."""
    return _split(_read(_list_statement, {}, pooled), instants=3)


@lru_cache(maxsize=1)
def _addendum_statement():
    p = Procedure.__table__.alias("p")
    published = (AddendumVersion.procedure_id == p.c.id,
                 AddendumVersion.published_at.is_not(None))
    event, event_at = _latest_event(or_(
        and_(AuditEvent.object_type == "procedure", AuditEvent.object_id == p.c.id),
        and_(AuditEvent.object_type == "work_area", AuditEvent.object_id == p.c.work_area_id),
        AuditEvent.object_type == "retention"), p)
    return (select(p.c.state,
                   select(func.max(AddendumVersion.id)).where(*published).scalar_subquery(),
                   event,
                   p.c.published_at,
                   select(func.max(AddendumVersion.published_at)).where(*published)
                   .scalar_subquery(),
                   event_at)
            .where(p.c.id == bindparam("procedure_id"), p.c.state != ProcedureState.DRAFT))


def addendum_state(procedure_id: int, pooled: Pooled | None = None
                   ) -> tuple[tuple, datetime | None] | None:
    """The data behind one addendum page, in one statement; None when the procedure is not
    public (the page then answers 404 as before). A pitch moment added after publication
    is a new version (:func:`workareas.operations.add_pitch_slot`), so the versions cover
    the pitch moments shown."""
    row = _read(_addendum_statement, {"procedure_id": procedure_id}, pooled)
    if row is None:
        return None
    return _split(row, instants=3)


class DriverStatement:
    """A statement compiled once for a dialect into the driver's own SQL and parameters
    (the constants already converted for the driver): executed on a DBAPI cursor, or with
    ``exec_driver_sql``, it costs no compilation, no ORM and no result processing. The
    values come back as the driver gives them (on SQLite the instants as text: see
    :func:`as_utc`); both ways of reading give the same, so the ETag is the same."""

    def __init__(self, statement: Any, dialect: Any):
        compiled = statement.compile(dialect=dialect,
                                     compile_kwargs={"render_postcompile": True})
        self.sql = compiled.string
        self.names = tuple(compiled.positiontup or ()) if compiled.positional else None
        self.constants = {}
        given = {bind.key: None for bind in compiled.binds.values() if bind.required}
        for name, value in compiled.construct_params(given).items():
            bind = compiled.binds.get(name)
            processor = (bind.type.dialect_impl(dialect).bind_processor(dialect)
                         if bind is not None and value is not None else None)
            self.constants[name] = processor(value) if processor else value

    def parameters(self, values: dict[str, Any]) -> Any:
        merged = {**self.constants, **values} if values else self.constants
        return tuple(merged[n] for n in self.names) if self.names is not None else merged


#: (statement builder, dialect name) -> its DriverStatement, built once per process.
_DRIVER_STATEMENTS: dict[tuple[Callable[[], Any], str], DriverStatement] = {}


def driver_statement(build: Callable[[], Any], dialect: Any) -> DriverStatement:
    key = (build, f"{dialect.name}+{dialect.driver}")
    found = _DRIVER_STATEMENTS.get(key)
    if found is None:
        found = _DRIVER_STATEMENTS[key] = DriverStatement(build(), dialect)
    return found


def _read(build: Callable[[], Any], values: dict[str, Any], pooled: Pooled | None) -> Any:
    """The one row of the statement (None if none): on ``pooled``, a DBAPI connection of
    the pool and its dialect, through a bare cursor; else through the request's database
    session (the same transaction as the page it may render)."""
    if pooled is None:
        bound = db.session.connection()
        statement = driver_statement(build, bound.dialect)
        return bound.exec_driver_sql(statement.sql, statement.parameters(values)).first()
    connection, dialect = pooled
    statement = driver_statement(build, dialect)
    cursor = connection.cursor()
    try:
        cursor.execute(statement.sql, statement.parameters(values))
        return cursor.fetchone()
    finally:
        cursor.close()


def _split(row: Sequence[Any], *, instants: int) -> tuple[tuple, datetime | None]:
    """The row's plain values for the ETag, its last ``instants`` columns also as the
    latest instant (``Last-Modified``)."""
    moments = [m for m in (as_utc(v) for v in row[len(row) - instants:]) if m is not None]
    values = tuple(str(getattr(v, "value", v)) for v in row[:len(row) - instants])
    return values + tuple(m.isoformat() for m in moments), max(moments, default=None)


def release_digest(app: Flask | None = None) -> str:
    """A digest of the templates and compiled translations (names, sizes, modification
    times), computed once per application: a new release changes every validator."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    cached = app.extensions.get("public_release_digest")
    if cached is None:
        h = hashlib.sha256()
        roots = [Path(app.root_path, app.template_folder or "templates")]
        roots += [Path(d) for d in app.extensions["babel"].translation_directories]
        for root in roots:
            for folder, _dirs, files in sorted(os.walk(root)):
                for name in sorted(files):
                    if name.endswith((".html", ".xml", ".txt", ".mo")):
                        stat = os.stat(os.path.join(folder, name))
                        h.update(f"{folder}/{name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
        cached = app.extensions["public_release_digest"] = h.hexdigest()[:16]
    return cached


def csrf_window(visitor: Mapping[str, Any] | None = None,
                config: Mapping[str, Any] | None = None) -> tuple[str, datetime | None]:
    """The session's CSRF token (digested) and the start of the current half-lifetime
    window of its signed form, as rendered in the page's language switch. ``visitor`` and
    ``config``: the session and the configuration, by default the request's."""
    visitor = session if visitor is None else visitor
    config = current_app.config if config is None else config
    raw = visitor.get(config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    token = hashlib.sha256(raw.encode()).hexdigest()[:16] if isinstance(raw, str) else "-"
    limit = config.get("WTF_CSRF_TIME_LIMIT", CSRF_DEFAULT_LIMIT)
    if not limit:
        return token, None
    half = max(1, int(limit) // 2)
    start = int(time.time()) // half * half
    return f"{token}.{start}", datetime.fromtimestamp(start, UTC)


def anonymous_without_flashes(visitor: Mapping[str, Any] | None = None) -> bool:
    """Whether this request may be answered from a validator: nobody signed in (read from
    the session cookie, no database) and no flashed message waiting to be shown."""
    visitor = session if visitor is None else visitor
    return visitor.get(SESSION_KEY) is None and not visitor.get("_flashes")


def validators(state: tuple[tuple, datetime | None], *, html: bool, language: str,
               visitor: Mapping[str, Any] | None = None,
               app: Flask | None = None) -> tuple[str, datetime | None]:
    """The ``ETag`` and ``Last-Modified`` of a page showing ``state`` in ``language`` to
    the session ``visitor`` (by default the request's)."""
    values, modified = state
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    parts = [release_digest(app), language, *values]
    if html:
        window, start = csrf_window(visitor, app.config)
        parts.append(window)
        if start is not None and (modified is None or start > modified):
            modified = start
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32], modified


def mark(response: BaseResponse, etag: str, modified: datetime | None, *,
         html: bool) -> BaseResponse:
    """``ETag``, ``Last-Modified``, ``Cache-Control`` and ``Vary`` of a public page (its 200
    and its 304 alike)."""
    response.set_etag(etag)
    if modified is not None:
        response.last_modified = modified
    response.cache_control.no_cache = True
    if html:
        response.cache_control.private = True
    else:
        response.cache_control.public = True
    response.vary.update(("Cookie", "Accept-Language"))
    return response


def conditional(state: tuple[tuple, datetime | None], render: Callable[[], Response], *,
                html: bool) -> Response:
    """304 when the client's validator still matches ``state`` (nothing rendered), else the
    rendered page with ``ETag``, ``Last-Modified``, ``Cache-Control`` and ``Vary``. (Most
    304s are answered before Flask, by :class:`workareas.revalidation.PublicRevalidation`;
    this is the same answer for the requests it leaves to the view.)"""
    etag, modified = validators(state, html=html, language=str(get_locale()))
    if not is_resource_modified(request.environ, etag, last_modified=modified):
        response = Response(status=304)
    else:
        response = render()
        # rendering may have created the session's CSRF token: the validator is the one
        # the next request (carrying the new cookie) will compute
        if html:
            etag, modified = validators(state, html=html, language=str(get_locale()))
    mark(response, etag, modified, html=html)
    return response
