"""The PostgreSQL role split: migrations run as the owner of the schema, the application
as a role with only the rights it needs.

The application's role may read and write the rows of every table, but owns none, so it
cannot ``ALTER`` a table (nor switch its triggers off), is no superuser (so it cannot set
``session_replication_role`` either), and may not change or delete what is append-only:
the audit trail, its checkpoints and the sealed letters' PDFs. ``flask roles grant``
(run by the owner after every migration; idempotent) creates or updates it and grants
exactly that; ``flask roles check`` (run with the application's own ``DATABASE_URL``)
says whether the application connects with more rights than that.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

#: Rows only ever added: the application's role may not change or delete them.
APPEND_ONLY = ("audit_event", "audit_checkpoint", "letter_pdf")
#: Only the migrations (the owner) write these.
OWNER_ONLY = ("alembic_version",)


def default_role(connection: Connection) -> str:
    """``<database>_app``: roles are shared by every database of a cluster."""
    return f"{connection.execute(text('SELECT current_database()')).scalar_one()}_app"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def grant_app_role(connection: Connection, role: str, password: str | None = None) -> None:
    """Create ``role`` if needed and give it the application's rights, no more."""
    quote = connection.dialect.identifier_preparer.quote
    name = quote(role)
    database = quote(connection.execute(text("SELECT current_database()")).scalar_one())
    exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                                {"r": role}).first()
    if not exists:
        connection.execute(text(f"CREATE ROLE {name}"))
    attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
    if password:
        attributes += f" PASSWORD {_literal(password)}"
    connection.execute(text(f"ALTER ROLE {name} {attributes}"))
    tables = [t for (t,) in connection.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))]
    for statement in (
        f"GRANT CONNECT ON DATABASE {database} TO {name}",
        f"GRANT USAGE ON SCHEMA public TO {name}",
        f"REVOKE CREATE ON SCHEMA public FROM {name}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {name}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name}",
    ):
        connection.execute(text(statement))
    for table in APPEND_ONLY:
        if table in tables:
            connection.execute(text(f"REVOKE UPDATE, DELETE ON {quote(table)} FROM {name}"))
    for table in OWNER_ONLY:
        if table in tables:
            connection.execute(text(f"REVOKE INSERT, UPDATE, DELETE ON {quote(table)} "
                                    f"FROM {name}"))


def app_role_problems(connection: Connection) -> list[str]:
    """What the connected role may do beyond the application's needs (empty: nothing)."""
    me = connection.execute(text(
        "SELECT current_user, rolsuper, rolbypassrls, rolcreaterole FROM pg_roles "
        "WHERE rolname = current_user")).one()
    problems = []
    if me.rolsuper:
        problems.append(f"{me.current_user} is a superuser (it can switch triggers off)")
    if me.rolbypassrls or me.rolcreaterole:
        problems.append(f"{me.current_user} may bypass row security or create roles")
    owned = [t for (t,) in connection.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND tableowner = current_user ORDER BY tablename"))]
    if owned:
        problems.append(f"{me.current_user} owns {len(owned)} tables (it can ALTER them and "
                        f"disable their triggers), e.g. {', '.join(owned[:3])}")
    if connection.execute(text(
            "SELECT has_schema_privilege(current_user, 'public', 'CREATE')")).scalar_one():
        problems.append(f"{me.current_user} may create tables in the schema")
    for table in APPEND_ONLY:
        if connection.execute(text(
                "SELECT to_regclass(:t) IS NOT NULL AND (has_table_privilege(current_user, "
                ":t, 'UPDATE') OR has_table_privilege(current_user, :t, 'DELETE'))"),
                {"t": f"public.{table}"}).scalar_one():
            problems.append(f"{me.current_user} may change or delete rows of {table}")
    return problems
