"""Tasks under central leases: each task leased to one terminal (one winner, also when many ask
at once), a syncing terminal claims only what is leased to it, and a task confirmed on two
terminals after its lease moved is accepted and raised as a conflict."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from tests.sync.kit import Terminal
from wms_tui.central import protocol
from wms_tui.domain.states import TaskKind, TaskState
from wms_tui.services import tasks
from wms_tui.services.fleet import list_terminals
from wms_tui.services.terminals import central_status
from wms_tui.store import finders
from wms_tui.store.models import SyncConflict, Task
from wms_tui.store.session import reading, transaction

pytestmark = pytest.mark.pg


def central_picks(engine, count: int) -> list[str]:
    """Pick tasks created centrally (central owns task creation); their uids."""
    with transaction(engine) as session:
        warehouse = finders.warehouse_by_code(session, "WH1")
        bin_a = finders.location_by_code(session, "WH1/STOCK/A-01-01")
        item = finders.item_by_sku(session, "W-1")
        ids = tasks.create_tasks(session, [tasks.NewTask(TaskKind.PICK, warehouse.id, bin_a.id, item_id=item.id,
                                                         quantity=Decimal(1), document_ref=f"SO-{n}") for n in range(count)])
        return [session.get(Task, task_id).uid.hex for task_id in ids]


def leases(engine) -> dict[str, str | None]:
    with reading(engine) as session:
        return {task.uid.hex: task.leased_to for task in session.scalars(select(Task))}


def local_task(terminal: Terminal, uid: str) -> Task:
    with reading(terminal.engine) as session:
        return next(task for task in session.scalars(select(Task)) if task.uid.hex == uid)


def claim_and_finish(terminal: Terminal, uid: str | None = None) -> str:
    """An operator of the terminal claims (the next, or one) task and confirms it."""
    with transaction(terminal.engine) as session:
        warehouse = finders.warehouse_by_code(session, "WH1")
        if uid is None:
            task = tasks.claim_next(session, f"op-{terminal.terminal_id}", warehouse.id)
        else:
            task = tasks.claim_task(session, local_task(terminal, uid).id, f"op-{terminal.terminal_id}")
        task.done_quantity = task.quantity
        tasks.complete_task(session, task)
        return task.uid.hex


def test_many_terminals_asking_at_once_get_disjoint_leases(central, service, terminals):
    uids = central_picks(central, 50)
    fleet = [terminals(f"T{n:02}") for n in range(8)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda t: t.client(service.url, tasks_held=5).sync_once(), fleet))
    held = leases(central)
    assert {t.terminal_id: list(held.values()).count(t.terminal_id) for t in fleet} == {t.terminal_id: 5 for t in fleet}
    # The first 40 in queue order went out, each to one terminal; the last 10 wait.
    assert [held[uid] is not None for uid in uids] == [True] * 40 + [False] * 10


def test_a_syncing_terminal_claims_only_its_leased_tasks(central, service, terminals):
    central_picks(central, 3)
    t1, t2 = terminals("T1"), terminals("T2")
    t1.client(service.url, tasks_held=2).sync_once()
    t2.client(service.url, tasks_held=2).sync_once()
    t1.client(service.url, tasks_held=2).sync_once()  # T1 sees T2's lease too
    held = leases(central)
    t2_task = next(uid for uid, terminal in held.items() if terminal == "T2")
    with pytest.raises(tasks.TaskConflict, match="leased to T2"):
        claim_and_finish(t1, t2_task)
    done = {claim_and_finish(t1), claim_and_finish(t1)}
    assert {held[uid] for uid in done} == {"T1"}
    with transaction(t1.engine) as session:  # T1's leased tasks are done: nothing else for it
        assert tasks.claim_next(session, "op-T1", finders.warehouse_by_code(session, "WH1").id) is None
    assert t1.client(service.url).sync_once().tasks_confirmed == 2
    with reading(central) as session:
        finished = {task.uid.hex: (task.state, task.done_by) for task in session.scalars(select(Task)) if task.uid.hex in done}
    assert set(finished.values()) == {(TaskState.DONE, "T1")}


def test_a_task_confirmed_twice_after_its_lease_moved_is_a_conflict(central, service, terminals):
    [uid] = central_picks(central, 1)
    t1, t2 = terminals("T1"), terminals("T2")
    t1.client(service.url, tasks_held=1).sync_once()
    assert leases(central)[uid] == "T1"
    # T1 goes offline; its lease runs out and central leases the task to T2, who picks it.
    with central.begin() as conn:
        conn.execute(update(Task).values(lease_until=datetime.now(UTC) - timedelta(minutes=1)))
    assert [(t.terminal_id, t.leased_tasks, t.expired_leases) for t in list_terminals(central)] == [("T1", 1, 1), ("T2", 0, 0)]
    t2.client(service.url, tasks_held=1).sync_once()
    assert leases(central)[uid] == "T2"
    claim_and_finish(t2, uid)
    t2.client(service.url).sync_once()
    claim_and_finish(t1, uid)  # still offline, T1 picks it too: both picks happened
    body = {"terminal": "T1", "warehouse": "WH1", "done": [{"uid": uid, "done_quantity": "1", "assignee": "op-T1", "done_at": None}]}
    report = t1.client(service.url).sync_once()
    assert report.tasks_confirmed == 1
    with reading(central) as session:
        task = session.scalars(select(Task)).one()
        assert (task.state, task.done_by) == (TaskState.DONE, "T2")  # the first confirmation stands
        [conflict] = session.scalars(select(SyncConflict)).all()
    assert conflict.kind == "task_done_twice" and "confirmed by T2, then by T1 after its lease moved" in conflict.detail
    assert central_status(central).open_conflicts == 1
    assert {t.terminal_id: t.open_conflicts for t in central_status(central).terminals} == {"T1": 1, "T2": 0}
    # The same completion resent (its answer lost): still one conflict.
    again = protocol.tasks(central, ("T1", t1.secret), body)
    assert again.conflicts == 0
    assert central_status(central).open_conflicts == 1
    assert local_task(t1, uid).leased_to == "T2"  # T1's copy follows central after the pull
