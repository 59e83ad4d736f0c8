"""Count (blind): scan the bin -> scan each item (and lot) and key how many -> F5 submit.

The counter sees what to count, never how many the ledger expects. Counts are collected in the
terminal's step (undo takes back the last one) and posted together on submit: every sheet line
not counted is counted as zero, items the sheet does not list join it. A difference above the
count's threshold is counted again first (the recount task is taken at once) unless a supervisor
approves the first count there and then (F2: their badge and PIN; the difference posts as
theirs); a difference that posts needs a reason code. A bin without a planned count is counted
after a second scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.flows import Action, Expect, Flow, FlowState, Step
from wms_tui.domain.inbound import count_outcome
from wms_tui.domain.items import Tracking
from wms_tui.domain.quantities import display
from wms_tui.domain.states import TaskKind
from wms_tui.services import task_queue, tasks
from wms_tui.services.floor.common import (
    ApprovalData,
    ApprovalStep,
    SupervisorApproval,
    approval_steps,
    short_place,
)
from wms_tui.services.floor.scans import ParsedScan
from wms_tui.services.floor.terminal import UNDO, FloorContext, FlowHandler, Reply
from wms_tui.services.inbound import blind_count
from wms_tui.services.inbound.blind_count import Key
from wms_tui.services.inbound.counting import RECOUNT, approve_recount, plan_cycle_count
from wms_tui.store.finders import item_by_scan
from wms_tui.store.models import Task

# Why a counted quantity differs from the books (stored on the adjustment moves).
COUNT_REASONS = ("misplaced", "damaged", "theft", "unrecorded_move", "miscount_before")
MAX_COUNT = 100_000


@dataclass(frozen=True)
class SheetEntry:
    line: int  # the count line
    sku: str
    lot: str | None


@dataclass(frozen=True)
class Counted:
    sku: str
    lot: str | None
    barcode: str
    units: Decimal


@dataclass(frozen=True)
class CountData(ApprovalData):
    task: int | None = None
    bin: str = ""
    sheet: tuple[SheetEntry, ...] = ()
    recount: bool = False
    counted: tuple[Counted, ...] = ()  # every quantity keyed, in order (undo takes back the last)
    reasons: dict[str, str] = field(default_factory=dict)  # by _key(sku, lot): why it differs
    # The item being counted:
    sku: str = ""
    barcode: str | None = None
    per_scan: Decimal = Decimal(1)
    unit: str = ""
    lot: str | None = None
    # The difference a reason is asked for:
    asking: str = ""
    asking_key: str = ""

    @property
    def place(self) -> str:
        return short_place(self.bin)

    @property
    def document(self) -> str:
        return self.place

    @property
    def reasons_count(self) -> int:
        return len(COUNT_REASONS)

    def totals(self) -> dict[Key, Decimal]:
        totals: dict[Key, Decimal] = {}
        for entry in self.counted:
            key = (entry.sku, entry.lot)
            totals[key] = totals.get(key, Decimal(0)) + entry.units
        return totals

    def listed(self) -> dict[Key, int]:
        return {(line.sku, line.lot): line.line for line in self.sheet}


class CountStep(StrEnum):
    """The steps of the count flow, in their order."""

    BIN = "bin"
    AT = "at"
    ITEM = "item"
    LOT = "lot"
    QTY = "qty"
    REASON = "reason"
    SUPERVISOR = ApprovalStep.SUPERVISOR.value
    SUPERVISOR_PIN = ApprovalStep.SUPERVISOR_PIN.value


COUNT = Flow(
    "count",
    "Count",
    (
        Step(CountStep.BIN, Expect.BIN, "Scan bin to count"),
        Step(CountStep.AT, Expect.BIN, "Go to {place}, scan bin"),
        Step(CountStep.ITEM, Expect.ITEM, "Scan item, F5 submit"),
        Step(CountStep.LOT, Expect.LOT, "Scan lot of {sku}"),
        Step(CountStep.QTY, Expect.QUANTITY, "How many {unit}?"),
        Step(CountStep.REASON, Expect.CHOICE, "{asking}: reason 1-{reasons_count}"),
        *approval_steps("Supervisor badge"),
    ),
    # F2 last: on the handheld the everyday keys keep the legend, a recount says F2 itself.
    (Action(1, "next", "next"), Action(3, "skip", "skip"), Action(4, "undo", UNDO), Action(5, "submit", "submit"),
     Action(2, "approve", "approve")),
    CountData,
)


class CountHandler(SupervisorApproval, FlowHandler):
    flow = COUNT

    def start(self, ctx: FloorContext) -> Reply:
        state = self._idle(ctx, COUNT.begin(CountStep.BIN, done=ctx.done))
        held = [task for task in tasks.resume(ctx.session, ctx.operator.code, ctx.warehouse_id)
                if task.kind == TaskKind.COUNT.value]
        if held:
            return self._begin(ctx, state, held[0], at_bin=False, message="resumed your count")
        return Reply(state, message="count")

    def on_action(self, ctx: FloorContext, state: FlowState[CountData], action: str) -> Reply:
        if action == "next":
            if state.step != CountStep.BIN:
                raise InvalidInput("finish or skip this count first (F3 skip)")
            task = task_queue.claim_for(ctx.session, ctx.operator.code, ctx.warehouse_id, TaskKind.COUNT, None)
            if task is None:
                raise NotFound("no counts waiting: scan a bin to count it")
            return self._begin(ctx, state, task, at_bin=False)
        if state.data.task is None:
            raise InvalidInput("no count yet: scan a bin, F1 next")
        if action == "skip":
            tasks.skip_task(ctx.session, state.data.task, ctx.operator.code)
            return Reply(self._idle(ctx, state), message=f"count of {state.data.place} skipped")
        if action == "submit":
            if state.step != CountStep.ITEM:
                raise InvalidInput("finish this item first (F4 undo)")
            return self._submit(ctx, state)
        if action == "approve":
            if not state.data.recount:
                raise InvalidInput("nothing to approve: F2 approves a difference waiting for its recount")
            if state.step != CountStep.ITEM:
                raise InvalidInput("finish this item first (F4 undo)")
            show = ("approve first count", *_sheet_lines(state.data), "supervisor: badge")
            return self._ask_supervisor(ctx, state, show=show, message="supervisor: scan your badge")
        raise InvalidInput(f"{action} is not available here")

    def _approval_of(self, state: FlowState[CountData]) -> str:
        skus = ", ".join(sorted({line.sku for line in state.data.sheet}))
        return f"count difference {skus} at {state.data.bin}"

    def _approved(self, ctx: FloorContext, state: FlowState[CountData], supervisor: str, message: str) -> Reply:
        """The first count stands: its differences post as the supervisor's, the recount is done with."""
        data = state.data
        results = approve_recount(ctx.session, ctx.posting.terminal_id, data.task, ctx.operator.code, supervisor)
        outcome = count_outcome([result.variance for result in results])
        return Reply(self._idle(ctx, state.posted(CountStep.BIN, done=1)),
                     message=f"count of {data.place} approved by {supervisor}: {outcome}")

    # -- steps ---------------------------------------------------------------------------------

    def _bin(self, ctx: FloorContext, state: FlowState[CountData], scan: ParsedScan) -> Reply:
        code = scan.location_code
        task = blind_count.count_task_at(ctx.session, ctx.warehouse_id, code, ctx.operator.code)
        if task is None:
            if state.needs_confirmation(scan.raw):
                return Reply(state.awaiting(scan.raw), ok=False,
                             message="no count planned here: scan again to count it")
            plan = plan_cycle_count(ctx.session, ctx.warehouse, [code])
            task = tasks.get_task(ctx.session, plan.task_ids[0])
        return self._begin(ctx, state, task, at_bin=True)

    def _at(self, ctx: FloorContext, state: FlowState[CountData], scan: ParsedScan) -> Reply:
        if scan.location_code != state.data.bin:
            raise InvalidInput(f"wrong bin: count {state.data.place}")
        return Reply(state.go(CountStep.ITEM, show=_lines(state.data)), message=f"at {state.data.place}")

    def _item(self, ctx: FloorContext, state: FlowState[CountData], scan: ParsedScan) -> Reply:
        scanned = item_by_scan(ctx.session, scan.gtin)
        item = scanned.item
        per_scan = scanned.units_per_scan
        unit = item.sku if per_scan == 1 else f"packs of {display(per_scan)}"
        facts = {"sku": item.sku, "barcode": scan.gtin, "per_scan": per_scan, "unit": unit, "lot": None}
        if Tracking(item.tracking) is not Tracking.NONE:
            if not scan.lot:
                return Reply(state.go(CountStep.LOT, **facts), message=f"{item.sku} is lot-tracked")
            self._check_listed(ctx, state.data, item.sku, scan.lot)
            facts["lot"] = scan.lot
        else:
            self._check_listed(ctx, state.data, item.sku, None)
        return Reply(state.go(CountStep.QTY, **facts), message=f"{item.sku}" + (f" lot {facts['lot']}" if facts["lot"] else ""))

    def _lot(self, ctx: FloorContext, state: FlowState[CountData], scan: ParsedScan) -> Reply:
        lot = scan.text.strip()
        self._check_listed(ctx, state.data, state.data.sku, lot)
        return Reply(state.go(CountStep.QTY, lot=lot), message=f"lot {lot}")

    def _check_listed(self, ctx: FloorContext, data: CountData, sku: str, lot: str | None) -> None:
        """An item the sheet does not list may join it on a first count, if its lot is known;
        a recount only takes the lines it asks for."""
        if (sku, lot) in data.listed():
            return
        what = f"{sku} lot {lot}" if lot else sku
        if data.recount:
            raise InvalidInput(f"{what} is not in this recount: count only the listed items")
        if lot is not None and not blind_count.lot_known(ctx.session, sku, lot):
            raise NotFound(f"{sku} has no lot {lot}: receive it before counting it in")

    def _qty(self, ctx: FloorContext, state: FlowState[CountData], scan: ParsedScan) -> Reply:
        value = scan.number
        if value is None or value != value.to_integral_value() or not 0 <= value <= MAX_COUNT:
            raise InvalidInput(f"count: type a whole number from 0 to {MAX_COUNT}")
        data = state.data
        units = data.per_scan * int(value)
        counted = (*data.counted, Counted(data.sku, data.lot, data.barcode, units))
        what = f"{data.sku} {data.lot}" if data.lot else data.sku
        return Reply(state.go(CountStep.ITEM, counted=counted, show=_lines(replace(data, counted=counted))),
                     message=f"{display(units)} {what} counted")

    def _reason(self, ctx: FloorContext, state: FlowState[CountData], scan: ParsedScan) -> Reply:
        choice = int(scan.number) if scan.number == scan.number.to_integral_value() else 0
        if not 1 <= choice <= len(COUNT_REASONS):
            raise InvalidInput(f"choose a reason from 1 to {len(COUNT_REASONS)}")
        reasons = {**state.data.reasons, state.data.asking_key: COUNT_REASONS[choice - 1]}
        return self._submit(ctx, state.with_data(reasons=reasons))

    steps = {
        CountStep.BIN: _bin,
        CountStep.AT: _at,
        CountStep.ITEM: _item,
        CountStep.LOT: _lot,
        CountStep.QTY: _qty,
        CountStep.REASON: _reason,
        CountStep.SUPERVISOR: SupervisorApproval._supervisor,
        CountStep.SUPERVISOR_PIN: SupervisorApproval._supervisor_pin,
    }

    # -- submit --------------------------------------------------------------------------------

    def _submit(self, ctx: FloorContext, state: FlowState[CountData]) -> Reply:
        data = state.data
        totals, listed = data.totals(), data.listed()
        reasons = {_split(key): reason for key, reason in data.reasons.items()}
        # Which differences will post (no recount left) and so need a reason: asked one by one.
        asking = blind_count.unexplained(ctx.session, data.task, ctx.operator.code, list(listed), totals, reasons,
                                         data.recount)
        if asking is not None:
            sku, lot = asking
            what = f"{sku} {lot}" if lot else sku
            show = (f"{what} differs", *(f"{n} {reason}" for n, reason in enumerate(COUNT_REASONS, 1)))
            return Reply(state.go(CountStep.REASON, asking=what, asking_key=_key(sku, lot), show=show),
                         ok=False, message=f"{what} differs from stock: why?")
        barcodes = {(entry.sku, entry.lot): entry.barcode for entry in data.counted}
        submitted = blind_count.submit(ctx.session, ctx.posting, data.task, listed, totals, barcodes, reasons)
        again = [result.sku for result in submitted.results if result.state == RECOUNT]
        if again:
            message = f"recount {data.place}: {', '.join(sorted(set(again)))[:60]}"
            if submitted.recount is not None:
                return self._begin(ctx, state.posted(CountStep.BIN, progress=data.progress), submitted.recount,
                                   at_bin=True, message=f"{message}, or F2 approve now")
            return Reply(self._idle(ctx, state), message=message)
        finished = state.posted(CountStep.BIN, done=1)
        outcome = count_outcome([result.variance or Decimal(0) for result in submitted.results])
        return Reply(self._idle(ctx, finished), message=f"count of {data.place} posted: {outcome}")

    # -- tasks ---------------------------------------------------------------------------------

    def _begin(self, ctx: FloorContext, state: FlowState[CountData], task: Task, *, at_bin: bool,
               message: str = "") -> Reply:
        begun = blind_count.begin_count(ctx.session, task.id, ctx.operator.code, ctx.warehouse)
        sheet = tuple(SheetEntry(line.line_id, line.sku, line.lot_code) for line in begun.sheet)
        count = {"task": begun.task_id, "bin": begun.bin, "sheet": sheet, "recount": begun.recount,
                 "progress": f"{state.done} bins"}
        counting = state.posted(CountStep.ITEM if at_bin else CountStep.AT, **count, show=_lines(CountData(**count)))
        what = "recount" if begun.recount else "count"
        return Reply(counting, message=message or f"{what} {counting.data.place}")

    def _idle(self, ctx: FloorContext, state: FlowState[CountData]) -> FlowState[CountData]:
        waiting = task_queue.open_count(ctx.session, ctx.warehouse_id, TaskKind.COUNT)
        show = (f"{waiting} counts open", "F1 next count", "or scan any bin")
        return FlowState(COUNT.name, CountStep.BIN, CountData(show=show, progress=f"{state.done} bins"), (), None, state.done)


def _key(sku: str, lot: str | None) -> str:
    """A counted key as saved in the flow's data (JSON keys are strings)."""
    return f"{sku}\t{lot or ''}"


def _split(key: str) -> Key:
    sku, lot = key.split("\t")
    return sku, lot or None


def _lines(data: CountData) -> tuple[str, ...]:
    """What to count and what was counted; never how many the ledger expects."""
    counted = data.totals()
    lines = [f"recount {data.place}", "or F2 approve now"] if data.recount else [f"count {data.place}"]
    for line in data.sheet:
        key = (line.sku, line.lot)
        lines.append(f"{line.sku} {display(counted[key]) if key in counted else '?'}")
        if line.lot:
            lines.append(f" lot {line.lot}")
    listed = data.listed()
    for (sku, lot), total in counted.items():
        if (sku, lot) not in listed:
            lines.append(f"+{sku} {display(total)}")
            if lot:
                lines.append(f" lot {lot}")
    return tuple(lines)


def _sheet_lines(data: CountData) -> tuple[str, ...]:
    """The items (and lots) of the sheet, without counts."""
    return tuple(part for line in data.sheet for part in (line.sku, *([f" lot {line.lot}"] if line.lot else [])))
