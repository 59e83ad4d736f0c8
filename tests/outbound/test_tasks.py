import threading
from decimal import Decimal

import pytest

from tests.factories import build_small_warehouse
from wms_tui.domain.states import TaskKind, TaskState
from wms_tui.services import tasks
from wms_tui.services.tasks import NewTask, TaskConflict
from wms_tui.store.session import transaction


def _queue(engine, wh, count):
    with transaction(engine) as session:
        return tasks.create_tasks(
            session,
            [NewTask(TaskKind.COUNT, wh.warehouse_id, location_id=wh.bin_a.id, item_id=wh.widget.id,
                     quantity=Decimal(i + 1)) for i in range(count)],
        )


def test_two_operators_racing_for_one_task_exactly_one_wins(engine):
    wh = build_small_warehouse(engine)
    [task_id] = _queue(engine, wh, 1)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def race(operator: str) -> None:
        barrier.wait()
        try:
            with transaction(engine) as session:
                outcomes[operator] = tasks.claim_task(session, task_id, operator).assignee
        except TaskConflict as exc:
            outcomes[operator] = exc

    threads = [threading.Thread(target=race, args=(name,)) for name in ("alice", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [name for name, result in outcomes.items() if result == name]
    losers = [result for result in outcomes.values() if isinstance(result, TaskConflict)]
    assert len(winners) == 1 and len(losers) == 1
    assert f"already claimed by {winners[0]}" in str(losers[0])
    with transaction(engine) as session:
        task = tasks.get_task(session, task_id)
        assert (task.state, task.assignee) == (TaskState.CLAIMED, winners[0])


def test_racing_claim_next_hands_each_task_to_one_operator(engine):
    wh = build_small_warehouse(engine)
    ids = _queue(engine, wh, 6)
    barrier = threading.Barrier(3)
    claimed: dict[str, list[int]] = {}

    def work(operator: str) -> None:
        barrier.wait()
        mine = claimed.setdefault(operator, [])
        while True:
            with transaction(engine) as session:
                task = tasks.claim_next(session, operator, wh.warehouse_id, kind=TaskKind.COUNT)
                if task is None:
                    return
                mine.append(task.id)

    threads = [threading.Thread(target=work, args=(name,)) for name in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    handed_out = [task_id for mine in claimed.values() for task_id in mine]
    assert sorted(handed_out) == sorted(ids)


def test_skip_sends_a_task_to_the_end_and_resume_finds_held_tasks(engine):
    wh = build_small_warehouse(engine)
    first, second, third = _queue(engine, wh, 3)
    with transaction(engine) as session:
        task = tasks.claim_next(session, "alice", wh.warehouse_id)
        assert task.id == first
        tasks.skip_task(session, first, "alice")
        assert [t.id for t in tasks.open_queue(session, wh.warehouse_id)] == [second, third, first]
        assert tasks.claim_next(session, "alice", wh.warehouse_id).id == second
    with transaction(engine) as session:
        # After a crash the operator gets back exactly what they held.
        assert [t.id for t in tasks.resume(session, "alice")] == [second]
        with pytest.raises(TaskConflict, match="claimed by alice, not bob"):
            tasks.skip_task(session, second, "bob")
        tasks.release_task(session, second, "alice")
        assert [t.id for t in tasks.open_queue(session, wh.warehouse_id)] == [second, third, first]
        done = tasks.require_claimed(session, tasks.claim_task(session, third, "bob").id, "bob", TaskKind.COUNT)
        tasks.complete_task(session, done)
        with pytest.raises(TaskConflict, match="done, not open"):
            tasks.claim_task(session, third, "alice")
        assert tasks.cancel_tasks(session, [first, second, third]) == 2
        assert tasks.open_queue(session, wh.warehouse_id) == []
