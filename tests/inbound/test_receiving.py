from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from biip.sscc import Sscc
from sqlalchemy import func, select

from tests.inbound.support import (
    CTX,
    TODAY,
    assert_consistent,
    barcode,
    build_world,
    on_hand,
    quantities_of,
    sales_order,
)
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.inbound import PurchaseState, PutawayReason
from wms_tui.services import catalog, tasks
from wms_tui.services.inbound import bins, purchasing, putaway, receiving
from wms_tui.services.inbound.purchasing import PurchaseLineInput
from wms_tui.services.inbound.routes import STOCK_PENDING
from wms_tui.services.outbound import packing
from wms_tui.store import finders
from wms_tui.store.models import (
    Container,
    ReceiptLine,
    Reservation,
    SalesOrderLine,
    StockBalance,
    StockMove,
    Task,
    Warehouse,
)
from wms_tui.store.session import transaction


def _order(engine, *lines: tuple[str, str]) -> str:
    with transaction(engine) as session:
        view = purchasing.create_purchase_order(
            session, "ACME", "WH1", [PurchaseLineInput(sku, quantity, expected_date=date(2026, 12, 1)) for sku, quantity in lines]
        )
    return view.number


def _scan(engine, receipt: str, code: str, **kwargs) -> receiving.ScanResult:
    with transaction(engine) as session:
        return receiving.receive_scan(session, CTX, receipt, code, today=TODAY, **kwargs)


def _putaway(engine, task_id: int, location_code: str, quantity=None) -> putaway.MoveTaskResult:
    with transaction(engine) as session:
        putaway.start_putaway(session, task_id, CTX.operator)
        return putaway.complete_move_task(session, CTX, task_id, barcode(session, location_code), quantity)


def _start(engine, task_id: int) -> putaway.PutawayStart:
    with transaction(engine) as session:
        return putaway.start_putaway(session, task_id, CTX.operator)


def _task(engine, task_id: int) -> Task:
    with transaction(engine) as session:
        return tasks.get_task(session, task_id)


def test_two_step_receipt_partial_then_rest_with_putaway_push(engine):
    world = build_world(engine, steps=2)
    po = _order(engine, ("W-1", "24"))
    with transaction(engine) as session:
        receipt = receiving.start_receipt(session, po)
        document = purchasing.receiving_document(session, po)
    assert receipt.landing_code == "WH1/INPUT"
    assert not hasattr(document.lines[0], "unit_price")
    assert (document.lines[0].sku, document.lines[0].to_receive) == ("W-1", Decimal(24))

    first = _scan(engine, receipt.number, "14006381333938")  # one case of 12
    assert (first.quantity, first.location_code, first.line_remaining) == (Decimal(12), "WH1/INPUT", Decimal(12))
    task = _task(engine, first.next_task_id)
    assert (task.kind, task.quantity, task.target_location_id, task.reason) == ("putaway", Decimal(12), None, STOCK_PENDING)
    start = _start(engine, task.id)  # the bin is suggested when the putaway begins
    assert (start.from_code, start.to_code, start.reason) == ("WH1/INPUT", world.bins[0], PutawayReason.EMPTY.value)
    assert quantities_of(engine, "W-1").on_order == Decimal(12)  # the PO stays open for the rest
    with transaction(engine) as session:
        assert purchasing.purchase_order_view(session, po).state is PurchaseState.OPEN

    with transaction(engine) as session:
        assert [t.id for t in putaway.open_putaways(session, receipt.number)] == [task.id]
    done = _putaway(engine, task.id, world.bins[0])
    assert (done.moved, done.done, done.next_task_id) == (Decimal(12), True, None)
    second = _scan(engine, receipt.number, "4006381333931", count="12")
    # The same item is already in A-01-01: the suggestion keeps it together.
    assert _start(engine, second.next_task_id).reason == PutawayReason.SAME_ITEM.value
    _putaway(engine, second.next_task_id, world.bins[0])
    with transaction(engine) as session:
        assert purchasing.purchase_order_view(session, po).state is PurchaseState.RECEIVED
    assert on_hand(engine, "W-1", world.bins[0]) == Decimal(24)
    figures = quantities_of(engine, "W-1")
    assert (figures.on_hand, figures.on_order) == (Decimal(24), Decimal(0))
    with engine.connect() as conn:
        costs = conn.execute(
            select(StockMove.unit_cost).where(StockMove.reason == "receipt").order_by(StockMove.sequence)
        ).scalars().all()
    # W-1 is standard-costed (2.50): the supplier is owed the PO price, the stock holds the
    # standard cost, and the difference stays in Price Variance.
    assert costs == [Decimal("2.40"), Decimal("2.50")] * 2
    assert_consistent(engine)


def test_three_step_receipt_goes_through_qc(engine):
    world = build_world(engine, steps=3)
    po = _order(engine, ("M-1", "10"))
    with transaction(engine) as session:
        receipt = receiving.start_receipt(session, "ACME")  # found from the supplier
    scan = _scan(engine, receipt.number, "4000000000013", count="10", lot="L1", expiry=date(2027, 3, 1))
    to_qc = _task(engine, scan.next_task_id)
    assert to_qc.reason == "route: to QC"
    with pytest.raises(InvalidInput, match="go to WH1/QC first"):
        _putaway(engine, to_qc.id, world.bins[1])
    at_qc = _putaway(engine, to_qc.id, "WH1/QC")
    assert at_qc.next_task_id is not None
    to_stock = _task(engine, at_qc.next_task_id)
    assert (to_stock.location_id is not None, to_stock.quantity) == (True, Decimal(10))
    _putaway(engine, to_stock.id, world.bins[1], "4")
    _putaway(engine, to_stock.id, world.bins[2])
    assert (on_hand(engine, "M-1", world.bins[1]), on_hand(engine, "M-1", world.bins[2])) == (Decimal(4), Decimal(6))
    assert _task(engine, to_stock.id).state == "done"
    with transaction(engine) as session:
        assert purchasing.purchase_order_view(session, po).state is PurchaseState.RECEIVED
    assert_consistent(engine)


def test_over_receipt_needs_permission_and_reason(engine):
    build_world(engine)
    po = _order(engine, ("W-1", "10"))
    with transaction(engine) as session:
        receipt = receiving.start_receipt(session, "4006381333931")  # found from an item on it
    with pytest.raises(InvalidInput, match="2 too many"):
        _scan(engine, receipt.number, "14006381333938")
    with pytest.raises(InvalidInput, match="needs a reason"):
        _scan(engine, receipt.number, "14006381333938", over_receipt_allowed=True)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(StockMove)).scalar_one() == 0
    scan = _scan(engine, receipt.number, "14006381333938", over_receipt_allowed=True, over_reason="supplier sends full cases")
    assert (scan.quantity, scan.over_quantity, scan.line_remaining) == (Decimal(12), Decimal(2), Decimal(0))
    with transaction(engine) as session:
        line = session.get(ReceiptLine, scan.receipt_line_id)
        assert line.over_reason == "supplier sends full cases"
        assert purchasing.purchase_order_view(session, po).state is PurchaseState.RECEIVED
    assert quantities_of(engine, "W-1").on_hand == Decimal(12)
    assert_consistent(engine)


def test_backorders_filled_first_and_cross_dock(engine):
    world = build_world(engine, steps=2)
    with transaction(engine) as session:
        session.get(Warehouse, world.warehouse_id).delivery_steps = 2  # picks (and cross-docks) go to Output
    sales_order(engine, "SO-NEW", world.warehouse_id, [("W-1", "0", "5")], age_days=1)
    [old_line] = sales_order(engine, "SO-OLD", world.warehouse_id, [("W-1", "0", "4")], age_days=3)
    po = _order(engine, ("W-1", "24"))
    with transaction(engine) as session:
        receipt = receiving.start_receipt(session, po)
    scan = _scan(engine, receipt.number, "14006381333938")
    assert [(r.order_number, r.quantity) for r in scan.backorders_filled] == [("SO-OLD", Decimal(4)), ("SO-NEW", Decimal(5))]
    assert [(p.order_number, p.from_code, p.to_code) for p in scan.cross_dock] == [
        ("SO-OLD", "WH1/INPUT", "WH1/OUTPUT"), ("SO-NEW", "WH1/INPUT", "WH1/OUTPUT")
    ]
    figures = quantities_of(engine, "W-1")
    assert (figures.on_hand, figures.committed, figures.back_ordered, figures.available) == (
        Decimal(12), Decimal(9), Decimal(0), Decimal(3)
    )
    with pytest.raises(InvalidInput, match="only 4 left to cross-dock, not 5"), transaction(engine) as session:
        receiving.accept_cross_dock(session, CTX, replace(scan.cross_dock[0], quantity=Decimal(5)))
    with transaction(engine) as session:
        receiving.accept_cross_dock(session, CTX, scan.cross_dock[0])
    assert on_hand(engine, "W-1", "WH1/OUTPUT") == Decimal(4)
    assert _task(engine, scan.next_task_id).quantity == Decimal(8)  # putaway shortened by the cross-dock
    with transaction(engine) as session:
        assert session.scalars(select(Reservation)).all() == []  # cross-docked units are picked, not reserved
        assert session.get(SalesOrderLine, old_line).picked_quantity == Decimal(4)
    assert_consistent(engine)


def test_receiving_onto_a_pallet_and_blind(engine):
    world = build_world(engine)
    with transaction(engine) as session:
        receipt = receiving.start_blind_receipt(session, "WH1", supplier_code="ACME")
    assert receipt.po_number is None
    loose = _scan(engine, receipt.number, "W-1", count="4")
    first = _scan(engine, receipt.number, "W-1", count="5", container_code="LPN0001")
    second = _scan(engine, receipt.number, "4006381333931", count="3", container_code="LPN0001")
    assert (loose.container_code, first.container_code, second.line_remaining) == (None, "LPN0001", None)
    with transaction(engine) as session:
        packing.assign_number_range(session, CTX.terminal_id, "0400000", 1, 99)
    fresh = _scan(engine, receipt.number, "W-1", count="2", new_pallet=True)
    assert fresh.container_code == Sscc.parse("040000000000000013").value  # the terminal's first SSCC
    direct = _scan(engine, receipt.number, "4006381333931", bin_scan=barcode_of(engine, world.bins[2]))
    assert (direct.location_code, direct.next_task_id) == (world.bins[2], None)
    _putaway(engine, first.next_task_id, world.bins[0])
    _putaway(engine, second.next_task_id, world.bins[0])
    with transaction(engine) as session:
        pallet = session.exec(select(Container).where(Container.code == "LPN0001")).scalar_one()
        assert pallet.location_id == finders.location_by_code(session, world.bins[0]).id  # moved as a whole
        on_pallet = session.exec(select(func.sum(StockBalance.quantity)).where(
            StockBalance.container_id == pallet.id, StockBalance.location_id == pallet.location_id)).scalar_one()
    assert on_pallet == Decimal(8)
    assert on_hand(engine, "W-1", "WH1/STOCK") == Decimal(6)  # the loose 4 and the new pallet's 2 wait
    assert quantities_of(engine, "W-1").on_hand == Decimal(15)
    assert_consistent(engine)


def barcode_of(engine, code: str) -> str:
    with transaction(engine) as session:
        return barcode(session, code)


@pytest.mark.parametrize(
    "action, error, message",
    [
        ("unknown_po", NotFound, "no open purchase order for 'PO999999'"),
        ("not_on_po", InvalidInput, "item M-1 is not on purchase order"),
        ("missing_lot", InvalidInput, "M-1 is lot-tracked"),
        ("expired", InvalidInput, "expiry 2026-01-01 is in the past"),
        ("unknown_barcode", NotFound, r"not a known item.*'999'"),
        ("putaway_to_customer", InvalidInput, "CUSTOMERS is not a storage location"),
        ("negative_count", InvalidInput, "quantity must be greater than zero"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(engine, action, error, message):
    build_world(engine, steps=2)
    po = _order(engine, ("W-1", "10"))
    with transaction(engine) as session:
        receipt = receiving.start_receipt(session, po)
    with transaction(engine) as session:
        lot_po = purchasing.create_purchase_order(session, "ACME", "WH1", [PurchaseLineInput("M-1", "5")]).number
        lot_receipt = receiving.start_receipt(session, lot_po)
    staged = _scan(engine, receipt.number, "W-1", count="2")
    with engine.connect() as conn:
        moves_before = conn.execute(select(func.count()).select_from(StockMove)).scalar_one()
    with pytest.raises(error, match=message):
        if action == "unknown_po":
            with transaction(engine) as session:
                receiving.start_receipt(session, "PO999999")
        elif action == "not_on_po":
            _scan(engine, receipt.number, "4000000000013", lot="L1", expiry=date(2027, 1, 1))
        elif action == "missing_lot":
            _scan(engine, lot_receipt.number, "4000000000013")
        elif action == "expired":
            _scan(engine, lot_receipt.number, "4000000000013", lot="L1", expiry=date(2026, 1, 1))
        elif action == "unknown_barcode":
            _scan(engine, receipt.number, "999")
        elif action == "putaway_to_customer":
            _putaway(engine, staged.next_task_id, "CUSTOMERS")
        else:
            _scan(engine, receipt.number, "W-1", count="-1")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(StockMove)).scalar_one() == moves_before
    assert quantities_of(engine, "W-1").on_order == Decimal(8)
    assert quantities_of(engine, "M-1").on_order == Decimal(5)
    assert_consistent(engine)


def test_close_and_cancel_purchase_orders(engine):
    build_world(engine)
    partly = _order(engine, ("W-1", "10"))
    untouched = _order(engine, ("W-1", "7"))
    with transaction(engine) as session:
        receipt = receiving.start_receipt(session, partly)
    _scan(engine, receipt.number, "W-1", count="4")
    with pytest.raises(InvalidInput, match="close it instead"), transaction(engine) as session:
        purchasing.cancel_purchase_order(session, partly)
    assert quantities_of(engine, "W-1").on_order == Decimal(13)
    with transaction(engine) as session:
        extended = purchasing.add_purchase_line(session, untouched, PurchaseLineInput("M-1", "3"))
    assert [(line.sku, line.open_quantity, line.unit_price) for line in extended.lines] == [
        ("W-1", Decimal(7), Decimal("2.40")), ("M-1", Decimal(3), Decimal("0.80"))  # supplier price, else standard cost
    ]
    with transaction(engine) as session:
        assert purchasing.close_purchase_order(session, partly).state is PurchaseState.CLOSED
        assert purchasing.cancel_purchase_order(session, untouched).state is PurchaseState.CANCELLED
    assert quantities_of(engine, "W-1").on_order == Decimal(0)
    with pytest.raises(InvalidInput, match="is closed"), transaction(engine) as session:
        receiving.receive_scan(session, CTX, receipt.number, "W-1", today=TODAY)
    with transaction(engine) as session:
        receiving.finish_receipt(session, receipt.number)
    with pytest.raises(InvalidInput, match="already finished"), transaction(engine) as session:
        receiving.receive_scan(session, CTX, receipt.number, "W-1", today=TODAY)
    assert_consistent(engine)


def test_putaway_follows_fixed_bin_zone_and_capacity(engine):
    world = build_world(engine, steps=2, bins=4)
    with transaction(engine) as session:
        aisle_b = catalog.add_bin(session, finders.location_by_code(session, "WH1/STOCK"), "B", pick_sequence=50)
        zone_bin = catalog.add_bin(session, aisle_b, "01", pick_sequence=60).code
        bins.set_putaway_rule(session, "W-1", world.bins[2], "fixed_bin")
        bins.set_bin_capacity(session, world.bins[2], "15")
        bins.set_putaway_rule(session, "M-1", "WH1/STOCK/B", "zone")
    po = _order(engine, ("W-1", "30"), ("M-1", "5"))
    with transaction(engine) as session:
        receipt = receiving.start_receipt(session, po)
    first = _scan(engine, receipt.number, "W-1", count="10")
    start = _start(engine, first.next_task_id)
    assert (start.to_code, start.reason) == (world.bins[2], PutawayReason.FIXED_BIN.value)
    _putaway(engine, start.task_id, world.bins[2])
    second = _scan(engine, receipt.number, "W-1", count="10")
    # 10 more do not fit in the fixed bin (capacity 15): an empty bin is suggested instead.
    assert _start(engine, second.next_task_id).reason == PutawayReason.EMPTY.value
    with pytest.raises(InvalidInput, match="holds 10 of 15: 10 more does not fit"):
        _putaway(engine, second.next_task_id, world.bins[2])
    elsewhere = _putaway(engine, second.next_task_id, world.bins[3])  # the operator's choice, a valid bin
    assert elsewhere.to_code == world.bins[3]
    milk = _scan(engine, receipt.number, "4000000000013", count="5", lot="L7", expiry=date(2027, 2, 1))
    milk_start = _start(engine, milk.next_task_id)
    assert (milk_start.to_code, milk_start.reason) == (zone_bin, PutawayReason.EMPTY_IN_ZONE.value)
    with pytest.raises(InvalidInput, match="put away into a bin of WH1/STOCK; WH1/OUTPUT is not one"):
        _putaway(engine, milk_start.task_id, "WH1/OUTPUT")
    _putaway(engine, milk_start.task_id, zone_bin)
    assert on_hand(engine, "M-1", zone_bin) == Decimal(5)
    assert_consistent(engine)


def test_two_putaways_started_together_get_different_empty_bins(engine):
    world = build_world(engine, steps=2)
    with transaction(engine) as session:
        receipt = receiving.start_blind_receipt(session, "WH1")
    widgets = _scan(engine, receipt.number, "W-1", count="3")
    milk = _scan(engine, receipt.number, "4000000000013", count="2", lot="L5", expiry=date(2027, 4, 1))
    with transaction(engine) as session:
        first = putaway.start_putaway(session, widgets.next_task_id, "rita")
        second = putaway.start_putaway(session, milk.next_task_id, "omar")
    assert (first.to_code, second.to_code) == (world.bins[0], world.bins[1])
    assert_consistent(engine)
