"""Ship on the floor screen, end to end at the three terminal sizes: closed boxes of a packed
order are scanned onto a shipment through the replay driver, with the carrier and its tracking
number; the ledger (Output -> Customer), the shipment and the order's status are checked
afterwards; wrong scans ring twice and post nothing; a crash mid-shipment resumes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import Session, func, select

from tests.ui.floorkit import SIZE_IDS, SIZES, Floor
from tests.ui.test_pack_flow import containers, in_zone, moves, pick_order, picked
from wms_tui.services.outbound import packing
from wms_tui.services.outbound.orders import order_status
from wms_tui.store.ledger import PostingContext
from wms_tui.store.models import Location, SalesOrder, SalesOrderLine, Shipment, StockMove
from wms_tui.store.session import transaction
from wms_tui.ui.app import WmsApp

PACKER = PostingContext("HH1", "PACK1")



def packed_order(runtime, *, boxes: int = 1, close_last: bool = True, batch: bool = False) -> tuple[str, list[str]]:
    """An order picked and packed with the services: its picks spread over `boxes` boxes."""
    number = pick_order(runtime, batch=batch)
    lines = list(picked(runtime, number).items())
    codes = []
    with transaction(runtime.engine) as session:
        for n in range(boxes):
            box = packing.open_container(session, PACKER, number)
            codes.append(box.code)
            share = lines[n::boxes]
            if not share:  # fewer lines than boxes: move one unit of the first line over
                (gtin, lot), quantity = lines[0]
                lines[0] = ((gtin, lot), quantity - 1)
                share = [((gtin, lot), Decimal(1))]
            for (gtin, lot), quantity in share:
                packing.pack(session, PACKER, box.code, item_scan=gtin, packages=quantity, lot_code=lot)
            if n < boxes - 1 or close_last:
                packing.close_container(session, box.code, weight_kg="3.5")
    return number, codes


def shipped_units(runtime, number: str) -> Decimal:
    with Session(runtime.engine) as session:
        return session.exec(
            select(func.coalesce(func.sum(StockMove.quantity), 0)).join(Location, Location.id == StockMove.to_location_id)
            .where(StockMove.document_ref == number, StockMove.reason == "ship", Location.code == "CUSTOMERS")
        ).one()


def sscc_scan(code: str) -> str:
    return f"]C100{code}"


async def open_ship(floor: Floor) -> None:
    await floor.sign_in("BADGE-0004")
    assert "1 Ship" in floor.details
    await floor.scan("1")
    assert floor.state.flow == "ship"


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_ship_an_order_end_to_end(runtime, tmp_path, size):
    number, [box] = packed_order(runtime)
    total = in_zone(runtime, number, "OUTPUT")
    assert total > 0
    app = WmsApp(runtime)
    async with app.run_test(size=size) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await open_ship(floor)
        before = moves(runtime)
        await floor.scan(sscc_scan(box))
        assert not floor.error, floor.message
        assert box in floor.details and floor.state.data.order == number
        await floor.key("f2")
        assert floor.state.step == "carrier", floor.message
        await floor.scan("DHL")
        await floor.scan("JJD000390007843421")
        assert floor.state.step == "confirm" and "JJD000390007843421" in floor.details
        assert moves(runtime) == before  # nothing posted before the confirmation
        await floor.scan("1")
        assert not floor.error, floor.message
        assert f"shipped {number} via DHL" in floor.message
        assert floor.state.step == "containers" and floor.state.done == 1
        assert all(len(line) <= size[0] for line in floor.widget("legend").splitlines())
        shown = floor.details
    assert in_zone(runtime, number, "OUTPUT") == 0
    assert shipped_units(runtime, number) == total
    [(container, shipping)] = containers(runtime, number)
    assert shipping.state == "shipped"
    with Session(runtime.engine) as session:
        shipment = session.get(Shipment, shipping.shipment_id)
        assert (shipment.carrier, shipment.tracking_number, shipment.operator) == ("DHL", "JJD000390007843421", "SHIP1")
        order = session.exec(select(SalesOrder).where(SalesOrder.number == number)).one()
        lines = session.exec(select(SalesOrderLine).where(SalesOrderLine.order_id == order.id)).all()
        assert sum(line.shipped_quantity for line in lines) == total
        status = order_status(session, number)
        everything = all(line.shipped_quantity + line.cancelled_quantity >= line.quantity for line in lines)
        assert status.value == ("fulfilled" if everything else "started")
    assert f"order {status.value}" in shown


async def test_leaving_boxes_behind_needs_f2_twice(runtime, tmp_path):
    number, [first, second] = packed_order(runtime, boxes=2)
    app = WmsApp(runtime)
    async with app.run_test(size=(40, 25)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await open_ship(floor)
        await floor.scan(sscc_scan(first))
        await floor.key("f2")
        assert floor.error and "1 more packed" in floor.message and floor.state.step == "containers"
        await floor.key("f2")
        assert floor.state.step == "carrier", floor.message
        await floor.scan("UPS")
        await floor.key("f2")  # no tracking number on this carrier's paperwork
        assert floor.state.step == "confirm" and "track none" in floor.details
        await floor.key("f2")
        assert not floor.error, floor.message
        assert "1 still packed" in floor.details
        # The second box goes later, on its own shipment.
        await floor.scan(sscc_scan(second))
        await floor.key("f2")
        assert floor.state.step == "carrier", floor.message
        await floor.scan("UPS", "1Z999AA10123456784", "1")
        assert not floor.error, floor.message
    states = [s.state for _, s in containers(runtime, number)]
    assert states == ["shipped", "shipped"]
    with Session(runtime.engine) as session:
        shipments = session.exec(select(Shipment).where(Shipment.number.startswith(number))).all()
        assert [s.number for s in shipments] == [f"{number}/SHP-1", f"{number}/SHP-2"]
        assert shipments[0].tracking_number == ""
    assert in_zone(runtime, number, "OUTPUT") == 0


async def test_wrong_scans_ring_twice_and_post_nothing(runtime, tmp_path):
    number, [box] = packed_order(runtime)
    other, [still_open] = packed_order(runtime, batch=True, close_last=False)
    app = WmsApp(runtime)
    async with app.run_test(size=(20, 16)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await open_ship(floor)
        before = moves(runtime)


        await floor.refused("A-01-1.00", "bin label", "containers")
        await floor.refused("4006381000277", "that is an item barcode", "containers")
        await floor.refused(sscc_scan("087123456700009996"), "no container", "containers")
        await floor.refused(sscc_scan(still_open), "still open", "containers")
        bells = floor.bells
        await floor.key("f2")
        assert floor.error and "at least one" in floor.message and floor.bells == bells + 2
        await floor.scan(sscc_scan(box))
        await floor.refused(sscc_scan(box), "already on this shipment", "containers")
        with transaction(runtime.engine) as session:
            packing.close_container(session, still_open, weight_kg=1)
        await floor.refused(sscc_scan(still_open), f"belongs to order {other}", "containers")
        await floor.key("f2")
        await floor.refused(sscc_scan(box), f"label of {box}", "carrier")
        await floor.scan("DHL")
        await floor.refused(sscc_scan(box), f"label of {box}", "tracking")
        await floor.refused("4006381000277", "item barcode", "tracking")
        await floor.scan("JJD1")
        await floor.refused("2", "1 (or F2) ships", "confirm")
        await floor.refused("DHL", "that is text", "confirm")
        assert moves(runtime) == before
        assert [s.state for _, s in containers(runtime, number)] == ["closed"]


async def test_undo_goes_back_over_unposted_scans(runtime, tmp_path):
    number, [first, second] = packed_order(runtime, boxes=2)
    app = WmsApp(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await open_ship(floor)
        await floor.scan(sscc_scan(first), sscc_scan(second))
        assert floor.state.data.containers == (first, second)
        await floor.key("f4")
        assert floor.state.data.containers == (first,) and "undone" in floor.message
        await floor.scan(sscc_scan(second))
        await floor.key("f2")
        await floor.scan("DHL", "JJD2")
        await floor.key("f4")
        assert floor.state.step == "tracking"
        await floor.scan("JJD3", "1")
        assert not floor.error, floor.message
        await floor.key("f4")
        assert floor.error and "nothing to undo" in floor.message
    with Session(runtime.engine) as session:
        [shipment] = session.exec(select(Shipment).where(Shipment.number.startswith(number))).all()
        assert shipment.tracking_number == "JJD3"


async def test_crash_mid_shipment_resumes_at_the_same_step(runtime, tmp_path):
    number, [box] = packed_order(runtime, batch=True)
    app = WmsApp(runtime)
    async with app.run_test(size=(20, 16)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await open_ship(floor)
        await floor.scan(sscc_scan(box))
        await floor.key("f2")
        await floor.scan("DHL")
        step, instruction, posted = floor.state.step, floor.instruction, moves(runtime)
        assert step == "tracking"
    again = WmsApp(runtime)
    async with again.run_test(size=(20, 16)) as pilot:
        floor = Floor(again, pilot, tmp_path)
        await floor.sign_in("BADGE-0004")
        assert "resumed" in floor.message
        assert floor.state.step == step and floor.instruction == instruction
        assert floor.state.data.containers == (box,) and floor.state.data.carrier == "DHL"
        assert moves(runtime) == posted
        await floor.scan("JJD9", "1")
        assert not floor.error, floor.message
        await floor.scan(sscc_scan(box))  # shipped once: a second time is refused
        assert floor.error and "already shipped" in floor.message
    with Session(runtime.engine) as session:
        assert len(session.exec(select(Shipment).where(Shipment.number.startswith(number))).all()) == 1
    assert in_zone(runtime, number, "OUTPUT") == 0
    assert shipped_units(runtime, number) == sum(picked(runtime, number).values())
