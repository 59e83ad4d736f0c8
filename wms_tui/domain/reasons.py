"""Why a stock move was posted: the code every move carries in its `reason`.

Posted moves are immutable, so moves posted before the codes were settled keep their old
spelling; read a move's reason with `MoveReason.parse` (or filter with `spellings`), never by
comparing the stored text.
"""

from __future__ import annotations

from enum import StrEnum


class MoveReason(StrEnum):
    OPENING_STOCK = "opening_stock"  # initial inventory, demo data and imports
    RECEIPT = "receipt"  # Supplier -> landing zone
    CROSS_DOCK = "cross_dock"  # received goods sent straight to a waiting back order
    PUTAWAY = "putaway"  # landing zone -> next zone or bin
    REPLENISH = "replenish"  # reserve bin -> pick face
    PICK = "pick"  # bin -> Output/Pack (or the customer in 1-step delivery)
    SHORT_PICK_CANCEL = "short_pick_cancel"  # reversal of picks when a short pick cancels the order
    PACK = "pack"  # Pack -> Output (3-step delivery)
    SHIP = "ship"  # Output -> Customer
    REOPEN = "reopen"  # reversal of an order's moves when it is re-opened
    RETURN = "return"  # Customer -> Returns
    RESTOCK = "restock"  # returned goods put back into stock
    SCRAP = "scrap"
    CYCLE_COUNT = "cycle_count"  # a count variance, to or from Inventory Loss
    KIT_BUILD = "kit_build"
    KIT_UNBUILD = "kit_unbuild"
    TRANSFER_OUT = "transfer_out"  # warehouse -> Transit
    TRANSFER_IN = "transfer_in"  # Transit -> warehouse
    CORRECTION = "correction"  # the reversal of a move posted by mistake
    # A value-only adjustment of a stock position to its warehouse's AVCO/FIFO unit cost: one
    # unit to Price Variance and back at two costs, so the quantity does not change.
    COST_REVALUATION = "cost_revaluation"

    @classmethod
    def _missing_(cls, value: object) -> MoveReason | None:
        return LEGACY_SPELLINGS.get(value) if isinstance(value, str) else None

    @classmethod
    def parse(cls, text: str | None) -> MoveReason | None:
        """The reason of a posted move in whatever spelling it was posted with. None for a move
        without one, and for the person's own words that counts and scrap posted before
        reasons were codes (the count line still holds a count's reason)."""
        if text is None:
            return None
        try:
            return cls(text)
        except ValueError:
            return None

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every text a posted move may carry for this reason, for filtering moves in SQL."""
        return (self.value, *(old for old, reason in LEGACY_SPELLINGS.items() if reason is self))


# Moves that bring units to an order line as picked: from a bin, or cross-docked from the dock.
PICKING = frozenset({MoveReason.PICK, MoveReason.CROSS_DOCK})
# Reversals that take picked units back off their order line.
UNPICKING = frozenset({MoveReason.SHORT_PICK_CANCEL, MoveReason.REOPEN})

# Spellings posted before the codes above (revision 0005_enum_spellings); they stay in the ledger.
LEGACY_SPELLINGS: dict[str, MoveReason] = {
    "opening-stock": MoveReason.OPENING_STOCK,
    "cross-dock": MoveReason.CROSS_DOCK,
    "kit build": MoveReason.KIT_BUILD,
    "kit unbuild": MoveReason.KIT_UNBUILD,
    "transfer out": MoveReason.TRANSFER_OUT,
    "transfer in": MoveReason.TRANSFER_IN,
}
