"""Ship on the floor screen, end to end at the three terminal sizes: the closed box of a packed
order is scanned onto a shipment through the replay driver, with the carrier and its tracking
number; the ledger and the shipment are checked afterwards (the steps one by one:
tests/floor/test_ship.py)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from tests.floor.kit import moves
from tests.floor.outbound import containers, in_zone, packed_order, shipped_units, sscc_scan
from tests.ui.floorkit import SIZE_IDS, SIZES, Floor
from wms_tui.store.models import Shipment
from wms_tui.ui.app import WmsApp


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_ship_an_order_end_to_end(runtime, tmp_path, size):
    number, [box] = packed_order(runtime)
    total = in_zone(runtime, number, "OUTPUT")
    assert total > 0
    app = WmsApp(runtime)
    async with app.run_test(size=size) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0004")
        assert "1 Ship" in floor.details
        await floor.scan("1")
        assert floor.flow == "ship"
        before = moves(runtime)
        await floor.scan(sscc_scan(box))
        assert not floor.error, floor.message
        assert box in floor.details and number in floor.details
        await floor.key("f2")
        assert floor.step == "carrier", floor.message
        await floor.scan("DHL")
        await floor.scan("JJD000390007843421")
        assert floor.step == "confirm" and "JJD000390007843421" in floor.details
        assert moves(runtime) == before  # nothing posted before the confirmation
        await floor.scan("1")
        assert not floor.error, floor.message
        assert f"{number} shipped 1 box; " in floor.message and "via DHL" in floor.message
        assert floor.step == "containers"
        assert all(len(line) <= size[0] for line in floor.widget("legend").splitlines())
    assert in_zone(runtime, number, "OUTPUT") == 0
    assert shipped_units(runtime, number) == total
    [(_, shipping)] = containers(runtime, number)
    assert shipping.state == "shipped"
    with Session(runtime.engine) as session:
        shipment = session.get(Shipment, shipping.shipment_id)
        assert (shipment.carrier, shipment.tracking_number, shipment.operator) == ("DHL", "JJD000390007843421", "SHIP1")
