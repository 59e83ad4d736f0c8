"""A push batch travels as the JSON its database wrote: the request body built around it is
the JSON the same body with parsed moves gives."""

from __future__ import annotations

import json

from wms_tui.store.replication import WireBatch
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
