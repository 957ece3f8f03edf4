"""The application factory: ``flask --app matching.app`` and ``gunicorn`` (``gunicorn.conf.py``)
call :func:`create_app`.

It binds the extensions, registers every package's blueprints (which also connects the
signal receivers of :mod:`matching.core.signals`), and finds the templates, styles,
translations and migrations in the source tree or, when installed from a wheel, inside the
package.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask, render_template
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

import matching.app.schema  # noqa: F401  (every model of every domain in the metadata)
from appeals import applicant_views as appeal_applicant_views
from appeals import coordinator_views as appeal_coordinator_views
from appeals import views as panel_views
from juries import coordinator_views as jury_coordinator_views
from juries import views as jury_views
from juries.emergency import views as emergency_views
from matching.accounts import views as account_views
from matching.accounts.sessions import load_signed_in_user
from matching.administration import views as admin_views
from matching.app import templating, web
from matching.app.cli import register_cli
from matching.app.config import ConfigError, load_config
from matching.app.extensions import Migrations, babel, csrf, login_manager
from matching.candidacies import coordinator_views as candidacy_coordinator_views
from matching.candidacies import public_views as letter_verification_views
from matching.candidacies import views as applicant_views
from matching.core import i18n
from matching.core.dates import format_brussels
from matching.core.db import db
from matching.core.limits import FloodGuard, limiter
from matching.core.navigation import nav_for, site_header
from matching.core.reasons import reason_label
from matching.core.render import (
    fixed_url_for,
    page_gettext,
    status_tag,
    tone_of,
    translated,
    url_pattern,
)
from matching.core.terms import mark_english_terms
from matching.letters.render import format_deadline
from matching.letters.seal import SealError, load_seal
from matching.oversight import condition_views
from matching.oversight import views as observer_views
from matching.privacy import views as privacy_views
from matching.tasks import views as task_views
from workareas import coordinator_views as area_coordinator_views
from workareas import views as public_views
from workareas.queries import published_procedures
from workareas.revalidation import PublicRevalidation
from workareas.rules import PROCEDURE_STATE_LABELS

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # matching/
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
TRANSLATIONS_DIR = PACKAGE_DIR / "translations"

#: Every page of the application, one blueprint per package and audience.
BLUEPRINTS = (
    web.bp,  # the language switch, the liveness check
    public_views.bp,  # public addenda, their feed and versions
    letter_verification_views.bp,  # public: a letter's versions, their SHA-256 and seal
    account_views.bp,  # sign-in, registration, confirmation, password reset, invitations
    admin_views.bp,  # organisations, accounts and invitations (administrators)
    applicant_views.bp,  # the applicant's dashboard, candidacy form, attachments, letters
    appeal_applicant_views.bp,  # the applicant's appeal form
    area_coordinator_views.bp,  # the coordinator's work area, procedure and addendum
    candidacy_coordinator_views.bp,  # closing the intake, inadmissibility, letters, outbox
    jury_coordinator_views.bp,  # jury composition, round boards, pitches, letter previews
    appeal_coordinator_views.bp,  # appeal panel assignment
    jury_views.bp,  # the matchmakers' scoring, conflicts, consensus and ballots
    emergency_views.bp,  # issue 12: the emergency procedure of step 4 (VDAB, local government)
    panel_views.bp,  # the appeal panel's positions
    observer_views.bp,  # Europa WSE's read-only record, audit trail and exports
    condition_views.bp,  # the six conditions, observations, ratification, final report
    task_views.bp,  # issue 13: each person's task list
    privacy_views.bp,  # the privacy notice, each person's own data (and on their request)
)


def resource_dir(name: str) -> str:
    """``templates`` or ``static``: inside the package when installed from a wheel (the
    build puts them there), at the top of the source tree otherwise."""
    installed = PACKAGE_DIR / name
    return str(installed if installed.is_dir() else PACKAGE_DIR.parent / name)


def instance_dir() -> str | None:
    """``MATCHING_INSTANCE_PATH``, else ``instance/`` in a source tree; an installed
    application uses Flask's default (``<prefix>/var/matching-instance``)."""
    configured = os.environ.get("MATCHING_INSTANCE_PATH")
    if configured:
        return configured
    source_tree = PACKAGE_DIR.parent / "templates"
    return str(PACKAGE_DIR.parent / "instance") if source_tree.is_dir() else None


def configure_logging() -> None:
    """The operations and the mail worker log to their modules' loggers (no personal data);
    without a configuration of its own (gunicorn, a test runner), the process prints them
    at ``LOG_LEVEL`` (INFO by default) on standard error."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO").upper(),
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def create_app(test_config: dict | None = None) -> Flask:
    configure_logging()
    app = Flask("matching", instance_relative_config=True, instance_path=instance_dir(),
                template_folder=resource_dir("templates"),
                static_folder=resource_dir("static"))
    app.jinja_environment = templating.Environment  # issue 17: imports checked as sets
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path))
    if test_config:
        app.config.update(test_config)
    if app.config["MATCHING_ENV"] == "development":
        # the demo's second factor is a public key (README): the code page of a demo
        # account shows its current code, so the demo can be tried without an app
        from matching.demo import data as demo_data  # (the demo's package: not in production)

        app.config.setdefault("DEMO_TOTP_SECRET", demo_data.TOTP_SECRET)

    if app.config["MATCHING_ENV"] == "production":
        try:  # refuse to start without the organisation's seal (never the development one)
            app.extensions["letter_seal"] = load_seal(app.config, app.instance_path)
        except SealError as error:
            raise ConfigError(str(error)) from None
    db.init_app(app)
    # Flask-Migrate's configuration; its commands (`flask db`) are registered by register_cli
    app.extensions["migrate"] = Migrations(db, str(MIGRATIONS_DIR), render_as_batch=True)
    babel.init_app(app, locale_selector=web.select_locale,
                   default_translation_directories=str(TRANSLATIONS_DIR))
    csrf.init_app(app)
    i18n.install(app.jinja_env)  # issue 17: a label costs a dictionary lookup
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["nav_for"] = nav_for
    app.jinja_env.globals["site_header"] = site_header  # issue 17: built once per menu
    # issue 17: what every row of a table repeats, computed once per page
    app.jinja_env.globals["tone_of"] = tone_of
    app.jinja_env.globals["status_tag_html"] = status_tag
    app.jinja_env.globals["url_pattern"] = url_pattern
    app.jinja_env.globals["url_for"] = fixed_url_for  # a fixed link built once
    app.jinja_env.globals["translated"] = translated
    app.jinja_env.globals["page_gettext"] = page_gettext
    # issue 16: the call's English terms marked lang="en" on a Dutch page
    app.jinja_env.filters["en_terms"] = \
        lambda text: mark_english_terms(text, str(get_locale() or "nl"))
    app.jinja_env.filters["reason"] = reason_label  # a stored reason in the reader's language
    app.jinja_env.filters["brussels"] = lambda dt: format_brussels(dt) if dt else "–"
    # issue 12: a deadline reads the same on every page as in the letter
    app.jinja_env.filters["deadline"] = \
        lambda dt: format_deadline(dt, str(get_locale() or "nl")) if dt else "–"
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    # Sessions live on the server (matching.accounts.sessions): Flask-Login reads the
    # signed-in account from the session table, never an account id in the cookie.
    login_manager.session_protection = None
    login_manager.request_loader(load_signed_in_user)
    limiter.init_app(app)
    # issue 17: a public page's 304 answered before Flask, inside the flood guard
    app.wsgi_app = PublicRevalidation(  # type: ignore[method-assign]
        app.wsgi_app, app, language=web.choose_language, headers=web.security_headers)
    app.wsgi_app = FloodGuard(app.wsgi_app,  # type: ignore[method-assign]
                              lambda: limiter.storage if limiter.enabled else None)
    if app.config.get("PROXY_HOPS"):
        # Outermost, so that the flood guard and the rate limits count the client's
        # address as the trusted proxies pass it on, not the proxy's own.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops,  # type: ignore[method-assign]
                                x_proto=hops)
    web.init_web(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)

    @app.get("/")
    def index():
        groups = task_views.task_groups(current_user) if current_user.is_authenticated else None
        return render_template("index.html", procedures=published_procedures(),
                               state_labels=PROCEDURE_STATE_LABELS, groups=groups)

    register_cli(app)
    return app
