"""One spelling per reason: new moves carry a MoveReason code, documents are rewritten by
0005_enum_spellings, and moves posted with an older spelling keep it and read as their code."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import column, func, insert, select, table
from uuid6 import uuid7

from tests.factories import build_small_warehouse
from wms_tui.domain.errors import LedgerRuleViolation
from wms_tui.domain.reasons import LEGACY_SPELLINGS, MoveReason
from wms_tui.domain.states import TaskKind, TaskState
from wms_tui.store import migrate
from wms_tui.store.db import make_engine, sqlite_url
from wms_tui.store.ledger import Ledger, MoveRequest, PostingContext
from wms_tui.store.models import StockMove, Task

CTX = PostingContext("T1", "alice")


def test_old_spellings_read_as_their_code():
    assert MoveReason("cross-dock") is MoveReason.CROSS_DOCK
    assert MoveReason.parse("opening-stock") is MoveReason.OPENING_STOCK
    assert MoveReason.parse("pick") is MoveReason.PICK
    # Counts and scrap used to post the person's words: no code can be read from them.
    assert MoveReason.parse("found on shelf") is None
    assert MoveReason.parse(None) is None
    assert MoveReason.KIT_BUILD.spellings == ("kit_build", "kit build")
    assert MoveReason.PICK.spellings == ("pick",)
    codes = {reason.value for reason in MoveReason}
    assert not codes & set(LEGACY_SPELLINGS)


def test_new_moves_carry_a_code(engine):
    wh = build_small_warehouse(engine)
    ledger = Ledger(engine, CTX)
    for spelling in ("cross-dock", "damaged"):
        with pytest.raises(LedgerRuleViolation, match=f"'{spelling}' is not a move reason"):
            ledger.post([MoveRequest(wh.widget.id, wh.supplier.id, wh.bin_a.id, "1", reason=spelling)])
    [posted] = ledger.post([MoveRequest(wh.widget.id, wh.supplier.id, wh.bin_a.id, "1", reason=MoveReason.CROSS_DOCK)])
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(StockMove)).scalar_one() == 1
        assert conn.execute(select(StockMove.reason).where(StockMove.id == posted.id)).scalar_one() == "cross_dock"


def test_migration_rewrites_documents_and_leaves_posted_moves(tmp_path):
    from alembic import command

    engine = make_engine(sqlite_url(tmp_path / "before-0005.db"))
    # The warehouse is built with today's models, then the schema goes back to before 0005
    # (with the revisions joining it); its rows stay.
    migrate.upgrade(engine)
    wh = build_small_warehouse(engine)
    with engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "0004_floor")
    assert "0005_enum_spellings" not in migrate.current_revisions(engine)
    now = datetime.now(UTC)
    task = {"state": TaskState.OPEN, "warehouse_id": wh.warehouse_id, "location_id": wh.bin_a.id, "quantity": Decimal(0),
            "done_quantity": Decimal(0), "skip_count": 0, "created_at": now}
    # The task table as it was at 0004_floor (0011_sync gave tasks a uid the model fills in).
    before_uid = insert(table("task", *(column(c.name, c.type) for c in Task.__table__.c if c.name != "uid")))
    with engine.begin() as conn:
        conn.execute(before_uid, [
            {**task, "kind": TaskKind.COUNT, "reason": "cycle count", "queue_position": 1},
            {**task, "kind": TaskKind.PUTAWAY, "reason": "route: to QC", "queue_position": 2},
        ])
        conn.execute(insert(StockMove), {
            "id": uuid7(), "terminal_id": "OLD", "sequence": 1, "item_id": wh.widget.id, "from_location_id": wh.supplier.id,
            "to_location_id": wh.bin_a.id, "quantity": Decimal(5), "unit_cost": Decimal("2.50"), "operator": "bob",
            "created_at": now, "document_ref": "RC-1", "reason": "cross-dock",
        })
    assert not migrate.is_up_to_date(engine)

    migrate.upgrade(engine)

    assert migrate.is_up_to_date(engine)
    with engine.connect() as conn:
        assert dict(conn.execute(select(Task.kind, Task.reason)).all()) == {
            TaskKind.COUNT: "cycle_count", TaskKind.PUTAWAY: "route: to QC",
        }
        [legacy] = conn.execute(select(StockMove.reason).where(StockMove.reason.in_(MoveReason.CROSS_DOCK.spellings))).scalars()
    assert legacy == "cross-dock"  # immutable: read through MoveReason, never rewritten
    assert MoveReason.parse(legacy) is MoveReason.CROSS_DOCK
    engine.dispose()
