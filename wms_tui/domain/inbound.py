"""Inbound rules: receipt routes, receiving checks, putaway choice, reorder maths, counting
variances and supplier invoice matching. Pure functions over plain values; no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.quantities import ZERO, display

# Zones a receipt passes through, per Warehouse.receipt_steps (DESIGN.md "Routes").
RECEIPT_ROUTES: dict[int, tuple[str, ...]] = {
    1: ("STOCK",),
    2: ("INPUT", "STOCK"),
    3: ("INPUT", "QC", "STOCK"),
}
FINAL_ZONE = "STOCK"
CROSS_DOCK_ZONE = "OUTPUT"


class PurchaseState(StrEnum):
    OPEN = "open"  # on order: nothing or part received
    RECEIVED = "received"  # every line received in full
    CLOSED = "closed"  # closed by hand with lines short: the rest is no longer expected
    CANCELLED = "cancelled"


# Purchase orders whose lines not yet received are on order.
OPEN_PURCHASE_STATES = (PurchaseState.OPEN,)


def receipt_route(steps: int) -> tuple[str, ...]:
    try:
        return RECEIPT_ROUTES[steps]
    except KeyError:
        raise InvalidInput(f"receipt steps must be 1, 2 or 3, got {steps}") from None


def next_zone(steps: int, zone: str) -> str | None:
    """The zone goods go to after landing in `zone` (None once they are in Stock bins)."""
    route = receipt_route(steps)
    if zone not in route or zone == FINAL_ZONE:
        return None
    return route[route.index(zone) + 1]


def check_receipt_quantity(
    sku: str,
    po_number: str,
    ordered: Decimal,
    already_received: Decimal,
    arriving: Decimal,
    *,
    over_receipt_allowed: bool,
    reason: str | None,
) -> Decimal:
    """Refuse an over-receipt unless the operator may accept one and says why; returns the
    quantity received above the order (zero when within it)."""
    over = already_received + arriving - ordered
    if over <= 0:
        return ZERO
    over = min(over, arriving)
    if not over_receipt_allowed:
        raise InvalidInput(
            f"{po_number}: {sku} ordered {display(ordered)}, already received {display(already_received)}: "
            f"receiving {display(arriving)} is {display(over)} too many (a supervisor may accept an over-receipt)"
        )
    if not reason or not reason.strip():
        raise InvalidInput(f"{po_number}: over-receipt of {display(over)} {sku} needs a reason")
    return over


def check_lot_data(
    sku: str, tracked: bool, expiry_tracked: bool, lot: str | None, expiry: date | None, today: date
) -> None:
    if tracked and not (lot and lot.strip()):
        raise InvalidInput(f"item {sku} is lot-tracked: scan or type the lot number")
    if not tracked and lot:
        raise InvalidInput(f"item {sku} is not lot-tracked: no lot number expected (got {lot!r})")
    if expiry_tracked and expiry is None:
        raise InvalidInput(f"item {sku} tracks expiry: enter the expiry date of lot {lot}")
    if expiry is not None and expiry < today:
        raise InvalidInput(f"item {sku} lot {lot}: expiry {expiry.isoformat()} is in the past; do not receive expired goods")


class PutawayReason(StrEnum):
    FIXED_BIN = "fixed bin for the item"
    SAME_LOT = "bin already holds this lot"
    SAME_ITEM = "bin already holds this item"
    EMPTY_IN_ZONE = "empty bin in the item's zone"
    EMPTY = "empty bin"


@dataclass(frozen=True)
class BinCandidate:
    """A bin as the putaway rule sees it."""

    location_id: int
    code: str
    pick_sequence: int
    fixed_for_item: bool
    holds_item: Decimal  # on hand of this item
    holds_lot: Decimal  # on hand of this lot of the item
    total_on_hand: Decimal  # everything in the bin, all items
    in_item_zone: bool
    capacity: Decimal | None  # units the bin can hold; None = unlimited


@dataclass(frozen=True)
class PutawaySuggestion:
    location_id: int
    code: str
    reason: PutawayReason


def _fits(candidate: BinCandidate, quantity: Decimal) -> bool:
    return candidate.capacity is None or candidate.total_on_hand + quantity <= candidate.capacity


def suggest_bin(candidates: Sequence[BinCandidate], quantity: Decimal, has_lot: bool) -> PutawaySuggestion | None:
    """Best bin for `quantity`: fixed bin, then a bin with the same lot, then the same item,
    then an empty bin in the item's zone, then any empty bin; always within capacity."""
    ranked: list[tuple[PutawayReason, list[BinCandidate]]] = [
        (PutawayReason.FIXED_BIN, [c for c in candidates if c.fixed_for_item]),
        (PutawayReason.SAME_LOT, [c for c in candidates if has_lot and c.holds_lot > 0]),
        (PutawayReason.SAME_ITEM, [c for c in candidates if c.holds_item > 0]),
        (PutawayReason.EMPTY_IN_ZONE, [c for c in candidates if c.in_item_zone and c.total_on_hand == 0]),
        (PutawayReason.EMPTY, [c for c in candidates if c.total_on_hand == 0]),
    ]
    for reason, group in ranked:
        fitting = sorted((c for c in group if _fits(c, quantity)), key=lambda c: (c.pick_sequence, c.code))
        if fitting:
            return PutawaySuggestion(fitting[0].location_id, fitting[0].code, reason)
    return None


def purchase_quantity(minimum: Decimal, maximum: Decimal, uncommitted: Decimal, on_order: Decimal, back_ordered: Decimal) -> Decimal:
    """Min/max rule: when the stock position (sellable stock not committed + on order - back
    ordered) falls below the minimum, order up to the maximum. Zero when nothing is needed."""
    position = uncommitted + on_order - back_ordered
    if position >= minimum:
        return ZERO
    return maximum - position


def check_reorder_rule(sku: str, minimum: Decimal, maximum: Decimal) -> None:
    if minimum < 0:
        raise InvalidInput(f"reorder rule for {sku}: minimum cannot be negative ({display(minimum)})")
    if maximum < minimum:
        raise InvalidInput(f"reorder rule for {sku}: maximum {display(maximum)} is below minimum {display(minimum)}")


def recount_needed(expected: Decimal, counted: Decimal, threshold: Decimal, already_recounted: bool) -> bool:
    """A variance larger than the threshold (in units) is counted a second time before it posts."""
    return not already_recounted and abs(counted - expected) > threshold


@dataclass(frozen=True)
class InvoiceTolerance:
    """How far a supplier invoice may differ from the purchase order and still be approved."""

    price_percent: Decimal = Decimal(0)  # of the PO price, either way
    quantity_percent: Decimal = Decimal(0)  # over the quantity received and not yet invoiced


@dataclass(frozen=True)
class PoLineMatch:
    """One purchase-order line as a supplier invoice bills it: over all the invoice's lines for
    it, and over the earlier invoices that still count (not rejected)."""

    po_price: Decimal
    received: Decimal
    invoiced_before: Decimal
    invoiced_now: Decimal
    prices: tuple[Decimal, ...]  # the unit prices on this invoice's lines for the PO line


def invoice_hold_reasons(label: str, match: PoLineMatch, tolerance: InvoiceTolerance = InvoiceTolerance()) -> list[str]:
    """Why an invoice may not be approved for one PO line; empty when it matches. Billing less
    than was received is fine (the rest comes on a later invoice); billing more is not."""
    reasons = []
    allowed_price = match.po_price * tolerance.price_percent / 100
    beyond = f" by more than {display(tolerance.price_percent)}%" if tolerance.price_percent else ""
    for price in sorted(set(match.prices)):
        if abs(price - match.po_price) > allowed_price:
            reasons.append(f"{label}: price {display(price)} differs from the PO price {display(match.po_price)}{beyond}")
    open_quantity = match.received - match.invoiced_before
    if match.invoiced_now > open_quantity * (1 + tolerance.quantity_percent / 100) or (open_quantity <= 0 < match.invoiced_now):
        reasons.append(
            f"{label}: invoiced {display(match.invoiced_now)} but {display(open_quantity)} received and not yet invoiced"
        )
    return reasons


def count_outcome(variances: Sequence[Decimal]) -> str:
    """What a posted count changed: "2 lines: 1 adjusted by -1, 1 as counted"."""
    adjusted = [variance for variance in variances if variance]
    same = len(variances) - len(adjusted)
    lines = f"{len(variances)} {'line' if len(variances) == 1 else 'lines'}"
    parts = []
    if len(adjusted) == 1:
        parts.append(f"1 adjusted by {_signed(adjusted[0])}")
    elif adjusted:
        parts.append(f"{len(adjusted)} adjusted ({', '.join(_signed(variance) for variance in adjusted)})")
    if same:
        parts.append(f"{same} as counted")
    return f"{lines}: {', '.join(parts)}" if parts else f"{lines}: nothing to count"


def _signed(quantity: Decimal) -> str:
    text = display(quantity)
    return text if quantity < 0 else f"+{text}"
