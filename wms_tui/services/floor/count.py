"""Count (blind): scan the bin -> scan each item (and lot) and key how many -> F5 submit.

The counter sees what to count, never how many the ledger expects. Counts are collected in the
terminal's step (undo takes back the last one) and posted together on submit: every sheet line
not counted is counted as zero, items the sheet does not list join it. A difference above the
count's threshold is counted again first (the recount task is taken at once); a difference that
posts needs a reason code. A bin without a planned count is counted after a second scan.
"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, func, select

from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.flows import Action, Expect, Flow, FlowState, Step
from wms_tui.domain.inbound import recount_needed
from wms_tui.domain.items import Tracking
from wms_tui.domain.quantities import display
from wms_tui.services import tasks
from wms_tui.services.floor.common import claim_from, short_place
from wms_tui.services.floor.scans import ParsedScan
from wms_tui.services.floor.terminal import UNDO, FloorContext, FlowHandler, Reply, register
from wms_tui.services.inbound.common import resolve_item
from wms_tui.services.inbound.counting import (
    RECOUNT,
    count_sheet,
    plan_cycle_count,
    record_count,
    record_unlisted,
)
from wms_tui.services.tasks import TaskKind, TaskState
from wms_tui.store.models import NO_LOT, CountSession, Item, Location, Lot, StockBalance, Task

# Why a counted quantity differs from the books (stored on the adjustment moves).
COUNT_REASONS = ("misplaced", "damaged", "theft", "unrecorded_move", "miscount_before")
MAX_COUNT = 100_000

COUNT = Flow(
    "count",
    "Count",
    (
        Step("bin", Expect.BIN, "Scan bin to count"),
        Step("at", Expect.BIN, "Go to {place}, scan bin"),
        Step("item", Expect.ITEM, "Scan item, F5 submit"),
        Step("lot", Expect.LOT, "Scan lot of {sku}"),
        Step("qty", Expect.QUANTITY, "How many {unit}?"),
        Step("reason", Expect.CHOICE, "{asking}: reason 1-{reasons_count}"),
    ),
    (Action(1, "next", "next"), Action(3, "skip", "skip"), Action(4, "undo", UNDO), Action(5, "submit", "submit")),
)


class CountHandler(FlowHandler):
    flow = COUNT

    def start(self, ctx: FloorContext) -> Reply:
        state = self._idle(ctx, FlowState(COUNT.name, "bin"))
        held = [task for task in tasks.resume(ctx.session, ctx.operator.code, ctx.warehouse_id)
                if task.kind == TaskKind.COUNT.value]
        if held:
            return self._begin(ctx, state, held[0], at_bin=False, message="resumed your count")
        return Reply(state, message="count")

    def on_scan(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        return getattr(self, f"_{state.step}")(ctx, state, scan)

    def on_action(self, ctx: FloorContext, state: FlowState, action: str) -> Reply:
        if action == "next":
            if state.step != "bin":
                raise InvalidInput("finish or skip this count first (F3 skip)")
            task = claim_from(ctx.session, ctx.operator.code, ctx.warehouse_id, TaskKind.COUNT, None)
            if task is None:
                raise NotFound("no counts waiting: scan a bin to count it")
            return self._begin(ctx, state, task, at_bin=False)
        if "task" not in state.data:
            raise InvalidInput("no count yet: scan a bin, F1 next")
        if action == "skip":
            tasks.skip_task(ctx.session, state.data["task"], ctx.operator.code)
            return Reply(self._idle(ctx, state), message=f"count of {state.data['place']} skipped")
        if action == "submit":
            if state.step != "item":
                raise InvalidInput("finish this item first (F4 undo)")
            return self._submit(ctx, state)
        raise InvalidInput(f"{action} is not available here")

    # -- steps ---------------------------------------------------------------------------------

    def _bin(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        warehouse = ctx.warehouse_id
        code = scan.location_code
        location = ctx.session.exec(select(Location).where(Location.code == code)).first()
        if location is None:
            raise NotFound(f"no location {code}")
        task = ctx.session.exec(
            select(Task).where(
                Task.warehouse_id == warehouse, Task.kind == TaskKind.COUNT.value, Task.location_id == location.id,
                (Task.state == TaskState.OPEN.value)
                | ((Task.state == TaskState.CLAIMED.value) & (Task.assignee == ctx.operator.code)),
            ).order_by(Task.queue_position, Task.id)
        ).first()
        if task is None:
            if state.needs_confirmation(scan.raw):
                return Reply(state.awaiting(scan.raw), ok=False,
                             message=f"no count planned for {short_place(code)}: scan again to count it")
            plan = plan_cycle_count(ctx.session, ctx.warehouse, [code])
            task = tasks.get_task(ctx.session, plan.task_ids[0])
        return self._begin(ctx, state, task, at_bin=True)

    def _at(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        if scan.location_code != state.data["bin"]:
            raise InvalidInput(f"wrong bin {short_place(scan.location_code)}: count {state.data['place']}")
        return Reply(state.go("item", show=_lines(state.data)), message=f"at {state.data['place']}")

    def _item(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        scanned = resolve_item(ctx.session, scan.gtin)
        item = scanned.item
        per_scan = scanned.per_scan
        unit = item.sku if per_scan == 1 else f"packs of {display(per_scan)}"
        facts = {"sku": item.sku, "barcode": scan.gtin, "per_scan": str(per_scan), "unit": unit, "lot": None}
        if Tracking(item.tracking) is not Tracking.NONE:
            if not scan.lot:
                return Reply(state.go("lot", **facts), message=f"{item.sku} is lot-tracked")
            self._check_listed(ctx.session, state, item, scan.lot)
            facts["lot"] = scan.lot
        else:
            self._check_listed(ctx.session, state, item, None)
        return Reply(state.go("qty", **facts), message=f"{item.sku}" + (f" lot {facts['lot']}" if facts["lot"] else ""))

    def _lot(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        lot = scan.text.strip()
        item = ctx.session.exec(select(Item).where(Item.sku == state.data["sku"])).one()
        self._check_listed(ctx.session, state, item, lot)
        return Reply(state.go("qty", lot=lot), message=f"lot {lot}")

    def _check_listed(self, session: Session, state: FlowState, item: Item, lot: str | None) -> None:
        """An item the sheet does not list may join it on a first count, if its lot is known;
        a recount only takes the lines it asks for."""
        if any(line["sku"] == item.sku and line["lot"] == lot for line in state.data["sheet"]):
            return
        what = f"{item.sku} lot {lot}" if lot else item.sku
        if state.data["recount"]:
            raise InvalidInput(f"{what} is not in this recount: count only the listed items")
        if lot is not None and session.exec(select(Lot.id).where(Lot.item_id == item.id, Lot.code == lot)).first() is None:
            raise NotFound(f"{item.sku} has no lot {lot}: receive it before counting it in")

    def _qty(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        value = scan.number
        if value is None or value != value.to_integral_value() or not 0 <= value <= MAX_COUNT:
            raise InvalidInput(f"count must be a whole number from 0 to {MAX_COUNT}, got {scan.text}")
        units = Decimal(state.data["per_scan"]) * int(value)
        data = state.data
        entry = {"sku": data["sku"], "lot": data["lot"], "barcode": data["barcode"], "units": str(units)}
        counted = [*data["counted"], entry]
        moved = {**data, "counted": counted}
        what = f"{data['sku']} {data['lot']}" if data["lot"] else data["sku"]
        return Reply(state.go("item", counted=counted, show=_lines(moved)), message=f"{display(units)} {what} counted")

    def _reason(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        choice = int(scan.number) if scan.number == scan.number.to_integral_value() else 0
        if not 1 <= choice <= len(COUNT_REASONS):
            raise InvalidInput(f"choose a reason from 1 to {len(COUNT_REASONS)}")
        reasons = {**state.data["reasons"], state.data["asking_key"]: COUNT_REASONS[choice - 1]}
        return self._submit(ctx, state.with_data(reasons=reasons))

    # -- submit --------------------------------------------------------------------------------

    def _submit(self, ctx: FloorContext, state: FlowState) -> Reply:
        data = state.data
        totals: dict[str, Decimal] = {}
        scans: dict[str, dict] = {}
        for entry in data["counted"]:
            key = _key(entry["sku"], entry["lot"])
            totals[key] = totals.get(key, Decimal(0)) + Decimal(entry["units"])
            scans[key] = entry
        listed = {_key(line["sku"], line["lot"]): line for line in data["sheet"]}
        task = tasks.require_claimed(ctx.session, data["task"], ctx.operator.code, TaskKind.COUNT)
        count = ctx.session.exec(select(CountSession).where(CountSession.number == task.document_ref)).one()
        location = ctx.session.get(Location, task.location_id)
        # Which differences will post (no recount left) and so need a reason: asked one by one.
        for key in [*listed, *(k for k in totals if k not in listed)]:
            if key in data["reasons"]:
                continue
            sku, lot = _split(key)
            expected = _on_hand(ctx.session, sku, lot, location.id)
            counted = totals.get(key, Decimal(0))
            if not recount_needed(expected, counted, count.recount_threshold, data["recount"]) and counted != expected:
                show = [f"{n} {reason}" for n, reason in enumerate(COUNT_REASONS, 1)]
                asking = f"{sku} {lot}" if lot else sku
                return Reply(state.go("reason", asking=asking, asking_key=key, reasons_count=len(COUNT_REASONS),
                                      show=[f"{asking} differs", *show]),
                             ok=False, message=f"{asking} differs from stock: why?")
        if not listed and not totals:  # an empty bin, found empty: nothing to record
            tasks.complete_task(ctx.session, task)
        # Unlisted items first: the last sheet line recorded finishes the task.
        results = []
        for key, total in totals.items():
            if key not in listed:
                entry = scans[key]
                results.append(record_unlisted(ctx.session, ctx.posting, task.id, entry["barcode"], total,
                                               lot_code=entry["lot"], reason=data["reasons"].get(key)))
        for key, line in listed.items():
            results.append(record_count(ctx.session, ctx.posting, task.id, line["line"], totals.get(key, Decimal(0)),
                                        reason=data["reasons"].get(key)))
        again = [result.sku for result in results if result.state == RECOUNT]
        adjusted = sum(1 for result in results if result.variance)
        place = data["place"]
        if again:
            recount = ctx.session.exec(
                select(Task).where(Task.kind == TaskKind.COUNT.value, Task.document_ref == count.number,
                                   Task.location_id == location.id, Task.reason == RECOUNT,
                                   Task.state == TaskState.OPEN.value).order_by(Task.id)
            ).first()
            message = f"recount {place}: {', '.join(sorted(set(again)))[:60]}"
            if recount is not None:
                return self._begin(ctx, state.posted("bin", done=0, progress=data.get("progress", "")), recount,
                                   at_bin=True, message=message)
            return Reply(self._idle(ctx, state), message=message)
        finished = state.posted("bin", done=1)
        return Reply(self._idle(ctx, finished), message=f"count of {place} posted: {len(results)} lines, {adjusted} adjusted")

    # -- tasks ---------------------------------------------------------------------------------

    def _begin(self, ctx: FloorContext, state: FlowState, task: Task, *, at_bin: bool, message: str = "") -> Reply:
        task = tasks.claim_task(ctx.session, task.id, ctx.operator.code)
        task = _on_count_sheet(ctx, task)
        code = ctx.session.get(Location, task.location_id).code
        sheet = [{"line": line.line_id, "sku": line.sku, "lot": line.lot_code} for line in count_sheet(ctx.session, task.id)]
        data = {"task": task.id, "bin": code, "place": short_place(code), "sheet": sheet, "counted": [], "reasons": {},
                "recount": task.reason == RECOUNT, "progress": f"{state.done} bins"}
        data["show"] = _lines(data)
        step = "item" if at_bin else "at"
        what = "recount" if data["recount"] else "count"
        return Reply(state.posted(step, **data), message=message or f"{what} {data['place']}")

    def _idle(self, ctx: FloorContext, state: FlowState) -> FlowState:
        warehouse = ctx.warehouse_id
        waiting = ctx.session.exec(select(func.count()).select_from(Task).where(
            Task.warehouse_id == warehouse, Task.kind == TaskKind.COUNT.value, Task.state == TaskState.OPEN.value)).one()
        show = [f"{waiting} counts open", "F1 next count", "or scan any bin"]
        return FlowState(COUNT.name, "bin", {"show": show, "progress": f"{state.done} bins"}, (), None, state.done)


def _on_count_sheet(ctx: FloorContext, task: Task) -> Task:
    """A count a short pick asked for (no count sheet of its own) becomes a cycle count of its
    bin: the sheet lists what the ledger holds there, and the short-pick task is done by it."""
    if ctx.session.exec(select(CountSession.id).where(CountSession.number == task.document_ref)).first() is not None:
        return task
    code = ctx.session.get(Location, task.location_id).code
    plan = plan_cycle_count(ctx.session, ctx.warehouse, [code])
    tasks.complete_task(ctx.session, task)
    return tasks.claim_task(ctx.session, plan.task_ids[0], ctx.operator.code)


def _key(sku: str, lot: str | None) -> str:
    return f"{sku}\t{lot or ''}"


def _split(key: str) -> tuple[str, str | None]:
    sku, lot = key.split("\t")
    return sku, lot or None


def _on_hand(session: Session, sku: str, lot: str | None, location_id: int) -> Decimal:
    item = session.exec(select(Item).where(Item.sku == sku)).one()
    lot_id = NO_LOT
    if lot is not None:
        lot_id = session.exec(select(Lot.id).where(Lot.item_id == item.id, Lot.code == lot)).first()
        if lot_id is None:
            return Decimal(0)
    return Decimal(session.exec(
        select(func.coalesce(func.sum(StockBalance.quantity), 0)).where(
            StockBalance.item_id == item.id, StockBalance.location_id == location_id, StockBalance.lot_id == lot_id)
    ).one())


def _lines(data: dict) -> list[str]:
    """What to count and what was counted; never how many the ledger expects."""
    counted: dict[str, Decimal] = {}
    for entry in data["counted"]:
        key = _key(entry["sku"], entry["lot"])
        counted[key] = counted.get(key, Decimal(0)) + Decimal(entry["units"])
    lines = [f"{'recount' if data['recount'] else 'count'} {data['place']}"]
    for line in data["sheet"]:
        key = _key(line["sku"], line["lot"])
        mark = display(counted[key]) if key in counted else "?"
        lines.append(f"{line['sku']} {mark}")
        if line["lot"]:
            lines.append(f" lot {line['lot']}")
    listed = {_key(line["sku"], line["lot"]) for line in data["sheet"]}
    for key, total in counted.items():
        if key not in listed:
            sku, lot = _split(key)
            lines.append(f"+{sku} {display(total)}")
            if lot:
                lines.append(f" lot {lot}")
    return lines


register(CountHandler())
