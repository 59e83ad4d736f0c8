"""Thin sessions (docs/thin-sessions.md): one `wms-tui` process per SSH session, straight on the
central PostgreSQL database. Each session runs as its own terminal id, which no second session
may take; 20 of them pick from one queue at once and the ledger comes out whole."""

from __future__ import annotations

from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlmodel import Session, func, select

from tests.floor.kit import Desk, another_terminal, held_task
from tests.floor.outbound import whole
from wms_tui import config
from wms_tui.cli import main
from wms_tui.domain.errors import ConfigError
from wms_tui.domain.items import Tracking
from wms_tui.services.demo import DEMO_PIN
from wms_tui.services.operators import create_operator
from wms_tui.services.outbound.allocation import allocate
from wms_tui.services.outbound.orders import LineInput, confirm_orders, create_order
from wms_tui.store.integrity import check_ledger
from wms_tui.store.models import Item, Location, StockBalance, StockMove, Task
from wms_tui.store.session import transaction

SESSIONS = 20
ORDERS = 40
on_postgresql = pytest.mark.parametrize("demo_url", ["postgresql"], indirect=True)


def test_the_terminal_id_comes_from_the_session_over_the_config(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    path.write_text('[terminal]\nid = "T1"\n')
    monkeypatch.delenv(config.TERMINAL_ENV, raising=False)
    assert config.load(path).terminal.id == "T1"
    monkeypatch.setenv(config.TERMINAL_ENV, "hh07")
    assert config.load(path).terminal.id == "hh07"
    monkeypatch.setenv(config.TERMINAL_ENV, "rf.07")  # e.g. a login name the id alphabet has no '.' for
    with pytest.raises(ConfigError, match=r"\$WMS_TERMINAL \(--terminal\): 'rf.07' must be 1-40 letters"):
        config.load(path)
    monkeypatch.delenv(config.TERMINAL_ENV)
    result = CliRunner().invoke(main, ["--config", str(path), "--terminal", "rf 07", "db", "status"])
    assert result.exit_code == 1 and "'rf 07' must be 1-40 letters" in result.output


@on_postgresql
def test_one_terminal_id_runs_in_one_session_at_a_time(runtime, tmp_path):
    runtime.hold_terminal()
    twin = another_terminal(runtime, tmp_path, "HH1")  # a second SSH session given the same id
    other = another_terminal(runtime, tmp_path, "HH2")
    try:
        with pytest.raises(ConfigError, match="terminal HH1 is in use by another session"):
            twin.hold_terminal()
        other.hold_terminal()
        runtime.close()  # the first session ends (a dropped SSH session's process ends the same way)
        twin.hold_terminal()
    finally:
        twin.close()
        other.close()


def queue_orders(runtime) -> None:
    """ORDERS more orders of two lines each over a few items, so sessions meet in the same bins."""
    with transaction(runtime.engine) as session:
        stocked = session.exec(
            select(Item.sku).join(StockBalance, StockBalance.item_id == Item.id)
            .join(Location, Location.id == StockBalance.location_id)
            .where(Item.tracking == Tracking.NONE, Location.code.like("WH1/STOCK/%"))
            .group_by(Item.sku).having(func.sum(StockBalance.quantity) >= 100).order_by(Item.sku)
        ).all()[:6]
        numbers = [create_order(session, "C001", "WH1", [LineInput(stocked[n % 6], 1 + n % 2, unit_price=1),
                                                         LineInput(stocked[(n + 1) % 6], 1, unit_price=1)]).number
                   for n in range(ORDERS)]
        confirm_orders(session, numbers)
        allocate(session, numbers)
        for n in range(1, SESSIONS + 1):
            create_operator(session, f"RFPICK{n:02}", f"Picker {n}", "picker", badge=f"BADGE-RF{n:02}", pin=DEMO_PIN)


def pick_until_the_queue_is_empty(runtime, operator: str, badge: str) -> tuple[int, list[str]]:
    """One session's picker: next task (F1), then bin, item, the quantity when more than one is
    left, and the tote when the flow asks for one, until none is left. Returns the picks
    confirmed and any refusal seen."""
    desk = Desk(runtime)
    desk.sign_in(badge)
    desk.scan("1")
    desk.key("f1")
    picks, problems = 0, []
    while desk.flow == "pick" and desk.step == "bin":
        task = held_task(runtime, operator)
        with Session(runtime.engine) as session:
            row = session.get(Task, task.id)
            left = row.quantity - row.done_quantity
        desk.scan(task.bin_scan, task.item_scan)
        if desk.step == "qty":
            desk.scan(whole(left))
        if desk.step == "tote":  # the order's tote when another session started it, else a new one
            desk.scan(desk.terminal.state.data.tote or f"TOTE-{operator}-{picks}")
        if desk.error:
            problems.append(desk.message)
            break
        picks += 1
    if "no more picks" not in desk.message:
        problems.append(f"stopped at {desk.flow}/{desk.step}: {desk.message}")
    return picks, problems


@on_postgresql
def test_twenty_sessions_pick_one_queue_on_one_database(runtime, tmp_path):
    queue_orders(runtime)
    sessions = [another_terminal(runtime, tmp_path, f"RF{n:02}") for n in range(1, SESSIONS + 1)]
    try:
        for session_runtime in sessions:
            session_runtime.hold_terminal()
        with ThreadPoolExecutor(SESSIONS) as pool:
            running = [pool.submit(pick_until_the_queue_is_empty, session_runtime, f"RFPICK{n:02}", f"BADGE-RF{n:02}")
                       for n, session_runtime in enumerate(sessions, 1)]
            results = [future.result(timeout=300) for future in running]  # a deadlock would stop here
    finally:
        for session_runtime in sessions:
            session_runtime.close()
    assert [problem for _, problems in results for problem in problems] == []
    picks = sum(done for done, _ in results)
    assert sum(1 for done, _ in results if done) > SESSIONS // 2  # the work was shared, not done by one
    with Session(runtime.engine) as session:
        all_tasks = session.exec(select(Task)).all()
        assert {task.state for task in all_tasks} == {"done"}
        assert len(all_tasks) == picks  # every task picked whole in one go, by one session
        picked_moves = session.exec(select(StockMove).where(StockMove.reason == "pick")).all()
        per_line: dict[int, Decimal] = defaultdict(Decimal)
        for move in picked_moves:
            per_line[move.document_line_id] += move.quantity
        wanted: dict[int, Decimal] = defaultdict(Decimal)
        for task in all_tasks:
            wanted[task.document_line_id] += task.quantity
        assert per_line == wanted  # every line picked exactly once: nothing lost, nothing doubled
        by_terminal = Counter(move.terminal_id for move in picked_moves)
        assert sum(by_terminal.values()) == picks and set(by_terminal) <= {f"RF{n:02}" for n in range(1, SESSIONS + 1)}
        check = check_ledger(session.connection())  # gap-free sequences per terminal, chains, sum zero
        assert check.ok, check.problems
