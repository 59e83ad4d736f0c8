"""Ship: scan the closed containers of an order onto the shipment -> F2 done -> carrier ->
tracking number (scanned from the carrier's label; F2 if it has none) -> 1 to confirm.

Nothing is posted until the confirmation: then the contents move Output -> Customer, the
containers are shipped and the order's status follows (started, fulfilled). Until then
every scan can be undone. Leaving packed boxes of the order behind needs F2 twice.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.flows import Action, Expect, Flow, FlowState, Seen, Step
from wms_tui.domain.outbound import OrderState
from wms_tui.domain.quantities import display
from wms_tui.services.floor.printing import left_to_pack
from wms_tui.services.floor.scans import ParsedScan
from wms_tui.services.floor.terminal import UNDO, FloorContext, FlowHandler, Reply, register
from wms_tui.services.outbound.orders import order_status
from wms_tui.services.outbound.shipping import ship
from wms_tui.store.models import Container, SalesOrder, ShippingContainer

MAX_TEXT = 60  # carrier and tracking columns

SHIP = Flow(
    "ship",
    "Ship",
    (
        Step("containers", Expect.CONTAINER, "Scan container {next}"),
        Step("carrier", Expect.TEXT, "Carrier: scan or type"),
        Step("tracking", Expect.TEXT, "Scan tracking, F2 none"),
        Step("confirm", Expect.CHOICE, "Ship {count}? 1 = yes"),
    ),
    (Action(2, "done", "done"), Action(4, "undo", UNDO)),
)


def _container(session: Session, code: str) -> tuple[Container, ShippingContainer, SalesOrder]:
    row = session.exec(
        select(Container, ShippingContainer, SalesOrder)
        .join(ShippingContainer, ShippingContainer.container_id == Container.id)
        .join(SalesOrder, SalesOrder.id == ShippingContainer.order_id)
        .where(Container.code == code)
    ).first()
    if row is None:
        if session.exec(select(Container.id).where(Container.code == code)).first() is not None:
            raise InvalidInput(f"{code} is not packed for an order: nothing to ship")
        raise NotFound(f"no container {code}: scan the label the packer printed")
    return row


def _left_behind(session: Session, order: SalesOrder, scanned: list[str]) -> list[str]:
    """Why shipping only the scanned containers leaves goods of the order behind (if it does)."""
    rows = session.exec(
        select(Container.code, ShippingContainer.state)
        .join(ShippingContainer, ShippingContainer.container_id == Container.id)
        .where(ShippingContainer.order_id == order.id, Container.parent_id.is_(None),
               ShippingContainer.state.in_(["open", "closed"]))
    ).all()
    closed = [code for code, state in rows if state == "closed" and code not in scanned]
    reasons = []
    if closed:
        reasons.append(f"{len(closed)} more packed")
    if any(state == "open" for _, state in rows):
        reasons.append("a box still open")
    if left_to_pack(session, order):
        reasons.append("picks not packed")
    return reasons


def _shown(containers: list[str], order: str | None) -> list[str]:
    lines = [f"order {order}"] if order else ["scan box or pallet", "labels (SSCC)"]
    lines += [f"{n} {code}" for n, code in enumerate(containers, 1)]
    return lines


class ShipHandler(FlowHandler):
    flow = SHIP

    def start(self, ctx: FloorContext) -> Reply:
        return Reply(self._empty(), message="ship")

    @staticmethod
    def _empty(done: int = 0, show: list[str] | None = None) -> FlowState:
        data = {"containers": [], "next": 1, "order": None, "show": show or _shown([], None), "progress": ""}
        return FlowState(SHIP.name, "containers", data, done=done)

    def on_scan(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        return getattr(self, f"_{state.step}")(ctx, state, scan)

    def on_action(self, ctx: FloorContext, state: FlowState, action: str) -> Reply:
        if action != "done":
            raise InvalidInput(f"{action} is not available here")
        if state.step == "containers":
            return self._done_scanning(ctx, state)
        if state.step == "tracking":
            return self._to_confirm(state, "")
        if state.step == "confirm":
            return self._ship(ctx, state)
        raise InvalidInput("scan or type the carrier first")

    # -- steps ---------------------------------------------------------------------------------

    def _containers(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        code = scan.code.strip()
        container, shipping, order = _container(ctx.session, code)
        containers = list(state.data["containers"])
        if code in containers:
            raise InvalidInput(f"{code} is already on this shipment")
        if state.data["order"] and order.number != state.data["order"]:
            raise InvalidInput(f"{code} belongs to order {order.number}, this shipment is for {state.data['order']}")
        if order.state != OrderState.CONFIRMED:
            raise InvalidInput(f"order {order.number} is {order.state}: do not ship {code}")
        if shipping.state == "open":
            raise InvalidInput(f"{container.kind} {code} is still open: close and weigh it at packing")
        if shipping.state != "closed":
            raise InvalidInput(f"{container.kind} {code} is already {shipping.state}")
        if container.parent_id is not None:
            pallet = ctx.session.get(Container, container.parent_id)
            raise InvalidInput(f"{code} is on pallet {pallet.code}: scan the pallet")
        containers.append(code)
        changes = {"containers": containers, "order": order.number, "next": len(containers) + 1,
                   "count": len(containers),
                   "show": _shown(containers, order.number), "progress": f"{order.number} {len(containers)} on"}
        return Reply(state.go("containers", **changes), message=f"{container.kind} {len(containers)} on, F2 done")

    def _done_scanning(self, ctx: FloorContext, state: FlowState) -> Reply:
        if not state.data["containers"]:
            raise InvalidInput("scan at least one container first")
        order = ctx.session.exec(select(SalesOrder).where(SalesOrder.number == state.data["order"])).one()
        behind = _left_behind(ctx.session, order, state.data["containers"])
        if behind and state.needs_confirmation("*2"):
            return Reply(state.awaiting("*2"), ok=False,
                         message=f"{order.number}: {', '.join(behind)}. F2 again to ship without them")
        return Reply(state.go("carrier", show=["e.g. DHL, UPS, own", "scan or type"]), message="carrier?")

    def _carrier(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        carrier = scan.text.strip()
        if scan.seen is Seen.CONTAINER and scan.code in state.data["containers"]:
            raise InvalidInput(f"that is the label of {scan.code}; scan or type the carrier")
        if len(carrier) > MAX_TEXT:
            raise InvalidInput(f"carrier name is longer than {MAX_TEXT} characters")
        return Reply(state.go("tracking", carrier=carrier, show=[f"carrier {carrier}"]), message=f"carrier {carrier}")

    def _tracking(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        if scan.seen is Seen.CONTAINER and scan.code in state.data["containers"]:
            raise InvalidInput(f"that is the label of {scan.code}; scan the carrier's tracking barcode")
        if scan.seen is Seen.ITEM:
            raise InvalidInput(f"that is an item barcode ({scan.shown}); scan the carrier's tracking barcode")
        tracking = scan.text.strip()
        if len(tracking) > MAX_TEXT:
            raise InvalidInput(f"tracking number is longer than {MAX_TEXT} characters")
        return self._to_confirm(state, tracking)

    def _to_confirm(self, state: FlowState, tracking: str) -> Reply:
        data = state.data
        show = [f"order {data['order']}", f"{data['count']} containers", f"carrier {data['carrier']}",
                f"track {tracking or 'none'}", "1 ships, F4 back"]
        return Reply(state.go("confirm", tracking=tracking, show=show), message="confirm to ship")

    def _confirm(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        if scan.number != 1:
            raise InvalidInput(f"{scan.text} is no answer: 1 (or F2) ships, F4 goes back")
        return self._ship(ctx, state)

    def _ship(self, ctx: FloorContext, state: FlowState) -> Reply:
        data = state.data
        result = ship(ctx.session, ctx.posting, data["order"], data["containers"], carrier=data["carrier"],
                      tracking_number=data["tracking"])
        status = order_status(ctx.session, result.order_number)
        left = ctx.session.exec(
            select(func.count()).select_from(ShippingContainer).join(SalesOrder, SalesOrder.id == ShippingContainer.order_id)
            .where(SalesOrder.number == result.order_number, ShippingContainer.state.in_(["open", "closed"]))
        ).one()
        show = [result.number, f"{len(result.containers)} containers", f"{display(result.units)} units",
                f"order {status.value}"] + ([f"{left} still packed"] if left else [])
        done = self._empty(state.done + 1, show)
        return Reply(done, message=f"shipped {result.order_number} via {result.carrier}: {status.value}")


register(ShipHandler())
