"""Pick as a picker would have it: a one-unit line in three actions (bin, item, the tote once
per order), scan-to-count with case barcodes, a tote that follows the goods to packing, short
picks that say how many were found, giving a task back, and bins checked when scanned."""

from decimal import Decimal

from click.testing import CliRunner
from sqlmodel import Session, func, select

from tests.floor.kit import Desk, held_task, moves
from tests.floor.outbound import allocated_order, case_barcode, stocked_items
from wms_tui.cli import main
from wms_tui.domain.auth import AuthKind
from wms_tui.domain.locations import location_barcode
from wms_tui.domain.quantities import display
from wms_tui.services.dashboard import dashboard
from wms_tui.services.lookup import lookup_code
from wms_tui.store.models import AuthEvent, Item, Location, SalesOrderLine, StockBalance, Task


def picking(runtime, number: str) -> Desk:
    """The picker signed in, Pick chosen, the order scanned as the pick list."""
    desk = Desk(runtime)
    desk.sign_in("BADGE-0001")
    desk.scan("1", number)
    assert desk.step == "bin", desk.message
    return desk


def actions_to_pick(runtime, desk: Desk, *inputs: str) -> int:
    """Inputs until the line is posted; asserts it was, with the last of them."""
    before = moves(runtime)
    for count, text in enumerate(inputs, 1):
        desk.scan(text)
        assert not desk.error, desk.message
        if moves(runtime) > before:
            assert count == len(inputs), f"posted after {count} of {inputs}"
            return count
    raise AssertionError(f"not posted after {inputs}: {desk.step} {desk.message}")


def test_a_one_unit_line_takes_three_actions_and_the_next_two(runtime):
    first, second = stocked_items(runtime, 2)
    number = allocated_order(runtime, [(first, 1), (second, 1)])
    desk = picking(runtime, number)
    task = held_task(runtime, "PICK1")
    assert actions_to_pick(runtime, desk, task.bin_scan, task.item_scan, "TOTE-07") == 3  # bin, item, tote
    assert "TOTE-07" in desk.status and number in desk.status
    task = held_task(runtime, "PICK1")
    assert actions_to_pick(runtime, desk, task.bin_scan, task.item_scan) == 2  # the tote is in hand
    assert f"{number} picked: TOTE-07 to packing" in desk.message
    assert desk.flow == "menu" and "no more picks" in desk.message


def test_a_case_barcode_counts_its_pack_quantity(runtime):
    [sku] = stocked_items(runtime, 1, at_least=12, case=12)
    number = allocated_order(runtime, [(sku, 12)])
    desk = picking(runtime, number)
    task = held_task(runtime, "PICK1")
    assert actions_to_pick(runtime, desk, task.bin_scan, case_barcode(runtime, sku, 12), "TOTE-12") == 3
    assert f"picked 12 {sku} into TOTE-12" in desk.message


def test_scan_to_count_then_enter_or_a_typed_quantity(runtime):
    [sku] = stocked_items(runtime, 1, at_least=5)
    number = allocated_order(runtime, [(sku, 5)])
    desk = picking(runtime, number)
    task = held_task(runtime, "PICK1")
    desk.scan(task.bin_scan, task.item_scan, task.item_scan)
    assert desk.step == "qty" and desk.instruction.startswith("2 of 5")
    desk.scan("", "TOTE-5")  # Enter takes the two counted; the tote, once
    assert "picked 2" in desk.message and desk.step == "item"
    desk.scan(task.item_scan)
    desk.refused("9", "over-pick", "qty")
    assert actions_to_pick(runtime, desk, "3") == 1  # the quantity typed finishes, into the tote in hand
    assert "picked 3" in desk.message


def test_a_tote_follows_the_goods_to_packing_and_is_shown(runtime):
    first, second = stocked_items(runtime, 2)
    number = allocated_order(runtime, [(first, 1)])
    other = allocated_order(runtime, [(second, 1)])
    desk = picking(runtime, number)
    task = held_task(runtime, "PICK1")
    desk.scan(task.bin_scan, task.item_scan, "tote-07")
    assert "into TOTE-07" in desk.message
    tote = lookup_code(runtime.engine, "TOTE-07")
    assert tote.kind == "tote" and number in tote.title
    assert [(line.place, line.on_hand) for line in tote.lines] == [(first, Decimal(1))]
    shown = CliRunner().invoke(main, ["--config", str(runtime.settings.source), "stock", "TOTE-07"])
    assert shown.exit_code == 0 and "tote: TOTE-07" in shown.output and first in shown.output, shown.output
    # Another order's picks may not go into it.
    desk = picking(runtime, other)
    task = held_task(runtime, "PICK1")
    desk.scan(task.bin_scan, task.item_scan)
    desk.refused("TOTE-07", f"holds {number}", "tote")
    # The packer scans the tote and packs that order.
    packer = Desk(runtime)
    packer.sign_in("BADGE-0002")
    packer.scan("1", "TOTE-07")
    assert not packer.error and packer.step == "kind" and number in packer.status, packer.message


def test_f6_switches_to_a_new_tote(runtime):
    [sku] = stocked_items(runtime, 1, at_least=3)
    number = allocated_order(runtime, [(sku, 3)])
    desk = picking(runtime, number)
    task = held_task(runtime, "PICK1")
    desk.scan(task.bin_scan, task.item_scan, "", "TOTE-A")
    desk.key("f6")
    assert desk.step == "tote" and "TOTE-A full" in desk.message
    desk.scan("TOTE-B")
    assert desk.step == "item" and "TOTE-B" in desk.progress
    desk.scan(task.item_scan, task.item_scan)
    assert "into TOTE-B" in desk.message
    with Session(runtime.engine) as session:
        totes = session.exec(select(Task.tote, Task.done_quantity).where(Task.document_ref == number)).all()
    assert sorted(totes) == [("TOTE-A", 1), ("TOTE-B", 2)]


def test_short_pick_posts_what_was_found_and_picks_the_rest_elsewhere(runtime):
    [sku] = stocked_items(runtime, 1, at_least=4, bins=2)
    number = allocated_order(runtime, [(sku, 4)])
    desk = picking(runtime, number)
    task = held_task(runtime, "PICK1")
    before = moves(runtime)
    desk.scan(task.bin_scan, task.item_scan)
    desk.key("f2")
    desk.scan("1", "TOTE-S")
    assert desk.step == "reason"
    desk.scan("3")
    assert not desk.error, desk.message
    assert "picked 1" in desk.message and "3 to pick elsewhere" in desk.message
    assert moves(runtime) == before + 1
    with Session(runtime.engine) as session:
        rest = session.exec(select(Task).where(Task.document_ref == number, Task.kind == "pick", Task.state != "done")).one()
        assert rest.quantity == 3 and rest.location_id != session.exec(
            select(Location.id).where(Location.code == task.bin)).one()
        assert rest.tote == "TOTE-S"
        line = session.exec(select(SalesOrderLine).join(Task, Task.document_line_id == SalesOrderLine.id)
                            .where(Task.id == rest.id)).one()
        assert line.backordered_quantity == 0
    assert desk.step == "bin", desk.message  # the new task comes next
    desk_view = dashboard(runtime.engine)  # the supervisor sees the bin count queued and the short pick
    assert desk_view.tasks[("count", "open")] >= 1 and desk_view.short_picks == 1


def test_short_pick_with_nothing_elsewhere_back_orders_the_rest(runtime):
    [sku] = stocked_items(runtime, 1)
    with Session(runtime.engine) as session:  # the order takes every unit the stock bins hold
        everything = session.exec(
            select(func.sum(StockBalance.quantity)).join(Location, Location.id == StockBalance.location_id)
            .join(Item, Item.id == StockBalance.item_id).where(Item.sku == sku, Location.code.startswith("WH1/STOCK/"))
        ).one()
    number = allocated_order(runtime, [(sku, int(everything))])
    desk = picking(runtime, number)
    task = held_task(runtime, "PICK1")
    with Session(runtime.engine) as session:
        waiting = session.exec(select(SalesOrderLine.backordered_quantity).join(Task, Task.document_line_id == SalesOrderLine.id)
                               .where(Task.id == task.id)).one()  # what other orders held back already
    desk.key("f2")
    desk.scan("0", "3")
    assert not desk.error, desk.message
    with Session(runtime.engine) as session:
        short = session.get(Task, task.id)
        line = session.get(SalesOrderLine, short.document_line_id)
        assert line.backordered_quantity == waiting + short.quantity
    assert f"{display(short.quantity)} backorder" in desk.message, desk.message


def test_f5_gives_the_task_back_and_asks_for_a_list(runtime):
    [sku] = stocked_items(runtime, 1)
    number = allocated_order(runtime, [(sku, 1)])
    desk = picking(runtime, number)
    task = held_task(runtime, "PICK1")
    desk.key("f5")
    assert desk.step == "list" and "given back" in desk.message
    with Session(runtime.engine) as session:
        released = session.get(Task, task.id)
        assert released.state == "open" and released.assignee is None


def test_a_bad_alternative_bin_is_refused_at_the_bin_scan(runtime):
    [sku] = stocked_items(runtime, 1)
    number = allocated_order(runtime, [(sku, 1)])
    desk = picking(runtime, number)
    with Session(runtime.engine) as session:
        task = session.exec(select(Task).where(Task.document_ref == number)).one()
        empty = session.exec(select(Location.code).where(Location.code.startswith("WH1/STOCK/"), ~Location.id.in_(
            select(StockBalance.location_id).where(StockBalance.item_id == task.item_id, StockBalance.quantity > 0)))).first()
    desk.refused(location_barcode("WH1/PACK"), "not a stock bin", "bin")
    desk.refused(location_barcode(empty), "has no free", "bin")


def test_a_typed_bin_code_is_taken_on_a_second_entry_and_logged(runtime):
    [sku] = stocked_items(runtime, 1)
    number = allocated_order(runtime, [(sku, 1)])
    desk = picking(runtime, number)
    task = held_task(runtime, "PICK1")
    shown = task.bin.split("/", 2)[-1]
    desk.refused("Z-99-9", "scan the bin label", "bin")
    desk.refused(shown.lower(), "type", "bin")
    desk.scan(shown)
    assert desk.step == "item" and "typed, logged" in desk.message
    with Session(runtime.engine) as session:
        event = session.exec(select(AuthEvent).where(AuthEvent.kind == AuthKind.TYPED_BIN)).one()
        assert event.operator == "PICK1" and task.bin in event.detail
    assert actions_to_pick(runtime, desk, task.item_scan, "TOTE-T") == 2


def test_a_pallet_shows_what_is_on_it_and_where(runtime):
    from tests.floor.inbound import received_pallet

    pallet, _tasks = received_pallet(runtime)
    found = lookup_code(runtime.engine, pallet)
    assert found.kind == "container" and found.details[0] == "at WH1/INPUT"
    assert sorted((line.place, line.on_hand) for line in found.lines) == [("SKU-00001", 10), ("SKU-00006", 4)]
