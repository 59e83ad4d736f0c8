"""The inventory desk: stock by item, location or lot, an item's moves, the valuation report,
transfers, kits, pick-face refills, count differences to decide, and scrap."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Engine, case, func, or_, type_coerce
from sqlmodel import Session, select

from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.inbound import OPEN_PURCHASE_STATES
from wms_tui.domain.locations import LocationKind
from wms_tui.domain.outbound import OPEN_ORDER_STATES
from wms_tui.domain.quantities import ZERO, display
from wms_tui.domain.reasons import MoveReason
from wms_tui.domain.states import PENDING_TASK_STATES, CountLineState, ReorderRuleKind, TaskKind
from wms_tui.services.inbound import counting, kits, replenishment, transfers
from wms_tui.store import finders, queries
from wms_tui.store.ledger import PostingContext
from wms_tui.store.models import (
    NO_LOT,
    BomLine,
    CountLine,
    CountSession,
    Item,
    Location,
    Lot,
    PurchaseOrder,
    PurchaseOrderLine,
    ReorderRule,
    Reservation,
    SalesOrder,
    SalesOrderLine,
    StockBalance,
    StockMove,
    Task,
    Transfer,
    TransferLine,
    Warehouse,
)
from wms_tui.store.session import reading, transaction
from wms_tui.store.types import Quantity

STOCK_KINDS = (LocationKind.INTERNAL, LocationKind.TRANSIT)


class StockGrouping(StrEnum):
    ITEM = "item"  # per item and warehouse: every quantity
    LOCATION = "location"  # per bin (and transit location), item and lot
    LOT = "lot"  # per lot and warehouse


@dataclass(frozen=True)
class StockLine:
    """One row of the stock table. Quantities that do not apply to the grouping are None
    (on order and back ordered belong to a warehouse, not to a bin or a lot)."""

    sku: str
    name: str
    warehouse: str
    location: str
    lot: str
    expiry: date | None
    on_hand: Decimal
    committed: Decimal
    on_order: Decimal | None
    back_ordered: Decimal | None
    in_transit: Decimal | None

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.committed


def _matching(query, search: str, *columns):
    text = search.strip()
    if not text:
        return query
    pattern = f"%{text}%"
    return query.where(or_(*(column.ilike(pattern) for column in columns)))


def _by_item(session: Session, search: str, warehouse_id: int | None, limit: int) -> list[StockLine]:
    items = {
        row.id: row
        for row in session.execute(_matching(select(Item.id, Item.sku, Item.name).where(Item.is_stock), search, Item.sku, Item.name))
    }
    quantities: dict[tuple[int, int], dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))

    def add(item_id: int, wh_id: int, name: str, total) -> None:
        if item_id in items and (warehouse_id is None or wh_id == warehouse_id):
            quantities[(item_id, wh_id)][name] += Decimal(total)

    for item_id, wh_id, kind, total in session.execute(
        select(StockBalance.item_id, Location.warehouse_id, Location.kind, func.sum(StockBalance.quantity))
        .join(Location, Location.id == StockBalance.location_id)
        .where(Location.kind.in_(STOCK_KINDS))
        .group_by(StockBalance.item_id, Location.warehouse_id, Location.kind)
    ):
        add(item_id, wh_id, "in_transit" if kind == LocationKind.TRANSIT else "on_hand", total)
    for item_id, wh_id, committed, back_ordered in session.execute(
        select(SalesOrderLine.item_id, SalesOrder.warehouse_id,
               func.sum(SalesOrderLine.committed_quantity), func.sum(SalesOrderLine.backordered_quantity))
        .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
        .where(SalesOrder.state.in_(OPEN_ORDER_STATES))
        .group_by(SalesOrderLine.item_id, SalesOrder.warehouse_id)
    ):
        add(item_id, wh_id, "committed", committed)
        add(item_id, wh_id, "back_ordered", back_ordered)
    # An over-received line is not negative on order (as queries.warehouse_quantities).
    still_expected = case((PurchaseOrderLine.quantity > PurchaseOrderLine.received_quantity,
                           PurchaseOrderLine.quantity - PurchaseOrderLine.received_quantity), else_=0)
    for item_id, wh_id, total in session.execute(
        select(PurchaseOrderLine.item_id, PurchaseOrder.warehouse_id, type_coerce(func.sum(still_expected), Quantity()))
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(PurchaseOrder.state.in_(OPEN_PURCHASE_STATES))
        .group_by(PurchaseOrderLine.item_id, PurchaseOrder.warehouse_id)
    ):
        add(item_id, wh_id, "on_order", total)
    warehouses = dict(session.execute(select(Warehouse.id, Warehouse.code)).all())
    rows = [
        StockLine(items[item_id].sku, items[item_id].name, warehouses[wh_id], "", "", None, q["on_hand"], q["committed"],
                  q["on_order"], q["back_ordered"], q["in_transit"])
        for (item_id, wh_id), q in quantities.items()
        if any(q.values())
    ]
    return sorted(rows, key=lambda row: (row.sku, row.warehouse))[:limit]


def _reserved(session: Session, item_ids: list[int]) -> dict[tuple[int, int, int], Decimal]:
    """Reserved per (item, location, lot key): committed stock sitting there."""
    lot_key = func.coalesce(Reservation.lot_id, queries.NO_LOT_SQL)
    return {
        (item_id, location_id, lot): Decimal(total)
        for item_id, location_id, lot, total in session.execute(
            select(Reservation.item_id, Reservation.location_id, lot_key, func.sum(Reservation.quantity))
            .where(Reservation.item_id.in_(item_ids))
            .group_by(Reservation.item_id, Reservation.location_id, lot_key)
        )
    }


def _by_location(session: Session, search: str, warehouse_id: int | None, limit: int, *, per_lot: bool) -> list[StockLine]:
    kinds = (LocationKind.INTERNAL,) if per_lot else STOCK_KINDS
    keys = [StockBalance.item_id, Item.sku, Item.name, Warehouse.code, StockBalance.lot_id, Lot.code, Lot.expiry_date]
    if not per_lot:
        keys += [StockBalance.location_id, Location.code, Location.kind, Location.pick_sequence]
    shown = [StockBalance.item_id, Item.sku, Item.name, Warehouse.code.label("warehouse"), StockBalance.lot_id,
             Lot.code.label("lot"), Lot.expiry_date]
    if not per_lot:
        shown += [StockBalance.location_id, Location.code.label("location"), Location.kind]
    query = (
        select(*shown, func.sum(StockBalance.quantity).label("on_hand"))
        .join(Item, Item.id == StockBalance.item_id)
        .join(Location, Location.id == StockBalance.location_id)
        .join(Warehouse, Warehouse.id == Location.warehouse_id)
        .outerjoin(Lot, Lot.id == StockBalance.lot_id)
        .where(Location.kind.in_(kinds))
        .group_by(*keys)
        .having(func.sum(StockBalance.quantity) != 0)
        .order_by(Item.sku, Warehouse.code, Lot.expiry_date, Lot.code, *([] if per_lot else [Location.pick_sequence, Location.code]))
        .limit(limit)
    )
    if per_lot:
        query = query.where(StockBalance.lot_id != NO_LOT)
    if warehouse_id is not None:
        query = query.where(Location.warehouse_id == warehouse_id)
    query = _matching(query, search, Item.sku, Item.name, Lot.code, *([] if per_lot else [Location.code]))
    rows = session.execute(query).all()
    reserved = _reserved(session, sorted({row.item_id for row in rows}))
    if per_lot:  # a lot's reservations anywhere in its warehouse
        warehouse_of = dict(session.execute(
            select(Location.id, Warehouse.code).join(Warehouse, Warehouse.id == Location.warehouse_id)).all())
        lot_reserved: dict[tuple[int, str, int], Decimal] = defaultdict(lambda: ZERO)
        for (item_id, location_id, lot), total in reserved.items():
            lot_reserved[(item_id, warehouse_of.get(location_id, ""), lot)] += total
    lines = []
    for row in rows:
        on_hand, in_transit, location = Decimal(row.on_hand), None, ""
        if per_lot:
            committed = lot_reserved[(row.item_id, row.warehouse, row.lot_id)]
        else:
            committed = reserved.get((row.item_id, row.location_id, row.lot_id), ZERO)
            location = row.location
            if row.kind == LocationKind.TRANSIT:
                on_hand, in_transit = ZERO, on_hand
        lines.append(StockLine(row.sku, row.name, row.warehouse, location, row.lot or "", row.expiry_date, on_hand, committed,
                               None, None, in_transit))
    return lines


def stock(engine: Engine, *, by: StockGrouping = StockGrouping.ITEM, search: str = "", warehouse: str = "",
          limit: int = 500) -> list[StockLine]:
    """Stock whose SKU, name (and lot or bin code, by lot or location) contains `search`,
    in one warehouse when `warehouse` is given."""
    with reading(engine) as session:
        warehouse_id = finders.warehouse_by_code(session, warehouse).id if warehouse.strip() else None
        if StockGrouping(by) is StockGrouping.ITEM:
            return _by_item(session, search, warehouse_id, limit)
        return _by_location(session, search, warehouse_id, limit, per_lot=by == StockGrouping.LOT)


@dataclass(frozen=True)
class HistoryMove:
    at: datetime
    operator: str
    terminal: str
    document: str
    reason: str  # the MoveReason's code; a person's own words from before reasons were codes, quoted
    source: str
    target: str
    quantity: Decimal
    lot: str
    reverses: bool  # a correction or re-open taking an earlier move back


@dataclass(frozen=True)
class ItemHistory:
    sku: str
    name: str
    moves: list[HistoryMove]


def shown_reason(text: str | None) -> str:
    reason = MoveReason.parse(text)
    if reason is not None:
        return reason.value
    return f"“{text}”" if text else ""


def item_history(engine: Engine, sku: str, *, limit: int = 300) -> ItemHistory:
    """The item's newest moves from the ledger: who, when, which document, why, from where to where."""
    with reading(engine) as session:
        item = finders.item_by_sku(session, sku)
        codes = dict(session.execute(select(Location.id, Location.code)).all())
        lots = dict(session.execute(select(Lot.id, Lot.code).where(Lot.item_id == item.id)).all())
        moves = [
            HistoryMove(move.created_at, move.operator, move.terminal_id, move.document_ref or "", shown_reason(move.reason),
                        codes[move.from_location_id], codes[move.to_location_id], move.quantity,
                        lots.get(move.lot_id, "") if move.lot_id else "", move.reverses_id is not None)
            for move in session.execute(
                select(StockMove).where(StockMove.item_id == item.id)
                .order_by(StockMove.created_at.desc(), StockMove.sequence.desc()).limit(limit)
            ).scalars()
        ]
        return ItemHistory(item.sku, item.name, moves)


def valuation(engine: Engine) -> queries.Valuation:
    with reading(engine) as session:
        return queries.valuation(session.connection())


@dataclass(frozen=True)
class TransferRow:
    number: str
    state: str
    source: str
    destination: str
    created_at: datetime
    lines: int
    quantity: Decimal
    received: Decimal
    items: str


def transfer_list(engine: Engine, *, limit: int = 200) -> list[TransferRow]:
    with reading(engine) as session:
        warehouses = dict(session.execute(select(Warehouse.id, Warehouse.code)).all())
        found = session.execute(select(Transfer).order_by(Transfer.created_at.desc(), Transfer.id.desc()).limit(limit)).scalars().all()
        lines: dict[int, list] = defaultdict(list)
        for line, sku in session.execute(
            select(TransferLine, Item.sku).join(Item, Item.id == TransferLine.item_id)
            .where(TransferLine.transfer_id.in_([t.id for t in found])).order_by(TransferLine.id)
        ):
            lines[line.transfer_id].append((line, sku))
        return [
            TransferRow(t.number, t.state, warehouses[t.from_warehouse_id], warehouses[t.to_warehouse_id], t.created_at,
                        len(lines[t.id]), sum((line.quantity for line, _ in lines[t.id]), ZERO),
                        sum((line.received_quantity for line, _ in lines[t.id]), ZERO),
                        ", ".join(f"{sku} x{display(line.quantity)}" for line, sku in lines[t.id]))
            for t in found
        ]


@dataclass(frozen=True)
class KitRow:
    sku: str
    name: str
    components: str  # "SKU-1 x2, SKU-2 x1"


def kit_list(engine: Engine) -> list[KitRow]:
    with reading(engine) as session:
        components: dict[int, list[str]] = defaultdict(list)
        for kit_id, sku, per_kit in session.execute(
            select(BomLine.kit_item_id, Item.sku, BomLine.quantity)
            .join(Item, Item.id == BomLine.component_item_id).order_by(BomLine.kit_item_id, BomLine.id)
        ):
            components[kit_id].append(f"{sku} x{display(per_kit)}")
        kits_found = session.execute(select(Item.id, Item.sku, Item.name).where(Item.id.in_(list(components))).order_by(Item.sku))
        return [KitRow(sku, name, ", ".join(components[kit_id])) for kit_id, sku, name in kits_found]


@dataclass(frozen=True)
class CountDifference:
    """A first count over its session's threshold, waiting for a recount or a supervisor."""

    line_id: int
    count: str
    location: str
    sku: str
    lot: str
    expected: Decimal  # what the ledger holds there now
    first_count: Decimal
    threshold: Decimal
    counted_by: str

    @property
    def difference(self) -> Decimal:
        return self.first_count - self.expected


def count_differences(engine: Engine) -> list[CountDifference]:
    with reading(engine) as session:
        rows = session.execute(
            select(CountLine, CountSession.number, CountSession.recount_threshold, Location.code, Item.sku, Lot.code.label("lot"))
            .join(CountSession, CountSession.id == CountLine.session_id)
            .join(Location, Location.id == CountLine.location_id)
            .join(Item, Item.id == CountLine.item_id)
            .outerjoin(Lot, Lot.id == CountLine.lot_id)
            .where(CountLine.state == CountLineState.RECOUNT)
            .order_by(CountSession.number, Location.code, Item.sku)
        ).all()
        return [
            CountDifference(line.id, number, code, sku, lot or "", counting.on_hand(session, line.item_id, line.location_id, line.lot_id),
                            line.first_count, threshold, line.counted_by or "")
            for line, number, threshold, code, sku, lot in rows
        ]


@dataclass(frozen=True)
class PickFace:
    sku: str
    location: str
    minimum: Decimal
    maximum: Decimal
    at_face: Decimal
    queued: Decimal  # refills not done yet

    @property
    def below_minimum(self) -> bool:
        return self.at_face + self.queued < self.minimum


def pick_faces(engine: Engine, warehouse: str) -> list[PickFace]:
    """The warehouse's pick faces with what they hold and what refills are queued for them."""
    with reading(engine) as session:
        wh = finders.warehouse_by_code(session, warehouse)
        rules = session.execute(
            select(ReorderRule, Item.sku, Location.code)
            .join(Item, Item.id == ReorderRule.item_id)
            .join(Location, Location.id == ReorderRule.location_id)
            .where(ReorderRule.kind == ReorderRuleKind.PICK_FACE, Location.warehouse_id == wh.id)
            .order_by(Location.pick_sequence, Location.code)
        ).all()
        faces = []
        for rule, sku, code in rules:
            at_face = queries.on_hand_at(session.connection(), rule.item_id, rule.location_id)
            queued = session.execute(
                select(func.coalesce(func.sum(type_coerce(Task.quantity - Task.done_quantity, Quantity())), 0)).where(
                    Task.kind == TaskKind.REPLENISH, Task.target_location_id == rule.location_id, Task.item_id == rule.item_id,
                    Task.state.in_(PENDING_TASK_STATES),
                )
            ).scalar_one()
            faces.append(PickFace(sku, code, rule.min_quantity, rule.max_quantity, at_face, Decimal(queued)))
        return faces


# -- actions -------------------------------------------------------------------------------------


def new_transfer(engine: Engine, source: str, destination: str, line: transfers.TransferLineInput) -> str:
    with transaction(engine) as session:
        view = transfers.create_transfer(session, source, destination, [line])
    return f"transfer {view.number} drafted: {display(view.lines[0][1])} {view.lines[0][0]} from {view.from_warehouse} to {view.to_warehouse}"


def ship_transfer(engine: Engine, context: PostingContext, number: str) -> str:
    with transaction(engine) as session:
        view = transfers.ship_transfer(session, context, number)
    return f"transfer {view.number} shipped: in transit to {view.to_warehouse}"


def receive_transfer(engine: Engine, context: PostingContext, number: str) -> str:
    with transaction(engine) as session:
        view = transfers.receive_transfer(session, context, number)
    return f"transfer {view.number} received in {view.to_warehouse}"


def build_kits(engine: Engine, context: PostingContext, sku: str, quantity: str, location: str, lot: str = "") -> str:
    with transaction(engine) as session:
        result = kits.build_kits(session, context, sku, quantity, location, lot_code=lot.strip() or None)
    return f"built {display(result.quantity)} {result.kit_sku} at {location.strip().upper()} (unit cost {result.unit_cost:,.2f})"


def unbuild_kits(engine: Engine, context: PostingContext, sku: str, quantity: str, location: str) -> str:
    with transaction(engine) as session:
        result = kits.unbuild_kits(session, context, sku, quantity, location)
    return f"took {display(result.quantity)} {result.kit_sku} apart at {location.strip().upper()}"


def plan_refills(engine: Engine, warehouse: str) -> str:
    with transaction(engine) as session:
        refills = replenishment.plan_pick_face_refills(session, warehouse)
        if not refills:
            raise InvalidInput(f"no pick face in {warehouse} is below its minimum (or none can be refilled from reserve)")
    return f"{len(refills)} refill task(s): " + ", ".join(f"{r.sku} {display(r.quantity)} {r.from_code} -> {r.to_code}" for r in refills[:4]) + (
        " ..." if len(refills) > 4 else "")


def scrap(engine: Engine, context: PostingContext, sku: str, location: str, quantity: str, reason: str, lot: str = "") -> str:
    with transaction(engine) as session:
        amount = counting.scrap(session, context, sku, location, quantity, reason, lot_code=lot.strip() or None)
    return f"scrapped {display(amount)} {sku.strip().upper()} from {location.strip().upper()}: {reason.strip()}"
