"""Tamper evidence: hash chains per terminal and `wms-tui db check` on both databases."""

import subprocess
import sys

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.factories import build_small_warehouse
from wms_tui.store.integrity import check_ledger
from wms_tui.store.ledger import (
    GENESIS_HASH,
    Ledger,
    MoveRequest,
    PostingContext,
    chain_timestamp,
    move_hash,
)
from wms_tui.store.models import StockMove

CTX = PostingContext(terminal_id="T1", operator="alice")


def _post_some(engine):
    wh = build_small_warehouse(engine)
    ledger = Ledger(engine, CTX)
    ledger.post([MoveRequest(wh.widget.id, wh.supplier.id, wh.bin_a.id, "10")])
    ledger.post([MoveRequest(wh.widget.id, wh.bin_a.id, wh.bin_b.id, "2"), MoveRequest(wh.widget.id, wh.bin_a.id, wh.bin_b.id, "3")])
    Ledger(engine, PostingContext("T2", "bob")).post([MoveRequest(wh.widget.id, wh.bin_b.id, wh.customer.id, "1")])
    return wh


def _check(engine):
    with engine.connect() as conn:
        return check_ledger(conn)


def _tamper(engine, statements):
    """What someone with the database file or the owner role can do: drop the guard, write."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER stock_move_no_update")
            conn.exec_driver_sql("DROP TRIGGER stock_move_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE stock_move DISABLE TRIGGER stock_move_no_update_delete")
        for statement in statements:
            conn.execute(text(statement))


def test_each_move_hash_covers_its_content_and_the_previous_hash(engine):
    _post_some(engine)
    with engine.connect() as conn:
        moves = conn.execute(select(StockMove.__table__).where(StockMove.terminal_id == "T1").order_by(StockMove.sequence)).mappings().all()
    previous = GENESIS_HASH
    for move in moves:
        assert move["chain_hash"] == move_hash(previous, move, chain_timestamp(move["created_at"]))
        previous = move["chain_hash"]
    assert len({move["chain_hash"] for move in moves}) == 3


def test_terminals_posting_in_turn_each_chain_their_own_moves(engine):
    wh = _post_some(engine)
    t1, t2 = Ledger(engine, CTX), Ledger(engine, PostingContext("T2", "bob"))
    for ledger in (t2, t1, t2):
        ledger.post([MoveRequest(wh.widget.id, wh.bin_b.id, wh.customer.id, "1")])
    with engine.connect() as conn:
        moves = conn.execute(select(StockMove.__table__).order_by(StockMove.terminal_id, StockMove.sequence)).mappings().all()
    previous = {"T1": GENESIS_HASH, "T2": GENESIS_HASH}
    for move in moves:
        assert move["chain_hash"] == move_hash(previous[move["terminal_id"]], move, chain_timestamp(move["created_at"]))
        previous[move["terminal_id"]] = move["chain_hash"]
    assert [move["terminal_id"] for move in moves].count("T2") == 3
    assert _check(engine).problems == []


def test_an_untouched_ledger_passes(engine):
    _post_some(engine)
    result = _check(engine)
    assert result.problems == []
    assert (result.moves, result.terminals) == (4, 2)


def test_a_move_updated_behind_the_triggers_is_found_and_named(engine):
    _post_some(engine)
    _tamper(engine, ["UPDATE stock_move SET quantity = 30000 WHERE terminal_id = 'T1' AND sequence = 2"])
    problems = _check(engine).problems
    assert any(p.startswith("terminal T1 move 2 ") and "changed after posting" in p for p in problems), problems
    # The balances were not touched, so they no longer agree with the moves either.
    assert any(p.startswith("balance of W-1 at WH1/STOCK/A-01-01: stored quantity 5") for p in problems), problems
    assert not any("T2" in p for p in problems)


def test_a_rewritten_hash_breaks_the_chain_at_the_next_move(engine):
    _post_some(engine)
    with engine.connect() as conn:
        move = dict(conn.execute(select(StockMove.__table__).where(StockMove.sequence == 2, StockMove.terminal_id == "T1")).mappings().one())
        previous = conn.execute(select(StockMove.chain_hash).where(StockMove.sequence == 1, StockMove.terminal_id == "T1")).scalar_one()
    move["operator"] = "mallory"
    forged = move_hash(previous, move, chain_timestamp(move["created_at"]))
    _tamper(engine, [f"UPDATE stock_move SET operator = 'mallory', chain_hash = '{forged}' WHERE terminal_id = 'T1' AND sequence = 2"])
    problems = _check(engine).problems
    assert len(problems) == 1 and problems[0].startswith("terminal T1 move 3 "), problems


def test_a_deleted_move_is_a_gap_and_unbalances_the_item(engine):
    _post_some(engine)
    _tamper(engine, ["DELETE FROM stock_move WHERE terminal_id = 'T1' AND sequence = 2"])
    problems = _check(engine).problems
    assert "terminal T1: sequence jumps to 3, move(s) 2 missing" in problems
    assert any(p.startswith("terminal T1 move 3 ") for p in problems)
    assert any(p.startswith("balance of W-1 at WH1/STOCK/A-01-02") for p in problems)


def test_a_balance_changed_by_hand_is_found(engine):
    _post_some(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE stock_balance SET quantity = quantity + 1000 WHERE quantity = 5000"))
    problems = _check(engine).problems
    assert any(p.startswith("balance of W-1 at WH1/STOCK/A-01-01: stored quantity 6") for p in problems), problems
    assert "item W-1: balances over all locations sum to quantity 1 value 0, not 0" in problems


def test_db_check_command_exits_non_zero_and_prints_each_problem(engine, db_url):
    _post_some(engine)
    command = [sys.executable, "-m", "wms_tui", "db", "check", "--url", db_url]
    clean = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert clean.returncode == 0, clean.stderr
    assert "ledger ok: 4 moves in 2 terminal chains" in clean.stdout
    _tamper(engine, ["UPDATE stock_move SET reason = 'gift' WHERE terminal_id = 'T2' AND sequence = 1"])
    broken = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert broken.returncode == 1
    assert "terminal T2 move 1 " in broken.stdout and "1 problem" in broken.stderr


def test_the_migration_fills_the_hashes_of_moves_posted_before_chains_existed(engine):
    from alembic import command

    from wms_tui.store import migrate

    _post_some(engine)
    with engine.connect() as conn:
        posted = dict(conn.execute(select(StockMove.id, StockMove.chain_hash)).all())
    with engine.begin() as conn:
        # First the revisions above 0006 (they join it with the other branches), then 0006 itself.
        command.downgrade(migrate.alembic_config(conn), "0005_enum_spellings")
        command.downgrade(migrate.alembic_config(conn), "ledger_integrity@-1")
    assert "0006_move_hash_chain" not in migrate.current_revisions(engine)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert dict(conn.execute(select(StockMove.id, StockMove.chain_hash)).all()) == posted
    assert _check(engine).problems == []
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:  # the guard is back
        conn.execute(text("UPDATE stock_move SET reason = 'x'"))
