"""Receive on the floor screen, end to end at the three terminal sizes: scans through the replay
driver, the ledger checked afterwards (stock in WH1/INPUT, PO lines, putaway tasks, the pallet
label queued; the steps one by one: tests/floor/test_receive.py)."""

import pytest
from sqlmodel import Session, select

from tests.floor.inbound import lot_scan, number_pallets, on_hand, po_line, putaways, receipt_of
from tests.floor.kit import moves
from tests.ui.floorkit import SIZE_IDS, SIZES, Floor
from wms_tui.domain.flows import PrintRequest
from wms_tui.services.demo import gtin13
from wms_tui.store.models import Receipt
from wms_tui.ui.app import WmsApp


class Printer:
    """Stands in for the terminal's print station: records what the floor asked to print."""

    def __init__(self) -> None:
        self.requests: list[PrintRequest] = []

    def submit(self, requests) -> None:
        self.requests.extend(requests)

    def pending(self) -> int:
        return len(self.requests)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_receive_a_po_onto_a_new_pallet(runtime, tmp_path, size):
    number_pallets(runtime)
    app = WmsApp(runtime)
    async with app.run_test(size=size) as pilot:
        floor = Floor(app, pilot, tmp_path)
        assert app.printing_ready.wait(10)  # no printer configured: one stands in
        app.printing = printer = Printer()
        await floor.sign_in("BADGE-0003")
        await floor.scan("1")
        assert floor.flow == "receive" and "PO, supplier or item" in floor.instruction
        before = moves(runtime)
        await floor.scan("PO000002")
        assert floor.step == "item" and "PO000002" in floor.instruction, floor.message
        receipt = receipt_of(runtime, "PO000002")
        # A lot- and expiry-tracked item scanned as GS1-128 with both: straight to the quantity.
        await floor.scan(lot_scan(31, "LOT-A"), "5")
        assert floor.step == "pallet" and "which pallet" in floor.message
        await floor.key("f2")
        assert not floor.error, floor.message
        [label] = printer.requests
        pallet = label.reference
        assert label == PrintRequest("pallet", pallet) and pallet in floor.details
        assert "got 5 SKU-00031" in floor.message
        await floor.scan(gtin13(1), "2")  # the next item goes on the open pallet without asking
        assert not floor.error, floor.message
        assert moves(runtime) == before + 2
        assert on_hand(runtime, "SKU-00031", "WH1/INPUT", pallet) == 5
        assert on_hand(runtime, "SKU-00001", "WH1/INPUT", pallet) == 2
        assert po_line(runtime, "PO000002", "SKU-00031").received_quantity == 5
        assert [t.quantity for t in putaways(runtime, receipt)] == [5, 2]
        assert all(len(line) <= size[0] for line in floor.widget("legend").splitlines())
        assert floor.widget("status").startswith("PO000002 2 lines")  # the document, then progress
        await floor.key("f5")
        assert floor.flow == "menu" and "done: 2 lines" in floor.message
    with Session(runtime.engine) as session:
        assert session.exec(select(Receipt.state).where(Receipt.number == receipt)).one() == "done"
