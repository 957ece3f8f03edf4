"""The Flask extensions bound to the app in :func:`matching.app.create_app` (the database is
:mod:`matching.core.db`)."""

from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

migrate = Migrate()


babel = Babel()


login_manager = LoginManager()


csrf = CSRFProtect()
