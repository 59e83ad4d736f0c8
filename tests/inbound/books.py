"""The books check of the issue-12 scenarios: the ledger invariant, values recomputed from the
moves, and a valued location holding nothing is worth exactly 0."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlmodel import Session, select

from wms_tui.domain.locations import VALUED_KINDS
from wms_tui.store import queries
from wms_tui.store.integrity import check_ledger
from wms_tui.store.models import Location, StockBalance


def check_values(engine) -> None:
    """The ledger invariant, values recomputed from the moves, and empty means worth 0."""
    with engine.connect() as conn:
        assert set(queries.item_balance_totals(conn).values()) <= {Decimal(0)}
        assert check_ledger(conn).problems == []  # stored quantity and value = the moves' sums
    with Session(engine) as session:
        kinds = dict(session.exec(select(Location.id, Location.kind)).all())
        per_location: dict[tuple[int, int], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for balance in session.exec(select(StockBalance)).all():
            held = per_location[(balance.item_id, balance.location_id)]
            held[0] += balance.quantity
            held[1] += balance.value
        for (item_id, location_id), (quantity, value) in per_location.items():
            if kinds[location_id] in VALUED_KINDS and quantity == 0:
                assert value == 0, f"item {item_id} at location {location_id}: nothing held but worth {value}"
