"""The application factory."""

from __future__ import annotations

import os

from flask import Flask, render_template
from flask_babel import get_locale

from matching.config import load_config
from matching.extensions import babel, csrf, db, login_manager, migrate
from matching.rules import format_brussels
from matching.web import init_web, select_locale

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


BLUEPRINTS = (
    "matching.auth",  # login, logout, account
    "matching.accounts_views",  # registration, confirmation, password reset, invitations
    "matching.applicant_views",  # the applicant's dashboard, candidacy form, letters
    "matching.admin_views",  # organisations and accounts
    "matching.observer_views",  # Europa WSE's read-only overview
    "matching.conditions_views",  # the six conditions, observations, ratification, final report
    "workareas.views",  # public addenda, their feed and versions
    "workareas.coordinator_views",  # the coordinator's work area, procedure and addendum
    "juries.views",  # the matchmakers' scoring, conflicts, consensus and ballots
    "juries.coordinator_views",  # jury composition, round board, pitches, letters, outbox
    "appeals.views",  # the appeal panel's positions
    "appeals.coordinator_views",  # appeal panel assignment
)


def register_blueprints(app: Flask) -> None:
    """Each module of ``BLUEPRINTS`` exposes ``bp``; a module not written yet is skipped."""
    import importlib
    import importlib.util

    for name in BLUEPRINTS:
        if importlib.util.find_spec(name) is None:
            continue
        app.register_blueprint(importlib.import_module(name).bp)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        "matching",
        instance_relative_config=True,
        instance_path=os.environ.get("MATCHING_INSTANCE_PATH", os.path.join(PROJECT_ROOT, "instance")),
        template_folder=os.path.join(PROJECT_ROOT, "templates"),
        static_folder=os.path.join(PROJECT_ROOT, "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path))
    if test_config:
        app.config.update(test_config)

    import matching.schema  # noqa: F401  (register every model with the metadata)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=os.path.join(os.path.dirname(__file__),
                                                                "translations"))
    csrf.init_app(app)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["brussels"] = lambda dt: format_brussels(dt) if dt else "–"
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    init_web(app)
    from matching.navigation import nav_for
    app.jinja_env.globals["nav_for"] = nav_for
    register_blueprints(app)

    @login_manager.user_loader
    def load_user(user_id: str):
        from matching.schema import User
        return db.session.get(User, int(user_id))

    @app.get("/")
    def index():
        from matching.statemachine import PROCEDURE_STATE_LABELS
        from workareas.views import published_procedures

        return render_template("index.html", procedures=published_procedures(),
                               state_labels=PROCEDURE_STATE_LABELS)

    from matching.cli import register_cli
    register_cli(app)
    return app
