"""The application runs as a PostgreSQL role with only the rights it needs (issue 14).

Before, it connected as a superuser, which can switch the audit trail's append-only
trigger off. ``flask roles grant`` (run by the owner after the migrations) makes the
application's role: it reads and writes rows, owns no table, and may not change the
audit trail even directly; ``flask roles check`` tells the two apart.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, exc, text
from sqlalchemy.engine import make_url


@pytest.fixture
def app_role_url(app, runner):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL): SQLite has no roles")
    result = runner.invoke(args=["roles", "grant"])
    assert result.exit_code == 0, result.output
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    return url.set(username=f"{url.database}_app", password=None)


@pytest.mark.parametrize("statement", [
    "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update",
    "ALTER TABLE audit_event DISABLE TRIGGER ALL",
    "UPDATE audit_event SET summary = '{}'",
    "DELETE FROM audit_event",
    "TRUNCATE audit_event",
    "UPDATE audit_checkpoint SET intact = true",
    "DELETE FROM audit_checkpoint",
    "SET session_replication_role = replica",
    "UPDATE alembic_version SET version_num = 'x'",
    "CREATE TABLE sneaky (id int)",
])
def test_the_application_role_cannot_touch_the_audit_trail(world, db, app_role_url, statement):
    world.published_procedure()  # something in the trail
    db.session.commit()
    engine = create_engine(app_role_url)
    try:
        with pytest.raises(exc.DBAPIError) as refused:
            with engine.begin() as conn:
                conn.execute(text(statement))
        assert refused.value.orig.sqlstate in {"42501", "42P01"}, refused.value  # no privilege
    finally:
        engine.dispose()


def test_the_application_works_as_its_role_and_the_check_tells_the_roles_apart(
        app, world, db, app_role_url):
    from matching.app import create_app
    from matching.audit.models import AuditEvent
    from tests.support import login

    world.published_procedure()
    db.session.commit()
    # The owner (here a superuser) is told it has too much.
    owner = app.test_cli_runner().invoke(args=["roles", "check"])
    assert owner.exit_code == 1 and "superuser" in owner.output
    limited = create_app({"TESTING": True, "MATCHING_ENV": "testing",
                          "WTF_CSRF_ENABLED": False,
                          "SQLALCHEMY_DATABASE_URI": app_role_url.render_as_string(False)})
    with limited.app_context():  # the CLI runs in the current app context
        check = limited.test_cli_runner().invoke(args=["roles", "check"])
    assert check.exit_code == 0, check.output
    # Real requests as that role: a sign-in appends to the audit trail, a page reads.
    before = db.session.query(AuditEvent).count()
    db.session.commit()
    client = limited.test_client()
    login(client, db, world.coordinator)  # the password set by the owner, the form posted
    assert client.get("/coordinatie").status_code == 200
    with limited.app_context():
        from matching.core.db import db as limited_db
        limited_db.engine.dispose()
    db.session.commit()
    assert db.session.query(AuditEvent).count() > before
