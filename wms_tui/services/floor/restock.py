"""Restock: putaway of received pallets, pick-face refills and returned goods back to stock.

Putaway: scan the pallet (or an item) at the dock -> the suggested bin with its reason -> scan
the bin. F1 takes the next putaway of the queue (scan the goods to confirm you have them), F2
the next pick-face refill (go to the reserve bin, scan it, scan the item, then the pick face).
A putaway of a returned item goes to the bin chosen when the return was restocked. Another bin
than suggested is accepted for a putaway when scanned twice; refills and returns go to their
bin only. The move is posted when the bin is scanned.
"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, func, select

from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.flows import Action, Expect, Flow, FlowState, Step
from wms_tui.domain.quantities import display
from wms_tui.services import tasks
from wms_tui.services.floor.common import claim_from, item_of_scan, short_place
from wms_tui.services.floor.scans import ParsedScan
from wms_tui.services.floor.terminal import UNDO, FloorContext, FlowHandler, Reply, register
from wms_tui.services.inbound.common import resolve_item
from wms_tui.services.inbound.putaway import complete_move_task, start_putaway
from wms_tui.services.outbound.returns import confirm_restock
from wms_tui.services.tasks import TaskKind, TaskState
from wms_tui.store.models import (
    Container,
    Item,
    Location,
    Receipt,
    ReceiptLine,
    SalesReturnLine,
    Task,
)

MOVE_KINDS = (TaskKind.PUTAWAY.value, TaskKind.REPLENISH.value)

RESTOCK = Flow(
    "restock",
    "Restock",
    (
        Step("take", Expect.GOODS, "Scan pallet or item"),
        Step("source", Expect.BIN, "Go to {from_shown}, scan bin"),
        Step("goods", Expect.GOODS, "Take {what}, scan it"),
        Step("to", Expect.BIN, "{put}"),
    ),
    (Action(1, "next", "next"), Action(2, "refill", "refill"), Action(3, "skip", "skip"), Action(4, "undo", UNDO)),
)


class RestockHandler(FlowHandler):
    flow = RESTOCK

    def start(self, ctx: FloorContext) -> Reply:
        state = self._idle(ctx, FlowState(RESTOCK.name, "take"))
        held = [task for task in tasks.resume(ctx.session, ctx.operator.code, ctx.warehouse_id)
                if task.kind in MOVE_KINDS]
        if held:
            return self._begin(ctx, state, held[0], scanned=False, message="resumed your task")
        return Reply(state, message="restock")

    def on_scan(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        return getattr(self, f"_{state.step}")(ctx, state, scan)

    def on_action(self, ctx: FloorContext, state: FlowState, action: str) -> Reply:
        if action in ("next", "refill"):
            if state.step != "take":
                raise InvalidInput("finish or skip this task first (F3 skip)")
            kind = TaskKind.PUTAWAY if action == "next" else TaskKind.REPLENISH
            task = claim_from(ctx.session, ctx.operator.code, ctx.warehouse_id, kind, None)
            if task is None:
                what = "putaways" if action == "next" else "pick-face refills"
                raise NotFound(f"no {what} waiting")
            return self._begin(ctx, state, task, scanned=False)
        if action == "skip":
            if "task" not in state.data:
                raise InvalidInput("no task to skip: scan a pallet or item, F1 next")
            tasks.skip_task(ctx.session, state.data["task"], ctx.operator.code)
            return Reply(self._idle(ctx, state.posted("take")), message=f"task {state.data['task']} skipped")
        raise InvalidInput(f"{action} is not available here")

    # -- steps ---------------------------------------------------------------------------------

    def _take(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        warehouse = ctx.warehouse_id
        if scan.gtin:
            item = resolve_item(ctx.session, scan.gtin).item
            task = _task_of_item(ctx.session, warehouse, ctx.operator.code, item)
            if task is None:
                raise NotFound(f"no putaway or refill waits for {item.sku}")
        else:
            pallet = _pallet(ctx.session, scan.code)
            task = _task_of_pallet(ctx.session, warehouse, ctx.operator.code, pallet)
            if task is None:
                raise NotFound(f"no putaway waits for pallet {pallet.code}")
        return self._begin(ctx, state, task, scanned=True)

    def _source(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        if scan.location_code != state.data["from"]:
            raise InvalidInput(f"wrong bin {short_place(scan.location_code)}: take from {state.data['from_shown']}")
        return Reply(state.go("goods"), message=f"at {state.data['from_shown']}")

    def _goods(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        data = state.data
        if scan.gtin:
            item_of_scan(ctx.session, scan, data["sku"])
        elif scan.code.strip() != data.get("pallet"):
            expected = f"pallet {data['pallet']}" if data.get("pallet") else data["sku"]
            raise InvalidInput(f"{scan.shown} is not on this task: scan {expected}")
        return Reply(state.go("to"), message=f"{data['what']} ok")

    def _to(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        data = state.data
        target = scan.location_code
        if data["to"] and target != data["to"]:
            if data["fixed"]:
                raise InvalidInput(f"wrong bin {short_place(target)}: put it in {short_place(data['to'])}")
            if state.needs_confirmation(scan.raw):
                return Reply(state.awaiting(scan.raw), ok=False,
                             message=f"not the suggested bin {short_place(data['to'])}: scan again to use {short_place(target)}")
        if data["returned"]:
            confirm_restock(ctx.session, ctx.posting, data["task"], location_scan=scan.text.strip(), today=ctx.today)
            moved = Decimal(data["left"])
        else:
            moved = complete_move_task(ctx.session, ctx.posting, data["task"], scan.text.strip()).moved
        message = f"put {display(moved)} {data['sku']} in {short_place(target)}"
        posted = state.posted("take", done=1)
        if data.get("pallet"):
            warehouse = ctx.warehouse_id
            following = _task_of_pallet(ctx.session, warehouse, ctx.operator.code, _pallet(ctx.session, data["pallet"]))
            if following is not None:
                return self._begin(ctx, posted, following, scanned=True, message=f"{message}; next on the pallet")
        return Reply(self._idle(ctx, posted), message=message)

    # -- tasks ---------------------------------------------------------------------------------

    def _begin(self, ctx: FloorContext, state: FlowState, task: Task, *, scanned: bool, message: str = "") -> Reply:
        """Claim the task, get its bin (suggested now, from the stock as it is), and say where."""
        returned = ctx.session.exec(select(SalesReturnLine.id).where(SalesReturnLine.task_id == task.id)).first() is not None
        if returned:
            task = tasks.claim_task(ctx.session, task.id, ctx.operator.code)
            to_code = _code(ctx.session, task.target_location_id)
            reason = "return to stock"
        else:
            started = start_putaway(ctx.session, task.id, ctx.operator.code)
            to_code, reason = started.to_code, started.reason
        item = ctx.session.get(Item, task.item_id)
        left = task.quantity - task.done_quantity
        from_code = _code(ctx.session, task.location_id)
        pallet = _pallet_of(ctx.session, task)
        refill = task.kind == TaskKind.REPLENISH.value
        what = f"pallet {pallet}" if pallet else f"{display(left)} {item.sku}"
        put = f"Put in {short_place(to_code)}, scan bin" if to_code else "No bin fits: scan a bin"
        data = {
            "task": task.id, "kind": task.kind, "sku": item.sku, "left": str(left), "from": from_code,
            "from_shown": short_place(from_code), "to": to_code, "pallet": pallet, "returned": returned,
            "fixed": returned or refill, "what": what, "put": put, "progress": state.data.get("progress", ""),
            "show": [f"#{task.id} {task.kind}", f"{item.sku} x {display(left)}", item.name[:20],
                     f"from {short_place(from_code)}", f"to {short_place(to_code)}" if to_code else "to: you choose",
                     reason[:40]],
        }
        step = "source" if refill else ("to" if scanned else "goods")
        begun = state.posted(step, **data)
        return Reply(begun, message=message or f"{task.kind} {display(left)} {item.sku}")

    def _idle(self, ctx: FloorContext, state: FlowState) -> FlowState:
        warehouse = ctx.warehouse_id
        counts = dict(ctx.session.exec(
            select(Task.kind, func.count()).where(Task.warehouse_id == warehouse, Task.state == TaskState.OPEN.value,
                                                  Task.kind.in_(MOVE_KINDS)).group_by(Task.kind)
        ).all())
        putaways, refills = counts.get(TaskKind.PUTAWAY.value, 0), counts.get(TaskKind.REPLENISH.value, 0)
        show = [f"{putaways} putaways open", f"{refills} refills open", "F1 next putaway", "F2 next refill"]
        return FlowState(RESTOCK.name, "take", {"show": show, "progress": f"{state.done} done"}, (), None, state.done)


def _code(session: Session, location_id: int | None) -> str | None:
    return session.get(Location, location_id).code if location_id else None


def _pallet(session: Session, code: str) -> Container:
    container = session.exec(select(Container).where(Container.code == code.strip())).first()
    if container is None:
        raise NotFound(f"no pallet {code.strip()}: scan its label or an item on it")
    return container


def _pallet_of(session: Session, task: Task) -> str | None:
    """The pallet a receipt's putaway moves (the receipt line arrived on it)."""
    if task.kind != TaskKind.PUTAWAY.value or task.document_line_id is None:
        return None
    return session.exec(
        select(Container.code).join(ReceiptLine, ReceiptLine.container_id == Container.id)
        .join(Receipt, Receipt.id == ReceiptLine.receipt_id)
        .where(ReceiptLine.id == task.document_line_id, Receipt.number == task.document_ref)
    ).first()


def _available(operator: str):
    return (Task.state == TaskState.OPEN.value) | ((Task.state == TaskState.CLAIMED.value) & (Task.assignee == operator))


def _task_of_pallet(session: Session, warehouse: int, operator: str, pallet: Container) -> Task | None:
    """The next putaway of goods received on the pallet, where the pallet stands now."""
    return session.exec(
        select(Task).join(ReceiptLine, ReceiptLine.id == Task.document_line_id)
        .join(Receipt, (Receipt.id == ReceiptLine.receipt_id) & (Receipt.number == Task.document_ref))
        .where(Task.warehouse_id == warehouse, Task.kind == TaskKind.PUTAWAY.value, _available(operator),
               ReceiptLine.container_id == pallet.id, Task.location_id == pallet.location_id)
        .order_by(Task.queue_position, Task.id)
    ).first()


def _task_of_item(session: Session, warehouse: int, operator: str, item: Item) -> Task | None:
    """The next putaway (else refill) of the item: the operator's own first, then the queue."""
    return session.exec(
        select(Task).where(Task.warehouse_id == warehouse, Task.item_id == item.id, Task.kind.in_(MOVE_KINDS),
                           _available(operator))
        .order_by((Task.state == TaskState.CLAIMED.value).desc(), Task.kind, Task.queue_position, Task.id)
    ).first()


register(RestockHandler())
