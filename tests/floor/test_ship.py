"""Ship, step by step on the terminal service: closed boxes of a packed order go onto a shipment
with the carrier and its tracking number; the ledger (Output -> Customer), the shipment and the
order's status are checked afterwards; wrong scans post nothing; undo and a crash mid-shipment."""

from __future__ import annotations

from sqlmodel import Session, select

from tests.floor.kit import Desk, moves
from tests.floor.outbound import containers, in_zone, packed_order, picked, shipped_units, sscc_scan
from wms_tui.services.outbound import packing
from wms_tui.services.outbound.orders import order_status
from wms_tui.store.models import SalesOrder, SalesOrderLine, Shipment
from wms_tui.store.session import transaction


def open_ship(runtime) -> Desk:
    desk = Desk(runtime)
    desk.sign_in("BADGE-0004")
    assert "1 Ship" in desk.details
    desk.scan("1")
    assert desk.flow == "ship"
    return desk


def shipments(runtime, number: str) -> list[Shipment]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(Shipment).where(Shipment.number.startswith(number)).order_by(Shipment.id)).all())


def test_ship_an_order(runtime):
    number, [box] = packed_order(runtime)
    total = in_zone(runtime, number, "OUTPUT")
    assert total > 0
    desk = open_ship(runtime)
    before = moves(runtime)
    desk.scan(sscc_scan(box))
    assert not desk.error, desk.message
    assert box in desk.details and number in desk.details
    desk.key("f2")
    assert desk.step == "carrier", desk.message
    desk.scan("DHL")
    desk.scan("JJD000390007843421")
    assert desk.step == "confirm" and "JJD000390007843421" in desk.details
    assert moves(runtime) == before  # nothing posted before the confirmation
    desk.scan("1")
    assert not desk.error, desk.message
    assert f"{number} shipped 1 box; " in desk.message and "via DHL" in desk.message
    assert desk.step == "containers"
    assert in_zone(runtime, number, "OUTPUT") == 0
    assert shipped_units(runtime, number) == total
    [(_, shipping)] = containers(runtime, number)
    assert shipping.state == "shipped"
    [shipment] = shipments(runtime, number)
    assert shipment.id == shipping.shipment_id
    assert (shipment.carrier, shipment.tracking_number, shipment.operator) == ("DHL", "JJD000390007843421", "SHIP1")
    with Session(runtime.engine) as session:
        order = session.exec(select(SalesOrder).where(SalesOrder.number == number)).one()
        lines = session.exec(select(SalesOrderLine).where(SalesOrderLine.order_id == order.id)).all()
        assert sum(line.shipped_quantity for line in lines) == total
        status = order_status(session, number)
        everything = all(line.shipped_quantity + line.cancelled_quantity >= line.quantity for line in lines)
        assert status.value == ("fulfilled" if everything else "started")
    assert f"order {status.value}" in desk.details


def test_leaving_boxes_behind_needs_f2_twice(runtime):
    number, [first, second] = packed_order(runtime, boxes=2)
    desk = open_ship(runtime)
    desk.scan(sscc_scan(first))
    desk.key("f2")
    assert desk.error and "1 more packed" in desk.message and desk.step == "containers"
    desk.key("f2")
    assert desk.step == "carrier", desk.message
    desk.scan("UPS")
    desk.key("f2")  # no tracking number on this carrier's paperwork
    assert desk.step == "confirm" and "track none" in desk.details
    desk.key("f2")
    assert not desk.error, desk.message
    assert "shipped 1 box; 1 packed box to ship" in desk.message
    assert "1 still packed" in desk.details
    # The second box goes later, on its own shipment.
    desk.scan(sscc_scan(second))
    desk.key("f2")
    assert desk.step == "carrier", desk.message
    desk.scan("UPS", "1Z999AA10123456784", "1")
    assert not desk.error, desk.message
    assert [s.state for _, s in containers(runtime, number)] == ["shipped", "shipped"]
    found = shipments(runtime, number)
    assert [s.number for s in found] == [f"{number}/SHP-1", f"{number}/SHP-2"]
    assert found[0].tracking_number == ""
    assert in_zone(runtime, number, "OUTPUT") == 0


def test_wrong_scans_are_refused_and_post_nothing(runtime):
    number, [box] = packed_order(runtime)
    other, [still_open] = packed_order(runtime, batch=True, close_last=False)
    desk = open_ship(runtime)
    before = moves(runtime)
    desk.refused("A-01-1.00", "bin label", "containers")
    desk.refused("4006381000277", "that is an item barcode", "containers")
    desk.refused(sscc_scan("087123456700009996"), "no container", "containers")
    desk.refused(sscc_scan(still_open), "still open", "containers")
    desk.key("f2")
    assert desk.error and "at least one" in desk.message
    desk.scan(sscc_scan(box))
    desk.refused(sscc_scan(box), "already on this shipment", "containers")
    with transaction(runtime.engine) as session:
        packing.close_container(session, still_open, weight_kg=1)
    desk.refused(sscc_scan(still_open), f"belongs to order {other}", "containers")
    desk.key("f2")
    desk.refused(sscc_scan(box), "label of this shipment", "carrier")
    desk.scan("DHL")
    desk.refused(sscc_scan(box), "label of this shipment", "tracking")
    desk.refused("4006381000277", "item barcode", "tracking")
    desk.scan("JJD1")
    desk.refused("2", "1 (or F2) ships", "confirm")
    desk.refused("DHL", "that is text", "confirm")
    assert moves(runtime) == before
    assert [s.state for _, s in containers(runtime, number)] == ["closed"]


def test_undo_goes_back_over_unposted_scans(runtime):
    number, [first, second] = packed_order(runtime, boxes=2)
    desk = open_ship(runtime)
    desk.scan(sscc_scan(first), sscc_scan(second))
    assert first in desk.details and second in desk.details
    desk.key("f4")
    assert first in desk.details and second not in desk.details and "undone" in desk.message
    desk.scan(sscc_scan(second))
    desk.key("f2")
    desk.scan("DHL", "JJD2")
    desk.key("f4")
    assert desk.step == "tracking"
    desk.scan("JJD3", "1")
    assert not desk.error, desk.message
    desk.key("f4")
    assert desk.error and "nothing to undo" in desk.message
    [shipment] = shipments(runtime, number)
    assert shipment.tracking_number == "JJD3"


def test_crash_mid_shipment_resumes_at_the_same_step(runtime):
    number, [box] = packed_order(runtime, batch=True)
    desk = open_ship(runtime)
    desk.scan(sscc_scan(box))
    desk.key("f2")
    desk.scan("DHL")
    step, instruction, details, posted = desk.step, desk.instruction, desk.details, moves(runtime)
    assert step == "tracking"
    desk = desk.restart()
    desk.sign_in("BADGE-0004")
    assert "resumed" in desk.message
    assert desk.step == step and desk.instruction == instruction
    assert desk.details == details and "DHL" in details  # the carrier kept; the box: shipped below
    assert moves(runtime) == posted
    desk.scan("JJD9", "1")
    assert not desk.error, desk.message
    desk.scan(sscc_scan(box))  # shipped once: a second time is refused
    assert desk.error and "already shipped" in desk.message
    assert len(shipments(runtime, number)) == 1
    assert in_zone(runtime, number, "OUTPUT") == 0
    assert shipped_units(runtime, number) == sum(picked(runtime, number).values())
