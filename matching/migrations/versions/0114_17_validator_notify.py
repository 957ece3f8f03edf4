"""the public pages' validator: PostgreSQL says when what it reads may have changed

Revision ID: 0114_notify
Revises: 0113_validator
Create Date: 2026-12-01 02:10:00

The early 304 (``workareas.revalidation``) keeps the validator of the addenda list, its
feed and each addendum page in each worker's memory (``workareas.validator_cache``) and
reads it again only after a ``NOTIFY public_validator``. These triggers send it, at the
commit of any transaction that wrote what the validator statements read
(``workareas.conditional``):

* ``procedure``: a row added or removed, or its ``id``, ``state``, ``published_at`` or
  ``work_area_id`` set;
* ``addendum_version``: a row added or removed, or its ``id``, ``procedure_id`` or
  ``published_at`` set;
* ``audit_event``: an event of a procedure, a work area or the retention run added (the
  row's ``WHEN`` is checked without calling the function: the events of candidacies,
  ballots, … cost nothing), and any update, delete or truncate (refused by the
  append-only trigger, except for a superuser).

The first two are statement-level (one call per statement, whatever the rows). The payload
is the table's name; PostgreSQL sends one notification per payload and transaction, so a
transaction costs at most three, delivered at its commit. A listener checks that these
triggers exist and are enabled before it trusts its memory (``INSTALLED``), and the
downgrade tells the listeners to check again before it removes them. SQLite: nothing (the
layer reads the database at every 304 there).
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0114_notify'
down_revision = '0113_validator'
branch_labels = None
depends_on = None

CHANNEL = "public_validator"

PG_UP = [
    f"""
    CREATE FUNCTION public_validator_notify() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME);
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER public_validator_procedure
    AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF id, state, published_at, work_area_id
    ON procedure FOR EACH STATEMENT EXECUTE FUNCTION public_validator_notify()
    """,
    """
    CREATE TRIGGER public_validator_addendum_version
    AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF id, procedure_id, published_at
    ON addendum_version FOR EACH STATEMENT EXECUTE FUNCTION public_validator_notify()
    """,
    """
    CREATE TRIGGER public_validator_audit_event
    AFTER INSERT ON audit_event FOR EACH ROW
    WHEN (NEW.object_type IN ('procedure', 'work_area', 'retention'))
    EXECUTE FUNCTION public_validator_notify()
    """,
    """
    CREATE TRIGGER public_validator_audit_event_changed
    AFTER DELETE OR TRUNCATE OR UPDATE OF id, at, object_type, object_id
    ON audit_event FOR EACH STATEMENT EXECUTE FUNCTION public_validator_notify()
    """,
]

PG_DOWN = [
    # delivered at this migration's commit, when the triggers are gone: every listener
    # empties its memory and finds them missing (it reads the database from then on)
    f"SELECT pg_notify('{CHANNEL}', 'recheck')",
    "DROP TRIGGER IF EXISTS public_validator_audit_event_changed ON audit_event",
    "DROP TRIGGER IF EXISTS public_validator_audit_event ON audit_event",
    "DROP TRIGGER IF EXISTS public_validator_addendum_version ON addendum_version",
    "DROP TRIGGER IF EXISTS public_validator_procedure ON procedure",
    "DROP FUNCTION IF EXISTS public_validator_notify()",
]


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for statement in PG_UP:
            op.execute(statement)
        # listeners that found the triggers missing check again now
        op.execute(f"SELECT pg_notify('{CHANNEL}', 'recheck')")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for statement in PG_DOWN:
            op.execute(statement)
