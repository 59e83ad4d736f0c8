"""Pick: next task (or a scanned pick list) -> scan bin -> scan item (lot) -> quantity -> tote.

The pick is posted when the tote is scanned; a partly picked task goes back to the item step
at the same bin. Short pick asks a reason; skip sends the task to the end of the queue.
"""

from __future__ import annotations

from decimal import Decimal

from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.flows import Action, Expect, Flow, FlowState, Step
from wms_tui.domain.outbound import SHORT_PICK_REASONS
from wms_tui.domain.quantities import display
from wms_tui.services import catalog, tasks
from wms_tui.services.floor.common import (
    claim_from,
    item_of_scan,
    known_list,
    open_count,
    short_place,
    task_facts,
    task_lines,
)
from wms_tui.services.floor.scans import ParsedScan, whole_number
from wms_tui.services.floor.terminal import UNDO, FloorContext, FlowHandler, Reply, register
from wms_tui.services.outbound.common import is_expired, resolve_lot
from wms_tui.services.outbound.picking import confirm_pick, short_pick
from wms_tui.services.tasks import TaskKind

REASONS = tuple(sorted(SHORT_PICK_REASONS))

PICK = Flow(
    "pick",
    "Pick",
    (
        Step("list", Expect.DOCUMENT, "Scan pick list, F1 next task"),
        Step("bin", Expect.BIN, "Scan bin {place}"),
        Step("item", Expect.ITEM, "Scan {sku}"),
        Step("lot", Expect.LOT, "Scan lot of {sku}"),
        Step("qty", Expect.QUANTITY, "Qty of {unit} (left {left_shown})"),
        Step("tote", Expect.TOTE, "Scan tote {tote_shown}"),
        Step("reason", Expect.CHOICE, "Short: reason 1-{reasons}"),
    ),
    (Action(1, "next", "next"), Action(2, "short", "short"), Action(3, "skip", "skip"), Action(4, "undo", UNDO)),
)


class PickHandler(FlowHandler):
    flow = PICK

    def start(self, ctx: FloorContext) -> Reply:
        state = FlowState(PICK.name, "list", {"show": ["F1 takes the next", "task of the queue"]})
        warehouse = ctx.warehouse_id
        held = [task for task in tasks.resume(ctx.session, ctx.operator.code, warehouse) if task.kind == TaskKind.PICK.value]
        if held:
            return self._task_reply(ctx, state, held[0], None, "resumed your task")
        return Reply(state, message="pick")

    def on_scan(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        return getattr(self, f"_{state.step}")(ctx, state, scan)

    def on_action(self, ctx: FloorContext, state: FlowState, action: str) -> Reply:
        if action == "next":
            if state.step != "list":
                raise InvalidInput("finish or skip this task first (F3 skip)")
            return self._next(ctx, state, None)
        if "task" not in state.data:
            raise InvalidInput("no task yet: scan a pick list or F1 next task")
        if action == "skip":
            tasks.skip_task(ctx.session, state.data["task"], ctx.operator.code)
            return self._next(ctx, state, state.data.get("list"), message=f"task {state.data['task']} skipped")
        if action == "short":
            show = [f"{n} {reason}" for n, reason in enumerate(REASONS, 1)]
            return Reply(state.go("reason", reasons=len(REASONS), show=show), message="why is it short?")
        raise InvalidInput(f"{action} is not available here")

    # -- steps ---------------------------------------------------------------------------------

    def _list(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        reference = scan.text.strip().upper()
        known_list(ctx.session, ctx.warehouse_id, TaskKind.PICK, reference)
        return self._next(ctx, state, reference)

    def _bin(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        if scan.location_code != state.data["bin"]:
            if state.needs_confirmation(scan.raw):
                return Reply(state.awaiting(scan.raw), ok=False,
                             message=f"not the suggested bin {short_place(state.data['bin'])}: scan again to pick from {short_place(scan.location_code)}")
        return Reply(state.go("item", at=scan.location_code, at_raw=scan.text.strip()), message=f"at {short_place(scan.location_code)}")

    def _item(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        scanned = item_of_scan(ctx.session, scan, state.data["sku"])
        unit = "units" if scanned.units_per_scan == 1 else f"packs of {display(scanned.units_per_scan)}"
        data = {"item_scan": scan.gtin, "per_scan": str(scanned.units_per_scan), "unit": unit, "lot_scanned": None}
        if scan.lot or state.data.get("lot"):
            if not scan.lot:
                return Reply(state.go("lot", **data), message=f"{state.data['sku']} is lot-tracked")
            self._check_lot(ctx, scanned.item, scan.lot, scan.expiry)
            data["lot_scanned"] = scan.lot
        return Reply(state.go("qty", **data), message=f"{state.data['sku']} ok")

    def _lot(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        self._check_lot(ctx, catalog.item_by_sku(ctx.session, state.data["sku"]), scan.text.strip(), None)
        return Reply(state.go("qty", lot_scanned=scan.text.strip()), message=f"lot {scan.text.strip()}")

    def _check_lot(self, ctx: FloorContext, item, lot_code: str, expiry) -> None:
        lot = resolve_lot(ctx.session, item, lot_code, expiry)
        if is_expired(lot, ctx.today):
            raise InvalidInput(f"lot {lot.code} expired {lot.expiry_date}: never pick it, take another lot")

    def _qty(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        packages = whole_number(scan, "quantity")
        units = Decimal(state.data["per_scan"]) * packages
        left = Decimal(state.data["left"])
        if units > left:
            raise InvalidInput(f"over-pick: {display(units)} {state.data['sku']}, only {display(left)} left on this task")
        return Reply(state.go("tote", packages=packages), message=f"{display(units)} {state.data['sku']}")

    def _tote(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        tote = scan.code.strip()
        data = state.data
        result = confirm_pick(
            ctx.session, ctx.posting, data["task"], location_scan=data["at_raw"], item_scan=data["item_scan"],
            packages=data["packages"], lot_code=data.get("lot_scanned"), tote=tote, today=ctx.today,
        )
        message = f"picked {display(result.picked)} {data['sku']} into {tote}"
        if not result.task_done:
            facts = {**task_facts(ctx.session, tasks.get_task(ctx.session, data["task"])), "list": data.get("list")}
            posted = state.posted("item", **_shown(facts), at=data["at"], at_raw=data["at_raw"], progress=data.get("progress"))
            return Reply(posted, message=message)
        return self._next(ctx, state.posted("list", done=1, **_keep(data)), data.get("list"), message=message)

    def _reason(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        choice = whole_number(scan, "reason", maximum=len(REASONS))
        result = short_pick(ctx.session, ctx.posting, state.data["task"], reason=REASONS[choice - 1])
        message = f"short {display(result.short)} {state.data['sku']} ({REASONS[choice - 1]}); bin count queued"
        return self._next(ctx, state.posted("list", done=1, **_keep(state.data)), state.data.get("list"), message=message)

    # -- tasks ---------------------------------------------------------------------------------

    def _next(self, ctx: FloorContext, state: FlowState, work_list: str | None, message: str = "") -> Reply:
        warehouse = ctx.warehouse_id
        task = claim_from(ctx.session, ctx.operator.code, warehouse, TaskKind.PICK, work_list)
        if task is None:
            what = f"list {work_list}" if work_list else "the queue"
            done = f"{message}; " if message else ""
            return Reply(None, message=f"{done}no more picks in {what}")
        return self._task_reply(ctx, state, task, work_list, message)

    def _task_reply(self, ctx: FloorContext, state: FlowState, task, work_list: str | None, message: str) -> Reply:
        facts = {**task_facts(ctx.session, task), "list": work_list}
        warehouse = ctx.warehouse_id
        waiting = open_count(ctx.session, warehouse, TaskKind.PICK, batch_ref=task.batch_ref if work_list else None)
        progress = f"{state.done}/{state.done + waiting + 1}"  # tasks done / done + this + waiting
        return Reply(state.posted("bin", **_shown(facts), progress=progress), message=message or f"task {task.id}")


def _shown(facts: dict) -> dict:
    left = Decimal(facts["left"])
    return {**facts, "place": short_place(facts["bin"]), "left_shown": display(left),
            "tote_shown": facts["tote"] or "", "show": task_lines(facts)}


def _keep(data: dict) -> dict:
    return {"list": data.get("list")}


register(PickHandler())
