"""Outbound documents across sync: central creates, confirms and allocates an order; a terminal
pulls it, picks, packs and ships it offline; once online, central records the picks and the
shipment on its order lines (exactly once, also when the documents are pushed twice) and
another terminal sees the order's new state."""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased

from tests.sync.kit import Terminal, assert_converged, free_port, moves_by_id
from wms_tui.central import protocol
from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.locations import location_barcode
from wms_tui.domain.states import ContainerKind, ContainerState, TaskKind, TaskState
from wms_tui.services import catalog, tasks
from wms_tui.services.outbound import allocation, customers, orders, packing, picking, shipping
from wms_tui.services.outbound.orders import LineInput
from wms_tui.store import finders, pushed_rows
from wms_tui.store.ledger import MoveRequest, PostingContext
from wms_tui.store.models import (
    Container,
    ContainerLine,
    Item,
    Location,
    Lot,
    Reservation,
    SalesOrder,
    SalesOrderLine,
    Shipment,
    ShippingContainer,
    Task,
    Warehouse,
)
from wms_tui.store.session import reading, transaction
from wms_tui.sync.client import Offline

pytestmark = pytest.mark.pg

WIDGET_EAN = "4006381333931"


def central_order(engine, quantity: int) -> None:
    """Central: a customer, three-step delivery, and an order confirmed and allocated."""
    with transaction(engine) as session:
        warehouse = finders.warehouse_by_code(session, "WH1")
        session.get(Warehouse, warehouse.id).delivery_steps = 3
        customers.create_customer(session, "C1", "Customer One", ship_to=customers.ShipTo("Customer One", "Main St 1", "Ghent", "9000", "be"),
                                  policy="backorder_rest", payment_terms_days=30)
    with transaction(engine) as session:
        orders.create_order(session, "C1", "WH1", [LineInput("W-1", str(quantity), "5.00")], number="SO-1")
        orders.confirm_order(session, "SO-1")
        allocation.allocate(session, ["SO-1"])


def line_of(engine) -> SalesOrderLine:
    with reading(engine) as session:
        return session.scalars(select(SalesOrderLine)).one()


def reservations(engine) -> int:
    with reading(engine) as session:
        return session.scalar(select(func.count()).select_from(Reservation))


def shipped(engine) -> list[tuple]:
    """The shipments held: number, carrier, and per container its code, state and contents."""
    with reading(engine) as session:
        return [tuple(row) for row in session.execute(
            select(Shipment.number, Shipment.carrier, Container.code, ShippingContainer.state, ContainerLine.quantity)
            .join(ShippingContainer, ShippingContainer.shipment_id == Shipment.id)
            .join(Container, Container.id == ShippingContainer.container_id)
            .join(ContainerLine, ContainerLine.container_id == Container.id)
        )]


def central_touches_the_line(engine) -> None:
    """A central change to the line that a terminal pulls (its price), progress untouched."""
    with engine.begin() as conn:
        conn.execute(update(SalesOrderLine).values(unit_price=SalesOrderLine.unit_price + 1))


def pick_leased(terminal: Terminal, context: PostingContext) -> None:
    with transaction(terminal.engine) as session:
        task = tasks.claim_next(session, context.operator, finders.warehouse_by_code(session, "WH1").id)
        assert task.kind == TaskKind.PICK and task.leased_to == terminal.terminal_id
        location = finders.location_by_code(session, "WH1/STOCK/A-01-01")
        picking.confirm_pick(session, context, task.id, location_scan=location_barcode(location.code), item_scan=WIDGET_EAN,
                             packages=task.quantity)


def pack_and_ship(terminal: Terminal, context: PostingContext) -> str:
    with transaction(terminal.engine) as session:
        packing.assign_number_range(session, terminal.terminal_id, "0871234567", 1, 999)
        box = packing.open_container(session, context, "SO-1")
        packing.pack(session, context, box.code, item_scan=WIDGET_EAN, packages=6)
        packing.close_container(session, box.code, weight_kg="2.5")
        shipping.ship(session, context, "SO-1", [box.code], carrier="DHL", tracking_number="TRACK-1")
        return box.code


def pick_and_ship_on_a_pallet(terminal: Terminal, first_sscc: int) -> tuple[str, str]:
    """The terminal picks its leased task from its bin, packs the units in a box on a pallet and
    ships the pallet, offline; (box, pallet) codes."""
    context = PostingContext(terminal.terminal_id, f"op-{terminal.terminal_id}")
    with transaction(terminal.engine) as session:
        task = tasks.claim_next(session, context.operator, finders.warehouse_by_code(session, "WH1").id)
        picking.confirm_pick(session, context, task.id, location_scan=location_barcode(session.get(Location, task.location_id).code),
                             item_scan=WIDGET_EAN, packages=task.quantity)
        packing.assign_number_range(session, terminal.terminal_id, "0871234567", first_sscc, first_sscc + 99)
        box = packing.open_container(session, context, "SO-1")
        packing.pack(session, context, box.code, item_scan=WIDGET_EAN, packages=task.quantity)
        packing.close_container(session, box.code, weight_kg="1.5")
        pallet = packing.open_container(session, context, "SO-1", kind=ContainerKind.PALLET)
        packing.nest(session, box.code, pallet.code)
        packing.close_container(session, pallet.code, weight_kg="20")
        shipping.ship(session, context, "SO-1", [pallet.code], carrier="DHL", tracking_number=f"T-{terminal.terminal_id}")
        return box.code, pallet.code


def containers(engine) -> dict[str, tuple]:
    """Containers by code: (kind, place, the pallet it is on)."""
    pallet = aliased(Container)
    with reading(engine) as session:
        return {row[0]: tuple(row[1:]) for row in session.execute(
            select(Container.code, Container.kind, Location.code, pallet.code)
            .outerjoin(Location, Location.id == Container.location_id).outerjoin(pallet, pallet.id == Container.parent_id))}


def test_terminals_shipping_one_order_offline_pull_each_others_shipments_and_containers(central, service, terminals):
    a, b = terminals("A"), terminals("B")
    a.post(MoveRequest(a.site.widget.id, a.site.supplier.id, a.site.bin_a.id, 3),
           MoveRequest(a.site.widget.id, a.site.supplier.id, a.site.bin_b.id, 3))
    a.client(service.url).sync_once()
    central_order(central, 6)  # one pick from each bin
    a.client(service.url, tasks_held=1).sync_once()
    b.client(service.url, tasks_held=1).sync_once()
    a_box, a_pallet = pick_and_ship_on_a_pallet(a, 1)
    b_box, b_pallet = pick_and_ship_on_a_pallet(b, 101)
    a.client(service.url).sync_once()
    b.client(service.url).pull()  # A's shipment arrives before B has sent its own: no clash
    assert containers(b.engine)[a_box] == containers(central)[a_box] == (ContainerKind.BOX, "CUSTOMERS", a_pallet)
    b.client(service.url).sync_once()
    a.client(service.url).sync_once()
    numbers = {"SO-1/SHP-1-A", "SO-1/SHP-1-B"}
    for engine in (central, a.engine, b.engine):
        with reading(engine) as session:
            assert set(session.scalars(select(Shipment.number))) == numbers
        assert {code: containers(engine)[code] for code in (a_box, a_pallet, b_box, b_pallet)} == {
            a_box: (ContainerKind.BOX, "CUSTOMERS", a_pallet), a_pallet: (ContainerKind.PALLET, "CUSTOMERS", None),
            b_box: (ContainerKind.BOX, "CUSTOMERS", b_pallet), b_pallet: (ContainerKind.PALLET, "CUSTOMERS", None)}
        line = line_of(engine)
        assert (line.picked_quantity, line.shipped_quantity, line.committed_quantity) == (6, 6, 0)
        assert sorted(row[-1] for row in shipped(engine)) == [3, 3]
    for terminal in (a, b):
        terminal.posted = sum(terminal_id == terminal.terminal_id for terminal_id, _, _ in moves_by_id(terminal.engine).values())
    assert_converged(central, [a, b])


def test_a_terminal_picks_packs_and_ships_an_order_of_central_offline(central, service, terminals):
    a, b = terminals("A"), terminals("B")
    a.post(MoveRequest(a.site.widget.id, a.site.supplier.id, a.site.bin_a.id, 6))
    a.client(service.url).sync_once()
    central_order(central, 6)
    assert reservations(central) == 1
    a.client(service.url, tasks_held=5).sync_once()
    # The line's latest change comes after its reservation's and task's: B pulling one change
    # at a time still gets the line with each row that names it (and the customer, master
    # data, before the order).
    central_touches_the_line(central)
    b.client(service.url, batch_size=1).sync_once()
    # The order, its line and reservation reached both terminals; the task names the line.
    assert reservations(b.engine) == 1
    with reading(a.engine) as session:
        task = session.scalars(select(Task)).one()
        assert (task.leased_to, task.document_line_id) == ("A", session.scalars(select(SalesOrderLine)).one().id)

    context = PostingContext("A", "op-A")
    pick_leased(a, context)
    central_touches_the_line(central)
    a.client(service.url).pull()  # central has not heard of the pick: A's progress stands
    assert (line_of(a.engine).picked_quantity, reservations(a.engine)) == (6, 0)
    a.client(service.url).exchange_tasks()  # the completion reaches central: picked there
    assert (line_of(central).picked_quantity, reservations(central)) == (6, 0)

    box = pack_and_ship(a, context)  # offline
    with reading(a.engine) as session:  # the customer's profile came with master data
        [label] = packing.container_labels(session, "SO-1")
    assert (label.sscc, label.ship_to.city, label.carrier) == (box, "Ghent", "DHL")
    with pytest.raises(Offline):
        a.client(f"http://127.0.0.1:{free_port()}", timeout_s=2).sync_once()
    central_touches_the_line(central)
    a.client(service.url).pull()  # the shipment is not central's yet: A's shipped units stand
    assert (line_of(a.engine).shipped_quantity, line_of(a.engine).committed_quantity) == (6, 0)
    with reading(a.engine) as session:
        _, documents = pushed_rows.outbox(session.connection(), 100)
    assert set(documents) == {"container", "shipping_container", "container_line", "shipment"}

    report = a.client(service.url).sync_once()
    assert report.documents_sent == 4
    # The same documents again (an answer lost): nothing changes.
    again = protocol.documents(central, ("A", a.secret), {"terminal": "A", "warehouse": "WH1", "rows": documents})
    assert again.applied == 4
    assert a.client(service.url).sync_once().documents_sent == 0
    with reading(central) as session:
        line = session.scalars(select(SalesOrderLine)).one()
        assert (line.picked_quantity, line.shipped_quantity, line.committed_quantity) == (6, 6, 0)
        [shipment] = session.scalars(select(Shipment)).all()
        assert (shipment.number, shipment.carrier, shipment.tracking_number, shipment.operator) == ("SO-1/SHP-1-A", "DHL", "TRACK-1", "op-A")
        [container] = session.scalars(select(Container).where(Container.code == box)).all()
        [packed] = session.scalars(select(ShippingContainer)).all()
        assert (packed.container_id, packed.state, packed.weight_kg, packed.shipment_id) == (
            container.id, ContainerState.SHIPPED, Decimal("2.5"), shipment.id)
        [content] = session.scalars(select(ContainerLine)).all()
        assert (content.container_id, content.order_line_id, content.quantity) == (container.id, line.id, 6)
        assert session.scalars(select(Task)).one().state == TaskState.DONE

    b.client(service.url).sync_once()
    assert shipped(b.engine) == shipped(a.engine) == shipped(central) == [("SO-1/SHP-1-A", "DHL", box, ContainerState.SHIPPED, 6)]
    for terminal in (a, b):
        line = line_of(terminal.engine)
        assert (line.picked_quantity, line.shipped_quantity, line.committed_quantity) == (6, 6, 0), terminal.terminal_id
        assert reservations(terminal.engine) == 0, terminal.terminal_id
    a.posted = sum(terminal_id == "A" for terminal_id, _, _ in moves_by_id(a.engine).values())
    assert_converged(central, [a, b])


def test_documents_of_another_warehouse_or_malformed_are_refused(central, service, terminals):
    a = terminals("A")
    central_order(central, 1)
    with transaction(central) as session:
        catalog.create_warehouse(session, "WH2", "Warehouse 2")
    with transaction(central) as session:
        orders.create_order(session, "C1", "WH2", [LineInput("W-1", "1", "5.00")], number="SO-2")
        theirs = session.scalars(select(SalesOrderLine).where(SalesOrderLine.order_id == finders.sales_order_by_number(session, "SO-2").id)).one()
    a.client(service.url).sync_once()
    # A box of A's own, holding a line of WH2's order: the line places it in WH2.
    box = {"code": "BOX-1", "kind": "box", "location_id": None, "parent_id": None, "created_at": "2026-12-02T06:00:00+00:00"}
    content = {"uid": "1" * 32, "container_id": "BOX-1", "order_line_id": theirs.uid.hex, "item_id": "W-1", "lot_id": None,
               "quantity": "1"}
    shipment = {"uid": "0" * 32, "number": "SO-1/SHP-1", "warehouse_id": "WH2", "order_id": "SO-1", "carrier": "DHL",
                "tracking_number": "", "state": "shipped", "operator": "x", "shipped_at": "2026-12-02T06:00:00+00:00"}
    body = {"terminal": "A", "warehouse": "WH1", "rows": {"shipment": [shipment]}}
    with pytest.raises(protocol.SyncRefused) as refused:
        protocol.documents(central, ("A", a.secret), body)
    assert refused.value.status == 403
    for rows, status in (({"shipment": [{**shipment, "warehouse_id": "WH1", "order_id": "SO-2"}]}, 403),
                         ({"container": [box], "container_line": [content]}, 403), ({"invoice": []}, 400), ({"shipment": [{**shipment, "warehouse_id": "WH1", "uid": "x"}]}, 400),
                         ({"shipment": [{**shipment, "warehouse_id": "WH1", "order_id": "SO-9"}]}, 422)):
        with pytest.raises(protocol.SyncRefused) as refused:
            protocol.documents(central, ("A", a.secret), {**body, "rows": rows})
        assert refused.value.status == status, rows
    with reading(central) as session:
        assert session.scalars(select(Shipment)).all() == []
        assert session.scalars(select(Container).where(Container.code == "BOX-1")).all() == []


def test_two_terminals_numbering_a_shipment_of_one_order_alike_keep_both(central, service, terminals):
    a, b = terminals("A"), terminals("B")
    central_order(central, 1)
    shipment = {"number": "SO-1/SHP-1", "warehouse_id": "WH1", "order_id": "SO-1", "carrier": "DHL", "tracking_number": "",
                "state": "shipped", "shipped_at": "2026-12-02T06:00:00+00:00"}
    for terminal, uid in ((a, "1" * 32), (b, "2" * 32), (b, "2" * 32)):  # B's sent twice
        body = {"terminal": terminal.terminal_id, "warehouse": "WH1",
                "rows": {"shipment": [{**shipment, "uid": uid, "operator": f"op-{terminal.terminal_id}"}]}}
        protocol.documents(central, (terminal.terminal_id, terminal.secret), body)
    with reading(central) as session:
        numbers = {s.uid.hex: (s.number, s.operator) for s in session.scalars(select(Shipment))}
    assert numbers == {"1" * 32: ("SO-1/SHP-1", "op-A"), "2" * 32: ("SO-1/SHP-1/B", "op-B")}


def test_the_lots_central_allocated_travel_with_tasks_and_reservations(central, service, terminals):
    """Central allocates two orders of a lot-tracked item first expiry first: SO-1 the older lot,
    SO-2 the newer. The terminal's tasks and reservations name those lots (by code: the newer
    lot is created on the terminal when it is not known there), so its picker is sent to the
    right lot, and a pick of SO-2 from the lot held for SO-1 is refused instead of taking SO-1's
    units. Central records the pick on SO-2's line and releases its reservation."""
    a = terminals("A")
    with transaction(a.engine) as session:
        newer = catalog.get_or_create_lot(session, session.get(Item, a.site.milk.id), "L2412", date(2027, 4, 30)).id
    a.post(MoveRequest(a.site.milk.id, a.site.supplier.id, a.site.bin_a.id, 4, lot_id=a.site.milk_lot.id),
           MoveRequest(a.site.milk.id, a.site.supplier.id, a.site.bin_a.id, 4, lot_id=newer))
    a.client(service.url).sync_once()
    with transaction(central) as session:
        customers.create_customer(session, "C1", "Customer One", ship_to=customers.ShipTo("Customer One", "Main St 1", "Ghent", "9000", "be"))
    for number in ("SO-1", "SO-2"):
        with transaction(central) as session:
            orders.create_order(session, "C1", "WH1", [LineInput("M-1", "4", "1.50")], number=number)
            orders.confirm_order(session, number)
            allocation.allocate(session, [number])
    a.client(service.url, tasks_held=5).sync_once()

    lots_by_order = select(Task.document_ref, Lot.code).join(Lot, Lot.id == Task.lot_id).order_by(Task.document_ref)
    reserved_lots = (select(SalesOrder.number, Lot.code).join(SalesOrderLine, SalesOrderLine.order_id == SalesOrder.id)
                     .join(Reservation, Reservation.order_line_id == SalesOrderLine.id).join(Lot, Lot.id == Reservation.lot_id)
                     .order_by(SalesOrder.number))
    for engine in (central, a.engine):
        with reading(engine) as session:
            assert session.execute(lots_by_order).all() == [("SO-1", "L2409"), ("SO-2", "L2412")]
            assert session.execute(reserved_lots).all() == [("SO-1", "L2409"), ("SO-2", "L2412")]

    context = PostingContext("A", "op-A")
    with transaction(a.engine) as session:
        task = session.scalars(select(Task).where(Task.document_ref == "SO-2")).one()
        tasks.claim_task(session, task.id, context.operator)
        task_id = task.id
    pick = functools.partial(picking.confirm_pick, context=context, task_id=task_id, location_scan=location_barcode("WH1/STOCK/A-01-01"),
                             item_scan="M-1", units=Decimal(4))
    with pytest.raises(InvalidInput, match="lot L2409 has only 0 M-1 free; pick lot L2412 from WH1/STOCK/A-01-01"), transaction(a.engine) as session:
        pick(session, lot_code="L2409")
    with transaction(a.engine) as session:
        pick(session, lot_code="L2412")
    a.client(service.url).sync_once()
    with reading(central) as session:
        assert session.execute(reserved_lots).all() == [("SO-1", "L2409")]
        picked = session.execute(select(SalesOrder.number, SalesOrderLine.picked_quantity)
                                 .join(SalesOrderLine, SalesOrderLine.order_id == SalesOrder.id).order_by(SalesOrder.number)).all()
        assert picked == [("SO-1", 0), ("SO-2", 4)]
