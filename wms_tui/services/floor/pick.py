"""Pick: next task (or a scanned pick list) -> scan bin -> scan item (lot) -> quantity -> tote.

The pick is posted when the tote is scanned; a partly picked task goes back to the item step
at the same bin. Short pick asks a reason; skip sends the task to the end of the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.flows import Action, Expect, Flow, FlowData, FlowState, Step
from wms_tui.domain.outbound import SHORT_PICK_REASONS
from wms_tui.domain.quantities import display
from wms_tui.domain.states import TaskKind
from wms_tui.services import task_queue, tasks
from wms_tui.services.floor.common import item_of_scan, short_place, units_word
from wms_tui.services.floor.scans import ParsedScan, whole_number
from wms_tui.services.floor.terminal import UNDO, FloorContext, FlowHandler, Reply
from wms_tui.services.outbound.common import is_expired, resolve_lot
from wms_tui.services.outbound.picking import confirm_pick, short_pick
from wms_tui.services.task_queue import TaskView
from wms_tui.store import finders

REASONS = tuple(sorted(SHORT_PICK_REASONS))


@dataclass(frozen=True)
class PickData(FlowData):
    list: str | None = None  # the scanned pick list or order; None: the whole queue
    # The task, as claimed:
    task: int | None = None
    bin: str = ""
    sku: str = ""
    name: str = ""
    left: Decimal = Decimal(0)
    lot: str | None = None
    expiry: date | None = None
    tote: str | None = None
    order: str | None = None
    # What was scanned for it:
    at: str | None = None  # the bin picked from (another than suggested, when confirmed)
    at_raw: str | None = None
    item_scan: str | None = None
    per_scan: Decimal = Decimal(1)
    unit: str = ""
    lot_scanned: str | None = None
    packages: int = 0

    @property
    def place(self) -> str:
        return short_place(self.bin)

    @property
    def document(self) -> str:
        return self.order or self.list or ""

    @property
    def left_shown(self) -> str:
        return display(self.left)

    @property
    def tote_shown(self) -> str:
        return self.tote or ""

    @property
    def reasons(self) -> int:
        return len(REASONS)


class PickStep(StrEnum):
    """The steps of the pick flow, in their order."""

    LIST = "list"
    BIN = "bin"
    ITEM = "item"
    LOT = "lot"
    QTY = "qty"
    TOTE = "tote"
    REASON = "reason"


PICK = Flow(
    "pick",
    "Pick",
    (
        Step(PickStep.LIST, Expect.DOCUMENT, "Scan pick list, F1 next task"),
        Step(PickStep.BIN, Expect.BIN, "Scan bin {place}"),
        Step(PickStep.ITEM, Expect.ITEM, "Scan {sku}"),
        Step(PickStep.LOT, Expect.LOT, "Scan lot of {sku}"),
        Step(PickStep.QTY, Expect.QUANTITY, "Qty of {unit} (left {left_shown})"),
        Step(PickStep.TOTE, Expect.TOTE, "Scan tote {tote_shown}"),
        Step(PickStep.REASON, Expect.CHOICE, "Short: reason 1-{reasons}"),
    ),
    (Action(1, "next", "next"), Action(2, "short", "short"), Action(3, "skip", "skip"), Action(4, "undo", UNDO)),
    PickData,
)


class PickHandler(FlowHandler):
    flow = PICK

    def start(self, ctx: FloorContext) -> Reply:
        state = PICK.begin(PickStep.LIST, show=("F1 takes the next", "task of the queue"))
        held = [task for task in tasks.resume(ctx.session, ctx.operator.code, ctx.warehouse_id)
                if task.kind == TaskKind.PICK.value]
        if held:
            return self._task_reply(ctx, state, held[0], None, "resumed your task")
        return Reply(state, message="pick")

    def on_action(self, ctx: FloorContext, state: FlowState[PickData], action: str) -> Reply:
        data = state.data
        if action == "next":
            if state.step != PickStep.LIST:
                raise InvalidInput("finish or skip this task first (F3 skip)")
            return self._next(ctx, state, None)
        if data.task is None:
            raise InvalidInput("no task yet: scan a pick list or F1 next task")
        if action == "skip":
            tasks.skip_task(ctx.session, data.task, ctx.operator.code)
            return self._next(ctx, state, data.list, message=f"task {data.task} skipped")
        if action == "short":
            show = tuple(f"{n} {reason}" for n, reason in enumerate(REASONS, 1))
            return Reply(state.go(PickStep.REASON, show=show), message="why is it short?")
        raise InvalidInput(f"{action} is not available here")

    # -- steps ---------------------------------------------------------------------------------

    def _list(self, ctx: FloorContext, state: FlowState[PickData], scan: ParsedScan) -> Reply:
        reference = scan.text.strip().upper()
        task_queue.require_work_list(ctx.session, ctx.warehouse_id, TaskKind.PICK, reference)
        return self._next(ctx, state, reference)

    def _bin(self, ctx: FloorContext, state: FlowState[PickData], scan: ParsedScan) -> Reply:
        if scan.location_code != state.data.bin:
            if state.needs_confirmation(scan.raw):
                return Reply(state.awaiting(scan.raw), ok=False,
                             message=f"not the suggested bin {state.data.place}: scan again to pick from {short_place(scan.location_code)}")
        return Reply(state.go(PickStep.ITEM, at=scan.location_code, at_raw=scan.text.strip()), message=f"at {short_place(scan.location_code)}")

    def _item(self, ctx: FloorContext, state: FlowState[PickData], scan: ParsedScan) -> Reply:
        sku = state.data.sku
        scanned = item_of_scan(ctx.session, scan, sku)
        scanned_as = {"item_scan": scan.gtin, "per_scan": scanned.units_per_scan, "unit": units_word(scanned.units_per_scan),
                      "lot_scanned": None}
        if scan.lot or state.data.lot:
            if not scan.lot:
                return Reply(state.go(PickStep.LOT, **scanned_as), message=f"{sku} is lot-tracked")
            self._check_lot(ctx, scanned.item, scan.lot, scan.expiry)
            scanned_as["lot_scanned"] = scan.lot
        return Reply(state.go(PickStep.QTY, **scanned_as), message=f"{sku} ok")

    def _lot(self, ctx: FloorContext, state: FlowState[PickData], scan: ParsedScan) -> Reply:
        self._check_lot(ctx, finders.item_by_sku(ctx.session, state.data.sku), scan.text.strip(), None)
        return Reply(state.go(PickStep.QTY, lot_scanned=scan.text.strip()), message=f"lot {scan.text.strip()}")

    def _check_lot(self, ctx: FloorContext, item, lot_code: str, expiry) -> None:
        lot = resolve_lot(ctx.session, item, lot_code, expiry)
        if is_expired(lot, ctx.today):
            raise InvalidInput(f"lot {lot.code} expired {lot.expiry_date}: never pick it, take another lot")

    def _qty(self, ctx: FloorContext, state: FlowState[PickData], scan: ParsedScan) -> Reply:
        data = state.data
        packages = whole_number(scan, "quantity")
        units = data.per_scan * packages
        if units > data.left:
            raise InvalidInput(f"over-pick: {display(units)} {data.sku}, only {display(data.left)} left on this task")
        return Reply(state.go(PickStep.TOTE, packages=packages), message=f"{display(units)} {data.sku}")

    def _tote(self, ctx: FloorContext, state: FlowState[PickData], scan: ParsedScan) -> Reply:
        tote = scan.code.strip()
        data = state.data
        result = confirm_pick(
            ctx.session, ctx.posting, data.task, location_scan=data.at_raw, item_scan=data.item_scan,
            packages=data.packages, lot_code=data.lot_scanned, tote=tote, today=ctx.today,
        )
        message = f"picked {display(result.picked)} {data.sku} into {tote}"
        if not result.task_done:
            task = task_queue.view(ctx.session, tasks.get_task(ctx.session, data.task))
            posted = state.posted(PickStep.ITEM, **_task_data(task, data.list), at=data.at, at_raw=data.at_raw,
                                  progress=data.progress)
            return Reply(posted, message=message)
        return self._next(ctx, state.posted(PickStep.LIST, done=1, list=data.list), data.list, message=message)

    def _reason(self, ctx: FloorContext, state: FlowState[PickData], scan: ParsedScan) -> Reply:
        data = state.data
        choice = whole_number(scan, "reason", maximum=len(REASONS))
        result = short_pick(ctx.session, ctx.posting, data.task, reason=REASONS[choice - 1])
        message = f"short {display(result.short)} {data.sku} ({REASONS[choice - 1]}); bin count queued"
        return self._next(ctx, state.posted(PickStep.LIST, done=1, list=data.list), data.list, message=message)

    steps = {
        PickStep.LIST: _list,
        PickStep.BIN: _bin,
        PickStep.ITEM: _item,
        PickStep.LOT: _lot,
        PickStep.QTY: _qty,
        PickStep.TOTE: _tote,
        PickStep.REASON: _reason,
    }

    # -- tasks ---------------------------------------------------------------------------------

    def _next(self, ctx: FloorContext, state: FlowState[PickData], work_list: str | None, message: str = "") -> Reply:
        task = task_queue.claim_for(ctx.session, ctx.operator.code, ctx.warehouse_id, TaskKind.PICK, work_list)
        if task is None:
            what = f"list {work_list}" if work_list else "the queue"
            done = f"{message}; " if message else ""
            return Reply(None, message=f"{done}no more picks in {what}")
        return self._task_reply(ctx, state, task, work_list, message)

    def _task_reply(self, ctx: FloorContext, state: FlowState[PickData], task, work_list: str | None, message: str) -> Reply:
        waiting = task_queue.open_count(ctx.session, ctx.warehouse_id, TaskKind.PICK,
                                        batch_ref=task.batch_ref if work_list else None)
        progress = f"{state.done}/{state.done + waiting + 1}"  # tasks done / done + this + waiting
        task_data = _task_data(task_queue.view(ctx.session, task), work_list)
        return Reply(state.posted(PickStep.BIN, **task_data, progress=progress), message=message or f"task {task.id}")


def _task_data(task: TaskView, work_list: str | None) -> dict:
    """The task as the flow keeps it, with the lines the picker reads."""
    show = [f"{task.document_ref or ''} #{task.id}".strip(), f"{task.sku} x {display(task.left)}", task.name]
    if task.lot:
        show.append(f"lot {task.lot}" + (f" exp {task.expiry.isoformat()}" if task.expiry else ""))
    if task.tote:
        show.append(f"tote {task.tote}")
    return {"list": work_list, "task": task.id, "bin": task.from_code or "?", "sku": task.sku, "name": task.name,
            "left": task.left, "lot": task.lot, "expiry": task.expiry, "tote": task.tote, "order": task.document_ref,
            "show": tuple(show)}
