"""What a terminal decides on the floor beyond picking reaches central and the other terminals:
a short pick (the units given up on the order line, the count it asks for, the discrepancy the
supervisor sees), a pick split into a second tote (its new task), a location the terminal
made itself (the Returns location), each applied once however often it is sent; and the
documents one terminal pushed reach the others without undoing what a terminal has not sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from tests.sync.kit import Terminal, balances, moves_by_id
from tests.sync.test_documents import receive
from tests.sync.test_outbound_documents import WIDGET_EAN, central_order, line_of, reservations
from wms_tui.central import protocol
from wms_tui.domain.locations import location_barcode
from wms_tui.domain.outbound import OrderState, ShortPickOutcome
from wms_tui.domain.states import ExceptionKind, ReceiptState, TaskKind, TaskState
from wms_tui.domain.sync import ConflictKind
from wms_tui.services import catalog, tasks
from wms_tui.services.desks import exceptions
from wms_tui.services.inbound import receiving
from wms_tui.services.outbound import picking
from wms_tui.services.outbound.common import returns_location
from wms_tui.store import finders, pushed_rows
from wms_tui.store.ledger import MoveRequest, PostingContext
from wms_tui.store.models import (
    Location,
    PickDiscrepancy,
    Receipt,
    Reservation,
    SalesOrder,
    SalesOrderLine,
    SyncConflict,
    Task,
)
from wms_tui.store.session import reading, transaction

pytestmark = pytest.mark.pg

BIN = "WH1/STOCK/A-01-01"


def stocked_and_leased(central, service, a: Terminal) -> None:
    """A receives 6 widgets into the bin; central allocates an order of 6 and leases its pick to A."""
    a.post(MoveRequest(a.site.widget.id, a.site.supplier.id, a.site.bin_a.id, 6))
    a.client(service.url).sync_once()
    central_order(central, 6)
    a.client(service.url, tasks_held=5).sync_once()


def pick(terminal: Terminal, task_id: int, units: int, tote: str | None = None, bin_code: str = BIN) -> picking.PickResult:
    with transaction(terminal.engine) as session:
        return picking.confirm_pick(session, PostingContext(terminal.terminal_id, f"op-{terminal.terminal_id}"), task_id,
                                    location_scan=location_barcode(bin_code), item_scan=WIDGET_EAN, packages=units, tote=tote)


def claim_pick(terminal: Terminal) -> int:
    with transaction(terminal.engine) as session:
        task = tasks.claim_next(session, f"op-{terminal.terminal_id}", finders.warehouse_by_code(session, "WH1").id)
        assert task.kind == TaskKind.PICK and task.leased_to == terminal.terminal_id
        return task.id


def short_pick_four_of_six(a: Terminal) -> None:
    task_id = claim_pick(a)
    pick(a, task_id, 4)
    with transaction(a.engine) as session:
        result = picking.short_pick(session, PostingContext("A", "op-A"), task_id, reason="not_found")
    assert (result.short, result.outcome, result.reallocated) == (2, ShortPickOutcome.BACKORDER, 0)


def line_figures(engine) -> tuple:
    line = line_of(engine)
    return line.committed_quantity, line.backordered_quantity, line.cancelled_quantity, line.picked_quantity


def count_tasks(engine) -> list[Task]:
    with reading(engine) as session:
        return list(session.scalars(select(Task).where(Task.kind == TaskKind.COUNT.value)))


def leased_count(terminal: Terminal) -> str | None:
    """The count task the terminal may claim (leased to it), its uid in hex."""
    with reading(terminal.engine) as session:
        task = session.scalars(select(Task).where(Task.kind == TaskKind.COUNT.value, Task.leased_to == terminal.terminal_id)).first()
        return None if task is None else task.uid.hex


def pick_tasks(engine) -> list[tuple]:
    """Pick tasks in the order made: (tote, state, quantity, done)."""
    with reading(engine) as session:
        return [(task.tote, task.state, task.quantity, task.done_quantity)
                for task in session.scalars(select(Task).where(Task.kind == TaskKind.PICK.value).order_by(Task.uid))]


def outbox_rows(terminal: Terminal) -> dict:
    with reading(terminal.engine) as session:
        return pushed_rows.outbox(session.connection(), 100)[1]


def test_a_short_pick_reaches_central_and_its_count_goes_to_another_terminal_once_its_lease_ends(central, service, terminals):
    a, b = terminals("A"), terminals("B")
    stocked_and_leased(central, service, a)
    short_pick_four_of_six(a)
    assert line_figures(a.engine) == (4, 2, 0, 4)
    a.client(service.url).pull()  # central has not heard of it yet: A's decision stands
    assert line_figures(a.engine) == (4, 2, 0, 4)
    sent = outbox_rows(a)
    assert set(sent) == {"task", "pick_discrepancy"}

    a.client(service.url, tasks_held=0).sync_once()  # A asks for no more work: the count it made stays its own
    again = protocol.documents(central, ("A", a.secret), {"terminal": "A", "warehouse": "WH1", "rows": sent})  # an answer lost
    assert again.applied == 2
    assert (line_figures(central), reservations(central)) == ((4, 2, 0, 4), 0)
    with reading(central) as session:
        [short] = session.scalars(select(PickDiscrepancy)).all()
        assert (short.expected_quantity, short.picked_quantity, short.outcome, short.given_up_quantity, short.operator) == (
            6, 4, ShortPickOutcome.BACKORDER, 2, "op-A")
        assert session.get(Location, short.location_id).code == BIN
    [count] = count_tasks(central)
    assert (count.state, count.leased_to, count.location_id, short.count_task_id) == (TaskState.OPEN, "A", short.location_id, count.id)
    assert count.lease_until is not None
    # The supervisor's exceptions desk on central lists the short pick.
    waiting = exceptions.exceptions(central).waiting
    assert [(e.kind, e.who) for e in waiting if e.kind == ExceptionKind.SHORT_PICK] == [(ExceptionKind.SHORT_PICK, "op-A")]

    b.client(service.url, tasks_held=5).sync_once()
    assert leased_count(b) is None  # A's while its lease lasts
    # A falls silent past its lease: B is leased the count and claims it; both terminals hold central's line.
    with central.begin() as conn:
        conn.execute(update(Task).where(Task.id == count.id).values(lease_until=datetime.now(UTC) - timedelta(seconds=1)))
    b.client(service.url, tasks_held=5).sync_once()
    with transaction(b.engine) as session:
        claimed = tasks.claim_next(session, "op-B", finders.warehouse_by_code(session, "WH1").id, kind=TaskKind.COUNT)
        assert (claimed.uid, claimed.leased_to) == (count.uid, "B")
    a.client(service.url).sync_once()
    [held_by_a] = count_tasks(a.engine)
    assert (held_by_a.uid, held_by_a.leased_to) == (count.uid, "B")
    for terminal in (a, b):
        assert line_figures(terminal.engine) == (4, 2, 0, 4), terminal.terminal_id
    with reading(central) as session:
        assert session.scalars(select(PickDiscrepancy)).one().id == short.id
        assert len(session.scalars(select(Task)).all()) == 2


def test_a_task_the_terminal_made_and_claims_before_its_next_pull_stays_its_own(central, service, terminals):
    a, b = terminals("A"), terminals("B")
    stocked_and_leased(central, service, a)
    short_pick_four_of_six(a)  # makes a count task, claimable on A
    client = a.client(service.url, tasks_held=5)
    client.push()
    client.push_documents()  # central has the count now; A has not pulled it back yet
    with transaction(a.engine) as session:
        claimed = tasks.claim_next(session, "op-A", finders.warehouse_by_code(session, "WH1").id, kind=TaskKind.COUNT)
        uid = claimed.uid
    b.client(service.url, tasks_held=5).sync_once()  # B asks for work meanwhile
    client.sync_once()
    for engine in (central, a.engine, b.engine):
        with reading(engine) as session:
            assert session.scalars(select(Task.leased_to).where(Task.uid == uid)).one() == "A"
    with reading(a.engine) as session:
        mine = session.scalars(select(Task).where(Task.uid == uid)).one()
        assert (mine.state, mine.assignee) == (TaskState.CLAIMED, "op-A")
    with transaction(b.engine) as session:
        assert tasks.claim_next(session, "op-B", finders.warehouse_by_code(session, "WH1").id, kind=TaskKind.COUNT) is None
    with transaction(a.engine) as session:  # A counts the bin
        tasks.complete_task(session, tasks.require_claimed(session, mine.id, "op-A", TaskKind.COUNT))
    client.sync_once()
    b.client(service.url).sync_once()
    for engine in (central, a.engine, b.engine):
        with reading(engine) as session:
            done = session.scalars(select(Task).where(Task.uid == uid)).one()
            assert (done.state, done.assignee) == (TaskState.DONE, "op-A"), engine
    with reading(central) as session:
        assert session.scalars(select(Task.done_by).where(Task.uid == uid)).one() == "A"
        assert session.scalars(select(SyncConflict)).all() == []


def test_central_allocates_a_short_picks_missing_units_from_another_bin(central, service, terminals):
    a, b = terminals("A"), terminals("B")
    stocked_and_leased(central, service, a)
    a.post(MoveRequest(a.site.widget.id, a.site.supplier.id, a.site.bin_b.id, 3))  # after the order's allocation
    b.client(service.url).sync_once()
    short_pick_four_of_six(a)  # A back orders the 2 missing units itself: central owns allocation
    assert line_figures(a.engine) == (4, 2, 0, 4)
    a.client(service.url, tasks_held=5).sync_once()
    b.client(service.url, tasks_held=5).sync_once()
    other_bin = "WH1/STOCK/A-01-02"
    for engine in (central, a.engine, b.engine):  # allocated again from the other bin, for A's picker
        assert line_figures(engine) == (6, 0, 0, 4), engine
        with reading(engine) as session:
            [remade] = session.scalars(select(Task).where(Task.kind == TaskKind.PICK.value, Task.state == TaskState.OPEN.value)).all()
            assert (session.get(Location, remade.location_id).code, remade.quantity, remade.leased_to) == (other_bin, 2, "A")
            [held] = session.scalars(select(Reservation)).all()
            assert (session.get(Location, held.location_id).code, held.quantity) == (other_bin, 2)
    with reading(central) as session:
        short = session.scalars(select(PickDiscrepancy)).one()
        assert (short.outcome, short.given_up_quantity) == (ShortPickOutcome.REALLOCATED, 0)

    with reading(a.engine) as session:
        remade_id = session.scalars(select(Task.id).where(Task.uid == remade.uid)).one()
    with transaction(a.engine) as session:
        tasks.claim_task(session, remade_id, "op-A")
    pick(a, remade_id, 2, bin_code=other_bin)
    a.client(service.url).sync_once()
    b.client(service.url).sync_once()
    for engine in (central, a.engine, b.engine):
        assert line_figures(engine) == (6, 0, 0, 6), engine
        assert reservations(engine) == 0
    assert moves_by_id(a.engine) == moves_by_id(b.engine) == moves_by_id(central)
    assert balances(a.engine) == balances(b.engine) == balances(central)
    stock = {key[1]: quantity for key, quantity in balances(central).items() if key[1].startswith("WH1/STOCK/")}
    assert stock == {BIN: 2, other_bin: 1}


def test_a_short_pick_decided_after_central_took_the_units_raises_a_conflict(central, service, terminals):
    a = terminals("A")
    stocked_and_leased(central, service, a)
    short_pick_four_of_six(a)
    with central.begin() as conn:  # central back-orders the line meanwhile: 1 unit committed is left
        conn.execute(update(SalesOrderLine).values(committed_quantity=1, backordered_quantity=5))
    a.client(service.url).sync_once()
    assert line_figures(central)[:3] == (0, 6, 0)  # 1 more back ordered, not 2: never below zero
    with reading(central) as session:
        [conflict] = session.scalars(select(SyncConflict)).all()
    assert (conflict.kind, conflict.terminal_id) == (ConflictKind.SHORT_PICK_CLASH, "A")
    assert "gave up 2" in conflict.detail and "only 1" in conflict.detail


def test_a_short_pick_that_cancels_the_order_cancels_it_centrally(central, service, terminals):
    a, b = terminals("A"), terminals("B")
    a.post(MoveRequest(a.site.widget.id, a.site.supplier.id, a.site.bin_a.id, 6))
    a.client(service.url).sync_once()
    central_order(central, 6)
    with central.begin() as conn:  # all or nothing
        conn.execute(update(SalesOrder).values(backorder_policy="ship_nothing"))
    a.client(service.url, tasks_held=5).sync_once()
    task_id = claim_pick(a)
    pick(a, task_id, 4)
    with transaction(a.engine) as session:  # the 4 picked go back to the bin
        assert picking.short_pick(session, PostingContext("A", "op-A"), task_id, reason="damaged").outcome == ShortPickOutcome.CANCEL_ORDER
    a.client(service.url, tasks_held=0).sync_once()
    b.client(service.url).sync_once()
    for engine in (central, a.engine, b.engine):
        assert line_figures(engine) == (0, 0, 6, 0)
        assert reservations(engine) == 0
        with reading(engine) as session:
            assert finders.sales_order_by_number(session, "SO-1").state == OrderState.CANCELLED
    with reading(central) as session:
        pick_task = session.scalars(select(Task).where(Task.kind == TaskKind.PICK.value)).one()
        assert (pick_task.state, pick_task.done_quantity, pick_task.done_by) == (TaskState.DONE, 4, "A")


def test_a_pick_split_into_a_second_tote_is_known_centrally_and_elsewhere(central, service, terminals):
    a, b = terminals("A"), terminals("B")
    stocked_and_leased(central, service, a)
    task_id = claim_pick(a)
    pick(a, task_id, 2, tote="T1")
    rest = pick(a, task_id, 1, tote="T2")  # the rest continues as a new task, in T2
    assert rest.task_id != task_id and not rest.task_done
    a.client(service.url).pull()  # before its completion is sent: the first task keeps its 2
    assert [task[1:] for task in pick_tasks(a.engine)] == [(TaskState.DONE, 2, 2), (TaskState.CLAIMED, 4, 1)]
    a.client(service.url).sync_once()
    b.client(service.url, tasks_held=5).sync_once()
    with reading(central) as session:
        split = session.scalars(select(Task).where(Task.tote == "T2")).one()
        assert (split.state, split.leased_to, split.done_quantity, split.quantity) == (TaskState.CLAIMED, "A", 1, 4)
        assert split.lease_until is not None
    with reading(b.engine) as session:  # B knows it, and that it is A's
        assert session.scalars(select(Task.leased_to).where(Task.uid == split.uid)).one() == "A"

    pick(a, rest.task_id, 3)
    a.client(service.url).sync_once()
    b.client(service.url).sync_once()
    for engine in (central, a.engine, b.engine):
        assert pick_tasks(engine) == [("T1", TaskState.DONE, 2, 2), ("T2", TaskState.DONE, 4, 4)], engine
        assert line_figures(engine) == (6, 0, 0, 6)
        assert reservations(engine) == 0
        with reading(engine) as session:
            assert session.scalars(select(Task.state).where(Task.uid == split.uid)).one() == TaskState.DONE


def test_a_location_a_terminal_makes_reaches_central_before_its_moves(central, service, terminals):
    a, b = terminals("A"), terminals("B")
    a.client(service.url).sync_once()
    b.client(service.url).sync_once()
    with transaction(a.engine) as session:
        returns = returns_location(session, finders.warehouse_by_code(session, "WH1"))
        returned = returns.id
    a.post(MoveRequest(a.site.widget.id, a.site.customer.id, returned, 1))
    sent = outbox_rows(a)
    assert [row["code"] for row in sent["location"]] == ["WH1/RETURNS"]
    a.client(service.url).sync_once()
    b.client(service.url).sync_once()
    for engine in (central, b.engine):
        with reading(engine) as session:
            place = finders.location_by_code(session, "WH1/RETURNS")
            assert (session.get(Location, place.parent_id).code, place.warehouse_id) == ("WH1", finders.warehouse_by_code(session, "WH1").id)
    assert outbox_rows(b) == {}  # what central sent is not sent back

    # Sent again (an answer lost) it changes nothing; one of another warehouse is refused.
    protocol.documents(central, ("A", a.secret), {"terminal": "A", "warehouse": "WH1", "rows": sent})
    with transaction(central) as session:
        catalog.create_warehouse(session, "WH2", "Warehouse 2")
    elsewhere = {**sent["location"][0], "code": "WH2/RETURNS", "barcode": location_barcode("WH2/RETURNS"), "warehouse_id": "WH2",
                 "parent_id": "WH2"}
    with pytest.raises(protocol.SyncRefused) as refused:
        protocol.documents(central, ("A", a.secret), {"terminal": "A", "warehouse": "WH1", "rows": {"location": [elsewhere]}})
    assert refused.value.status == 403
    with reading(central) as session:
        assert finders.find_location(session, "WH2/RETURNS") is None
        assert len(session.scalars(select(Location).where(Location.code == "WH1/RETURNS")).all()) == 1


def receipt_states(engine) -> dict[str, ReceiptState]:
    with reading(engine) as session:
        return {receipt.number: receipt.state for receipt in session.scalars(select(Receipt))}


def test_a_pulled_document_leaves_a_change_the_terminal_has_not_sent(central, service, terminals):
    a, b = terminals("A"), terminals("B")
    a.client(service.url).sync_once()
    number = receive(a, None, 3)
    a.client(service.url).sync_once()
    b.client(service.url).sync_once()
    assert receipt_states(b.engine) == receipt_states(central) == {number: ReceiptState.OPEN}
    with transaction(a.engine) as session:  # A finishes its receipt, offline
        receiving.finish_receipt(session, number)
    with central.begin() as conn:  # central's copy changes meanwhile (a change A pulls)
        conn.execute(update(Receipt).values(number=Receipt.number))
    a.client(service.url).pull()
    assert receipt_states(a.engine) == {number: ReceiptState.DONE}
    a.client(service.url).sync_once()
    b.client(service.url).sync_once()
    for engine in (central, a.engine, b.engine):
        assert receipt_states(engine) == {number: ReceiptState.DONE}
    with reading(a.engine) as session:  # what central sent back is not sent again
        assert pushed_rows.outbox(session.connection(), 100) == (0, {})
