"""0028_sparse_move_indexes: a move writes an index entry only for what it carries (a reversal,
a document, a paced reason), the rebuilt SQLite table keeps every move and its triggers, the
reversal key stays unique, and the pace chart's read still goes through its index."""

from datetime import date, timedelta

import pytest
from alembic import command
from sqlalchemy import event, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from uuid6 import uuid7

from tests.factories import build_small_warehouse
from wms_tui.domain.reasons import MoveReason
from wms_tui.services import dashboard
from wms_tui.services.exchange import ExportKind, export_rows
from wms_tui.store import migrate
from wms_tui.store.integrity import check_ledger
from wms_tui.store.ledger import Ledger, MoveRequest, PostingContext
from wms_tui.store.light_tables import PACED_CONDITION
from wms_tui.store.models import StockMove

CTX = PostingContext("T1", "alice")


def _post_story(engine):
    wh = build_small_warehouse(engine)
    ledger = Ledger(engine, CTX)
    ledger.post([MoveRequest(wh.widget.id, wh.supplier.id, wh.bin_a.id, "10", document_ref="PO-1", reason=MoveReason.RECEIPT)])
    [picked] = ledger.post([MoveRequest(wh.widget.id, wh.bin_a.id, wh.customer.id, "2", document_ref="SO-1", reason=MoveReason.PICK)])
    ledger.post([MoveRequest(wh.widget.id, wh.bin_a.id, wh.bin_b.id, "3")])  # no document, no reason
    ledger.reverse([picked.id], MoveReason.SHORT_PICK_CANCEL)
    return wh, picked


def _moves(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(select(StockMove.id, StockMove.sequence, StockMove.reverses_id, StockMove.chain_hash)
                            .order_by(StockMove.sequence)).all()


def test_upgrade_keeps_every_move_and_the_append_only_rules(engine):
    wh, picked = _post_story(engine)
    before = _moves(engine)
    with engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "0027_move_changes_at_commit")
    assert _moves(engine) == before

    migrate.upgrade(engine)

    assert migrate.is_up_to_date(engine)
    assert _moves(engine) == before
    with engine.connect() as conn:
        assert check_ledger(conn).ok
    with engine.begin() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute(text("UPDATE stock_move SET quantity = 1"))
    with pytest.raises(Exception, match="already reversed"):
        Ledger(engine, CTX).reverse([picked.id], MoveReason.SHORT_PICK_CANCEL)
    # The database itself still refuses a second reversal of the same move.
    [reversal] = [row for row in before if row.reverses_id is not None]
    with engine.connect() as conn:
        original = conn.execute(select(StockMove).where(StockMove.id == reversal.reverses_id)).one()
    with engine.begin() as conn, pytest.raises(IntegrityError):
        conn.execute(insert(StockMove), {
            **{column: getattr(original, column) for column in ("item_id", "quantity", "unit_cost", "operator", "created_at")},
            "id": uuid7(), "terminal_id": "OTHER", "sequence": 1, "from_location_id": wh.customer.id,
            "to_location_id": wh.bin_a.id, "reverses_id": reversal.reverses_id,
        })


def test_only_moves_that_carry_a_key_are_indexed(engine):
    _post_story(engine)
    conditions = {"uq_stock_move_reverses": "reverses_id IS NOT NULL", "ix_stock_move_document": "document_ref IS NOT NULL",
                  "ix_stock_move_paced": PACED_CONDITION}
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            definitions = dict(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'stock_move' AND type = 'index'").all())
            # Entries per index, read through the index itself.
            entries = {index: conn.exec_driver_sql(f"SELECT count(*) FROM stock_move INDEXED BY {index} WHERE {where}").scalar_one()
                       for index, where in conditions.items()}
            assert entries == {"uq_stock_move_reverses": 1, "ix_stock_move_document": 3, "ix_stock_move_paced": 2}
        else:
            definitions = dict(conn.exec_driver_sql("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'stock_move'").all())
            assert definitions["ix_stock_move_paced"].endswith("WHERE ((reason)::text = ANY ((ARRAY['pick'::character varying, "
                                                               "'receipt'::character varying])::text[]))")
        assert conn.execute(select(func.count()).select_from(StockMove)).scalar_one() == 4
    assert "ix_stock_move_reason_created" not in definitions
    assert "UNIQUE" in definitions["uq_stock_move_reverses"]
    for index, where in conditions.items():
        if engine.dialect.name == "sqlite":  # SQLite matches the condition word for word: the model's is the migration's
            assert definitions[index].endswith(f"WHERE {where}")
        else:
            assert " WHERE " in definitions[index]


def _statements_on_moves(engine, run) -> list[tuple[str, object]]:
    """The statements (and parameters) reading stock_move by reason that `run()` executes."""
    seen = []

    def note(_conn, _cursor, statement, parameters, _context, _many):
        if "FROM stock_move" in statement and "reason IN" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return seen


def test_pace_chart_and_receipts_export_read_through_the_paced_index(engine):
    _post_story(engine)
    board = []
    statements = _statements_on_moves(engine, lambda: (
        board.append(dashboard.dashboard(engine)),
        board.append(export_rows(engine, ExportKind.RECEIPTS, since=date.today() - timedelta(days=1))),
    ))
    assert len(statements) == 2  # the pace chart's read and the receipts export's
    if engine.dialect.name == "sqlite":  # PostgreSQL's planner may well scan a table this small
        with engine.connect() as conn:
            for statement, parameters in statements:
                plan = " ".join(str(row) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all())
                assert "ix_stock_move_paced" in plan, plan
    pace, receipts = board
    # The pick and the receipt, once each (the reversal is not paced; the move without a reason neither).
    assert (sum(pace.picked_per_hour), sum(pace.received_per_hour)) == (1, 1)
    assert [row["document"] for row in receipts] == ["PO-1"]
