"""Clear outcomes (issue 15, item 8): a shipment says what of the order is still open, a count
what it changed (the floor runs: test_ship.py, test_count.py); a progress counter never
starts again from 0 while the operator is signed in."""

from decimal import Decimal

import pytest
from sqlmodel import Session, select

from tests.floor.kit import Desk
from wms_tui.domain.inbound import count_outcome
from wms_tui.domain.locations import location_barcode
from wms_tui.domain.outbound import LineProgress, shipment_outcome, still_to_pick
from wms_tui.store.models import Location, StockBalance

D = Decimal


def test_partial_shipment_names_what_is_still_to_pick():
    # 20 ordered: 8 picked and shipped now in 3 boxes, 12 committed and not picked yet.
    lines = [LineProgress(D(20), D(0), D(8), D(8))]
    assert still_to_pick(lines) == 12
    assert shipment_outcome(3, lines, to_pack=D(0), still_packed=0) == "shipped 3 boxes; 12 units still to pick"


def test_shipment_outcome_lists_every_open_stage_or_says_complete():
    lines = [LineProgress(D(10), D(0), D(9), D(5), D(1)), LineProgress(D(4), D(4), D(0), D(0))]
    assert shipment_outcome(1, lines, to_pack=D(2), still_packed=1) == (
        "shipped 1 box; 2 units to pack, 1 packed box to ship, 1 unit back ordered")
    done = [LineProgress(D(5), D(1), D(4), D(4))]
    assert shipment_outcome(2, done, to_pack=D(0), still_packed=0) == "shipped 2 boxes; order complete"


@pytest.mark.parametrize(("variances", "said"), [
    ([D(-1), D(0)], "2 lines: 1 adjusted by -1, 1 as counted"),
    ([D(0)], "1 line: 1 as counted"),
    ([D(3), D("-0.5"), D(0)], "3 lines: 2 adjusted (+3, -0.5), 1 as counted"),
    ([], "0 lines: nothing to count"),
])
def test_count_outcome_says_what_changed(variances, said):
    assert count_outcome(variances) == said


def empty_bins(runtime, count: int) -> list[str]:
    with Session(runtime.engine) as session:
        return list(session.exec(
            select(Location.code).where(Location.code.like("WH1/STOCK/%"),
                                        ~Location.id.in_(select(StockBalance.location_id).where(StockBalance.quantity != 0)))
            .order_by(Location.code).limit(count)
        ).all())


def test_the_count_of_bins_done_counts_on_after_going_back_to_the_menu(runtime):
    first, second = empty_bins(runtime, 2)
    desk = Desk(runtime)
    desk.sign_in("BADGE-0001")
    desk.scan("3", location_barcode(first), location_barcode(first))  # unplanned: scanned twice
    desk.key("f5")
    assert desk.progress == "1 bins", desk.message
    desk.key("f10")
    desk.scan("3")
    assert desk.progress == "1 bins"  # not back to 0 when the flow starts again
    desk.scan(location_barcode(second), location_barcode(second))
    desk.key("f5")
    assert desk.progress == "2 bins", desk.message
    desk.key("f10")
    desk.key("f10")  # signed out: the next sign-in starts a new count
    desk.sign_in("BADGE-0001")
    desk.scan("3")
    assert desk.progress == "0 bins"
