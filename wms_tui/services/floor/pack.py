"""Pack: scan the order (or its tote) -> choose a container -> scan items (lot) -> quantity ->
F2 close -> weight -> the container label prints; the next container, until everything picked
is packed and the packing slip prints. A pallet takes closed boxes of the order instead of
loose units. F3 prints the packing slip of the order at any time.

Each quantity is posted at once (Pack -> Output in a 3-step warehouse); opening and closing a
container are posted too, so undo only steps back over scans not yet posted.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.flows import Action, Expect, Flow, FlowState, Step
from wms_tui.domain.items import Tracking
from wms_tui.domain.outbound import OrderState
from wms_tui.domain.quantities import display
from wms_tui.services.floor.common import item_of_scan
from wms_tui.services.floor.printing import CONTAINER, PACKING_SLIP, left_to_pack
from wms_tui.services.floor.scans import ParsedScan, decimal_number, whole_number
from wms_tui.services.floor.terminal import (
    UNDO,
    FloorContext,
    FlowHandler,
    PrintRequest,
    Reply,
    register,
)
from wms_tui.services.outbound import packing
from wms_tui.services.outbound.common import order_lines
from wms_tui.store.models import (
    Container,
    ContainerLine,
    Lot,
    SalesOrder,
    ShippingContainer,
    StockMove,
    Task,
)

KINDS = packing.CONTAINER_KINDS  # box, pallet, tote: the choice numbers follow this order
MAX_WEIGHT_KG = Decimal(2000)
SHOWN_LINES = 8
CHOICES = ("1 box 2 pallet", "3 tote")

PACK = Flow(
    "pack",
    "Pack",
    (
        Step("order", Expect.TOTE, "Scan order or tote"),
        Step("kind", Expect.CHOICE, "Container type 1-3"),
        Step("item", Expect.ITEM, "Scan item, {kind} {no}"),
        Step("lot", Expect.LOT, "Scan lot of {sku}"),
        Step("qty", Expect.QUANTITY, "Qty of {unit}"),
        Step("boxes", Expect.CONTAINER, "Scan box for pallet"),
        Step("weight", Expect.QUANTITY, "Weight kg, {kind} {no}"),
    ),
    (Action(2, "close", "close"), Action(3, "slip", "slip"), Action(4, "undo", UNDO)),
)


def _order_of(session: Session, reference: str) -> SalesOrder:
    """The order a scan names: its number, a tote its picks went into, or one of its containers."""
    order = session.exec(select(SalesOrder).where(SalesOrder.number == reference.upper())).first()
    if order is not None:
        return order
    numbers = session.exec(
        select(Task.document_ref).where(Task.kind == "pick", Task.tote == reference, Task.done_quantity > 0)
        .order_by(Task.id.desc())
    ).all()
    for number in dict.fromkeys(numbers):
        candidate = session.exec(select(SalesOrder).where(SalesOrder.number == number)).first()
        if candidate is not None and candidate.state == OrderState.CONFIRMED and left_to_pack(session, candidate):
            return candidate
    if numbers:
        raise InvalidInput(f"tote {reference}: everything picked into it is packed")
    found = session.exec(
        select(SalesOrder).join(ShippingContainer, ShippingContainer.order_id == SalesOrder.id)
        .join(Container, Container.id == ShippingContainer.container_id).where(Container.code == reference)
    ).first()
    if found is not None:
        return found
    raise NotFound(f"{reference} is no order, tote or container of an order")


def _open_container(session: Session, order: SalesOrder) -> Container | None:
    return session.exec(
        select(Container).join(ShippingContainer, ShippingContainer.container_id == Container.id)
        .where(ShippingContainer.order_id == order.id, ShippingContainer.state == "open").order_by(Container.id)
    ).first()


def _loose_boxes(session: Session, order: SalesOrder) -> int:
    """Closed boxes of the order not yet on a pallet nor shipped: what a pallet could take."""
    return session.exec(
        select(func.count()).select_from(Container)
        .join(ShippingContainer, ShippingContainer.container_id == Container.id)
        .where(ShippingContainer.order_id == order.id, ShippingContainer.state == "closed",
               Container.parent_id.is_(None), Container.kind != "pallet")
    ).one()


def _number_of(session: Session, order: SalesOrder, container: Container) -> int:
    """The container's place among the order's containers (box 1, box 2 ...)."""
    return session.exec(
        select(func.count()).select_from(ShippingContainer)
        .where(ShippingContainer.order_id == order.id, ShippingContainer.container_id <= container.id,
               ShippingContainer.state != "void")
    ).one()


def _open_lots(session: Session, order: SalesOrder, item_id: int) -> dict[str | None, Decimal]:
    """Units of the item picked for the order and not yet packed, per lot code."""
    line_ids = [line.id for line in order_lines(session, order.id) if line.item_id == item_id]
    moves = StockMove.__table__
    left: dict[int | None, Decimal] = defaultdict(Decimal)
    for lot_id, reason, reverses, quantity in session.execute(
        select(moves.c.lot_id, moves.c.reason, moves.c.reverses_id, func.sum(moves.c.quantity))
        .where(moves.c.document_ref == order.number, moves.c.document_line_id.in_(line_ids))
        .group_by(moves.c.lot_id, moves.c.reason, moves.c.reverses_id)
    ):
        if reason == "pick":
            left[lot_id] += Decimal(quantity)
        elif reverses is not None and reason in ("short_pick_cancel", "reopen"):
            left[lot_id] -= Decimal(quantity)
    for row in session.exec(
        select(ContainerLine).join(ShippingContainer, ShippingContainer.container_id == ContainerLine.container_id)
        .where(ContainerLine.order_line_id.in_(line_ids), ShippingContainer.state != "void")
    ):
        left[row.lot_id] -= row.quantity
    codes = {lot.id: lot.code for lot in session.exec(select(Lot).where(Lot.id.in_([k for k in left if k])))}
    return {codes.get(lot_id) if lot_id else None: units for lot_id, units in left.items() if units > 0}


def _left_lines(session: Session, order: SalesOrder) -> list[str]:
    left = left_to_pack(session, order)
    if not left:
        return ["all picked is packed"]
    lines = [f"{sku} x {display(units)}" for sku, units in sorted(left.items())]
    if len(lines) > SHOWN_LINES:
        lines = lines[: SHOWN_LINES - 1] + [f"… {len(left) - SHOWN_LINES + 1} more"]
    return ["to pack:", *lines]


class PackHandler(FlowHandler):
    flow = PACK

    def start(self, ctx: FloorContext) -> Reply:
        return Reply(FlowState(PACK.name, "order", {"show": ["order number or", "tote label"]}), message="pack")

    def on_scan(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        return getattr(self, f"_{state.step}")(ctx, state, scan)

    def on_action(self, ctx: FloorContext, state: FlowState, action: str) -> Reply:
        order = state.data.get("order")
        if order is None:
            raise InvalidInput("scan an order or tote first")
        if action == "slip":
            return Reply(state, message=f"packing slip {order} queued", prints=(PrintRequest(PACKING_SLIP, order),))
        if action == "close":
            if state.step == "boxes":
                if not state.data.get("on_pallet"):
                    raise InvalidInput("the pallet is empty: scan boxes onto it first")
                return Reply(state.go("weight"), message="weigh the pallet")
            if state.step not in ("item", "lot", "qty"):
                raise InvalidInput("no open container to close here")
            if not state.data.get("packed_here"):
                raise InvalidInput(f"{state.data['kind']} {state.data['no']} is empty: pack something first")
            return Reply(state.go("weight"), message=f"weigh {state.data['kind']} {state.data['no']}")
        raise InvalidInput(f"{action} is not available here")

    # -- steps ---------------------------------------------------------------------------------

    def _order(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        order = _order_of(ctx.session, scan.code.strip())
        if order.state != OrderState.CONFIRMED:
            raise InvalidInput(f"order {order.number} is {order.state}: nothing to pack")
        opened = _open_container(ctx.session, order)
        if opened is not None:
            return self._container_reply(ctx, state, order, opened, f"resumed {opened.kind} of {order.number}")
        if not left_to_pack(ctx.session, order) and not _loose_boxes(ctx.session, order):
            raise InvalidInput(f"order {order.number}: nothing picked waits to be packed")
        show = [*CHOICES, *_left_lines(ctx.session, order)]
        return Reply(state.go("kind", order=order.number, show=show, progress=order.number), message=f"order {order.number}")

    def _kind(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        kind = KINDS[whole_number(scan, "container type", maximum=len(KINDS)) - 1]
        order = _order_of(ctx.session, state.data["order"])
        if kind == "pallet" and not _loose_boxes(ctx.session, order):
            raise InvalidInput(f"no closed box of {order.number} to stack: pack boxes first, then a pallet")
        if kind != "pallet" and not left_to_pack(ctx.session, order):
            raise InvalidInput(f"nothing left to pack for {order.number}: 2 for a pallet or F10")
        container = packing.open_container(ctx.session, ctx.posting, order.number, kind=kind)
        return self._container_reply(ctx, state, order, container, f"{kind} {container.code}")

    def _item(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        order = _order_of(ctx.session, state.data["order"])
        scanned = item_of_scan(ctx.session, scan)
        sku = scanned.item.sku
        if not any(line.item_id == scanned.item.id for line in order_lines(ctx.session, order.id)):
            raise InvalidInput(f"{sku} is not on order {order.number}: set it aside")
        lots = _open_lots(ctx.session, order, scanned.item.id)
        if not lots:
            raise InvalidInput(f"no {sku} of {order.number} waits to be packed: all picked is packed")
        unit = "units" if scanned.units_per_scan == 1 else f"packs of {display(scanned.units_per_scan)}"
        data = {"item_scan": scan.gtin, "item_id": scanned.item.id, "per_scan": str(scanned.units_per_scan),
                "unit": unit, "sku": sku, "lot_scanned": None}
        if scan.lot:
            if scan.lot not in lots:
                raise InvalidInput(f"lot {scan.lot} of {sku} was not picked for {order.number}")
            data["lot_scanned"] = scan.lot
        elif scanned.item.tracking == Tracking.LOT or None not in lots:
            if len(lots) > 1:
                return Reply(state.go("lot", **data), message=f"{sku}: {len(lots)} lots picked")
            data["lot_scanned"] = next(iter(lots))
        return Reply(state.go("qty", **data), message=f"{sku} ok")

    def _lot(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        order = _order_of(ctx.session, state.data["order"])
        lot = scan.text.strip()
        lots = _open_lots(ctx.session, order, state.data["item_id"])
        if lot not in lots:
            picked = ", ".join(sorted(code for code in lots if code)) or "none"
            raise InvalidInput(f"lot {lot} of {state.data['sku']} is not waiting to be packed (picked: {picked})")
        return Reply(state.go("qty", lot_scanned=lot), message=f"lot {lot}")

    def _qty(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        data = state.data
        packages = whole_number(scan, "quantity")
        content = packing.pack(ctx.session, ctx.posting, data["box"], item_scan=data["item_scan"], packages=packages,
                               lot_code=data.get("lot_scanned"))
        order = _order_of(ctx.session, data["order"])
        left = left_to_pack(ctx.session, order)
        message = f"packed {display(content.quantity)} {data['sku']}"
        if not left:
            message += "; all packed: F2 close"
        show = self._box_lines(ctx, order, data["box"], data["kind"], data["no"])
        posted = state.posted("item", **self._box_data(data), packed_here=True, show=show)
        return Reply(posted, message=message)

    def _boxes(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        data = state.data
        code = scan.code.strip()
        pallet = ctx.session.exec(select(Container).where(Container.code == data["box"])).one()
        already = ctx.session.exec(select(Container).where(Container.code == code)).first()
        if already is not None and already.parent_id == pallet.id:
            raise InvalidInput(f"box {code} is already on this pallet")
        box = packing.nest(ctx.session, code, data["box"])
        order = _order_of(ctx.session, data["order"])
        show, on_pallet, left = _pallet_lines(ctx.session, order, pallet)
        posted = state.posted("boxes", **self._box_data(data), on_pallet=on_pallet, show=show)
        return Reply(posted, message=f"box {box.code[-6:]} on pallet" + ("; F2 close" if not left else ""))

    def _weight(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        data = state.data
        weight = decimal_number(scan, "weight in kg", maximum=MAX_WEIGHT_KG)
        packing.close_container(ctx.session, data["box"], weight_kg=weight)
        order = _order_of(ctx.session, data["order"])
        prints = [PrintRequest(CONTAINER, data["box"])]
        closed = f"{data['kind']} {data['no']} closed {display(weight)} kg"
        if left_to_pack(ctx.session, order):
            show = [*CHOICES, *_left_lines(ctx.session, order)]
            posted = state.posted("kind", done=1, order=order.number, show=show, progress=order.number)
            return Reply(posted, message=f"{closed}; next container", prints=tuple(prints))
        if data["kind"] != "pallet":
            prints.append(PrintRequest(PACKING_SLIP, order.number))
        show = [f"{order.number} packed", "next order or tote"]
        if _loose_boxes(ctx.session, order) > 1:
            show.append("(scan it again to stack on a pallet)")
        done = state.posted("order", done=1, show=show, progress="")
        return Reply(done, message=f"{closed}; {order.number} packed", prints=tuple(prints))

    # -- helpers -------------------------------------------------------------------------------

    def _container_reply(self, ctx: FloorContext, state: FlowState, order: SalesOrder, container: Container,
                         message: str) -> Reply:
        no = _number_of(ctx.session, order, container)
        data = {"order": order.number, "box": container.code, "kind": container.kind, "no": no,
                "progress": f"{order.number} #{no}"}
        if container.kind == "pallet":
            show, on_pallet, _ = _pallet_lines(ctx.session, order, container)
            return Reply(state.posted("boxes", **data, on_pallet=on_pallet, show=show), message=message)
        packed_here = ctx.session.exec(select(ContainerLine.id).where(ContainerLine.container_id == container.id).limit(1)).first()
        show = self._box_lines(ctx, order, container.code, container.kind, no)
        return Reply(state.posted("item", **data, packed_here=packed_here is not None, show=show), message=message)

    def _box_lines(self, ctx: FloorContext, order: SalesOrder, code: str, kind: str, no: int) -> list[str]:
        return [f"{kind} {no} {code}", *_left_lines(ctx.session, order)]

    @staticmethod
    def _box_data(data: dict) -> dict:
        return {key: data[key] for key in ("order", "box", "kind", "no", "progress")}


def _pallet_lines(session: Session, order: SalesOrder, pallet: Container) -> tuple[list[str], int, int]:
    on_pallet = session.exec(select(func.count()).select_from(Container).where(Container.parent_id == pallet.id)).one()
    left = _loose_boxes(session, order)
    return [f"pallet {pallet.code}", f"{on_pallet} boxes on it", f"{left} boxes not on it"], on_pallet, left


register(PackHandler())
