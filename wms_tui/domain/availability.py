"""What may be sold: the one definition of "available" (DESIGN.md, issue 12).

Available is what a new order could really commit now: stock on hand in the warehouse's
sellable locations, in lots that have not expired, less what confirmed orders have committed,
less what waits on back orders (older orders are served first, and an order that waits to be
filled whole (back-order policy e) holds back what it will take). Goods in QC and returns
awaiting a decision are on hand but not sellable until they are put back into stock.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from wms_tui.domain.locations import LocationKind
from wms_tui.domain.quantities import ZERO

QC_ZONE = "QC"
RETURNS_ZONE = "RETURNS"
# Zones whose goods are on hand but cannot be sold until they are put back into stock.
UNSELLABLE_ZONES = frozenset({QC_ZONE, RETURNS_ZONE})


def zone_of(code: str) -> str | None:
    """The zone of a full location code: WH1/STOCK/A-01 -> STOCK; None for a warehouse or a
    shared location (SUPPLIERS)."""
    parts = code.split("/")
    return parts[1] if len(parts) > 1 else None


def is_sellable(kind: LocationKind | str, code: str) -> bool:
    """Stock there may be committed to a new order (expiry aside)."""
    return kind == LocationKind.INTERNAL and zone_of(code) not in UNSELLABLE_ZONES


def is_expired(expiry: date | None, today: date) -> bool:
    return expiry is not None and expiry < today


def available(sellable_on_hand: Decimal, committed: Decimal, back_ordered: Decimal) -> Decimal:
    """What a new order could commit now; never below zero (a shortage shows as back ordered)."""
    return max(sellable_on_hand - committed - back_ordered, ZERO)
