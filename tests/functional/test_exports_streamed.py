"""The exports are streamed (issue 17): made batch by batch of whole procedures and sent as
they are made, with the same content as the export made in one piece."""

from __future__ import annotations

import pytest

from matching.oversight import exports
from matching.oversight.exports import columns, export_batches, export_rows, iter_csv, to_csv
from tests.functional.test_exports import (
    add_decided_candidacies,
    exported_world,
    read_csv,
    read_xlsx,
)
from tests.support import QueryCounter, login


@pytest.fixture
def two_procedures(world, db):
    """The export's world (appeal, pitch, round 2, a withdrawal, a draft), then a second
    procedure of the work area with 6 decided candidacies."""
    exported_world(world, db)
    first = world.procedure.id
    world.published_procedure()
    db.session.commit()
    add_decided_candidacies(world, db, 6)
    return first, world.procedure.id


URLS = ("/observatie/export.csv", "/observatie/export.csv?persoonsgegevens=1",
        "/observatie/procedures/{pid}/export.csv?persoonsgegevens=1")


def test_the_streamed_csv_is_the_export_in_one_piece(world, db, client, two_procedures):
    first, second = two_procedures
    assert export_batches(None, batch=None) == [[first, second]]
    assert export_batches(None, batch=1) == [[first], [second]]  # never a procedure split
    login(client, db, world.admin)
    for url, ids in zip(URLS, (None, None, [second]), strict=True):
        response = client.get(url.format(pid=second))
        assert response.status_code == 200 and response.is_streamed
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")
        assert response.headers["Cache-Control"] == "no-store"
        personal = "persoonsgegevens" in url
        whole = to_csv(export_rows(ids, personal, batch=None), columns(personal))
        assert response.data == whole
        assert to_csv(export_rows(ids, personal, batch=1), columns(personal)) == whole
    table = read_csv(client.get(URLS[0]).data)
    assert len(table) - 1 == 4 + 1 + 6  # c1 twice (rounds 1 and 2), c2, c3, gone; 6 more


def test_the_streamed_xlsx_has_the_rows_of_the_export_in_one_piece(world, db, client,
                                                                     two_procedures):
    login(client, db, world.observer())
    response = client.get("/observatie/export.xlsx")
    assert response.status_code == 200 and response.is_streamed
    assert read_xlsx(response.data) == read_xlsx(
        exports.to_xlsx(export_rows(None, False, batch=None), columns(False)))


def test_the_evaluation_csvs_are_streamed(world, db, client, two_procedures):
    login(client, db, world.observer())
    for url in ("/observatie/evaluatie/totalen.csv", "/observatie/evaluatie/noodprocedures.csv"):
        response = client.get(url)
        assert response.status_code == 200 and response.is_streamed
        assert response.data.startswith(b"\xef\xbb\xbfwerkingsgebied,")


def test_a_batch_is_read_only_when_the_rows_before_it_were_taken(world, db, two_procedures):
    """The second procedure's statements are issued only after the first's rows were taken:
    a running export holds one batch at a time."""
    rows = export_rows(None, False, batch=1)
    with QueryCounter(db) as first_batch:
        first = next(rows)
    with QueryCounter(db) as rest:
        remaining = list(rows)
    assert first_batch.count > 1 and rest.count == first_batch.count - 1  # no batch query
    assert first["procedure_id"] == two_procedures[0]
    assert {r["procedure_id"] for r in remaining} == set(two_procedures)


def test_the_csv_is_written_in_pieces_as_the_rows_come(monkeypatch):
    """A piece is sent every CSV_PIECE_ROWS rows, before the later rows are made; joined,
    the pieces are the CSV in one piece."""
    monkeypatch.setattr(exports, "CSV_PIECE_ROWS", 2)
    taken = []

    def rows():
        for i in range(5):
            taken.append(i)
            yield {"werkingsgebied": f"Gebied {i}", "ronde": i}

    pieces = iter_csv(rows(), ("werkingsgebied", "ronde"))
    first = next(pieces)
    assert taken == [0, 1]
    assert first == "\ufeffwerkingsgebied,ronde\r\nGebied 0,0\r\nGebied 1,1\r\n".encode()
    rest = list(pieces)
    assert len(rest) == 2 and taken == [0, 1, 2, 3, 4]
    assert first + b"".join(rest) == to_csv(list(rows()), ("werkingsgebied", "ronde"))


def test_a_failure_half_way_breaks_the_download_off(world, db, client, two_procedures,
                                                    monkeypatch):
    """Never a download that looks whole: the error reaches the server, which breaks the
    transfer off (the test client raises it while reading)."""
    original = exports._batch_rows
    calls = []

    def failing(procedure_ids, include_personal):
        calls.append(procedure_ids)
        if len(calls) == 2:
            raise RuntimeError("database gone")
        yield from original(procedure_ids, include_personal)

    monkeypatch.setattr(exports, "_batch_rows", failing)
    monkeypatch.setattr(exports, "CSV_PIECE_ROWS", 1)  # the first rows are sent before
    batches = exports.export_batches
    monkeypatch.setattr(exports, "export_batches", lambda ids, batch: batches(ids, 1))
    login(client, db, world.observer())
    response = client.get("/observatie/export.csv", buffered=False)
    assert response.status_code == 200 and response.is_streamed
    with pytest.raises(RuntimeError, match="database gone"):
        b"".join(response.response)
