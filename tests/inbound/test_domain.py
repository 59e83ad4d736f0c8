"""Pure inbound rules: no database."""

from datetime import date
from decimal import Decimal

import pytest

from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.inbound import (
    BinCandidate,
    InvoiceTolerance,
    PoLineMatch,
    PutawayReason,
    check_lot_data,
    check_receipt_quantity,
    invoice_hold_reasons,
    next_zone,
    purchase_quantity,
    receipt_route,
    recount_needed,
    suggest_bin,
)

D = Decimal


def _bin(location_id, *, fixed=False, item="0", lot="0", total="0", zone=False, capacity=None, sequence=None):
    return BinCandidate(location_id, f"B{location_id}", sequence if sequence is not None else location_id, fixed,
                        D(item), D(lot), D(total), zone, None if capacity is None else D(capacity))


def test_routes_and_push_order():
    assert receipt_route(3) == ("INPUT", "QC", "STOCK")
    assert [next_zone(3, zone) for zone in ("INPUT", "QC", "STOCK")] == ["QC", "STOCK", None]
    assert next_zone(2, "INPUT") == "STOCK"
    with pytest.raises(InvalidInput, match="1, 2 or 3"):
        receipt_route(4)


def test_putaway_preference_order_and_capacity():
    bins = [
        _bin(1, total="0"),
        _bin(2, zone=True, total="0", sequence=9),
        _bin(3, item="5", total="5"),
        _bin(4, item="2", lot="2", total="2"),
        _bin(5, fixed=True, item="0", total="90", capacity="100"),
    ]
    def best(candidates, quantity, has_lot):
        suggestion = suggest_bin(candidates, D(quantity), has_lot)
        return suggestion.location_id, suggestion.reason

    assert best(bins, 10, True) == (5, PutawayReason.FIXED_BIN)
    # The fixed bin is too full for 20: next the bin with the same lot, then the same item...
    assert best(bins, 20, True) == (4, PutawayReason.SAME_LOT)
    assert best(bins, 20, False) == (3, PutawayReason.SAME_ITEM)  # first in pick order
    assert best([bins[0], bins[1]], 20, False) == (2, PutawayReason.EMPTY_IN_ZONE)
    assert suggest_bin([bins[0]], D(20), False).reason is PutawayReason.EMPTY
    assert suggest_bin([_bin(6, capacity="10")], D(11), False) is None


def test_receipt_quantity_rules():
    assert check_receipt_quantity("W-1", "PO1", D(10), D(4), D(6), over_receipt_allowed=False, reason=None) == 0
    with pytest.raises(InvalidInput, match="receiving 12 is 2 too many"):
        check_receipt_quantity("W-1", "PO1", D(10), D(0), D(12), over_receipt_allowed=False, reason="x")
    assert check_receipt_quantity("W-1", "PO1", D(10), D(12), D(3), over_receipt_allowed=True, reason="x") == 3


def test_lot_data_rules():
    today = date(2026, 11, 22)
    check_lot_data("M-1", True, True, "L1", today, today)  # expiring today is still receivable
    with pytest.raises(InvalidInput, match="not lot-tracked"):
        check_lot_data("W-1", False, False, "L1", None, today)
    with pytest.raises(InvalidInput, match="enter the expiry date"):
        check_lot_data("M-1", True, True, "L1", None, today)


def test_min_max_and_recount_and_invoice_rules():
    assert purchase_quantity(D(20), D(100), uncommitted=D(18), on_order=D(5), back_ordered=D(6)) == D(83)
    assert purchase_quantity(D(20), D(100), uncommitted=D(15), on_order=D(5), back_ordered=D(0)) == 0  # at min: fine
    assert purchase_quantity(D(5), D(10), uncommitted=D(-3), on_order=D(0), back_ordered=D(0)) == D(13)
    assert recount_needed(D(10), D(13), D(2), already_recounted=False)
    assert not recount_needed(D(10), D(12), D(2), already_recounted=False)
    assert not recount_needed(D(10), D(30), D(2), already_recounted=True)
    assert invoice_hold_reasons("W-1", PoLineMatch(D("2.4"), D(10), D(4), D(6), (D("2.4"),))) == []
    assert invoice_hold_reasons("W-1", PoLineMatch(D("2.4"), D(10), D(0), D(5), (D("2.4"),))) == []  # part now, rest later
    assert len(invoice_hold_reasons("W-1", PoLineMatch(D("2.4"), D(6), D(0), D(7), (D("2.5"),)))) == 2
    loose = InvoiceTolerance(price_percent=D(5), quantity_percent=D(10))
    assert invoice_hold_reasons("W-1", PoLineMatch(D("2.4"), D(10), D(0), D(11), (D("2.5"),)), loose) == []
    assert invoice_hold_reasons("W-1", PoLineMatch(D("2.4"), D(10), D(0), D(12), (D("2.53"),)), loose) == [
        "W-1: price 2.53 differs from the PO price 2.4 by more than 5%",
        "W-1: invoiced 12 but 10 received and not yet invoiced",
    ]
