"""Ship: scan the closed containers of an order onto the shipment -> F2 done -> carrier ->
tracking number (scanned from the carrier's label; F2 if it has none) -> 1 to confirm.

Nothing is posted until the confirmation: then the contents move Output -> Customer, the
containers are shipped and the order's status follows (started, fulfilled). Until then
every scan can be undone. Leaving packed boxes of the order behind needs F2 twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.flows import Action, Expect, Flow, FlowData, FlowState, Seen, Step
from wms_tui.domain.outbound import OrderState, shipment_outcome
from wms_tui.domain.quantities import display
from wms_tui.services.floor.scans import ParsedScan
from wms_tui.services.floor.terminal import UNDO, FloorContext, FlowHandler, Reply
from wms_tui.services.outbound import order_containers
from wms_tui.services.outbound.orders import line_progress, order_status
from wms_tui.services.outbound.packable import left_to_pack
from wms_tui.services.outbound.shipping import check_shippable, ship
from wms_tui.store.finders import sales_order_by_number

MAX_TEXT = 60  # carrier and tracking columns


@dataclass(frozen=True)
class ShipData(FlowData):
    containers: tuple[str, ...] = ()  # scanned onto the shipment, in order
    order: str | None = None
    carrier: str = ""
    tracking: str = ""

    @property
    def document(self) -> str:
        return self.order or ""

    @property
    def next(self) -> int:
        return len(self.containers) + 1

    @property
    def count(self) -> int:
        return len(self.containers)


class ShipStep(StrEnum):
    """The steps of the ship flow, in their order."""

    CONTAINERS = "containers"
    CARRIER = "carrier"
    TRACKING = "tracking"
    CONFIRM = "confirm"


SHIP = Flow(
    "ship",
    "Ship",
    (
        Step(ShipStep.CONTAINERS, Expect.CONTAINER, "Scan container {next}"),
        Step(ShipStep.CARRIER, Expect.TEXT, "Carrier: scan or type"),
        Step(ShipStep.TRACKING, Expect.TEXT, "Scan tracking, F2 none"),
        Step(ShipStep.CONFIRM, Expect.CHOICE, "Ship {count}? 1 = yes"),
    ),
    (Action(2, "done", "done"), Action(4, "undo", UNDO)),
    ShipData,
)


def _shown(containers: tuple[str, ...], order: str | None) -> tuple[str, ...]:
    lines = [f"order {order}"] if order else ["scan box or pallet", "labels (SSCC)"]
    lines += [f"{n} {code}" for n, code in enumerate(containers, 1)]
    return tuple(lines)


def _behind_words(behind: order_containers.LeftBehind) -> list[str]:
    reasons = []
    if behind.closed:
        reasons.append(f"{behind.closed} more packed")
    if behind.open:
        reasons.append("a box still open")
    if behind.unpacked:
        reasons.append("picks not packed")
    return reasons


class ShipHandler(FlowHandler):
    flow = SHIP

    def start(self, ctx: FloorContext) -> Reply:
        return Reply(self._empty(ctx.done), message="ship")

    @staticmethod
    def _empty(done: int = 0, show: tuple[str, ...] | None = None) -> FlowState[ShipData]:
        return FlowState(SHIP.name, ShipStep.CONTAINERS, ShipData(show=show or _shown((), None)), done=done)

    def on_action(self, ctx: FloorContext, state: FlowState[ShipData], action: str) -> Reply:
        if action != "done":
            raise InvalidInput(f"{action} is not available here")
        if state.step == ShipStep.CONTAINERS:
            return self._done_scanning(ctx, state)
        if state.step == ShipStep.TRACKING:
            return self._to_confirm(state, "")
        if state.step == ShipStep.CONFIRM:
            return self._ship(ctx, state)
        raise InvalidInput("scan or type the carrier first")

    # -- steps ---------------------------------------------------------------------------------

    def _containers(self, ctx: FloorContext, state: FlowState[ShipData], scan: ParsedScan) -> Reply:
        code = scan.code.strip()
        found = order_containers.to_ship(ctx.session, code)
        container, order = found.container, found.order
        if code in state.data.containers:
            raise InvalidInput("already on this shipment: scan the next, F2 done")
        if state.data.order and order.number != state.data.order:
            raise InvalidInput(f"belongs to order {order.number}: this shipment is for {state.data.order}")
        if order.state != OrderState.CONFIRMED:
            raise InvalidInput(f"order {order.number} is {order.state}: do not ship it")
        check_shippable(container, found.state)
        if found.pallet is not None:
            raise InvalidInput(f"on pallet {found.pallet}: scan the pallet")
        containers = (*state.data.containers, code)
        changes = {"containers": containers, "order": order.number, "show": _shown(containers, order.number),
                   "progress": f"{len(containers)} on"}
        return Reply(state.go(ShipStep.CONTAINERS, **changes), message=f"{container.kind} {len(containers)} on, F2 done")

    def _done_scanning(self, ctx: FloorContext, state: FlowState[ShipData]) -> Reply:
        if not state.data.containers:
            raise InvalidInput("scan at least one container first")
        order = sales_order_by_number(ctx.session, state.data.order)
        behind = _behind_words(order_containers.left_behind(ctx.session, order, state.data.containers))
        if behind and state.needs_confirmation("*2"):
            return Reply(state.awaiting("*2"), ok=False,
                         message=f"{order.number}: {', '.join(behind)}. F2 again to ship without them")
        return Reply(state.go(ShipStep.CARRIER, show=("e.g. DHL, UPS, own", "scan or type")), message="carrier?")

    def _carrier(self, ctx: FloorContext, state: FlowState[ShipData], scan: ParsedScan) -> Reply:
        carrier = scan.text.strip()
        if scan.seen is Seen.CONTAINER and scan.code in state.data.containers:
            raise InvalidInput("that is a label of this shipment: scan or type the carrier")
        if len(carrier) > MAX_TEXT:
            raise InvalidInput(f"carrier longer than {MAX_TEXT} characters: type a shorter name")
        return Reply(state.go(ShipStep.TRACKING, carrier=carrier, show=(f"carrier {carrier}",)), message=f"carrier {carrier}")

    def _tracking(self, ctx: FloorContext, state: FlowState[ShipData], scan: ParsedScan) -> Reply:
        if scan.seen is Seen.CONTAINER and scan.code in state.data.containers:
            raise InvalidInput("that is a label of this shipment: scan the tracking barcode")
        if scan.seen is Seen.ITEM:
            raise InvalidInput("that is an item barcode: scan the tracking barcode")
        tracking = scan.text.strip()
        if len(tracking) > MAX_TEXT:
            raise InvalidInput(f"tracking number longer than {MAX_TEXT} characters: F2 if none")
        return self._to_confirm(state, tracking)

    def _to_confirm(self, state: FlowState[ShipData], tracking: str) -> Reply:
        data = state.data
        show = (f"order {data.order}", f"{data.count} containers", f"carrier {data.carrier}",
                f"track {tracking or 'none'}", "1 ships, F4 back")
        return Reply(state.go(ShipStep.CONFIRM, tracking=tracking, show=show), message="confirm to ship")

    def _confirm(self, ctx: FloorContext, state: FlowState[ShipData], scan: ParsedScan) -> Reply:
        if scan.number != 1:
            raise InvalidInput("not an answer: 1 (or F2) ships, F4 goes back")
        return self._ship(ctx, state)

    steps = {
        ShipStep.CONTAINERS: _containers,
        ShipStep.CARRIER: _carrier,
        ShipStep.TRACKING: _tracking,
        ShipStep.CONFIRM: _confirm,
    }

    def _ship(self, ctx: FloorContext, state: FlowState[ShipData]) -> Reply:
        data = state.data
        result = ship(ctx.session, ctx.posting, data.order, list(data.containers), carrier=data.carrier,
                      tracking_number=data.tracking)
        status = order_status(ctx.session, result.order_number)
        left = order_containers.still_packed(ctx.session, result.order_number)
        order = sales_order_by_number(ctx.session, result.order_number)
        to_pack = sum(left_to_pack(ctx.session, order).values(), Decimal(0))
        outcome = shipment_outcome(len(result.containers), line_progress(ctx.session, order), to_pack=to_pack,
                                   still_packed=left)
        show = (result.number, f"{len(result.containers)} containers", f"{display(result.units)} units",
                f"order {status.value}") + ((f"{left} still packed",) if left else ())
        done = self._empty(state.done + 1, show)
        return Reply(done, message=f"{result.order_number} {outcome} (via {result.carrier})")
