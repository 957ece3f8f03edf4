"""The Flask extensions bound to the app in :func:`matching.app.create_app` (the database is
:mod:`matching.core.db`)."""

from __future__ import annotations

from typing import Any

import flask_login
from flask import current_app
from flask_babel import Babel
from flask_wtf import CSRFProtect

babel = Babel()


class LoginManager(flask_login.LoginManager):
    """Flask-Login's, without its session protection's work when that is off (issue 17).

    Sessions live on the server (:mod:`matching.accounts.sessions`) and session protection
    is off; Flask-Login still hashes the client's address and browser (SHA-512) on every
    request before it looks at the mode. Here the mode is looked at first, as Flask-Login
    does next: off, the answer is the same (not failed) without the hash."""

    def _session_protection_failed(self) -> bool:
        mode = current_app.config.get("SESSION_PROTECTION", self.session_protection)
        if not mode or mode not in ["basic", "strong"]:
            return False
        return super()._session_protection_failed()


login_manager = LoginManager()


csrf = CSRFProtect()


class Migrations:
    """What Flask-Migrate keeps in ``app.extensions["migrate"]`` (its ``_MigrateConfig``: the
    database, the migrations' folder, Alembic's context arguments), made without importing
    Flask-Migrate, which imports Alembic and Mako: about 10 MB in every gunicorn worker that
    never migrates (issue 17). Its ``Migrate`` object is made when a ``flask db`` command
    (:class:`matching.app.cli.MigrationCommands`), ``flask_migrate.upgrade()`` or the
    migrations' ``env.py`` first asks for it, with the settings ``Migrate.init_app`` gave."""

    def __init__(self, db: Any, directory: str, *, render_as_batch: bool) -> None:
        self.db = db
        self.directory = directory
        # Flask-Migrate's defaults, and the arguments env.py passes to Alembic's context
        self.configure_args: dict[str, Any] = {"compare_type": True,
                                               "render_as_batch": render_as_batch}
        self._migrate: Any = None

    @property
    def metadata(self) -> Any:
        return self.db.metadata

    @property
    def migrate(self) -> Any:
        """Flask-Migrate's ``Migrate`` (its ``get_config`` builds Alembic's configuration)."""
        if self._migrate is None:
            from flask_migrate import Migrate

            self._migrate = Migrate(db=self.db, directory=self.directory, **self.configure_args)
        return self._migrate
