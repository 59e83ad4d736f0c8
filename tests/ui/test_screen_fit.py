"""Nothing cut off on a 20x16 handheld (issue 15, item 3): every error a flow can show, as an
SVG snapshot at 20x16 with the whole message on screen (the reason and what to scan first, the
scan read back last); a legend of at most two rows with `*0` for every key; the status line
naming the document and progress; a long answer scrolled with up/down/PgUp/PgDn while the
input keeps the focus; long names cut with an ellipsis, never wrapped."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.text import Text
from sqlmodel import select
from textual.widgets import Static

from tests.floor.inbound import number_pallets
from tests.ui.floorkit import SIZE_IDS, SIZES, Floor
from tests.ui.test_snapshots import order_without_lots
from wms_tui.domain.auth import REFUSED
from wms_tui.domain.locations import location_barcode
from wms_tui.domain.reasons import MoveReason
from wms_tui.services import catalog, posting
from wms_tui.services.demo import DEMO_PIN, gtin13
from wms_tui.store.ledger import MoveRequest, PostingContext
from wms_tui.store.models import Item, Location
from wms_tui.store.session import transaction
from wms_tui.ui.app import WmsApp

HANDHELD = (20, 16)
BIN = location_barcode("WH1/STOCK/A-01-1")
ITEM = "4006381000277"
SSCC = "]C100340123450000000017"
UNKNOWN_SSCC = "]C100087123456700009996"

PICKER = ("BADGE-0001", DEMO_PIN)
PACKER = ("BADGE-0002", DEMO_PIN)
RECEIVER = ("BADGE-0003", DEMO_PIN)
SHIPPER = ("BADGE-0004", DEMO_PIN)
# The empty bin counted with one item found in it: a recount, or F2 for a supervisor's approval.
RECOUNT = (BIN, BIN, gtin13(6), "1", "*5")

# Every error the non-pick flows (and sign-in, the menu) can show from the screen, by the inputs
# that make it; the last input is the one refused. "{order}" is an order without lots (stable).
ERRORS: dict[str, tuple[tuple[str, ...], str]] = {
    "sign-in-wrong-pin": (("BADGE-0001", "9999"), "wrong PIN"),
    "sign-in-key-first": (("*3",), "sign in first"),
    "menu-no-such-choice": ((*PICKER, "9"), "choose a number from 1 to 4"),
    "receive-bin-for-po": ((*RECEIVER, "1", BIN), "that is a bin label: scan the PO"),
    "receive-unknown-po": ((*RECEIVER, "1", "PO999999"), "no open purchase order"),
    "receive-several-pos": ((*RECEIVER, "1", "S002"), "several open purchase orders"),
    "receive-item-not-on-po": ((*RECEIVER, "1", "PO000002", gtin13(2)), "not on PO000002"),
    "receive-unknown-item": ((*RECEIVER, "1", "PO000002", "5901234123457"), "not a known item"),
    "receive-no-such-day": ((*RECEIVER, "1", "PO000002", gtin13(31), "LOT-X", "991399"), "no such day"),
    "receive-not-a-date": ((*RECEIVER, "1", "PO000002", gtin13(31), "LOT-X", "tomorrow"), "not a date"),
    "receive-half-package": ((*RECEIVER, "1", "PO000002", gtin13(6), "2.5"), "whole number"),
    "receive-pallet-is-item": ((*RECEIVER, "1", "PO000002", gtin13(6), "2", gtin13(6)), "that is an item barcode"),
    "receive-close-mid-item": ((*RECEIVER, "1", "PO000002", gtin13(6), "*5"), "finish this item first"),
    "putaway-bin-first": ((*RECEIVER, "2", BIN), "that is a bin label"),
    "putaway-unknown-pallet": ((*RECEIVER, "2", SSCC), "unknown pallet"),
    "putaway-skip-nothing": ((*RECEIVER, "2", "*3"), "no task to skip"),
    "refill-none-waiting": ((*PICKER, "2", "*2"), "no pick-face refills waiting"),
    "count-item-first": ((*PICKER, "3", ITEM), "that is an item barcode: scan the bin"),
    "count-unplanned-bin": ((*PICKER, "3", BIN), "no count planned here: scan again"),
    "count-submit-nothing": ((*PICKER, "3", "*5"), "no count yet"),
    "count-approve-no-recount": ((*PICKER, "3", BIN, BIN, "*2"), "nothing to approve"),
    "count-approval-wrong-pin": ((*PICKER, "3", *RECOUNT, "*2", "BADGE-0009", "9999"), REFUSED),
    "count-approval-by-picker": ((*PICKER, "3", *RECOUNT, "*2", *PICKER), "only a supervisor may approve"),
    "pack-no-such-order": ((*PACKER, "1", "SO-999999"), "no order, tote or container"),
    "pack-bin-label": ((*PACKER, "1", BIN), "that is a bin label"),
    "pack-nothing-picked": ((*PACKER, "1", "{order}"), "nothing picked waits"),
    "pack-close-first": ((*PACKER, "1", "*2"), "scan an order or tote first"),
    "ship-item-barcode": ((*SHIPPER, "1", ITEM), "that is an item barcode"),
    "ship-unknown-container": ((*SHIPPER, "1", UNKNOWN_SSCC), "no container"),
    "ship-nothing-scanned": ((*SHIPPER, "1", "*2"), "scan at least one container first"),
    "pick-item-at-bin": ((*PICKER, "1", "{order}", ITEM), "that is an item barcode: scan the bin"),
    "pick-unreadable": ((*PICKER, "1", "{order}", "003" + "1" * 15), "unreadable barcode"),
    "undo-nothing": ((*SHIPPER, "1", "*4"), "nothing to undo"),
}


def message_fits(floor: Floor, words: str, *, error: bool = True) -> None:
    """The whole message is on the screen, above the legend, and says `words`."""
    screen = floor.app.screen
    message = screen.query_one("#message", Static)
    legend = screen.query_one("#legend", Static)
    assert floor.error is error and words in floor.message, floor.message
    width = message.content_region.width
    wrapped = Text(floor.message).wrap(Console(width=width), width)
    # Every line shown; the message keeps its lines reserved when it needs fewer.
    reserved = int(message.styles.min_height.value)
    assert message.content_region.height == max(len(wrapped), reserved), floor.message
    assert message.region.bottom <= legend.region.y <= legend.region.bottom <= screen.size.height
    assert len(floor.widget("legend").splitlines()) <= 2
    assert floor.input_focused()


@pytest.mark.parametrize("case", list(ERRORS))
def test_every_error_is_shown_whole_at_20x16(runtime, tmp_path, case, snap_compare):
    number_pallets(runtime)
    inputs, words = ERRORS[case]
    order = order_without_lots(runtime)

    async def run_before(pilot) -> None:
        floor = Floor(pilot.app, pilot, tmp_path)
        await floor.settle()
        for value in inputs:
            await floor.type(value.format(order=order))
        message_fits(floor, words)

    assert snap_compare(WmsApp(runtime), terminal_size=HANDHELD, run_before=run_before)


async def test_a_refused_scan_is_read_back_after_the_reason(runtime, tmp_path):
    app = WmsApp(runtime)
    async with app.run_test(size=HANDHELD) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0001")
        await floor.type("3")
        await floor.scan(ITEM)
        reason, echo = floor.message.split("\n")
        assert reason == "that is an item barcode: scan the bin label" and echo == f"read {ITEM.zfill(14)}"
        message_fits(floor, "scan the bin label")


async def test_a_count_approval_is_offered_and_asked_for_whole_at_20x16(runtime, tmp_path):
    app = WmsApp(runtime)
    async with app.run_test(size=HANDHELD) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0001")
        for value in ("3", *RECOUNT):
            await floor.type(value)
        message_fits(floor, "or F2 approve now", error=False)
        await floor.type("*2")
        message_fits(floor, "supervisor: scan your badge", error=False)
        assert floor.step == "supervisor" and all(len(line) <= HANDHELD[0] for line in app.screen.shown.details)
        await floor.type("BADGE-0009")
        assert floor.step == "supervisor_pin" and app.screen.query_one("#scan").password


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_legend_of_two_rows_and_the_keys_page(runtime, tmp_path, size):
    app = WmsApp(runtime)
    async with app.run_test(size=size) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0003")
        await floor.type("1")
        legend = floor.widget("legend").splitlines()
        assert len(legend) <= 2 and all(len(line) <= size[0] for line in legend)
        assert "F10 back" in floor.widget("legend")
        if size == HANDHELD:
            assert "*0 keys" in legend[-1] and "F5 done" not in floor.widget("legend")
        await floor.type("*0")
        assert not floor.error and floor.step == "source"  # the page changes nothing
        for key in ("F1 blind", "F2 new pal", "F3 close", "F4 undo", "F5 done", "F10 back"):
            assert key in floor.details


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_status_line_names_the_document_and_progress(runtime, tmp_path, size):
    number_pallets(runtime)
    app = WmsApp(runtime)
    async with app.run_test(size=size) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0003")
        await floor.type("1")
        await floor.type("PO000002")
        assert floor.widget("status").startswith("PO000002 0 lines")
        await floor.scan(gtin13(6))
        await floor.type("2")
        await floor.key("f2")
        assert floor.widget("status").startswith("PO000002 1 lines"), floor.message


async def test_long_answer_scrolls_with_the_handheld_keys_while_the_input_keeps_focus(runtime, tmp_path):
    with transaction(runtime.engine) as session:
        item = session.exec(select(Item).where(Item.sku == "SKU-00001")).one()
        item.name = "A very long item name that no handheld can show on one line"
        opening = catalog.shared_location(session, "OPENING")
        bins = session.exec(select(Location).where(Location.code.like("WH1/STOCK/B-%")).limit(12)).all()
        posting.post(session, PostingContext("TEST", "SUP1"),
                     [MoveRequest(item.id, opening.id, place.id, "1", reason=MoveReason.OPENING_STOCK) for place in bins])
    app = WmsApp(runtime)
    async with app.run_test(size=HANDHELD) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0001")
        await floor.type("4")
        await floor.type("SKU-00001")
        body = app.screen.query_one("#body")
        details = app.screen.query_one("#details", Static)
        assert not floor.error and details.virtual_region.height > body.size.height, floor.details
        # The long name is cut to the width with an ellipsis, not wrapped onto more rows.
        assert details.virtual_region.height == len(floor.details.splitlines())
        assert details.render_line(1).text.rstrip().endswith("…")
        for key, moved in (("down", 1), ("pagedown", None), ("up", None), ("pageup", 0)):
            before = body.scroll_y
            await floor.key(key)
            assert floor.input_focused()
            if moved is not None:
                assert body.scroll_y == before + moved if moved else body.scroll_y == 0
        await floor.key("pagedown")
        assert body.scroll_y > 1
        await floor.type("SKU-00002")  # a new answer starts at its top
        assert body.scroll_y == 0
