"""Pack: scan the order (or its tote) -> choose a container -> scan items (lot) -> quantity ->
F2 close -> weight -> the container label prints; the next container, until everything picked
is packed and the packing slip prints. A pallet takes closed boxes of the order instead of
loose units. F3 prints the packing slip of the order at any time.

Each quantity is posted at once (Pack -> Output in a 3-step warehouse); opening and closing a
container are posted too, so undo only steps back over scans not yet posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.flows import Action, Expect, Flow, FlowData, FlowState, Step
from wms_tui.domain.items import Tracking
from wms_tui.domain.outbound import OrderState
from wms_tui.domain.quantities import display
from wms_tui.domain.states import ContainerKind
from wms_tui.services.floor.common import item_of_scan, units_word
from wms_tui.services.floor.printing import CONTAINER, PACKING_SLIP
from wms_tui.services.floor.scans import ParsedScan, decimal_number, whole_number
from wms_tui.services.floor.terminal import UNDO, FloorContext, FlowHandler, PrintRequest, Reply
from wms_tui.services.outbound import order_containers, packing
from wms_tui.services.outbound.common import order_lines
from wms_tui.services.outbound.packable import left_to_pack, open_lots
from wms_tui.store.finders import container_by_code, find_container, sales_order_by_number
from wms_tui.store.models import Container, SalesOrder

KINDS = packing.CONTAINER_KINDS  # box, pallet, tote: the choice numbers follow this order
MAX_WEIGHT_KG = Decimal(2000)
SHOWN_LINES = 8
CHOICES = ("1 box 2 pallet", "3 tote")


@dataclass(frozen=True)
class PackData(FlowData):
    order: str | None = None
    # The container being filled:
    box: str | None = None  # its code (SSCC)
    kind: str = ""
    no: int = 0  # its place among the order's containers
    packed_here: bool = False
    on_pallet: int = 0  # boxes stacked on it, for a pallet
    # The item being packed:
    item_scan: str | None = None
    item_id: int | None = None
    per_scan: Decimal = Decimal(1)
    unit: str = ""
    sku: str = ""
    lot_scanned: str | None = None

    @property
    def document(self) -> str:
        return self.order or ""

    def container(self) -> dict:
        """The container part, which stays when a posted scan starts the data afresh."""
        return {"order": self.order, "box": self.box, "kind": self.kind, "no": self.no, "progress": self.progress}


class PackStep(StrEnum):
    """The steps of the pack flow, in their order."""

    ORDER = "order"
    KIND = "kind"
    ITEM = "item"
    LOT = "lot"
    QTY = "qty"
    BOXES = "boxes"
    WEIGHT = "weight"


PACK = Flow(
    "pack",
    "Pack",
    (
        Step(PackStep.ORDER, Expect.TOTE, "Scan order or tote"),
        Step(PackStep.KIND, Expect.CHOICE, "Container type 1-3"),
        Step(PackStep.ITEM, Expect.ITEM, "Scan item, {kind} {no}"),
        Step(PackStep.LOT, Expect.LOT, "Scan lot of {sku}"),
        Step(PackStep.QTY, Expect.QUANTITY, "Qty of {unit}"),
        Step(PackStep.BOXES, Expect.CONTAINER, "Scan box for pallet"),
        Step(PackStep.WEIGHT, Expect.QUANTITY, "Weight kg, {kind} {no}"),
    ),
    (Action(2, "close", "close"), Action(3, "slip", "slip"), Action(4, "undo", UNDO)),
    PackData,
)


def _left_lines(left: dict[str, Decimal]) -> tuple[str, ...]:
    if not left:
        return ("all picked is packed",)
    lines = [f"{sku} x {display(units)}" for sku, units in sorted(left.items())]
    if len(lines) > SHOWN_LINES:
        lines = lines[: SHOWN_LINES - 1] + [f"… {len(left) - SHOWN_LINES + 1} more"]
    return ("to pack:", *lines)


class PackHandler(FlowHandler):
    flow = PACK

    def start(self, ctx: FloorContext) -> Reply:
        return Reply(PACK.begin(PackStep.ORDER, show=("order number or", "tote label")), message="pack")

    def on_action(self, ctx: FloorContext, state: FlowState[PackData], action: str) -> Reply:
        data = state.data
        if data.order is None:
            raise InvalidInput("scan an order or tote first")
        if action == "slip":
            return Reply(state, message=f"packing slip {data.order} queued", prints=(PrintRequest(PACKING_SLIP, data.order),))
        if action == "close":
            if state.step == PackStep.BOXES:
                if not data.on_pallet:
                    raise InvalidInput("the pallet is empty: scan boxes onto it first")
                return Reply(state.go(PackStep.WEIGHT), message="weigh the pallet")
            if state.step not in (PackStep.ITEM, PackStep.LOT, PackStep.QTY):
                raise InvalidInput("no open container to close here")
            if not data.packed_here:
                raise InvalidInput(f"{data.kind} {data.no} is empty: pack something first")
            return Reply(state.go(PackStep.WEIGHT), message=f"weigh {data.kind} {data.no}")
        raise InvalidInput(f"{action} is not available here")

    # -- steps ---------------------------------------------------------------------------------

    def _order(self, ctx: FloorContext, state: FlowState[PackData], scan: ParsedScan) -> Reply:
        order = order_containers.order_to_pack(ctx.session, scan.code.strip())
        if order.state != OrderState.CONFIRMED:
            raise InvalidInput(f"order {order.number} is {order.state}: nothing to pack")
        opened = order_containers.open_container_of(ctx.session, order)
        if opened is not None:
            return self._container_reply(ctx, state, order, opened, f"resumed {opened.kind} of {order.number}")
        left = left_to_pack(ctx.session, order)
        if not left and not order_containers.loose_boxes(ctx.session, order):
            raise InvalidInput(f"order {order.number}: nothing picked waits to be packed")
        show = (*CHOICES, *_left_lines(left))
        return Reply(state.go(PackStep.KIND, order=order.number, show=show), message=f"order {order.number}")

    def _kind(self, ctx: FloorContext, state: FlowState[PackData], scan: ParsedScan) -> Reply:
        kind = KINDS[whole_number(scan, "container type", maximum=len(KINDS)) - 1]
        order = sales_order_by_number(ctx.session, state.data.order)
        if kind == ContainerKind.PALLET and not order_containers.loose_boxes(ctx.session, order):
            raise InvalidInput(f"no closed box of {order.number} to stack: pack boxes first, then a pallet")
        if kind != ContainerKind.PALLET and not left_to_pack(ctx.session, order):
            raise InvalidInput(f"nothing left to pack for {order.number}: 2 for a pallet or F10")
        container = packing.open_container(ctx.session, ctx.posting, order.number, kind=kind)
        return self._container_reply(ctx, state, order, container, f"{kind} {container.code}")

    def _item(self, ctx: FloorContext, state: FlowState[PackData], scan: ParsedScan) -> Reply:
        order = sales_order_by_number(ctx.session, state.data.order)
        scanned = item_of_scan(ctx.session, scan)
        sku = scanned.item.sku
        if not any(line.item_id == scanned.item.id for line in order_lines(ctx.session, order.id)):
            raise InvalidInput(f"{sku} is not on order {order.number}: set it aside")
        lots = open_lots(ctx.session, order, scanned.item.id)
        if not lots:
            raise InvalidInput(f"no {sku} of {order.number} waits to be packed: all picked is packed")
        item = {"item_scan": scan.gtin, "item_id": scanned.item.id, "per_scan": scanned.units_per_scan,
                "unit": units_word(scanned.units_per_scan), "sku": sku, "lot_scanned": None}
        if scan.lot:
            if scan.lot not in lots:
                raise InvalidInput(f"lot {scan.lot} not picked for {order.number}: scan a picked lot")
            item["lot_scanned"] = scan.lot
        elif scanned.item.tracking == Tracking.LOT or None not in lots:
            if len(lots) > 1:
                return Reply(state.go(PackStep.LOT, **item), message=f"{sku}: {len(lots)} lots picked")
            item["lot_scanned"] = next(iter(lots))
        return Reply(state.go(PackStep.QTY, **item), message=f"{sku} ok")

    def _lot(self, ctx: FloorContext, state: FlowState[PackData], scan: ParsedScan) -> Reply:
        order = sales_order_by_number(ctx.session, state.data.order)
        lot = scan.text.strip()
        lots = open_lots(ctx.session, order, state.data.item_id)
        if lot not in lots:
            picked = ", ".join(sorted(code for code in lots if code)) or "none"
            raise InvalidInput(f"lot not waiting to be packed: scan {picked}")
        return Reply(state.go(PackStep.QTY, lot_scanned=lot), message=f"lot {lot}")

    def _qty(self, ctx: FloorContext, state: FlowState[PackData], scan: ParsedScan) -> Reply:
        data = state.data
        packages = whole_number(scan, "quantity")
        content = packing.pack(ctx.session, ctx.posting, data.box, item_scan=data.item_scan, packages=packages,
                               lot_code=data.lot_scanned)
        left = left_to_pack(ctx.session, sales_order_by_number(ctx.session, data.order))
        message = f"packed {display(content.quantity)} {data.sku}"
        if not left:
            message += "; all packed: F2 close"
        show = (f"{data.kind} {data.no} {data.box}", *_left_lines(left))
        return Reply(state.posted(PackStep.ITEM, **data.container(), packed_here=True, show=show), message=message)

    def _boxes(self, ctx: FloorContext, state: FlowState[PackData], scan: ParsedScan) -> Reply:
        data = state.data
        code = scan.code.strip()
        pallet = container_by_code(ctx.session, data.box)
        already = find_container(ctx.session, code)
        if already is not None and already.parent_id == pallet.id:
            raise InvalidInput("already on this pallet: scan the next box, F2 close")
        box = packing.nest(ctx.session, code, data.box)
        show, on_pallet, left = _pallet_lines(ctx, sales_order_by_number(ctx.session, data.order), pallet)
        posted = state.posted(PackStep.BOXES, **data.container(), on_pallet=on_pallet, show=show)
        return Reply(posted, message=f"box {box.code[-6:]} on pallet" + ("; F2 close" if not left else ""))

    def _weight(self, ctx: FloorContext, state: FlowState[PackData], scan: ParsedScan) -> Reply:
        data = state.data
        weight = decimal_number(scan, "weight in kg", maximum=MAX_WEIGHT_KG)
        packing.close_container(ctx.session, data.box, weight_kg=weight)
        order = sales_order_by_number(ctx.session, data.order)
        prints = [PrintRequest(CONTAINER, data.box)]
        closed = f"{data.kind} {data.no} closed {display(weight)} kg"
        left = left_to_pack(ctx.session, order)
        if left:
            show = (*CHOICES, *_left_lines(left))
            posted = state.posted(PackStep.KIND, done=1, order=order.number, show=show, progress=f"#{data.no} closed")
            return Reply(posted, message=f"{closed}; next container", prints=tuple(prints))
        if data.kind != ContainerKind.PALLET:
            # Boxes closed while more waited were labelled "k of k+1"; those that were wrong
            # get their label again, now that the order's count is known.
            prints += [PrintRequest(CONTAINER, label.sscc)
                       for label in packing.container_labels(ctx.session, order.number)
                       if label.index < label.of - 1 and label.sscc != data.box]
            prints.append(PrintRequest(PACKING_SLIP, order.number))
        show = [f"{order.number} packed", "next order or tote"]
        if order_containers.loose_boxes(ctx.session, order) > 1:
            show.append("(scan it again to stack on a pallet)")
        done = state.posted(PackStep.ORDER, done=1, show=tuple(show))
        return Reply(done, message=f"{closed}; {order.number} packed", prints=tuple(prints))

    steps = {
        PackStep.ORDER: _order,
        PackStep.KIND: _kind,
        PackStep.ITEM: _item,
        PackStep.LOT: _lot,
        PackStep.QTY: _qty,
        PackStep.BOXES: _boxes,
        PackStep.WEIGHT: _weight,
    }

    # -- helpers -------------------------------------------------------------------------------

    def _container_reply(self, ctx: FloorContext, state: FlowState[PackData], order: SalesOrder, container: Container,
                         message: str) -> Reply:
        no = order_containers.container_number(ctx.session, order, container)
        opened = {"order": order.number, "box": container.code, "kind": container.kind, "no": no,
                  "progress": f"#{no}"}
        if container.kind == ContainerKind.PALLET:
            show, on_pallet, _ = _pallet_lines(ctx, order, container)
            return Reply(state.posted(PackStep.BOXES, **opened, on_pallet=on_pallet, show=show), message=message)
        packed_here = order_containers.has_contents(ctx.session, container)
        show = (f"{container.kind} {no} {container.code}", *_left_lines(left_to_pack(ctx.session, order)))
        return Reply(state.posted(PackStep.ITEM, **opened, packed_here=packed_here, show=show), message=message)


def _pallet_lines(ctx: FloorContext, order: SalesOrder, pallet: Container) -> tuple[tuple[str, ...], int, int]:
    on_pallet = order_containers.boxes_on(ctx.session, pallet)
    left = order_containers.loose_boxes(ctx.session, order)
    return (f"pallet {pallet.code}", f"{on_pallet} boxes on it", f"{left} boxes not on it"), on_pallet, left
