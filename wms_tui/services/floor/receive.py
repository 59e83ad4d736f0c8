"""Receive: scan the PO (or its supplier, or an item on it) -> scan items (lot, expiry) ->
quantity -> pallet. Goods land in the warehouse's first receipt zone (WH1/INPUT) and their
putaway is queued.

A scan is posted when its quantity is known and a pallet is chosen (the current pallet, a
scanned pallet label, or F2 for a new pallet whose label is printed). Receiving more than the
PO line still expects needs a supervisor's badge and PIN and a reason; goods a back order waits for
are offered for cross-dock straight to Output.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.flows import Action, Expect, Flow, FlowState, Step
from wms_tui.domain.inbound import check_lot_data
from wms_tui.domain.items import Tracking
from wms_tui.domain.quantities import display
from wms_tui.domain.typed import typed_date
from wms_tui.services.floor.common import (
    ApprovalData,
    ApprovalStep,
    SupervisorApproval,
    approval_steps,
)
from wms_tui.services.floor.printing import PALLET
from wms_tui.services.floor.scans import ParsedScan, whole_number
from wms_tui.services.floor.terminal import UNDO, FloorContext, FlowHandler, PrintRequest, Reply
from wms_tui.services.inbound.receiving import (
    CrossDockProposal,
    accept_cross_dock,
    finish_if_open,
    finish_receipt,
    line_to_fill,
    receive_scan,
    start_blind_receipt,
    start_receipt,
)
from wms_tui.store.finders import item_by_scan

# Why more arrived than ordered; the code is stored on the receipt line with the supervisor.
OVER_REASONS = ("supplier_extra", "pack_rounding", "free_goods", "replacement")


@dataclass(frozen=True)
class ReceiveData(ApprovalData):
    # The receipt open on this terminal:
    receipt: str | None = None
    po: str | None = None  # None: a blind receipt
    against: str = ""  # what the receipt is for, as the receiver scanned it
    pallet: str | None = None  # the pallet being filled
    lines: int = 0  # lines received
    last: str | None = None  # what the last line received
    # The item being received:
    sku: str = ""
    item_scan: str | None = None
    per_scan: Decimal = Decimal(1)
    unit: str = ""
    tracked: bool = False
    expiry_tracked: bool = False
    lot: str | None = None
    expiry: date | None = None
    item_show: tuple[str, ...] = ()
    packages: int = 0
    units: Decimal = Decimal(0)
    # More than ordered, and who allowed it why:
    over: Decimal | None = None
    supervisor: str | None = None
    over_reason: str | None = None
    # Back orders waiting for the goods just received, asked one by one:
    proposals: tuple[CrossDockProposal, ...] = ()

    @property
    def document(self) -> str:
        return self.po or self.receipt or ""

    @property
    def over_shown(self) -> str:
        return display(self.over) if self.over is not None else "?"

    @property
    def reasons(self) -> int:
        return len(OVER_REASONS)

    def receipt_part(self) -> dict:
        """What stays between items: the receipt and its pallet."""
        return {"receipt": self.receipt, "po": self.po, "against": self.against, "pallet": self.pallet,
                "lines": self.lines, "last": self.last, "progress": self.progress}


class ReceiveStep(StrEnum):
    """The steps of the receive flow, in their order."""

    SOURCE = "source"
    ITEM = "item"
    LOT = "lot"
    EXPIRY = "expiry"
    QTY = "qty"
    SUPERVISOR = ApprovalStep.SUPERVISOR.value
    SUPERVISOR_PIN = ApprovalStep.SUPERVISOR_PIN.value
    OVER_REASON = "over_reason"
    PALLET = "pallet"
    CROSSDOCK = "crossdock"


RECEIVE = Flow(
    "receive",
    "Receive",
    (
        Step(ReceiveStep.SOURCE, Expect.SOURCE, "Scan PO, supplier or item"),
        Step(ReceiveStep.ITEM, Expect.ITEM, "Scan item for {against}"),
        Step(ReceiveStep.LOT, Expect.LOT, "Scan lot of {sku}"),
        Step(ReceiveStep.EXPIRY, Expect.DATE, "Expiry of {lot}"),
        Step(ReceiveStep.QTY, Expect.QUANTITY, "Qty of {unit}"),
        *approval_steps("Over {over_shown}: supervisor badge"),
        Step(ReceiveStep.OVER_REASON, Expect.CHOICE, "Over: reason 1-{reasons}"),
        Step(ReceiveStep.PALLET, Expect.CONTAINER, "Scan pallet, F2 new"),
        Step(ReceiveStep.CROSSDOCK, Expect.CHOICE, "Cross-dock? 1 yes 2 no"),
    ),
    (Action(1, "blind", "blind"), Action(2, "new pal", "new_pallet"), Action(3, "close", "close"),
     Action(4, "undo", UNDO), Action(5, "done", "done")),
    ReceiveData,
)


class ReceiveHandler(SupervisorApproval, FlowHandler):
    flow = RECEIVE

    def start(self, ctx: FloorContext) -> Reply:
        state = RECEIVE.begin(ReceiveStep.SOURCE, show=("PO number, supplier", "or an item on it;", "F1 blind receipt"))
        return Reply(state, message="receive")

    def on_action(self, ctx: FloorContext, state: FlowState[ReceiveData], action: str) -> Reply:
        data = state.data
        if action == "blind":
            if state.step != ReceiveStep.SOURCE:
                raise InvalidInput(f"receipt {data.receipt} is open: F5 done first")
            receipt = start_blind_receipt(ctx.session, ctx.warehouse)
            return self._opened(state, receipt.number, None, "blind")
        if data.receipt is None:
            raise InvalidInput("scan a PO, supplier or item first (F1 blind receipt)")
        if action == "new_pallet":
            if state.step != ReceiveStep.PALLET:
                raise InvalidInput("F2 starts a pallet when one is asked for; F3 closes the current one")
            return self._post(ctx, state, None, new_pallet=True)
        if action == "close":
            if state.step != ReceiveStep.ITEM:
                raise InvalidInput("finish this item first (F4 undo)")
            if not data.pallet:
                raise InvalidInput("no pallet is open")
            closed = state.with_data(pallet=None, show=_lines(data.receipt, data.po, None, None))
            return Reply(closed, message=f"pallet {data.pallet} closed")
        if action == "done":
            if state.step != ReceiveStep.ITEM:
                raise InvalidInput("finish this item first (F4 undo)")
            finish_receipt(ctx.session, data.receipt)
            return Reply(None, message=f"receipt {data.receipt} done: {data.lines} lines")
        raise InvalidInput(f"{action} is not available here")

    def leave(self, ctx: FloorContext, state: FlowState[ReceiveData]) -> None:
        """Leaving the flow finishes the receipt (a later delivery gets its own)."""
        if state.data.receipt:
            finish_if_open(ctx.session, state.data.receipt)

    # -- steps ---------------------------------------------------------------------------------

    def _source(self, ctx: FloorContext, state: FlowState[ReceiveData], scan: ParsedScan) -> Reply:
        receipt = start_receipt(ctx.session, scan.code, warehouse_code=ctx.warehouse)
        return self._opened(state, receipt.number, receipt.po_number, receipt.po_number)

    def _opened(self, state: FlowState[ReceiveData], receipt: str, po: str | None, against: str) -> Reply:
        opened = state.posted(ReceiveStep.ITEM, receipt=receipt, po=po, against=against, progress="0 lines",
                              show=_lines(receipt, po, None, None))
        return Reply(opened, message=f"{receipt} for {against}")

    def _item(self, ctx: FloorContext, state: FlowState[ReceiveData], scan: ParsedScan) -> Reply:
        scanned = item_by_scan(ctx.session, scan.gtin)
        item = scanned.item
        po = state.data.po
        line = None
        if po:
            line = line_to_fill(ctx.session, po, item.id)
            if line is None:
                raise InvalidInput(f"{item.sku} is not on {po}: set it aside or receive it blind")
        tracked = Tracking(item.tracking) is not Tracking.NONE
        per_scan = scanned.units_per_scan
        unit = f"{item.sku}" if per_scan == 1 else f"{item.sku} packs of {display(per_scan)}"
        shown = [item.sku, item.name[:20]]
        if line is not None:
            shown.append(f"ordered {display(line.quantity)}")
            shown.append(f"received {display(line.received_quantity)}")
        facts = {
            "sku": item.sku, "item_scan": scan.gtin, "per_scan": per_scan, "unit": unit,
            "tracked": tracked, "expiry_tracked": item.expiry_tracked, "lot": None, "expiry": None,
            "over": None, "supervisor": None, "over_reason": None, "item_show": tuple(shown), "show": tuple(shown),
        }
        if tracked and scan.lot:
            expiry = scan.expiry
            if expiry is not None:
                check_lot_data(item.sku, True, item.expiry_tracked, scan.lot, expiry, ctx.today)
            facts.update(lot=scan.lot, expiry=expiry)
            if item.expiry_tracked and expiry is None:
                return Reply(state.go(ReceiveStep.EXPIRY, **facts), message=f"lot {scan.lot}")
            # The date read from the label, shown back: a misread is caught before it is posted.
            read = f"lot {scan.lot}" + (f" exp {expiry.isoformat()}" if expiry else "")
            shown_with_lot = (*shown, read)
            facts.update(item_show=shown_with_lot, show=shown_with_lot)
            return Reply(state.go(ReceiveStep.QTY, **facts), message=f"{item.sku} {read}")
        if tracked:
            return Reply(state.go(ReceiveStep.LOT, **facts), message=f"{item.sku} is lot-tracked")
        return Reply(state.go(ReceiveStep.QTY, **facts), message=f"{item.sku} ok")

    def _lot(self, ctx: FloorContext, state: FlowState[ReceiveData], scan: ParsedScan) -> Reply:
        lot = scan.text.strip()
        if len(lot) > 40:
            raise InvalidInput("lot longer than 40 characters: scan the lot barcode")
        if state.data.expiry_tracked:
            return Reply(state.go(ReceiveStep.EXPIRY, lot=lot), message=f"lot {lot}")
        return Reply(state.go(ReceiveStep.QTY, lot=lot), message=f"lot {lot}")

    def _expiry(self, ctx: FloorContext, state: FlowState[ReceiveData], scan: ParsedScan) -> Reply:
        expiry = typed_date(scan.text, ctx.date_order, "expiry")
        check_lot_data(state.data.sku, True, True, state.data.lot, expiry, ctx.today)
        shown = (*state.data.item_show, f"lot {state.data.lot} exp {expiry.isoformat()}")
        return Reply(state.go(ReceiveStep.QTY, expiry=expiry, item_show=shown, show=shown),
                     message=f"expires {expiry.isoformat()}")

    def _qty(self, ctx: FloorContext, state: FlowState[ReceiveData], scan: ParsedScan) -> Reply:
        data = state.data
        packages = whole_number(scan, "quantity")
        units = data.per_scan * packages
        over = Decimal(0)
        if data.po:
            line = line_to_fill(ctx.session, data.po, item_by_scan(ctx.session, data.item_scan).item.id)
            over = min(line.received_quantity + units - line.quantity, units)
        moved = state.with_data(packages=packages, units=units)
        if over > 0:
            show = (*data.item_show, f"over by {display(over)}", "supervisor: badge")
            return self._ask_supervisor(ctx, moved.with_data(over=over), show=show, ok=False,
                                        message=f"{display(over)} {data.sku} more than ordered")
        return self._to_pallet(ctx, moved)

    def _approval_of(self, state: FlowState[ReceiveData]) -> str:
        data = state.data
        return f"over-receipt {display(data.over)} {data.sku} on {data.receipt}"

    def _approved(self, ctx: FloorContext, state: FlowState[ReceiveData], supervisor: str, message: str) -> Reply:
        return self._ask_reason(state, state.data.over, supervisor, message)

    def _ask_reason(self, state: FlowState[ReceiveData], over: Decimal, supervisor: str, message: str) -> Reply:
        show = (f"over {display(over)} ok {supervisor}", *(f"{n} {reason}" for n, reason in enumerate(OVER_REASONS, 1)))
        return Reply(state.go(ReceiveStep.OVER_REASON, over=over, supervisor=supervisor, supervisor_badge=None, show=show),
                     message=f"{message}: why?")

    def _over_reason(self, ctx: FloorContext, state: FlowState[ReceiveData], scan: ParsedScan) -> Reply:
        choice = whole_number(scan, "reason", maximum=len(OVER_REASONS))
        return self._to_pallet(ctx, state.with_data(over_reason=OVER_REASONS[choice - 1]))

    def _to_pallet(self, ctx: FloorContext, state: FlowState[ReceiveData]) -> Reply:
        data = state.data
        if data.pallet:
            return self._post(ctx, state, data.pallet)
        show = (*data.item_show, f"qty {display(data.units)}", "F2 new pallet")
        return Reply(state.go(ReceiveStep.PALLET, show=show), message=f"{display(data.units)} {data.sku}: which pallet?")

    def _pallet(self, ctx: FloorContext, state: FlowState[ReceiveData], scan: ParsedScan) -> Reply:
        return self._post(ctx, state, scan.code)

    def _crossdock(self, ctx: FloorContext, state: FlowState[ReceiveData], scan: ParsedScan) -> Reply:
        choice = whole_number(scan, "choice", maximum=2)
        proposal, *proposals = state.data.proposals
        if choice == 1:
            accept_cross_dock(ctx.session, ctx.posting, proposal)
            message = f"{display(proposal.quantity)} {state.data.sku} to {proposal.to_code} for {proposal.order_number}"
        else:
            message = f"no cross-dock for {proposal.order_number}: putaway as usual"
        return self._after(state, tuple(proposals), message)

    steps = {
        ReceiveStep.SOURCE: _source,
        ReceiveStep.ITEM: _item,
        ReceiveStep.LOT: _lot,
        ReceiveStep.EXPIRY: _expiry,
        ReceiveStep.QTY: _qty,
        ReceiveStep.SUPERVISOR: SupervisorApproval._supervisor,
        ReceiveStep.SUPERVISOR_PIN: SupervisorApproval._supervisor_pin,
        ReceiveStep.OVER_REASON: _over_reason,
        ReceiveStep.PALLET: _pallet,
        ReceiveStep.CROSSDOCK: _crossdock,
    }

    # -- posting -------------------------------------------------------------------------------

    def _post(self, ctx: FloorContext, state: FlowState[ReceiveData], pallet: str | None, *, new_pallet: bool = False) -> Reply:
        data = state.data
        over = data.over_reason is not None
        result = receive_scan(
            ctx.session, ctx.posting, data.receipt, data.item_scan, count=data.packages,
            lot=data.lot if data.tracked else None, expiry=data.expiry,
            container_code=pallet, new_pallet=new_pallet,
            over_receipt_allowed=over, over_reason=f"{data.over_reason} (ok {data.supervisor})" if over else None,
            today=ctx.today,
        )
        lines = data.lines + 1
        message = f"got {display(result.quantity)} {result.sku}"
        if result.over_quantity:
            message += f" ({display(result.over_quantity)} over)"
        if result.allocated_to:
            message += f" for {result.allocated_to}"
        last = f"{display(result.quantity)} {result.sku}"
        posted = state.posted(ReceiveStep.ITEM, done=1, receipt=data.receipt, po=data.po, against=data.against,
                              pallet=result.container_code, lines=lines, last=last,
                              progress=f"{lines} lines",
                              show=_lines(data.receipt, data.po, result.container_code, last))
        prints = (PrintRequest(PALLET, result.container_code),) if new_pallet and result.container_code else ()
        if result.cross_dock:
            reply = self._after(posted.with_data(sku=result.sku), tuple(result.cross_dock), message)
            return Reply(reply.state, message=reply.message, prints=prints)
        return Reply(posted, message=message, prints=prints)

    def _after(self, state: FlowState[ReceiveData], proposals: tuple[CrossDockProposal, ...], message: str) -> Reply:
        """Ask about the next cross-dock proposal, or go on scanning items."""
        if not proposals:
            return Reply(state.posted(ReceiveStep.ITEM, **state.data.receipt_part(), show=state.data.show), message=message)
        first = proposals[0]
        show = (f"{first.order_number} waits", f"{display(first.quantity)} {state.data.sku}", f"to {first.to_code}",
                "1 yes 2 no")
        return Reply(state.posted(ReceiveStep.CROSSDOCK, **state.data.receipt_part(), sku=state.data.sku, proposals=proposals,
                                  show=show),
                     message=f"{message}; back order {first.order_number} waits")


def _lines(receipt: str, po: str | None, pallet: str | None, last: str | None) -> tuple[str, ...]:
    """What the receiver sees between items: the receipt, the PO, the open pallet."""
    lines = [receipt, f"PO {po}" if po else "blind receipt"]
    lines += ["pallet", pallet] if pallet else ["no pallet open"]
    if last:
        lines.append(f"last {last}")
    return tuple(lines)
