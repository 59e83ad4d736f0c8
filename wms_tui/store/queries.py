"""Stock quantities and valuation, read from the balances kept by the ledger.

Definitions (DESIGN.md): on hand = stock in internal locations; committed = promised to
confirmed orders; back ordered = promised but not coverable; available = what a new order could
commit now (domain.availability: sellable on hand, less committed, less back ordered); on order =
open purchase lines not yet received; in transit = stock in the warehouse's transit location on
its way in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)

from wms_tui.domain import availability
from wms_tui.domain.inbound import OPEN_PURCHASE_STATES
from wms_tui.domain.locations import VALUATION_GROUP, VALUATION_LABEL, LocationKind, ValuationGroup
from wms_tui.domain.outbound import OPEN_ORDER_STATES
from wms_tui.domain.quantities import ZERO
from wms_tui.store.driver import DriverRead
from wms_tui.store.models import (
    NO_LOT,
    Location,
    Lot,
    PurchaseOrder,
    PurchaseOrderLine,
    Reservation,
    SalesOrder,
    SalesOrderLine,
    StockBalance,
    Warehouse,
)
from wms_tui.store.types import Quantity

# A literal, not a bound parameter: PostgreSQL must see the same expression in SELECT and GROUP BY.
NO_LOT_SQL = literal_column("0")
CHUNK = 5000


@dataclass(frozen=True)
class ItemQuantities:
    on_hand: Decimal
    committed: Decimal
    available: Decimal
    back_ordered: Decimal
    on_order: Decimal
    in_transit: Decimal


# Why Core statements built once with bind parameters: these run on every scan, and
# constructing a SELECT costs far more than SQLite takes to answer it. The one-row reads of a
# scan go to the driver itself (store.driver.DriverRead): executing even a built statement
# through SQLAlchemy costs several times SQLite's answer.
_ON_HAND_AT = DriverRead(select(func.coalesce(func.sum(StockBalance.quantity), 0)).where(
    StockBalance.item_id == bindparam("item_id"), StockBalance.location_id == bindparam("location_id")
))


def on_hand_at(conn: Connection, item_id: int, location_id: int) -> Decimal:
    """On hand of one item in one location, all lots and containers: a primary-key range read."""
    return _ON_HAND_AT.one(conn, {"item_id": item_id, "location_id": location_id})[0]


def committed_at(conn: Connection, item_id: int, location_id: int) -> Decimal:
    total = conn.execute(
        select(func.coalesce(func.sum(Reservation.quantity), 0)).where(
            Reservation.item_id == item_id, Reservation.location_id == location_id
        )
    ).scalar_one()
    return Decimal(total)


# --- available: the one definition (domain.availability) in SQL ------------------------------------


_WAREHOUSE_CODE = select(Warehouse.code).where(Warehouse.id == bindparam("warehouse_id")).scalar_subquery()


def _unsellable_locations():
    """Locations of a warehouse whose goods cannot be sold: its QC and Returns zones (found by
    their unique codes) and every location below them in the tree, the SQL form of
    domain.availability.is_sellable. Both steps are index reads, whatever the collation; one
    read per zone (an OR of the two codes made SQLite build an IN-list on every read)."""
    first, *others = (
        select(Location.id).where(Location.code == _WAREHOUSE_CODE + literal(f"/{zone}"))
        for zone in sorted(availability.UNSELLABLE_ZONES)
    )
    zones = first.cte("unsellable", recursive=True)
    return zones.union_all(*others, select(Location.id).join(zones, Location.parent_id == zones.c.id))


_UNSELLABLE = _unsellable_locations()
_UNSELLABLE_LOCATIONS = select(_UNSELLABLE.c.id).scalar_subquery()
_EXPIRED_LOTS = select(Lot.id).where(Lot.expiry_date < bindparam("today")).scalar_subquery()


def _held_back(*item_filter):
    """(item id, quantity) of the balances on hand in the warehouse that cannot be sold: in its
    unsellable locations (read through the balances' location index) or in expired lots (read
    from the lots). Few rows, so many items' sellable stock is read as on hand less these."""
    in_unsellable = select(StockBalance.item_id, StockBalance.quantity).where(
        StockBalance.location_id.in_(_UNSELLABLE_LOCATIONS), *item_filter
    )
    expired = (
        select(StockBalance.item_id, StockBalance.quantity)
        .select_from(Lot)
        .join(StockBalance, and_(StockBalance.item_id == Lot.item_id, StockBalance.lot_id == Lot.id))
        .join(Location, Location.id == StockBalance.location_id)
        .where(
            Lot.id.in_(_EXPIRED_LOTS),
            Location.warehouse_id == bindparam("warehouse_id"),
            Location.kind == LocationKind.INTERNAL,
            StockBalance.location_id.not_in(_UNSELLABLE_LOCATIONS),
            *item_filter,
        )
    )
    return union_all(in_unsellable, expired).subquery()


def _on_hand_sum(*item_filter):
    return (
        select(StockBalance.item_id, func.sum(StockBalance.quantity))
        .join(Location, Location.id == StockBalance.location_id)
        .where(Location.warehouse_id == bindparam("warehouse_id"), Location.kind == LocationKind.INTERNAL, *item_filter)
        .group_by(StockBalance.item_id)
    )


def _held_back_sum(*item_filter):
    held = _held_back(*item_filter)
    return select(held.c.item_id, func.sum(held.c.quantity)).group_by(held.c.item_id)


def _promised_sum(*item_filter):
    return (
        select(SalesOrderLine.item_id, func.sum(SalesOrderLine.committed_quantity), func.sum(SalesOrderLine.backordered_quantity))
        .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
        .where(SalesOrder.warehouse_id == bindparam("warehouse_id"), SalesOrder.state.in_(OPEN_ORDER_STATES), *item_filter)
        .group_by(SalesOrderLine.item_id)
    )


# One item: its sellable stock beside one aggregate over its open order lines (one row even when
# there are none), in one round trip run by the driver. Sellable: the item's balances in the
# warehouse's internal locations, in lots not expired, less those of them in the unsellable
# locations, each of which is one key read of the item's balances (no location is below both
# zones: a code is its parent's code and a name, so W/QC and W/RETURNS both hang under W). (Testing every balance
# against the two sets cost more than the rest of the read: SQLite built both sets per read and
# searched them per balance, and the expired lots were read whole.)
_NOT_EXPIRED = or_(
    StockBalance.lot_id == NO_LOT,  # names no lot: nothing to look up
    ~exists().where(Lot.id == StockBalance.lot_id, Lot.expiry_date < bindparam("today")),
)
_IN_WAREHOUSE_STOCK = (
    Location.warehouse_id == bindparam("warehouse_id"), Location.kind == LocationKind.INTERNAL, _NOT_EXPIRED
)
_ONE_ITEM_IN_STOCK = (
    select(func.coalesce(func.sum(StockBalance.quantity), 0))
    .join(Location, Location.id == StockBalance.location_id)
    .where(StockBalance.item_id == bindparam("item_id"), *_IN_WAREHOUSE_STOCK)
    .scalar_subquery()
)
_ONE_ITEM_UNSELLABLE = (
    select(func.coalesce(func.sum(StockBalance.quantity), 0))
    .select_from(_UNSELLABLE)
    .join(StockBalance, and_(StockBalance.item_id == bindparam("item_id"), StockBalance.location_id == _UNSELLABLE.c.id))
    .join(Location, Location.id == StockBalance.location_id)
    .where(*_IN_WAREHOUSE_STOCK)
    .scalar_subquery()
)
_ONE_ITEM = DriverRead(
    select(
        type_coerce(_ONE_ITEM_IN_STOCK - _ONE_ITEM_UNSELLABLE, Quantity()),
        type_coerce(func.coalesce(func.sum(SalesOrderLine.committed_quantity), 0), Quantity()),
        type_coerce(func.coalesce(func.sum(SalesOrderLine.backordered_quantity), 0), Quantity()),
    )
    .select_from(SalesOrderLine)
    .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
    .where(
        SalesOrderLine.item_id == bindparam("item_id"),
        SalesOrder.warehouse_id == bindparam("warehouse_id"),
        # Comparisons, not IN: an IN list is an expanding parameter, its SQL rendered at each
        # execution, not once.
        or_(*(SalesOrder.state == state for state in OPEN_ORDER_STATES)),
    )
)
_ITEMS = bindparam("item_ids", expanding=True)
# Several items: three reads (more than CHUNK items are read as the whole warehouse at once,
# cheaper than long IN-lists).
_READS_OF_ITEMS = (
    _on_hand_sum(StockBalance.item_id.in_(_ITEMS)),
    _held_back_sum(StockBalance.item_id.in_(_ITEMS)),
    _promised_sum(SalesOrderLine.item_id.in_(_ITEMS)),
)
_READS_OF_WAREHOUSE = (_on_hand_sum(), _held_back_sum(), _promised_sum())


class Availability(NamedTuple):
    """One item in one warehouse: what is there, what may be sold, and what is promised. (A
    named tuple: thousands are made at once when a morning's orders are confirmed.)"""

    on_hand: Decimal
    sellable: Decimal  # on hand outside QC and Returns, in lots not expired
    committed: Decimal
    back_ordered: Decimal

    @property
    def available(self) -> Decimal:
        return availability.available(self.sellable, self.committed, self.back_ordered)

    @property
    def uncommitted(self) -> Decimal:
        """Sellable stock no confirmed order has committed: what waiting back orders may take."""
        return self.sellable - self.committed


def available_in_warehouse(conn: Connection, item_id: int, warehouse_id: int, today: date | None = None) -> Decimal:
    """Available (domain.availability) in one round trip: this runs on every scan that checks stock."""
    sellable, committed, back_ordered = _ONE_ITEM.one(
        conn, {"item_id": item_id, "warehouse_id": warehouse_id, "today": today or date.today()}
    )
    return availability.available(sellable, committed, back_ordered)


def availability_by_item(conn: Connection, warehouse_id: int, item_ids: Iterable[int], today: date) -> dict[int, Availability]:
    """Availability of each item in the warehouse."""
    ids = sorted(set(item_ids))
    if not ids:
        return {}
    params = {"warehouse_id": warehouse_id, "today": today}
    on_hand_read, held_back_read, promised_read = _READS_OF_ITEMS if len(ids) <= CHUNK else _READS_OF_WAREHOUSE
    if len(ids) <= CHUNK:
        params["item_ids"] = ids
    # Sums of quantity columns come back as Decimal; a group always has a sum.
    on_hand = dict(conn.execute(on_hand_read, params).all())
    held_back = dict(conn.execute(held_back_read, params).all())
    promised = {item_id: (committed, waiting) for item_id, committed, waiting in conn.execute(promised_read, params)}
    nothing = (ZERO, ZERO)
    figures = {}
    for item_id in ids:
        stock = on_hand.get(item_id, ZERO)
        held = held_back.get(item_id)
        figures[item_id] = Availability(stock, stock if held is None else stock - held, *promised.get(item_id, nothing))
    return figures


def _warehouse_sum(conn: Connection, item_id: int, warehouse_id: int, kind: LocationKind) -> Decimal:
    total = conn.execute(
        select(func.coalesce(func.sum(StockBalance.quantity), 0))
        .join(Location, Location.id == StockBalance.location_id)
        .where(StockBalance.item_id == item_id, Location.warehouse_id == warehouse_id, Location.kind == kind)
    ).scalar_one()
    return Decimal(total)


def warehouse_quantities(conn: Connection, item_id: int, warehouse_id: int, today: date | None = None) -> ItemQuantities:
    figures = availability_by_item(conn, warehouse_id, [item_id], today or date.today())[item_id]
    on_order = Decimal(
        conn.execute(
            # Arithmetic on scaled columns loses their type: coerce back so it reads as a quantity.
            # An over-received line is not negative on order; it is simply no longer on order.
            select(type_coerce(func.coalesce(func.sum(case(
                (PurchaseOrderLine.quantity > PurchaseOrderLine.received_quantity,
                 PurchaseOrderLine.quantity - PurchaseOrderLine.received_quantity),
                else_=0,
            )), 0), Quantity()))
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
            .where(
                PurchaseOrderLine.item_id == item_id,
                PurchaseOrder.warehouse_id == warehouse_id,
                PurchaseOrder.state.in_(OPEN_PURCHASE_STATES),
            )
        ).scalar_one()
    )
    return ItemQuantities(
        on_hand=figures.on_hand,
        committed=figures.committed,
        available=figures.available,
        back_ordered=figures.back_ordered,
        on_order=on_order,
        in_transit=_warehouse_sum(conn, item_id, warehouse_id, LocationKind.TRANSIT),
    )


@dataclass(frozen=True)
class StockRow:
    location_code: str
    location_kind: LocationKind
    lot_code: str | None
    expiry: object
    on_hand: Decimal
    committed: Decimal
    sellable: bool  # domain.availability: not in QC or Returns, lot not expired

    @property
    def available(self) -> Decimal:
        return max(self.on_hand - self.committed, ZERO) if self.sellable else ZERO


def stock_by_location(conn: Connection, item_id: int, *, internal_only: bool = True, today: date | None = None) -> list[StockRow]:
    """Non-zero balances of an item per location and lot, with what is reserved there."""
    today = today or date.today()
    reserved = (
        select(
            Reservation.location_id,
            func.coalesce(Reservation.lot_id, NO_LOT_SQL).label("lot_key"),
            func.sum(Reservation.quantity).label("reserved"),
        )
        .where(Reservation.item_id == item_id)
        .group_by(Reservation.location_id, func.coalesce(Reservation.lot_id, NO_LOT_SQL))
        .subquery()
    )
    query = (
        select(
            Location.code,
            Location.kind,
            Lot.code.label("lot_code"),
            Lot.expiry_date,
            func.sum(StockBalance.quantity).label("on_hand"),
            func.max(func.coalesce(reserved.c.reserved, 0)).label("reserved"),
        )
        .join(Location, Location.id == StockBalance.location_id)
        .outerjoin(Lot, Lot.id == StockBalance.lot_id)
        .outerjoin(
            reserved,
            and_(reserved.c.location_id == StockBalance.location_id, reserved.c.lot_key == StockBalance.lot_id),
        )
        .where(StockBalance.item_id == item_id)
        .group_by(Location.code, Location.kind, Location.pick_sequence, Lot.code, Lot.expiry_date)
        .having(func.sum(StockBalance.quantity) != 0)
        .order_by(Location.pick_sequence, Location.code, Lot.expiry_date, Lot.code)
    )
    if internal_only:
        query = query.where(Location.kind == LocationKind.INTERNAL)
    return [
        StockRow(
            row.code, LocationKind(row.kind), row.lot_code, row.expiry_date, Decimal(row.on_hand), Decimal(row.reserved),
            availability.is_sellable(row.kind, row.code) and not availability.is_expired(row.expiry_date, today),
        )
        for row in conn.execute(query)
    ]


@dataclass(frozen=True)
class ValuationLine:
    group: ValuationGroup
    name: str
    value: Decimal


@dataclass(frozen=True)
class Valuation:
    groups: dict[ValuationGroup, Decimal]
    lines: list[ValuationLine]

    @property
    def total(self) -> Decimal:
        return sum(self.groups.values(), ZERO)


def valuation(conn: Connection) -> Valuation:
    """Value per location, as the reference's location-value table: internal stock summed per
    warehouse, partner and virtual locations each on their own line, with group subtotals."""
    per_location = conn.execute(
        select(
            Location.kind,
            Location.name,
            Warehouse.name.label("warehouse"),
            func.coalesce(func.sum(StockBalance.value), 0).label("value"),
        )
        .select_from(Location)
        .outerjoin(StockBalance, StockBalance.location_id == Location.id)
        .outerjoin(Warehouse, Warehouse.id == Location.warehouse_id)
        .where(Location.kind != LocationKind.VIEW)
        .group_by(Location.kind, Location.name, Warehouse.name)
    )
    totals: dict[tuple[ValuationGroup, str], Decimal] = {}
    for row in per_location:
        kind = LocationKind(row.kind)
        group = VALUATION_GROUP[kind]
        name = VALUATION_LABEL.get(kind) or row.warehouse or row.name
        totals[(group, name)] = totals.get((group, name), ZERO) + Decimal(row.value)
    order = list(ValuationGroup)
    lines = [
        ValuationLine(group, name, value)
        for (group, name), value in sorted(totals.items(), key=lambda entry: (order.index(entry[0][0]), entry[0][1]))
    ]
    groups = {group: sum((line.value for line in lines if line.group is group), ZERO) for group in order}
    return Valuation(groups, lines)


def item_balance_totals(conn: Connection) -> dict[int, Decimal]:
    """Sum of balances over all locations per item: zero for every item, by double entry."""
    rows = conn.execute(select(StockBalance.item_id, func.sum(StockBalance.quantity)).group_by(StockBalance.item_id))
    return {item_id: Decimal(total) for item_id, total in rows}

