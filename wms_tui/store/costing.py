"""The unit cost of every posted move, chosen in the posting transaction (rules in domain.costing).

- A move out of a valued location (internal, transit) takes the value it holds: standard cost
  for STANDARD items; for AVCO and FIFO items its share of the position's value, except that a
  FIFO move leaving its warehouse takes the warehouse's oldest cost layers.
- A move into a valued location from outside carries the cost asked for (the PO price of a
  receipt, the components' value of a kit), else the warehouse's current unit cost, else the
  item's standard cost. A STANDARD item enters at standard: a different price passes through
  the Price Variance location, where the difference stays.
- After AVCO stock comes into a warehouse (or FIFO stock comes in or leaves), the warehouse's
  positions of the item are revalued to its new unit cost (value-only move pairs through Price
  Variance that net to 0 there), so every bin holds the item at the warehouse's cost.

STANDARD items read nothing more than the item itself: the scan path stays one insert and one
upsert. AVCO and FIFO items read their positions (and FIFO layers) once per batch, locked on
PostgreSQL so two terminals never price from the same stale balance.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, delete, insert, select

from wms_tui.domain.costing import (
    CostingMethod,
    Layer,
    consume_layers,
    move_value,
    priced_pieces,
    share,
    spread,
    unit_cost_of,
)
from wms_tui.domain.errors import LedgerRuleViolation
from wms_tui.domain.locations import PRICE_VARIANCE_CODE, VALUED_KINDS, LocationKind
from wms_tui.domain.quantities import ZERO
from wms_tui.domain.reasons import MoveReason
from wms_tui.store.models import NO_CONTAINER, NO_LOT, CostLayer, Location, StockBalance

LAYERS = CostLayer.__table__
BALANCES = StockBalance.__table__
REVALUATION_QUANTITY = Decimal(1)

Position = tuple[int, int, int, int]  # item, location, lot (NO_LOT), container (NO_CONTAINER)
Pool = tuple[int, int]  # item, warehouse


@dataclass(frozen=True, slots=True)
class ItemCost:
    standard_cost: Decimal
    method: CostingMethod


@dataclass(frozen=True, slots=True)
class Place:
    kind: LocationKind
    warehouse_id: int | None

    @property
    def valued(self) -> bool:
        return self.kind in VALUED_KINDS


class Priced(NamedTuple):
    """A move to post: the request (possibly one piece of it) with its exact quantity and cost."""

    request: Any  # a store.ledger.MoveRequest (it imports this module)
    quantity: Decimal
    unit_cost: Decimal


_PRICE_VARIANCE = select(Location.id).where(Location.code == PRICE_VARIANCE_CODE)


def _price_variance_location(conn: Connection) -> int:
    found = conn.execute(_PRICE_VARIANCE).scalar()
    if found is None:
        raise LedgerRuleViolation("the Price Variance location is missing: run 'wms-tui db upgrade' or create a warehouse")
    return found


def _standard(request, quantity: Decimal, asked: Decimal | None, item: ItemCost, source: Place, target: Place,
              price_variance: Callable[[], int]) -> list[Priced]:
    standard = item.standard_cost
    if asked is None or asked == standard or source.valued:
        return [Priced(request, quantity, standard)]
    if not target.valued:  # partner to partner (drop-ship): no stock of ours, the price as given
        return [Priced(request, quantity, asked)]
    variance = price_variance()
    return [
        Priced(dataclasses.replace(request, to_location_id=variance), quantity, asked),
        Priced(dataclasses.replace(request, from_location_id=variance), quantity, standard),
    ]


class _Book:
    """The AVCO/FIFO items' positions and layers, as the batch changes them."""

    def __init__(self, conn: Connection, items: dict[int, ItemCost], places: dict[int, Place]) -> None:
        self.conn, self.items, self.places = conn, items, places
        self.positions: dict[Position, list[Decimal]] = {}
        self.in_pool: dict[Pool, list[Position]] = defaultdict(list)  # the positions of each warehouse pool
        self.layers: dict[Pool, list[Layer]] = defaultdict(list)
        self.changed_layers: set[Pool] = set()
        self.to_revalue: set[Pool] = set()
        ids = list(items)
        held = (
            select(BALANCES, Location.kind, Location.warehouse_id)
            .join(Location, Location.id == BALANCES.c.location_id)
            .where(BALANCES.c.item_id.in_(bindparam("ids", expanding=True)), Location.kind.in_(VALUED_KINDS))
            .with_for_update(of=BALANCES)
        )
        for row in conn.execute(held, {"ids": ids}):
            self.places.setdefault(row.location_id, Place(LocationKind(row.kind), row.warehouse_id))
            self.held((row.item_id, row.location_id, row.lot_id, row.container_id))[:] = [row.quantity, row.value]
        fifo = [item_id for item_id, item in items.items() if item.method is CostingMethod.FIFO]
        if fifo:
            rows = conn.execute(
                select(LAYERS).where(LAYERS.c.item_id.in_(bindparam("ids", expanding=True))).order_by(LAYERS.c.id).with_for_update(),
                {"ids": fifo},
            )
            for row in rows:
                self.layers[(row.item_id, row.warehouse_id)].append(Layer(row.quantity, row.value))

    def pool(self, item_id: int, location_id: int) -> Pool | None:
        place = self.places[location_id]
        return (item_id, place.warehouse_id) if place.kind is LocationKind.INTERNAL else None

    def held(self, key: Position) -> list[Decimal]:
        """The [quantity, value] of a position, as the batch has left it so far."""
        held = self.positions.get(key)
        if held is None:
            held = self.positions[key] = [ZERO, ZERO]
            pool = self.pool(key[0], key[1])
            if pool is not None:
                self.in_pool[pool].append(key)
        return held

    def _pool_positions(self, pool: Pool) -> list[tuple[Position, list[Decimal]]]:
        return [(key, self.positions[key]) for key in self.in_pool.get(pool, ())]

    def unit_cost(self, pool: Pool | None, item: ItemCost) -> Decimal:
        """The warehouse's current unit cost of the item; its standard cost when it holds none."""
        if pool is None:
            return item.standard_cost
        held = [held for _, held in self._pool_positions(pool) if held[0] > 0]
        quantity = sum((q for q, _ in held), ZERO)
        if quantity <= 0:
            return item.standard_cost
        if self.items[pool[0]].method is CostingMethod.FIFO:
            layers = self.layers[pool]
            total = sum((layer.quantity for layer in layers), ZERO)
            return unit_cost_of(total, sum((layer.value for layer in layers), ZERO)) if total > 0 else item.standard_cost
        return unit_cost_of(quantity, sum((v for _, v in held), ZERO))

    def price(self, request, quantity: Decimal, asked: Decimal | None) -> list[Priced]:
        item = self.items[request.item_id]
        source_key = (request.item_id, request.from_location_id, request.lot_id or NO_LOT, request.container_id or NO_CONTAINER)
        target_key = (request.item_id, request.to_location_id, request.lot_id or NO_LOT, request.container_id or NO_CONTAINER)
        source, target = self.places[request.from_location_id], self.places[request.to_location_id]
        source_pool, target_pool = self.pool(request.item_id, request.from_location_id), self.pool(request.item_id, request.to_location_id)
        fallback = self.unit_cost(target_pool or source_pool, item)
        if source.valued and item.method is CostingMethod.FIFO and source_pool is not None and source_pool != target_pool:
            self.layers[source_pool], parts = consume_layers(self.layers[source_pool], quantity, fallback)
            self.changed_layers.add(source_pool)
            self.to_revalue.add(source_pool)
        elif source.valued:
            parts = [Layer(quantity, share(*self.held(source_key), quantity, fallback))]
        else:
            parts = [Layer(quantity, move_value(quantity, fallback if asked is None else asked))]
        value = sum((part.value for part in parts), ZERO)
        if source.valued:
            held = self.held(source_key)
            held[0] -= quantity
            held[1] -= value
        if target.valued:
            held = self.held(target_key)
            held[0] += quantity
            held[1] += value
        if target_pool is not None and target_pool != source_pool:
            if item.method is CostingMethod.FIFO:
                self.layers[target_pool].append(Layer(quantity, value))
                self.changed_layers.add(target_pool)
            self.to_revalue.add(target_pool)
        return [
            Priced(request, piece_quantity, cost)
            for part in parts
            for piece_quantity, cost in priced_pieces(part.quantity, part.value)
        ]

    def revaluations(self, price_variance: Callable[[], int], make_request: type) -> list[Priced]:
        """Value-only move pairs bringing each position of a changed warehouse to its unit cost."""
        moves: list[Priced] = []
        for pool in sorted(self.to_revalue):
            positions = self._pool_positions(pool)
            holding = [(key, held) for key, held in positions if held[0] > 0]
            if not holding:
                continue
            if self.items[pool[0]].method is CostingMethod.FIFO:
                total = sum((layer.value for layer in self.layers[pool]), ZERO)
            else:
                total = sum((held[1] for _, held in positions), ZERO)
            targets = dict(zip((key for key, _ in holding), spread(total, [held[0] for _, held in holding]), strict=True))
            for key, held in positions:
                delta = targets.get(key, ZERO) - held[1]
                if delta == 0:
                    continue
                held[1] += delta
                item_id, location_id, lot_id, container_id = key
                variance = price_variance()
                pair = (
                    ((variance, location_id), abs(delta)), ((location_id, variance), ZERO),
                ) if delta > 0 else (
                    ((location_id, variance), abs(delta)), ((variance, location_id), ZERO),
                )
                for (source, target), cost in pair:
                    request = make_request(
                        item_id, source, target, REVALUATION_QUANTITY, lot_id=lot_id or None,
                        container_id=container_id or None, unit_cost=cost, reason=MoveReason.COST_REVALUATION,
                    )
                    moves.append(Priced(request, REVALUATION_QUANTITY, cost))
        return moves

    def save_layers(self) -> None:
        for item_id, warehouse_id in sorted(self.changed_layers):
            self.conn.execute(delete(LAYERS).where(LAYERS.c.item_id == item_id, LAYERS.c.warehouse_id == warehouse_id))
            rows = [
                {"item_id": item_id, "warehouse_id": warehouse_id, "quantity": layer.quantity, "value": layer.value}
                for layer in self.layers[(item_id, warehouse_id)] if layer.quantity > 0
            ]
            if rows:
                self.conn.execute(insert(LAYERS), rows)


def price_moves(
    conn: Connection,
    requests: Sequence,
    checked: Sequence[tuple[Decimal, Decimal | None]],
    items: dict[int, ItemCost],
    places: dict[int, Place],
    price_variance_id: int | None = None,
) -> list[Priced]:
    """The moves to post for a batch of validated requests, each with its unit cost: a request
    may become two moves (price variance, or a value no single unit cost gives), and AVCO/FIFO
    revaluations follow the batch. The Price Variance location is read when needed unless the
    caller read it already."""
    variance_id: list[int] = [] if price_variance_id is None else [price_variance_id]

    def price_variance() -> int:
        if not variance_id:
            variance_id.append(_price_variance_location(conn))
        return variance_id[0]

    tracked = {r.item_id: items[r.item_id] for r in requests if items[r.item_id].method is not CostingMethod.STANDARD}
    book = _Book(conn, tracked, places) if tracked else None
    priced: list[Priced] = []
    for request, (quantity, asked) in zip(requests, checked, strict=True):
        item = items[request.item_id]
        if item.method is CostingMethod.STANDARD:
            priced += _standard(request, quantity, asked, item, places[request.from_location_id],
                                places[request.to_location_id], price_variance)
        else:
            priced += book.price(request, quantity, asked)
    if book is not None:
        priced += book.revaluations(price_variance, type(requests[0]))
        book.save_layers()
    return priced
