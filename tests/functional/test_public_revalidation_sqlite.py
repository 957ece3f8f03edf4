"""The public pages' validator kept per connection on a SQLite file (issue 17,
workareas.validator_versions): a 304 then reads no table, only SQLite's ``PRAGMA
data_version``, and every commit of another connection (this process's pool, another
process) is noticed at the next 304."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.functional.test_public_conditional import VERSION, DriverCounter, early_layer
from workareas import validator_versions
from workareas.validator_versions import VersionedReads, file_database

#: A change of what the public pages show (the procedure's publication instant).
SHIFT = text("UPDATE procedure SET published_at = datetime(published_at, '+1 second') "
             "WHERE id = :p")


@pytest.fixture
def sqlite_file(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("a SQLite file's connections (PostgreSQL: test_public_revalidation_cache)")


def revalidated(db, app, monkeypatch, client, path, tag) -> tuple[int, list[str]]:
    """The status of a revalidation of ``path`` and the statements its 304 cost."""
    with DriverCounter(db, app, monkeypatch) as counter:
        response = client.get(path, headers={"If-None-Match": tag})
    assert response.status_code != 304 or counter.flask == 0
    return response.status_code, counter.statements


@pytest.mark.parametrize("committed_by", ["this process", "another process"])
def test_a_304_reads_again_only_after_a_commit(world, db, client, app, monkeypatch,
                                               sqlite_file, committed_by):
    p = world.published_procedure()
    db.session.commit()
    paths = ("/addenda", f"/addenda/{p.id}")
    tags = {path: client.get(path).headers["ETag"] for path in paths}
    for path, tag in tags.items():
        status, first = revalidated(db, app, monkeypatch, client, path, tag)
        assert status == 304 and first[0] == VERSION and len(first) == 2  # asked, read
        for _ in range(2):  # kept: only asked
            assert revalidated(db, app, monkeypatch, client, path, tag) == (304, [VERSION])

    if committed_by == "this process":
        db.session.execute(SHIFT, {"p": p.id})
        db.session.commit()
    else:
        other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        with other.begin() as connection:
            connection.execute(SHIFT, {"p": p.id})
        other.dispose()
    for path, tag in tags.items():  # read again: changed, the page itself
        assert revalidated(db, app, monkeypatch, client, path, tag)[0] == 200, path
        tags[path] = client.get(path).headers["ETag"]
        assert revalidated(db, app, monkeypatch, client, path, tags[path])[0] == 304


def test_a_commit_that_changes_nothing_shown_still_reads_again(world, db, client, app,
                                                              monkeypatch, sqlite_file):
    """Any commit that writes to the file moves SQLite's number (one that writes nothing
    new, e.g. a value set to itself, does not): read again, then kept again."""
    world.published_procedure()
    db.session.commit()
    tag = client.get("/addenda").headers["ETag"]
    revalidated(db, app, monkeypatch, client, "/addenda", tag)
    assert revalidated(db, app, monkeypatch, client, "/addenda", tag) == (304, [VERSION])
    changed = db.session.execute(text("UPDATE user_account SET phone = phone || '1'"))
    assert changed.rowcount  # a column no public page shows
    db.session.commit()
    status, statements = revalidated(db, app, monkeypatch, client, "/addenda", tag)
    assert status == 304 and len(statements) == 2
    assert revalidated(db, app, monkeypatch, client, "/addenda", tag) == (304, [VERSION])


def test_disposing_the_engine_closes_the_layers_own_connections(world, db, client, app,
                                                               sqlite_file):
    world.published_procedure()
    db.session.commit()
    tag = client.get("/addenda").headers["ETag"]
    assert client.get("/addenda", headers={"If-None-Match": tag}).status_code == 304
    layer = early_layer(app)
    kept = [reads for reads in layer._idle if isinstance(reads, VersionedReads)]
    assert kept
    db.engine.dispose()
    assert layer._idle == []
    for reads in kept:
        with pytest.raises(Exception, match="closed"):
            reads.connection.cursor()


def test_only_a_file_is_kept_by_version():
    assert file_database(create_engine("sqlite:////tmp/matching.db"))
    assert not file_database(create_engine("sqlite://"))
    assert not file_database(create_engine("sqlite:///:memory:"))
    assert not file_database(create_engine(
        "sqlite:///file:shared?mode=memory&cache=shared&uri=true"))
    assert not file_database(create_engine("postgresql+psycopg://nobody@127.0.0.1/none"))


def test_a_crawler_cannot_grow_what_a_connection_keeps(monkeypatch):
    """At most KEPT_PAGES pages per connection; beyond, the memory starts again."""
    import sqlite3

    monkeypatch.setattr(validator_versions, "KEPT_PAGES", 3)
    reads = VersionedReads(sqlite3.connect(":memory:"))
    for key in range(10):
        assert reads.state(key, lambda connection, key=key: ("state", key)) == ("state", key)
        assert len(reads._kept) <= 3
    assert reads.state(5, lambda connection: None) is None  # not public: not kept
    reads.close()
