"""Receive: scan the PO (or its supplier, or an item on it) -> scan items (lot, expiry) ->
quantity -> pallet. Goods land in the warehouse's first receipt zone (WH1/INPUT) and their
putaway is queued.

A scan is posted when its quantity is known and a pallet is chosen (the current pallet, a
scanned pallet label, or F2 for a new pallet whose label is printed). Receiving more than the
PO line still expects needs a supervisor's badge and a reason; goods a back order waits for
are offered for cross-dock straight to Output.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import Session, select

from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.flows import Action, Expect, Flow, FlowState, Step, can_authorise
from wms_tui.domain.inbound import check_lot_data
from wms_tui.domain.items import Tracking
from wms_tui.domain.quantities import display
from wms_tui.services.floor import operators
from wms_tui.services.floor.scans import ParsedScan, whole_number, yymmdd
from wms_tui.services.floor.terminal import (
    UNDO,
    FloorContext,
    FlowHandler,
    PrintRequest,
    Reply,
    register,
)
from wms_tui.services.inbound.common import resolve_item
from wms_tui.services.inbound.receiving import (
    CrossDockProposal,
    accept_cross_dock,
    finish_receipt,
    receive_scan,
    start_blind_receipt,
    start_receipt,
)
from wms_tui.store.models import PurchaseOrder, PurchaseOrderLine, Receipt

# Why more arrived than ordered; the code is stored on the receipt line with the supervisor.
OVER_REASONS = ("supplier_extra", "pack_rounding", "free_goods", "replacement")

RECEIVE = Flow(
    "receive",
    "Receive",
    (
        Step("source", Expect.SOURCE, "Scan PO, supplier or item"),
        Step("item", Expect.ITEM, "Scan item for {against}"),
        Step("lot", Expect.LOT, "Scan lot of {sku}"),
        Step("expiry", Expect.DATE, "Expiry of {lot} YYMMDD"),
        Step("qty", Expect.QUANTITY, "Qty of {unit}"),
        Step("supervisor", Expect.BADGE, "Over {over}: supervisor badge"),
        Step("over_reason", Expect.CHOICE, "Over: reason 1-{reasons}"),
        Step("pallet", Expect.CONTAINER, "Scan pallet, F2 new"),
        Step("crossdock", Expect.CHOICE, "Cross-dock? 1 yes 2 no"),
    ),
    (Action(1, "blind", "blind"), Action(2, "new pallet", "new_pallet"), Action(3, "close pal", "close"),
     Action(4, "undo", UNDO), Action(5, "done", "done")),
)


class ReceiveHandler(FlowHandler):
    flow = RECEIVE

    def start(self, ctx: FloorContext) -> Reply:
        state = FlowState(RECEIVE.name, "source", {"show": ["PO number, supplier", "or an item on it;", "F1 blind receipt"]})
        return Reply(state, message="receive")

    def on_scan(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        return getattr(self, f"_{state.step}")(ctx, state, scan)

    def on_action(self, ctx: FloorContext, state: FlowState, action: str) -> Reply:
        if action == "blind":
            if state.step != "source":
                raise InvalidInput(f"receipt {state.data['receipt']} is open: F5 done first")
            receipt = start_blind_receipt(ctx.session, ctx.warehouse)
            return self._opened(state, receipt.number, None, "blind")
        if "receipt" not in state.data:
            raise InvalidInput("scan a PO, supplier or item first (F1 blind receipt)")
        if action == "new_pallet":
            if state.step != "pallet":
                raise InvalidInput("F2 starts a pallet when one is asked for; F3 closes the current one")
            return self._post(ctx, state, None, new_pallet=True)
        if action == "close":
            if state.step != "item":
                raise InvalidInput("finish this item first (F4 undo)")
            pallet = state.data.get("pallet")
            if not pallet:
                raise InvalidInput("no pallet is open")
            closed = state.with_data(pallet=None, show=_lines(state.data, None))
            return Reply(closed, message=f"pallet {pallet} closed")
        if action == "done":
            if state.step != "item":
                raise InvalidInput("finish this item first (F4 undo)")
            finish_receipt(ctx.session, state.data["receipt"])
            return Reply(None, message=f"receipt {state.data['receipt']} done: {state.data.get('lines', 0)} lines")
        raise InvalidInput(f"{action} is not available here")

    def leave(self, ctx: FloorContext, state: FlowState) -> None:
        """Leaving the flow finishes the receipt (a later delivery gets its own)."""
        number = state.data.get("receipt")
        if number:
            receipt = ctx.session.exec(select(Receipt).where(Receipt.number == number)).first()
            if receipt is not None and receipt.state == "open":
                finish_receipt(ctx.session, number)

    # -- steps ---------------------------------------------------------------------------------

    def _source(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        receipt = start_receipt(ctx.session, scan.code, warehouse_code=ctx.warehouse)
        return self._opened(state, receipt.number, receipt.po_number, receipt.po_number)

    def _opened(self, state: FlowState, receipt: str, po: str | None, against: str) -> Reply:
        data = {"receipt": receipt, "po": po, "against": against, "pallet": None, "lines": 0,
                "progress": f"{receipt} 0 lines"}
        data["show"] = _lines(data, None)
        return Reply(state.posted("item", **data), message=f"{receipt} for {against}")

    def _item(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        scanned = resolve_item(ctx.session, scan.gtin)
        item = scanned.item
        data = state.data
        line = None
        if data["po"]:
            line = _po_line(ctx.session, data["po"], item.id)
            if line is None:
                raise InvalidInput(f"{item.sku} is not on {data['po']}: set it aside or receive it blind")
        tracked = Tracking(item.tracking) is not Tracking.NONE
        per_scan = scanned.per_scan
        unit = f"{item.sku}" if per_scan == 1 else f"{item.sku} packs of {display(per_scan)}"
        facts = {
            "sku": item.sku, "item_scan": scan.gtin, "per_scan": str(per_scan), "unit": unit,
            "tracked": tracked, "expiry_tracked": item.expiry_tracked, "lot": None, "expiry": None,
            "over": None, "supervisor": None, "over_reason": None,
        }
        shown = [item.sku, item.name[:20]]
        if line is not None:
            shown.append(f"ordered {display(line.quantity)}")
            shown.append(f"received {display(line.received_quantity)}")
        facts["item_show"] = shown
        if tracked and scan.lot:
            expiry = scan.expiry
            if expiry is not None:
                check_lot_data(item.sku, True, item.expiry_tracked, scan.lot, expiry, ctx.today)
            facts.update(lot=scan.lot, expiry=expiry.isoformat() if expiry else None)
            if item.expiry_tracked and expiry is None:
                return Reply(state.go("expiry", **facts, show=shown), message=f"lot {scan.lot}")
            return Reply(state.go("qty", **facts, show=shown), message=f"{item.sku} lot {scan.lot}")
        if tracked:
            return Reply(state.go("lot", **facts, show=shown), message=f"{item.sku} is lot-tracked")
        return Reply(state.go("qty", **facts, show=shown), message=f"{item.sku} ok")

    def _lot(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        lot = scan.text.strip()
        if len(lot) > 40:
            raise InvalidInput(f"lot {lot[:20]}… is longer than 40 characters")
        if state.data["expiry_tracked"]:
            return Reply(state.go("expiry", lot=lot), message=f"lot {lot}")
        return Reply(state.go("qty", lot=lot), message=f"lot {lot}")

    def _expiry(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        expiry = yymmdd(scan, "expiry")
        check_lot_data(state.data["sku"], True, True, state.data["lot"], expiry, ctx.today)
        return Reply(state.go("qty", expiry=expiry.isoformat()), message=f"expires {expiry.isoformat()}")

    def _qty(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        packages = whole_number(scan, "quantity")
        units = Decimal(state.data["per_scan"]) * packages
        data = state.data
        over = Decimal(0)
        if data["po"]:
            line = _po_line(ctx.session, data["po"], _item_id(ctx.session, data["item_scan"]))
            over = min(line.received_quantity + units - line.quantity, units)
        moved = state.with_data(packages=packages, units=str(units))
        if over > 0:
            message = f"{display(over)} {data['sku']} more than ordered"
            if can_authorise(ctx.operator.role):
                return self._ask_reason(moved, over, ctx.operator.code, message)
            show = [*data["item_show"], f"over by {display(over)}", "supervisor: badge"]
            return Reply(moved.go("supervisor", over=display(over), show=show), ok=False, message=message)
        return self._to_pallet(ctx, moved)

    def _supervisor(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        badge = scan.text.strip()
        supervisor = operators.by_badge(ctx.session, badge)
        if supervisor is None:
            raise InvalidInput(f"{badge} is not a badge: a supervisor scans theirs")
        if not can_authorise(supervisor.role):
            raise InvalidInput(f"{supervisor.code} is a {supervisor.role.value}: only a supervisor may accept an over-receipt")
        return self._ask_reason(state, Decimal(state.data["over"]), supervisor.code, f"accepted by {supervisor.code}")

    def _ask_reason(self, state: FlowState, over: Decimal, supervisor: str, message: str) -> Reply:
        show = [f"over {display(over)} ok {supervisor}"] + [f"{n} {reason}" for n, reason in enumerate(OVER_REASONS, 1)]
        return Reply(state.go("over_reason", over=display(over), supervisor=supervisor, reasons=len(OVER_REASONS), show=show),
                     message=f"{message}: why?")

    def _over_reason(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        choice = whole_number(scan, "reason", maximum=len(OVER_REASONS))
        return self._to_pallet(ctx, state.with_data(over_reason=OVER_REASONS[choice - 1]))

    def _to_pallet(self, ctx: FloorContext, state: FlowState) -> Reply:
        if state.data.get("pallet"):
            return self._post(ctx, state, state.data["pallet"])
        show = [*state.data["item_show"], f"qty {display(Decimal(state.data['units']))}", "F2 new pallet"]
        return Reply(state.go("pallet", show=show), message=f"{display(Decimal(state.data['units']))} {state.data['sku']}: which pallet?")

    def _pallet(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        return self._post(ctx, state, scan.code)

    def _crossdock(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        choice = whole_number(scan, "choice", maximum=2)
        proposals = list(state.data["proposals"])
        proposal = proposals.pop(0)
        if choice == 1:
            accept_cross_dock(ctx.session, ctx.posting, CrossDockProposal(
                proposal["receipt_line_id"], proposal["order_number"], proposal["order_line_id"],
                Decimal(proposal["quantity"]), proposal["from_code"], proposal["to_code"]))
            message = f"{proposal['quantity']} {state.data['sku']} to {proposal['to_code']} for {proposal['order_number']}"
        else:
            message = f"no cross-dock for {proposal['order_number']}: putaway as usual"
        return self._after(state, proposals, message)

    # -- posting -------------------------------------------------------------------------------

    def _post(self, ctx: FloorContext, state: FlowState, pallet: str | None, *, new_pallet: bool = False) -> Reply:
        data = state.data
        over = data.get("over_reason") is not None
        result = receive_scan(
            ctx.session, ctx.posting, data["receipt"], data["item_scan"], count=data["packages"],
            lot=data["lot"] if data["tracked"] else None,
            expiry=date.fromisoformat(data["expiry"]) if data.get("expiry") else None,
            container_code=pallet, new_pallet=new_pallet,
            over_receipt_allowed=over, over_reason=f"{data['over_reason']} (ok {data['supervisor']})" if over else None,
            today=ctx.today,
        )
        lines = data.get("lines", 0) + 1
        message = f"got {display(result.quantity)} {result.sku}"
        if result.over_quantity:
            message += f" ({display(result.over_quantity)} over)"
        if result.allocated_to:
            message += f" for {result.allocated_to}"
        keep = {"receipt": data["receipt"], "po": data["po"], "against": data["against"], "pallet": result.container_code,
                "lines": lines, "progress": f"{data['receipt']} {lines} lines",
                "last": f"{display(result.quantity)} {result.sku}"}
        keep["show"] = _lines(keep, keep["last"])
        prints = (PrintRequest("pallet", result.container_code),) if new_pallet and result.container_code else ()
        posted = state.posted("item", done=1, **keep)
        if result.cross_dock:
            proposals = [
                {"receipt_line_id": p.receipt_line_id, "order_number": p.order_number, "order_line_id": p.order_line_id,
                 "quantity": display(p.quantity), "from_code": p.from_code, "to_code": p.to_code}
                for p in result.cross_dock
            ]
            reply = self._after(posted.with_data(sku=result.sku), proposals, message)
            return Reply(reply.state, message=reply.message, prints=prints)
        return Reply(posted, message=message, prints=prints)

    def _after(self, state: FlowState, proposals: list[dict], message: str) -> Reply:
        """Ask about the next cross-dock proposal, or go on scanning items."""
        if not proposals:
            return Reply(state.posted("item", **{k: v for k, v in state.data.items() if k not in ("proposals", "sku")}),
                         message=message)
        first = proposals[0]
        show = [f"{first['order_number']} waits", f"{first['quantity']} {state.data['sku']}", f"to {first['to_code']}",
                "1 yes 2 no"]
        return Reply(state.posted("crossdock", **{**state.data, "proposals": proposals, "show": show}),
                     message=f"{message}; back order {first['order_number']} waits")


def _po_line(session: Session, po_number: str, item_id: int) -> PurchaseOrderLine | None:
    """The PO line a scan of the item fills, as receiving chooses it: the earliest line still
    short, else the last (an over-receipt)."""
    lines = session.exec(
        select(PurchaseOrderLine).join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(PurchaseOrder.number == po_number, PurchaseOrderLine.item_id == item_id)
        .order_by(PurchaseOrderLine.expected_date, PurchaseOrderLine.id)
    ).all()
    if not lines:
        return None
    return next((line for line in lines if line.received_quantity < line.quantity), lines[-1])


def _item_id(session: Session, barcode: str) -> int:
    return resolve_item(session, barcode).item.id


def _lines(data: dict, last: str | None) -> list[str]:
    """What the receiver sees between items: the receipt, the PO, the open pallet."""
    lines = [data["receipt"], f"PO {data['po']}" if data["po"] else "blind receipt"]
    if data.get("pallet"):
        lines += ["pallet", data["pallet"]]
    else:
        lines.append("no pallet open")
    if last:
        lines.append(f"last {last}")
    return lines


register(ReceiveHandler())
