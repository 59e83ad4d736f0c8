"""Pick: next task (or a scanned pick list) -> scan bin -> scan item (lot) -> [count] -> [tote].

Scan-to-count: the item scan counts its units (a case barcode its pack quantity); when that is
all the task wants, the line is picked there and then, so a one-unit line is bin, item, done.
Otherwise each further scan of the item adds to the count, a typed quantity replaces it, and
Enter (empty) takes what was counted. The tote is asked once per order (or batch slot), not per
line: it stays in hand, shown in the status line, until the order's picks are done or F6 says
the tote is full. A partly picked task goes back to the item step at the same bin.

Short pick (F2) asks how many were found, then why: the found units are picked, the rest is
allocated again from other bins or follows the back-order policy. F5 gives the task back and
returns to "scan pick list"; skip (F3) sends it to the end of the queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from wms_tui.domain.auth import AuthKind
from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.flows import Action, Expect, Flow, FlowData, FlowState, Seen, Step
from wms_tui.domain.locations import location_barcode
from wms_tui.domain.outbound import SHORT_PICK_REASONS, ShortPickOutcome
from wms_tui.domain.quantities import ZERO, display
from wms_tui.domain.states import TaskKind
from wms_tui.services import operators, task_queue, tasks
from wms_tui.services.floor.common import item_of_scan, short_place
from wms_tui.services.floor.scans import ParsedScan, whole_number
from wms_tui.services.floor.terminal import UNDO, FloorContext, FlowHandler, Reply
from wms_tui.services.outbound.common import is_expired, resolve_lot
from wms_tui.services.outbound.order_containers import tote_contents
from wms_tui.services.outbound.picking import check_pick_bin, confirm_pick, short_pick
from wms_tui.services.task_queue import TaskView
from wms_tui.store import finders

REASONS = tuple(sorted(SHORT_PICK_REASONS))


@dataclass(frozen=True)
class PickData(FlowData):
    list: str | None = None  # the scanned pick list or order; None: the whole queue
    totes: dict[str, str] = field(default_factory=dict)  # order -> the tote in hand for it
    tally: str = ""  # tasks done / of the list, for the status line
    # The task, as claimed:
    task: int | None = None
    bin: str = ""
    sku: str = ""
    name: str = ""
    left: Decimal = Decimal(0)
    lot: str | None = None
    expiry: date | None = None
    tote: str | None = None  # the task's own tote: its batch slot in cluster picking
    order: str | None = None
    # What was scanned for it:
    at: str | None = None  # the bin picked from (another than suggested, when confirmed)
    item_scan: str | None = None
    per_scan: Decimal = Decimal(1)
    lot_scanned: str | None = None
    counted: Decimal = Decimal(0)  # units counted at the bin, not posted yet
    found: Decimal | None = None  # short pick: units found, waiting for the reason

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
    def counted_shown(self) -> str:
        return display(self.counted)

    @property
    def in_hand(self) -> str:
        """What waits for a tote: the units counted, or the order a new tote is for."""
        if self.counted:
            return f"{display(self.counted)} {self.sku}"
        return self.order or "?"

    @property
    def in_tote(self) -> str | None:
        return self.totes.get(self.order or "")

    @property
    def most_found(self) -> str:
        return display(self.left - 1)

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
    FOUND = "found"
    REASON = "reason"


PICK = Flow(
    "pick",
    "Pick",
    (
        Step(PickStep.LIST, Expect.DOCUMENT, "Scan pick list, F1 next task"),
        Step(PickStep.BIN, Expect.BIN_OR_CODE, "Scan bin {place}"),
        Step(PickStep.ITEM, Expect.ITEM, "Scan {sku}"),
        Step(PickStep.LOT, Expect.LOT, "Scan lot of {sku}"),
        Step(PickStep.QTY, Expect.COUNT, "{counted_shown} of {left_shown}: scan, Enter", counts=True),
        Step(PickStep.TOTE, Expect.TOTE, "Tote for {in_hand}"),
        Step(PickStep.FOUND, Expect.QUANTITY, "Found how many? 0-{most_found}"),
        Step(PickStep.REASON, Expect.CHOICE, "Short: reason 1-{reasons}"),
    ),
    (Action(1, "next", "next"), Action(2, "short", "short"), Action(3, "skip", "skip"), Action(4, "undo", UNDO),
     Action(5, "list", "release"), Action(6, "tote", "new_tote")),
    PickData,
)


def progress(tally: str, tote: str | None) -> str:
    """The status line's part after the document (the order): tasks done of all, the tote in hand."""
    return " ".join(part for part in (tally, tote) if part)


class PickHandler(FlowHandler):
    flow = PICK

    def start(self, ctx: FloorContext) -> Reply:
        state = PICK.begin(PickStep.LIST, show=("F1 takes the next", "task of the queue"))
        held = [task for task in tasks.resume(ctx.session, ctx.operator.code, ctx.warehouse_id)
                if task.kind == TaskKind.PICK.value]
        if held:
            return self._task_reply(ctx, state, held[0].id, None, "resumed your task")
        return Reply(state, message="pick")

    def on_action(self, ctx: FloorContext, state: FlowState[PickData], action: str) -> Reply:
        data = state.data
        if action == "next":
            if state.step != PickStep.LIST:
                raise InvalidInput("finish this task first (F3 skip, F5 list)")
            return self._next(ctx, state, None)
        if data.task is None:
            raise InvalidInput("no task yet: scan a pick list or F1 next task")
        if action == "skip":
            tasks.skip_task(ctx.session, data.task, ctx.operator.code)
            return self._next(ctx, state, data.list, message=f"task {data.task} skipped")
        if action == "release":
            tasks.release_task(ctx.session, data.task, ctx.operator.code)
            listed = PICK.begin(PickStep.LIST, totes=data.totes, show=("F1 takes the next", "task of the queue"))
            return Reply(listed, message=f"task {data.task} given back")
        if action == "new_tote":
            totes = {order: tote for order, tote in data.totes.items() if order != data.order}
            full = f"tote {data.in_tote} full: " if data.in_tote else ""
            return Reply(state.go(PickStep.TOTE, totes=totes, progress=progress(data.tally, None)),
                         message=f"{full}scan a new tote")
        if action == "short":
            if state.step in (PickStep.FOUND, PickStep.REASON):
                raise InvalidInput("short pick already started: F4 undo to go back")
            return Reply(state.go(PickStep.FOUND), message=f"how many {data.sku} did you find?")
        raise InvalidInput(f"{action} is not available here")

    def on_enter(self, ctx: FloorContext, state: FlowState[PickData]) -> Reply:
        """Enter alone takes the units counted."""
        if state.step == PickStep.QTY:
            return self._finish(ctx, state)
        return super().on_enter(ctx, state)

    # -- steps ---------------------------------------------------------------------------------

    def _list(self, ctx: FloorContext, state: FlowState[PickData], scan: ParsedScan) -> Reply:
        reference = scan.text.strip().upper()
        task_queue.require_work_list(ctx.session, ctx.warehouse_id, TaskKind.PICK, reference)
        return self._next(ctx, state, reference)

    def _bin(self, ctx: FloorContext, state: FlowState[PickData], scan: ParsedScan) -> Reply:
        data = state.data
        if scan.seen is Seen.TEXT:
            return self._typed_bin(ctx, state, scan)
        if scan.location_code != data.bin:
            check_pick_bin(ctx.session, data.task, ctx.operator.code, scan.location_code)
            if state.needs_confirmation(scan.raw):
                return Reply(state.awaiting(scan.raw), ok=False,
                             message=f"not the suggested bin {data.place}: scan again to pick from {short_place(scan.location_code)}")
        return Reply(state.go(PickStep.ITEM, at=scan.location_code), message=f"at {short_place(scan.location_code)}")

    def _typed_bin(self, ctx: FloorContext, state: FlowState[PickData], scan: ParsedScan) -> Reply:
        """The code shown on screen typed for a label that does not scan: taken when typed a
        second time, and written to the audit trail."""
        data = state.data
        typed = scan.text.strip().upper()
        if typed not in (data.bin.upper(), data.place.upper()):
            raise InvalidInput(f"scan the bin label of {data.place} (or type {data.place} if it is damaged)")
        if state.needs_confirmation(typed):
            return Reply(state.awaiting(typed), ok=False, message=f"label not scanned: type {data.place} again to confirm")
        operators.record_event(ctx.session, AuthKind.TYPED_BIN, ctx.operator.code, ctx.posting.terminal_id,
                               f"task {data.task}: {data.bin} typed")
        return Reply(state.go(PickStep.ITEM, at=data.bin), message=f"at {data.place} (typed, logged)")

    def _item(self, ctx: FloorContext, state: FlowState[PickData], scan: ParsedScan) -> Reply:
        data = state.data
        scanned = item_of_scan(ctx.session, scan, data.sku)
        scanned_as = {"item_scan": scan.gtin, "per_scan": scanned.units_per_scan, "lot_scanned": None}
        if scan.lot or data.lot:
            if not scan.lot:
                return Reply(state.go(PickStep.LOT, **scanned_as), message=f"{data.sku} is lot-tracked")
            self._check_lot(ctx, scanned.item, scan.lot, scan.expiry)
            scanned_as["lot_scanned"] = scan.lot
        return self._counted(ctx, state, scanned.units_per_scan, **scanned_as)

    def _lot(self, ctx: FloorContext, state: FlowState[PickData], scan: ParsedScan) -> Reply:
        lot = scan.text.strip()
        self._check_lot(ctx, finders.item_by_sku(ctx.session, state.data.sku), lot, None)
        return self._counted(ctx, state, state.data.per_scan, lot_scanned=lot)

    def _check_lot(self, ctx: FloorContext, item, lot_code: str, expiry) -> None:
        lot = resolve_lot(ctx.session, item, lot_code, expiry)
        if is_expired(lot, ctx.today):
            raise InvalidInput(f"lot {lot.code} expired {lot.expiry_date}: never pick it, take another lot")

    def _qty(self, ctx: FloorContext, state: FlowState[PickData], scan: ParsedScan) -> Reply:
        data = state.data
        if scan.seen is Seen.NUMBER:  # the quantity typed (of the barcode last scanned) finishes
            units = data.per_scan * whole_number(scan, "quantity")
            self._check_over_pick(data, units)
            return self._finish(ctx, state.with_data(counted=units))
        scanned = item_of_scan(ctx.session, scan, data.sku)
        if scan.lot and data.lot_scanned and scan.lot != data.lot_scanned:
            raise InvalidInput(f"lot {scan.lot} is another lot: finish lot {data.lot_scanned} first (Enter)")
        return self._counted(ctx, state, data.counted + scanned.units_per_scan, item_scan=scan.gtin,
                             per_scan=scanned.units_per_scan)

    def _tote(self, ctx: FloorContext, state: FlowState[PickData], scan: ParsedScan) -> Reply:
        data = state.data
        tote = scan.code.strip().upper()
        if data.tote and tote != data.tote.upper():
            raise InvalidInput(f"wrong tote {tote}: {data.order} goes into tote {data.tote}")
        holder = tote_contents(ctx.session, tote)
        if holder is not None and holder.order not in (None, data.order):
            if not data.tote:
                raise InvalidInput(f"tote {tote} holds {holder.order}: take an empty tote")
            if state.needs_confirmation(tote):  # the batch gave this order the tote: the picker decides
                return Reply(state.awaiting(tote), ok=False, message=f"tote {tote} holds {holder.order}: scan again to add {data.order}")
        totes = {**data.totes, data.order: tote}
        shown = progress(data.tally, tote)
        if data.found is not None:
            return Reply(state.go(PickStep.REASON, totes=totes, progress=shown, show=_reason_lines()),
                         message=f"tote {tote}: why is it short?")
        if data.counted:
            return self._post(ctx, state.with_data(totes=totes, progress=shown), tote)
        back = state.history[0][0] if state.history else PickStep.BIN
        return Reply(state.go(back, totes=totes, progress=shown), message=f"tote {tote} for {data.order}")

    def _found(self, ctx: FloorContext, state: FlowState[PickData], scan: ParsedScan) -> Reply:
        if scan.number is None or scan.number != scan.number.to_integral_value():
            raise InvalidInput(f"found: type a whole number from 0 to {state.data.most_found}")
        return self._found_units(ctx, state, scan.number)

    def _found_units(self, ctx: FloorContext, state: FlowState[PickData], found: Decimal) -> Reply:
        data = state.data
        if not ZERO <= found < data.left:
            raise InvalidInput(f"found: 0 to {data.most_found} (all {data.left_shown} found? Esc, F4 undo, pick them)")
        if found and data.in_tote is None:
            return Reply(state.go(PickStep.TOTE, found=found, counted=found), message=f"found {display(found)}: scan the tote")
        return Reply(state.go(PickStep.REASON, found=found, counted=found, show=_reason_lines()), message="why is it short?")

    def _reason(self, ctx: FloorContext, state: FlowState[PickData], scan: ParsedScan) -> Reply:
        data = state.data
        choice = whole_number(scan, "reason", maximum=len(REASONS))
        task_id, picked = data.task, ""
        if data.found:
            result = confirm_pick(
                ctx.session, ctx.posting, data.task, location_scan=location_barcode(data.at or data.bin),
                item_scan=data.item_scan or data.sku, units=data.found, lot_code=data.lot_scanned or data.lot,
                tote=data.in_tote, today=ctx.today,
            )
            task_id, picked = result.task_id, f"picked {display(result.picked)}; "
        result = short_pick(ctx.session, ctx.posting, task_id, reason=REASONS[choice - 1], today=ctx.today)
        rest = (f"{display(result.reallocated)} to pick elsewhere" if result.outcome is ShortPickOutcome.REALLOCATED
                else f"{display(result.short)} {result.outcome.value.replace('_', ' ')}")
        message = f"{picked}short {display(result.short)} {data.sku} ({REASONS[choice - 1]}): {rest}; bin count queued"
        return self._after_task(ctx, state, message)

    steps = {
        PickStep.LIST: _list,
        PickStep.BIN: _bin,
        PickStep.ITEM: _item,
        PickStep.LOT: _lot,
        PickStep.QTY: _qty,
        PickStep.TOTE: _tote,
        PickStep.FOUND: _found,
        PickStep.REASON: _reason,
    }

    # -- counting and posting ------------------------------------------------------------------

    @staticmethod
    def _check_over_pick(data: PickData, units: Decimal) -> None:
        if units > data.left:
            raise InvalidInput(f"over-pick: {display(units)} {data.sku}, only {data.left_shown} left on this task")

    def _counted(self, ctx: FloorContext, state: FlowState[PickData], counted: Decimal, **scanned) -> Reply:
        """The count so far: all the task wants finishes the line, less waits for more scans."""
        data = state.data
        self._check_over_pick(data, counted)
        if counted == data.left:
            return self._finish(ctx, state.with_data(counted=counted, **scanned))
        return Reply(state.go(PickStep.QTY, counted=counted, **scanned), message=f"{display(counted)} {data.sku} counted")

    def _finish(self, ctx: FloorContext, state: FlowState[PickData]) -> Reply:
        data = state.data
        if not data.counted:
            raise InvalidInput(f"nothing counted: scan {data.sku} or F2 short")
        tote = data.in_tote
        if tote is None or (data.tote and tote != data.tote):
            return Reply(state.go(PickStep.TOTE), message=f"{data.in_hand}: scan the tote" + (f" {data.tote}" if data.tote else ""))
        return self._post(ctx, state, tote)

    def _post(self, ctx: FloorContext, state: FlowState[PickData], tote: str) -> Reply:
        data = state.data
        result = confirm_pick(
            ctx.session, ctx.posting, data.task, location_scan=location_barcode(data.at or data.bin),
            item_scan=data.item_scan or data.sku, units=data.counted, lot_code=data.lot_scanned, tote=tote, today=ctx.today,
        )
        message = f"picked {display(result.picked)} {data.sku} into {tote}"
        if not result.task_done:
            task = task_queue.view_of_id(ctx.session, result.task_id)
            posted = state.posted(PickStep.ITEM, **_task_data(task, data.list), at=data.at, totes=data.totes,
                                  tally=data.tally, progress=progress(data.tally, tote))
            return Reply(posted, message=message)
        return self._after_task(ctx, state, message)

    def _after_task(self, ctx: FloorContext, state: FlowState[PickData], message: str) -> Reply:
        """The task is done: an order with no picks left hands its tote on to packing."""
        data = state.data
        totes = dict(data.totes)
        if data.order and not task_queue.pending_count(ctx.session, TaskKind.PICK, data.order):
            tote = totes.pop(data.order, None)
            if tote:
                message += f"; {data.order} picked: {tote} to packing"
        posted = state.posted(PickStep.LIST, done=1, list=data.list, totes=totes)
        return self._next(ctx, posted, data.list, message=message, holding=False)

    # -- tasks ---------------------------------------------------------------------------------

    def _next(self, ctx: FloorContext, state: FlowState[PickData], work_list: str | None, message: str = "", *,
              holding: bool = True) -> Reply:
        """Claim the next task (`holding` False: the operator just finished the one they held)."""
        task_id = task_queue.take_for(ctx.session, ctx.operator.code, ctx.warehouse_id, TaskKind.PICK, work_list,
                                      holding=holding)
        if task_id is None:
            what = f"list {work_list}" if work_list else "the queue"
            done = f"{message}; " if message else ""
            return Reply(None, message=f"{done}no more picks in {what}")
        return self._task_reply(ctx, state, task_id, work_list, message)

    def _task_reply(self, ctx: FloorContext, state: FlowState[PickData], task_id: int, work_list: str | None,
                    message: str) -> Reply:
        view, waiting = task_queue.view_with_waiting(ctx.session, task_id, ctx.warehouse_id, TaskKind.PICK,
                                                     of_batch=bool(work_list))
        tally = f"{state.done}/{state.done + waiting + 1}"  # tasks done / done + this + waiting
        totes = dict(state.data.totes)
        if view.tote and not view.batch_ref:  # resumed after part of it went into this tote
            totes.setdefault(view.document_ref or "", view.tote)
        shown = progress(tally, totes.get(view.document_ref or ""))
        return Reply(state.posted(PickStep.BIN, **_task_data(view, work_list), totes=totes, tally=tally, progress=shown),
                     message=message or f"task {task_id}")


def _reason_lines() -> tuple[str, ...]:
    return tuple(f"{n} {reason}" for n, reason in enumerate(REASONS, 1))


def _task_data(task: TaskView, work_list: str | None) -> dict:
    """The task as the flow keeps it, with the lines the picker reads."""
    show = [f"{task.document_ref or ''} #{task.id}".strip(), f"{task.sku} x {display(task.left)}", task.name]
    if task.lot:
        show.append(f"lot {task.lot}" + (f" exp {task.expiry.isoformat()}" if task.expiry else ""))
    if task.tote and task.batch_ref:
        show.append(f"tote {task.tote}")
    return {"list": work_list, "task": task.id, "bin": task.from_code or "?", "sku": task.sku, "name": task.name,
            "left": task.left, "lot": task.lot, "expiry": task.expiry, "tote": task.tote if task.batch_ref else None,
            "order": task.document_ref,
            "show": tuple(show)}
