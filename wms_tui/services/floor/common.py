"""What several floor flows share: short place names, what one scan counts, the scanned item."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session

from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.quantities import display
from wms_tui.services.floor.scans import ParsedScan
from wms_tui.store.finders import ScannedItem, item_by_scan


def short_place(code: str) -> str:
    """A bin as a picker reads it: WH1/STOCK/A-01-3 shows as A-01-3 (the zone is implied)."""
    parts = code.split("/")
    return "/".join(parts[2:]) if len(parts) > 2 else code


def units_word(per_scan: Decimal) -> str:
    """What one scan of a barcode counts: units, or packs of N."""
    return "units" if per_scan == 1 else f"packs of {display(per_scan)}"


def item_of_scan(session: Session, scan: ParsedScan, expected_sku: str | None = None) -> ScannedItem:
    """The scanned item (and units per scan); a different item than expected is refused by name."""
    scanned = item_by_scan(session, scan.code)
    if expected_sku and scanned.item.sku != expected_sku:
        raise InvalidInput(f"wrong item: scan {expected_sku}, not {scanned.item.sku}")
    return scanned
