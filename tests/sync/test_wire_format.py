"""The wire's spelling: a push batch travels as the JSON its database wrote (the request body
built around it is the JSON the same body with parsed moves gives), and a move's time is
stored as its moment in UTC however the sender spelled it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from wms_tui.store.replication import WireBatch, parse_moves
from wms_tui.sync.client import _request_json

MOVES = [
    ["0" * 32, 1, "SKU-1", "SUPPLIERS", "WH1/STOCK/A", None, None, "2.000", "1.5000", "ana", "2026-12-04T03:16:00.323043+00:00",
     "PO-1", "receipt", None, "a" * 64],
    ["1" * 32, 2, "SKU \"2\"", "WH1/STOCK/A", "CUSTOMERS", ["L1", "2027-01-31"], ["00012345600000000017", "pallet"], "1.000",
     "1.5000", "ana", "2026-12-04T03:16:01.000000+00:00", None, "pick", None, "b" * 64],
]


def test_a_batch_spliced_in_is_the_body_it_stands_for():
    batch = WireBatch([json.dumps(move) for move in MOVES])
    assert (len(batch), batch.last, batch.moves()) == (2, MOVES[-1], MOVES)
    for body in ({"terminal": "T1", "warehouse": "WH1", "previous_hash": "", "moves": batch},
                 {"moves": batch, "news": {"master_cursor": 3, "warehouse_cursor": 4}}, {"moves": batch}):
        parsed = {**body, "moves": MOVES}
        assert json.loads(_request_json(body)) == parsed


def test_no_moves_is_an_empty_batch():
    batch = WireBatch([])
    assert (len(batch), bool(batch), batch.last, batch.moves()) == (0, False, None, [])


@pytest.mark.parametrize("spelled", ["2026-12-04T03:16:00.323043+00:00", "2026-12-04T05:16:00.323043+02:00",
                                     "2026-12-03T22:16:00.323043-05:00", "2026-12-04T03:16:00.323043Z"])
def test_a_move_time_is_stored_as_its_moment_in_utc(spelled):
    move = [*MOVES[0][:10], spelled, *MOVES[0][11:]]
    (on_sqlite,), (on_postgresql,) = parse_moves(sqlite.dialect(), [move]), parse_moves(postgresql.psycopg.dialect(), [move])
    assert on_sqlite.created_at == "2026-12-04 03:16:00.323043"
    assert datetime.fromisoformat(on_postgresql.created_at) == datetime(2026, 12, 4, 3, 16, 0, 323043, tzinfo=UTC)


def test_a_time_to_the_second_keeps_its_zero_microseconds():
    move = [*MOVES[0][:10], "2026-12-04T03:16:00+00:00", *MOVES[0][11:]]
    (on_sqlite,), (on_postgresql,) = parse_moves(sqlite.dialect(), [move]), parse_moves(postgresql.psycopg.dialect(), [move])
    assert on_sqlite.created_at == "2026-12-04 03:16:00.000000"
    assert datetime.fromisoformat(on_postgresql.created_at) == datetime(2026, 12, 4, 3, 16, tzinfo=UTC)
