"""The public pages' 304 answered before Flask (issue 17): a WSGI layer in front of the
application, inside the flood guard, that answers a browser asking again for the addenda
list, its feed or one addendum (``If-None-Match`` / ``If-Modified-Since``) when nothing
shown has changed, at about the cost of ``/ping``.

It answers only what the view would answer with 304 (:mod:`workareas.conditional`: the same
statement, the same validator, the same headers), and leaves every other request to Flask
untouched:

* only ``GET`` of exactly ``/addenda``, ``/addenda/feed.atom`` or ``/addenda/<id>``, without
  a query string (the query check and ``?versie=`` stay Flask's), carrying a validator;
* only for a host in ``TRUSTED_HOSTS`` (checked as Flask's routing checks it);
* only for an anonymous visitor without a flashed message and whose cookie need not be set
  again, read by the application's own session interface (the cookie's signature checked);
* only while the application's request hooks are the ones accounted for here: the query
  check (no query string: nothing to refuse), CSRF (a ``GET`` is not checked) and the rate
  limiter, which must count nothing for these pages (no limit on them, no default or
  application-wide limit). A hook added later, or a limit on these pages, turns this layer
  off (logged once) rather than being skipped; the flood guard is outside this layer.

The validator is read in one statement through a bare DBAPI cursor (compiled once per
process): on PostgreSQL and on a SQLite file on a connection of this layer's own (on
PostgreSQL in autocommit with the statement prepared on the server: one round trip per
read), elsewhere (an in-memory SQLite) on a connection of the application's pool; a
database error gives the request to Flask (the connection is closed, or dropped from the
pool). On a SQLite file the validator read is kept with its connection while SQLite's
``PRAGMA data_version`` says no other connection has committed since
(:mod:`workareas.validator_versions`). On PostgreSQL the validator read is kept in the
process's memory
(:mod:`workareas.validator_cache`) while a listener thread receives the notifications of
migration 0114's triggers: a 304 then costs no round trip, and any change committed
empties that memory (this process's own commits synchronously, another process's at the
notification's delivery); without a working listener every answer reads the data.
Flask's request signals (``request_started``, ``request_finished``) are not sent for these
304s; any failure here leaves the request to Flask.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from babel import Locale
from flask import Flask, request
from sqlalchemy import event
from werkzeug.datastructures import LanguageAccept
from werkzeug.exceptions import SecurityError
from werkzeug.http import is_resource_modified, quote_etag
from werkzeug.wrappers import Response
from werkzeug.wsgi import get_host

from matching.core.db import db
from matching.core.limits import limiter
from workareas.conditional import (
    addendum_state,
    anonymous_without_flashes,
    list_state,
    mark,
    release_digest,
    validators,
)
from workareas.validator_cache import (
    ValidatorCache,
    close_quietly,
    listener_connection,
    track_commits,
)
from workareas.validator_versions import VersionedReads, file_database
from workareas.validator_versions import own_connection as own_sqlite_connection

log = logging.getLogger(__name__)

LIST, FEED, ADDENDUM = "/addenda", "/addenda/feed.atom", "/addenda/"

NOT_MODIFIED = "304 NOT MODIFIED"  # as Werkzeug spells it

#: The endpoints answered here, with a path of each (to resolve their rate limits).
ENDPOINTS = {"public.addenda": LIST, "public.feed": FEED, "public.addendum": "/addenda/1"}

#: The request hooks a 304 of these pages may go without, by qualified name: the query
#: check (no query string here), CSRF (not on GET), the rate limiter's check and headers
#: (no limit applies to these pages: checked in ``_prepare``), the headers of every
#: response (applied here too: ``headers``) and Flask-Login's remember cookie (which acts
#: only on a session marked ``_remember``: such a request goes to Flask).
KNOWN_BEFORE = frozenset({"refuse_control_characters_in_query",
                          "Limiter._check_request_limit",
                          "CSRFProtect.init_app.<locals>.csrf_protect"})
KNOWN_AFTER = frozenset({"response_headers", "Limiter.__inject_headers",
                         "LoginManager._update_remember_cookie"})


def _name(function: Any) -> str:
    while isinstance(function, partial):
        function = function.func
    return getattr(function, "__qualname__", repr(function))


def own_connection(engine: Any) -> Any:
    """A connection of this layer's own: detached from the engine's pool, in autocommit,
    preparing every statement on the server at its first execution."""
    return listener_connection(engine, prepare=True)


def page_of(path: str) -> tuple[bool, int | None] | None:
    """``(html, procedure_id)`` of a path answered here (``procedure_id`` None for the
    list and the feed), else None. Only canonical ids (digits, no leading zero): any other
    spelling goes to Flask's router."""
    if path == LIST:
        return True, None
    if path == FEED:
        return False, None
    if path.startswith(ADDENDUM):
        digits = path[len(ADDENDUM):]
        if digits.isascii() and digits.isdigit() and (digits == "0" or digits[0] != "0"):
            return True, int(digits)
    return None


class PublicRevalidation:
    """WSGI middleware: ``app.wsgi_app = PublicRevalidation(app.wsgi_app, app, ...)``.
    ``language(session, accept_languages, languages)`` chooses the page's language as the
    application's locale selector does; ``headers(response, config)`` adds the headers of
    every response."""

    def __init__(self, wsgi_app: Callable, app: Flask, *,
                 language: Callable[[Mapping[str, Any], LanguageAccept, list[str]], str],
                 headers: Callable[[Any, Mapping[str, Any]], Any]):
        self.wsgi_app, self.app = wsgi_app, app
        self.language, self.headers = language, headers
        self._ready: tuple[Any, Any] | None | bool = False  # (engine, dialect) once known
        self._locales: dict[str, str] = {}
        self._templates: dict[tuple[bool, Any], list[tuple[str, str]]] = {}
        # this layer's own idle connections (PostgreSQL; on a SQLite file with what was read)
        self._idle: list[Any] = []
        self._versioned = False  # a SQLite file: kept by PRAGMA data_version
        self.cache: ValidatorCache | None = None  # the validators kept (PostgreSQL)

    def __call__(self, environ, start_response):
        if (environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING")
                or not (environ.get("HTTP_IF_NONE_MATCH")
                        or environ.get("HTTP_IF_MODIFIED_SINCE"))):
            return self.wsgi_app(environ, start_response)
        page = page_of(environ.get("PATH_INFO", ""))
        if page is None:
            return self.wsgi_app(environ, start_response)
        html, procedure_id = page
        try:
            etag = self.answer(environ, html, procedure_id)
        except Exception:  # never worse than without this layer: Flask answers
            log.exception("public 304: failed before Flask; left to Flask")
            etag = None
        if etag is None:
            return self.wsgi_app(environ, start_response)
        start_response(NOT_MODIFIED, self._headers(environ, html, etag))
        return []

    def answer(self, environ, html: bool, procedure_id: int | None) -> str | None:
        """The ETag of the 304 to answer, or None when Flask answers (another answer, or
        not ours to give)."""
        app = self.app
        config = app.config
        try:
            host = get_host(environ, config["TRUSTED_HOSTS"])  # as Flask.create_url_adapter
        except SecurityError:
            return None  # Flask refuses it (400)
        ready = self._prepare(environ.get("wsgi.url_scheme", "http"), host)
        if ready is None:
            return None
        incoming = app.request_class(environ)
        interface = app.session_interface
        visitor = interface.open_session(app, incoming)
        if (visitor is None or not anonymous_without_flashes(visitor)
                or interface.should_set_cookie(app, visitor)
                or "_remember" in visitor or config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST")):
            return None  # Flask answers: signed in, a message to show, a cookie to set
        language = self._locale(self.language(visitor, incoming.accept_languages,
                                              config["LANGUAGES"]))
        state = self._state(ready, procedure_id)
        if state is None:
            return None  # not public (Flask's 404), or the database did not answer
        etag, modified = validators(state, html=html, language=language, visitor=visitor,
                                    app=app)
        if is_resource_modified(environ, etag, last_modified=modified):
            return None  # changed: Flask renders the page
        return etag

    def _headers(self, environ, html: bool, etag: str) -> list[tuple[str, str]]:
        """The headers of the view's 304 (:func:`workareas.conditional.mark` and the headers
        of every response, as Werkzeug sends them: no ``Last-Modified`` on a 304), made
        once per kind of page and configuration, with this answer's ETag."""
        config = self.app.config
        key = (html, config.get("MATCHING_ENV"))  # what ``headers`` reads of it
        template = self._templates.get(key)
        if template is None:
            response = Response(status=304)
            mark(response, "-", None, html=html)
            self.headers(response, config)
            template = self._templates[key] = response.get_wsgi_headers(environ).to_wsgi_list()
        tag = quote_etag(etag)
        return [(name, tag if name == "ETag" else value) for name, value in template]

    def _locale(self, chosen: str) -> str:
        """``str(flask_babel.get_locale())`` for the chosen language (parsed once)."""
        found = self._locales.get(chosen)
        if found is None:
            found = self._locales[chosen] = str(Locale.parse(chosen))
        return found

    def _state(self, ready: tuple[Any, Any], procedure_id: int | None):
        engine, dialect = ready
        if dialect.driver == "psycopg":
            cache = self.cache
            if cache is None:
                return self._direct_state(engine, dialect, procedure_id)
            kept, token = cache.lookup(procedure_id)
            if kept is not None:
                return kept
            state = self._direct_state(engine, dialect, procedure_id)
            if state is not None:
                cache.store(procedure_id, state, token)
            return state
        if self._versioned:
            return self._versioned_state(engine, dialect, procedure_id)
        try:
            connection = engine.raw_connection()
        except Exception:
            log.warning("public 304: no database connection; left to Flask", exc_info=True)
            return None
        try:
            return self._read_state((connection, dialect), procedure_id)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, connection.dbapi_connection, None):
                connection.invalidate(error)
            log.warning("public 304: the validator could not be read; left to Flask",
                        exc_info=True)
            return None
        finally:
            connection.close()  # back to the pool, rolled back

    def _versioned_state(self, engine: Any, dialect: Any, procedure_id: int | None):
        """The validator on a SQLite file, on a connection of this layer's own with what
        was read on it (:class:`~workareas.validator_versions.VersionedReads`): read again
        only when another connection has committed since."""
        return self._on_own(
            lambda: VersionedReads(own_sqlite_connection(engine)),
            lambda reads: reads.state(procedure_id, lambda connection: self._read_state(
                (connection, dialect), procedure_id)))

    def _on_own(self, make: Callable[[], Any], read: Callable[[Any], Any]):
        """``read`` on one of this layer's own connections: taken from the idle ones or
        made by ``make``, put back after the read, closed after any error (None: the request
        then goes to Flask); so there are at most as many as requests answered here at once
        (one per thread)."""
        idle = self._idle
        try:
            own = idle.pop()
        except IndexError:
            try:
                own = make()
            except Exception:
                log.warning("public 304: no database connection; left to Flask",
                            exc_info=True)
                return None
        try:
            state = read(own)
        except Exception:
            log.warning("public 304: the validator could not be read; left to Flask",
                        exc_info=True)
            close_quietly(own)
            return None
        idle.append(own)
        return state

    def close_idle(self) -> None:
        """Close this layer's own idle connections."""
        while self._idle:
            close_quietly(self._idle.pop())

    @staticmethod
    def _read_state(pooled: tuple[Any, Any], procedure_id: int | None):
        if procedure_id is None:
            return list_state(pooled)
        return addendum_state(procedure_id, pooled)

    def _direct_state(self, engine: Any, dialect: Any, procedure_id: int | None):
        """The validator on a connection of this layer's own (PostgreSQL): in autocommit
        and with the statement prepared on the server, a read is one round trip, where a
        connection of the pool costs five (its liveness check, BEGIN, the statement,
        ROLLBACK on its return, and the statement planned again); what it reads may then
        be kept (:mod:`workareas.validator_cache`). The connection is opened through the
        engine (with its settings), then detached from the pool (:meth:`_on_own`)."""
        return self._on_own(lambda: own_connection(engine), lambda connection:
                            self._read_state((connection, dialect), procedure_id))

    def _prepare(self, scheme: str, host: str) -> tuple[Any, Any] | None:
        """The engine and its dialect; None (this layer off) when a request hook or a rate
        limit would be skipped. Decided at the first request (on its trusted host), once
        every blueprint is registered; if deciding fails, this request goes to Flask and
        the next one decides again."""
        if self._ready is False:
            app = self.app
            try:
                with app.app_context():
                    reason = self._unaccounted(f"{scheme}://{host}")
                    engine = db.engine
                    release_digest(app)
            except Exception:
                log.warning("public 304: could not decide whether to answer before Flask",
                            exc_info=True)
                return None
            if reason:
                log.warning("public 304 answered by Flask, not before it: %s", reason)
                self._ready = None
            else:
                self._ready = (engine, engine.dialect)
                self._versioned = file_database(engine)
                # the engine disposed (tests, a fork): its own connections go with it
                event.listen(engine, "engine_disposed", lambda _engine: self.close_idle())
                if engine.dialect.driver == "psycopg":
                    self.cache = ValidatorCache(partial(listener_connection, engine))
                    track_commits(engine, self.cache)  # its listener stops with the engine
        return self._ready  # type: ignore[return-value]

    def _unaccounted(self, base_url: str) -> str | None:
        """Why this layer may not answer for Flask: a request hook it does not know, or a
        rate limit that would count these pages (resolved as for a request to
        ``base_url``); None when it may."""
        app = self.app
        scopes = (None, "public")
        before = {_name(f) for scope in scopes for f in app.before_request_funcs.get(scope, ())}
        after = {_name(f) for scope in scopes for f in app.after_request_funcs.get(scope, ())}
        extra = (before - KNOWN_BEFORE) | (after - KNOWN_AFTER)
        if any(app.url_value_preprocessors.get(scope) for scope in scopes):
            extra.add("url_value_preprocessor")
        if extra:
            return f"request hooks not accounted for: {sorted(extra)}"
        if limiter.enabled:
            manager = limiter.limit_manager
            for endpoint, path in ENDPOINTS.items():
                with app.test_request_context(path, base_url=base_url):
                    if request.endpoint != endpoint:
                        return f"{path} is not {endpoint}"
                    for in_middleware in (True, False):
                        if any(manager.resolve_limits(app, endpoint, request.blueprint,
                                                      in_middleware=in_middleware)):
                            return f"a rate limit counts {endpoint}"
        return None

