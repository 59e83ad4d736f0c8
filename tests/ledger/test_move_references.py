"""A move's references hold on both databases: a move naming a row that is not there is refused,
and a row a move names cannot be deleted (on PostgreSQL by the per-statement triggers of
migrations 0026_move_keys_per_statement and 0029_move_keys_static, on SQLite by its foreign
keys)."""

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError

from tests.factories import build_small_warehouse
from wms_tui.store.ledger import MOVES, Ledger, MoveRequest, PostingContext
from wms_tui.store.models import Item, Location


def _move(**references) -> dict:
    return {"id": uuid.uuid4(), "terminal_id": "T9", "sequence": 1, "quantity": 1, "unit_cost": 1, "operator": "alice",
            "created_at": datetime.now(UTC), **references}


@pytest.mark.parametrize("missing", ["item_id", "to_location_id", "lot_id", "container_id"])
def test_a_move_naming_a_missing_row_is_refused(engine, missing):
    wh = build_small_warehouse(engine)
    references = {"item_id": wh.widget.id, "from_location_id": wh.supplier.id, "to_location_id": wh.bin_a.id, missing: 999_999}
    with pytest.raises(IntegrityError) as refused, engine.begin() as conn:
        conn.execute(insert(MOVES), [_move(**references)])
    if engine.dialect.name == "postgresql":  # the statement trigger names what is missing
        table = {"item_id": "item", "to_location_id": "location", "lot_id": "lot", "container_id": "container"}[missing]
        assert f'names {table} id(s) {{999999}} that are not in table "{table}"' in str(refused.value)


def test_a_row_a_move_names_cannot_be_deleted(engine):
    wh = build_small_warehouse(engine)
    Ledger(engine, PostingContext("T1", "alice")).post([MoveRequest(wh.widget.id, wh.supplier.id, wh.bin_a.id, "1")])
    for table, row_id in ((Item.__table__, wh.widget.id), (Location.__table__, wh.bin_a.id), (Location.__table__, wh.supplier.id)):
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(delete(table).where(table.c.id == row_id))
    with engine.begin() as conn:  # a bin no move names goes
        assert conn.execute(delete(Location.__table__).where(Location.__table__.c.id == wh.bin_b.id)).rowcount == 1
