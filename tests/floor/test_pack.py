"""Pack, step by step on the terminal service: an order picked into WH1/PACK is packed box by
box; the ledger (Pack -> Output), the containers and what the terminal asks to print are checked
afterwards; wrong scans post nothing; undo, lots and a crash mid-box."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session, func, select

from tests.floor.kit import Desk, moves
from tests.floor.outbound import (
    SSCC_PREFIX,
    assert_packed_in_one_box,
    containers,
    in_zone,
    pick_order,
    picked,
    scan_of,
    whole,
)
from wms_tui.domain.flows import PrintRequest
from wms_tui.services.outbound.allocation import allocate
from wms_tui.services.outbound.orders import LineInput, confirm_orders, create_order
from wms_tui.store.models import (
    Container,
    ContainerLine,
    Item,
    ItemBarcode,
    Location,
    Lot,
    SalesOrderLine,
    StockBalance,
    Task,
)
from wms_tui.store.session import transaction


def open_pack(runtime) -> Desk:
    desk = Desk(runtime)
    desk.sign_in("BADGE-0002")
    desk.scan("1")
    assert desk.flow == "pack", desk.message
    return desk


def pack_lines(desk: Desk, lines: dict[tuple[str, str | None], Decimal]) -> None:
    for (gtin, lot), quantity in lines.items():
        desk.scan(scan_of(gtin, lot), whole(quantity))
        assert not desk.error, desk.message


def open_box(runtime, number: str) -> str:
    """The SSCC of the order's last container (the one being packed)."""
    return containers(runtime, number)[-1][0].code


def test_pack_an_order_into_one_box(runtime):
    number = pick_order(runtime)
    lines = picked(runtime, number)
    total = sum(lines.values())
    desk = open_pack(runtime)
    assert "order or tote" in desk.instruction
    before = moves(runtime)
    desk.scan(number)
    assert desk.step == "kind" and "1 box" in desk.details
    desk.scan("1")
    assert desk.step == "item", desk.message
    sscc = open_box(runtime, number)
    assert len(sscc) == 18 and sscc.startswith(SSCC_PREFIX)
    pack_lines(desk, lines)
    assert "all packed" in desk.message
    assert moves(runtime) == before + len(lines)  # one Pack -> Output move per scan
    desk.key("f2")
    assert desk.step == "weight"
    desk.scan("12.5")
    assert not desk.error, desk.message
    assert f"{number} packed" in desk.message and desk.step == "order"
    assert desk.printed == [PrintRequest("container", sscc), PrintRequest("packing_slip", number)]
    assert_packed_in_one_box(runtime, number, sscc, total)


def test_several_boxes_for_one_order_and_a_tote_scan(runtime):
    number = pick_order(runtime, batch=True)
    lines = picked(runtime, number)
    with Session(runtime.engine) as session:
        tote = session.exec(select(Task.tote).where(Task.document_ref == number, Task.kind == "pick")).first()
    first, rest = dict(list(lines.items())[:1]), dict(list(lines.items())[1:])
    (key, quantity), = first.items()
    if not rest and quantity > 1:  # one line only: split it over the two boxes
        first, rest = {key: quantity - 1}, {key: Decimal(1)}
    desk = open_pack(runtime)
    desk.scan(tote)  # the tote the picks went into names the order
    assert desk.step == "kind" and desk.shown.status.startswith(number), desk.message
    desk.scan("1")
    pack_lines(desk, first)
    desk.key("f2")
    desk.scan("4.2")
    assert desk.step == "kind" and "next container" in desk.message, desk.message
    desk.scan("1")
    assert desk.shown.status == f"{number} #2"
    pack_lines(desk, rest)
    desk.key("f2")
    desk.scan("3")
    assert desk.step == "order" and f"{number} packed" in desk.message
    assert [s.state for _, s in containers(runtime, number)] == ["closed", "closed"]
    # Stack both boxes on a pallet: scan the order again, choose pallet, scan the boxes.
    desk.scan(number, "2")
    assert desk.step == "boxes", desk.message
    boxes = [c.code for c, s in containers(runtime, number) if c.kind == "box"]
    desk.scan(*(f"]C100{code}" for code in boxes))
    assert not desk.error, desk.message
    assert "2 boxes on it" in desk.details
    desk.key("f2")
    desk.scan("40")
    assert not desk.error, desk.message
    found = containers(runtime, number)
    pallet = next(c for c, _ in found if c.kind == "pallet")
    assert [s.state for _, s in found] == ["closed", "closed", "closed"]
    assert all(c.parent_id == pallet.id for c, _ in found if c.kind == "box")
    assert in_zone(runtime, number, "PACK") == 0
    # 2 box labels, the slip, the pallet label
    assert sorted(request.kind for request in desk.printed) == ["container", "container", "container", "packing_slip"]
    assert PrintRequest("container", pallet.code) in desk.printed


def test_wrong_scans_are_refused_and_post_nothing(runtime):
    number = pick_order(runtime)
    lines = picked(runtime, number)
    (gtin, lot), quantity = next(iter(lines.items()))
    desk = open_pack(runtime)
    desk.refused(scan_of(gtin, lot), "that is an item barcode", "order")
    desk.refused("A-01-1.00", "bin label", "order")
    desk.refused("SO-999999", "no order, tote or container", "order")
    desk.scan(number)
    desk.refused("4", "whole number from 1 to 3", "kind")
    desk.refused(scan_of(gtin, lot), "that is an item barcode", "kind")
    desk.scan("1")
    box = open_box(runtime, number)
    before = moves(runtime)
    desk.refused(f"]C100{box}", "container label (SSCC)", "item")
    desk.refused("5901234123457", "not a known item", "item")
    with Session(runtime.engine) as session:
        on_order = {b for b, _ in lines}
        other = session.exec(select(ItemBarcode.barcode).where(ItemBarcode.packaging == "unit",
                                                               ItemBarcode.barcode.not_in(on_order))).first()
    desk.refused(other, "is not on order", "item")
    if lot:
        desk.refused(scan_of(gtin, "NOSUCHLOT"), "lot NOSUCHLOT", "item")
    desk.key("f2")
    assert desk.error and "empty" in desk.message
    desk.scan(scan_of(gtin, lot))
    assert desk.step == "qty"
    desk.refused(str(int(quantity) + 1), "over-pack", "qty")
    desk.refused("0", "whole number from 1", "qty")
    desk.refused("TEXT", "that is text", "qty")
    desk.scan("1")
    assert not desk.error, desk.message
    assert moves(runtime) == before + 1
    desk.key("f2")
    desk.refused("0", "more than 0", "weight")
    desk.refused("9999", "at most 2000", "weight")
    desk.refused(scan_of(gtin, lot), "that is an item barcode", "weight")
    [(_, shipping)] = containers(runtime, number)
    assert shipping.state == "open"


def test_undo_steps_back_until_posted(runtime):
    number = pick_order(runtime)
    (gtin, lot), _ = next(iter(picked(runtime, number).items()))
    desk = open_pack(runtime)
    desk.scan(number)
    desk.key("f4")
    assert desk.step == "order" and "undone" in desk.message
    desk.scan(number, "1", scan_of(gtin, lot))
    assert desk.step == "qty"
    desk.type("*4")
    assert desk.step == "item"
    desk.key("f4")  # the box is opened (posted): nothing earlier to undo
    assert desk.error and "nothing to undo" in desk.message
    desk.key("f3")  # the packing slip can be printed at any time
    assert "packing slip" in desk.message and not desk.error
    assert desk.printed == [PrintRequest("packing_slip", number)]


def test_crash_mid_box_resumes_at_the_same_step(runtime):
    number = pick_order(runtime)
    lines = picked(runtime, number)
    (gtin, lot), quantity = next(iter(lines.items()))
    desk = open_pack(runtime)
    desk.scan(number, "1", scan_of(gtin, lot), "1")
    assert not desk.error, desk.message
    if quantity > 1:  # the crash comes between the item and its quantity
        desk.scan(scan_of(gtin, lot))
    step, instruction, posted, box = desk.step, desk.instruction, moves(runtime), open_box(runtime, number)
    desk = desk.restart()
    desk.sign_in("BADGE-0002")
    assert "resumed" in desk.message
    assert desk.step == step and desk.instruction == instruction
    assert moves(runtime) == posted
    if step == "qty":
        desk.scan(whole(quantity - 1))
        assert not desk.error, desk.message
    rest = dict(list(lines.items())[1:])
    pack_lines(desk, rest)
    desk.key("f2")
    desk.scan("2")
    assert not desk.error, desk.message
    assert moves(runtime) == posted + len(rest) + (1 if step == "qty" else 0)
    [(container, shipping)] = containers(runtime, number)  # the same box, packed on
    assert container.code == box and shipping.state == "closed"
    assert in_zone(runtime, number, "PACK") == 0
    with Session(runtime.engine) as session:
        assert session.exec(select(func.sum(StockBalance.quantity)).join(Location, Location.id == StockBalance.location_id)
                            .where(Location.code == "WH1/PACK")).one() in (None, 0)


def packed_line(runtime, number: str) -> tuple[str, Decimal]:
    """The lot and quantity of the one line in the order's box."""
    with Session(runtime.engine) as session:
        [line] = session.exec(select(ContainerLine).join(Container, Container.id == ContainerLine.container_id)
                              .where(Container.code == open_box(runtime, number))).all()
        return session.get(Lot, line.lot_id).code, line.quantity


def test_lot_is_taken_from_the_pick_when_the_barcode_has_none(runtime):
    number = pick_order(runtime, batch=True)
    [((gtin, lot), quantity)] = picked(runtime, number).items()
    assert lot is not None  # the batch order's item is lot-tracked
    desk = open_pack(runtime)
    desk.scan(number, "1", gtin)  # the plain EAN: only one lot was picked
    assert desk.step == "qty", desk.message
    desk.scan(whole(quantity))
    assert not desk.error, desk.message
    assert packed_line(runtime, number) == (lot, quantity)


def order_over_two_lots(runtime) -> tuple[str, str]:
    """A new order for a lot-tracked item that takes more than its first lot holds, allocated
    (two pick tasks, two lots) and picked into PACK. Returns the order and the item's GTIN."""
    today = date.today()
    with transaction(runtime.engine) as session:
        ordered = set(session.exec(select(SalesOrderLine.item_id)).all())  # no other demand on the item
        free: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for item_id, lot_id, quantity in session.exec(
            select(StockBalance.item_id, StockBalance.lot_id, StockBalance.quantity)
            .join(Lot, Lot.id == StockBalance.lot_id).join(Location, Location.id == StockBalance.location_id)
            .where(Lot.expiry_date > today + timedelta(days=30), Location.code.startswith("WH1/STOCK/"))
        ):
            if item_id not in ordered:
                free[item_id][lot_id] += quantity
        item_id, lots = next((item, lots) for item, lots in sorted(free.items()) if len([q for q in lots.values() if q > 0]) >= 2)
        item = session.get(Item, item_id)
        quantity = sum(sorted(q for q in lots.values() if q > 0)[:2])
        order = create_order(session, "C001", "WH1", [LineInput(item.sku, quantity, unit_price=1)])
        confirm_orders(session, [order.number])
        allocate(session, [order.number])
        number = order.number
        gtin = session.exec(select(ItemBarcode.barcode).where(ItemBarcode.item_id == item_id, ItemBarcode.packaging == "unit")).first()
    pick_order(runtime, number)
    return number, gtin


def test_two_lots_picked_ask_which_lot_is_packed(runtime):
    number, gtin = order_over_two_lots(runtime)
    lines = picked(runtime, number)
    assert len(lines) == 2, lines  # the order took two lots
    (_, first_lot), first_quantity = next(iter(lines.items()))
    desk = open_pack(runtime)
    desk.scan(number, "1", gtin)  # the plain EAN: which lot?
    assert desk.step == "lot" and "2 lots" in desk.message, desk.message
    desk.refused("NOSUCHLOT", "not waiting to be packed", "lot")
    assert first_lot in desk.message  # the refusal names the lots that were picked
    desk.scan(first_lot)
    assert desk.step == "qty", desk.message
    desk.scan(whole(first_quantity))
    assert not desk.error, desk.message
    assert packed_line(runtime, number) == (first_lot, first_quantity)
