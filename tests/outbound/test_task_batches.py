"""create_tasks returns ids in the order the tasks were given, also for a batch spanning two
warehouses' queues (the ids are matched back by queue slot, not by insert order)."""

from decimal import Decimal

from sqlmodel import select

from tests.factories import build_small_warehouse
from wms_tui.domain.states import TaskKind
from wms_tui.services import catalog, tasks
from wms_tui.services.tasks import NewTask
from wms_tui.store.models import Task
from wms_tui.store.session import transaction


def test_batch_over_two_warehouses_returns_ids_in_the_order_given(engine):
    wh = build_small_warehouse(engine)
    with transaction(engine) as session:
        second = catalog.create_warehouse(session, "WH2", "Warehouse 2")
        other_bin = catalog.add_bin(session, second.zones["STOCK"], "B-01-01", pick_sequence=1)
        other = (second.warehouse.id, other_bin.id)
        # WH1 already has work queued: the batch continues its queue.
        tasks.create_tasks(session, [NewTask(TaskKind.COUNT, wh.warehouse_id, location_id=wh.bin_b.id, item_id=wh.widget.id)])
    wanted = [
        NewTask(TaskKind.PICK, *(other if n % 3 == 0 else (wh.warehouse_id, wh.bin_a.id)), item_id=wh.widget.id,
                quantity=Decimal(n + 1), document_ref=f"SO-{n}")
        for n in range(12)
    ]
    with transaction(engine) as session:
        ids = tasks.create_tasks(session, wanted)
    with transaction(engine) as session:
        rows = {task.id: task for task in session.exec(select(Task).where(Task.id.in_(ids)))}
        assert len(set(ids)) == len(wanted) == len(rows)
        for task_id, new in zip(ids, wanted, strict=True):
            row = rows[task_id]
            assert (row.warehouse_id, row.location_id, row.quantity, row.document_ref) == (
                new.warehouse_id, new.location_id, new.quantity, new.document_ref,
            )
        # Each warehouse's queue keeps the order given, after what was queued before.
        assert [task.document_ref for task in tasks.open_queue(session, wh.warehouse_id, TaskKind.PICK)] == [
            f"SO-{n}" for n in range(12) if n % 3
        ]
        assert [task.document_ref for task in tasks.open_queue(session, other[0], TaskKind.PICK)] == [
            f"SO-{n}" for n in range(0, 12, 3)
        ]
        first_pick = tasks.open_queue(session, wh.warehouse_id, TaskKind.PICK)[0]
        [count] = tasks.open_queue(session, wh.warehouse_id, TaskKind.COUNT)
        assert count.queue_position < first_pick.queue_position
