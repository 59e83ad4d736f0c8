"""Restock: putaway of received pallets, pick-face refills and returned goods back to stock.

Putaway: scan the pallet (or an item) at the dock -> the suggested bin with its reason -> scan
the bin. F1 takes the next putaway of the queue (scan the goods to confirm you have them), F2
the next pick-face refill (go to the reserve bin, scan it, scan the item, then the pick face).
A putaway of a returned item goes to the bin chosen when the return was restocked. Another bin
than suggested is accepted for a putaway when scanned twice; refills and returns go to their
bin only. The move is posted when the bin is scanned.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.flows import Action, Expect, Flow, FlowData, FlowState, Step
from wms_tui.domain.quantities import display
from wms_tui.domain.states import TaskKind
from wms_tui.services import task_queue, tasks
from wms_tui.services.floor.common import item_of_scan, short_place
from wms_tui.services.floor.scans import ParsedScan
from wms_tui.services.floor.terminal import UNDO, FloorContext, FlowHandler, Reply
from wms_tui.services.inbound import pallets
from wms_tui.services.inbound.putaway import complete_move_task
from wms_tui.services.inbound.restocking import MOVE_KINDS, next_move_of, start_move
from wms_tui.services.outbound.returns import confirm_restock
from wms_tui.store.finders import item_by_scan
from wms_tui.store.models import Task


@dataclass(frozen=True)
class RestockData(FlowData):
    task: int | None = None
    kind: str = ""
    sku: str = ""
    left: Decimal = Decimal(0)
    source: str = ""  # the bin the goods are taken from
    to: str | None = None  # the bin they go to; None: the operator chooses
    pallet: str | None = None  # the received pallet the putaway moves
    returned: bool = False
    fixed: bool = False  # only `to` will do (a refill, a return)
    what: str = ""  # what to take, as the operator reads it
    put: str = ""  # the instruction at the last step

    @property
    def document(self) -> str:
        return f"#{self.task}" if self.task is not None else ""

    @property
    def source_shown(self) -> str:
        return short_place(self.source)

    @classmethod
    def from_dict(cls, raw: dict) -> RestockData:
        # Rows saved before the data was typed call the source bin "from".
        return super().from_dict({("source" if key == "from" else key): value for key, value in raw.items()})


class RestockStep(StrEnum):
    """The steps of the restock flow, in their order."""

    TAKE = "take"
    SOURCE = "source"
    GOODS = "goods"
    TO = "to"


RESTOCK = Flow(
    "restock",
    "Restock",
    (
        Step(RestockStep.TAKE, Expect.GOODS, "Scan pallet or item"),
        Step(RestockStep.SOURCE, Expect.BIN, "Go to {source_shown}, scan bin"),
        Step(RestockStep.GOODS, Expect.GOODS, "Take {what}, scan it"),
        Step(RestockStep.TO, Expect.BIN, "{put}"),
    ),
    (Action(1, "next", "next"), Action(2, "refill", "refill"), Action(3, "skip", "skip"), Action(4, "undo", UNDO)),
    RestockData,
)


# The queue F1 (next) and F2 (refill) take a task from, and its tasks in the floor's words.
QUEUES = {"next": (TaskKind.PUTAWAY, "putaways"), "refill": (TaskKind.REPLENISH, "pick-face refills")}


class RestockHandler(FlowHandler):
    flow = RESTOCK

    def start(self, ctx: FloorContext) -> Reply:
        state = self._idle(ctx, RESTOCK.begin(RestockStep.TAKE, done=ctx.done))
        held = [task for task in tasks.resume(ctx.session, ctx.operator.code, ctx.warehouse_id)
                if task.kind in MOVE_KINDS]
        if held:
            return self._begin(ctx, state, held[0], scanned=False, message="resumed your task")
        return Reply(state, message="restock")

    def on_action(self, ctx: FloorContext, state: FlowState[RestockData], action: str) -> Reply:
        if action in QUEUES:
            if state.step != RestockStep.TAKE:
                raise InvalidInput("finish or skip this task first (F3 skip)")
            kind, what = QUEUES[action]
            task = task_queue.claim_for(ctx.session, ctx.operator.code, ctx.warehouse_id, kind, None)
            if task is None:
                raise NotFound(f"no {what} waiting")
            return self._begin(ctx, state, task, scanned=False)
        if action == "skip":
            if state.data.task is None:
                raise InvalidInput("no task to skip: scan a pallet or item, F1 next")
            tasks.skip_task(ctx.session, state.data.task, ctx.operator.code)
            return Reply(self._idle(ctx, state.posted(RestockStep.TAKE)), message=f"task {state.data.task} skipped")
        raise InvalidInput(f"{action} is not available here")

    # -- steps ---------------------------------------------------------------------------------

    def _take(self, ctx: FloorContext, state: FlowState[RestockData], scan: ParsedScan) -> Reply:
        if scan.gtin:
            item = item_by_scan(ctx.session, scan.gtin).item
            task = next_move_of(ctx.session, ctx.warehouse_id, ctx.operator.code, item.id)
            if task is None:
                raise NotFound(f"no putaway or refill waits for {item.sku}")
        else:
            pallet = pallets.pallet(ctx.session, scan.code)
            task = pallets.next_putaway_of(ctx.session, ctx.warehouse_id, ctx.operator.code, pallet)
            if task is None:
                raise NotFound(f"no putaway waits for pallet {pallet.code}")
        return self._begin(ctx, state, task, scanned=True)

    def _source(self, ctx: FloorContext, state: FlowState[RestockData], scan: ParsedScan) -> Reply:
        if scan.location_code != state.data.source:
            raise InvalidInput(f"wrong bin: take from {state.data.source_shown}")
        return Reply(state.go(RestockStep.GOODS), message=f"at {state.data.source_shown}")

    def _goods(self, ctx: FloorContext, state: FlowState[RestockData], scan: ParsedScan) -> Reply:
        data = state.data
        if scan.gtin:
            item_of_scan(ctx.session, scan, data.sku)
        elif scan.code.strip() != data.pallet:
            expected = f"pallet {data.pallet}" if data.pallet else data.sku
            raise InvalidInput(f"not on this task: scan {expected}")
        return Reply(state.go(RestockStep.TO), message=f"{data.what} ok")

    def _to(self, ctx: FloorContext, state: FlowState[RestockData], scan: ParsedScan) -> Reply:
        data = state.data
        target = scan.location_code
        if data.to and target != data.to:
            if data.fixed:
                raise InvalidInput(f"wrong bin: put it in {short_place(data.to)}")
            if state.needs_confirmation(scan.raw):
                return Reply(state.awaiting(scan.raw), ok=False,
                             message=f"not the suggested bin {short_place(data.to)}: scan again to use this one")
        if data.returned:
            confirm_restock(ctx.session, ctx.posting, data.task, location_scan=scan.text.strip(), today=ctx.today)
            moved = data.left
        else:
            moved = complete_move_task(ctx.session, ctx.posting, data.task, scan.text.strip()).moved
        message = f"put {display(moved)} {data.sku} in {short_place(target)}"
        posted = state.posted(RestockStep.TAKE, done=1)
        if data.pallet:
            pallet = pallets.pallet(ctx.session, data.pallet)
            following = pallets.next_putaway_of(ctx.session, ctx.warehouse_id, ctx.operator.code, pallet)
            if following is not None:
                return self._begin(ctx, posted, following, scanned=True, message=f"{message}; next on the pallet")
        return Reply(self._idle(ctx, posted), message=message)

    steps = {
        RestockStep.TAKE: _take,
        RestockStep.SOURCE: _source,
        RestockStep.GOODS: _goods,
        RestockStep.TO: _to,
    }

    # -- tasks ---------------------------------------------------------------------------------

    def _begin(self, ctx: FloorContext, state: FlowState[RestockData], task: Task, *, scanned: bool,
               message: str = "") -> Reply:
        """Claim the task, get its bin, and say where."""
        started = start_move(ctx.session, task.id, ctx.operator.code)
        view, to_code = started.task, started.to_code
        refill = view.kind == TaskKind.REPLENISH.value
        what = f"pallet {started.pallet}" if started.pallet else f"{display(view.left)} {view.sku}"
        put = f"Put in {short_place(to_code)}, scan bin" if to_code else "No bin fits: scan a bin"
        show = (f"#{view.id} {view.kind}", f"{view.sku} x {display(view.left)}", view.name[:20],
                f"from {short_place(view.from_code)}", f"to {short_place(to_code)}" if to_code else "to: you choose",
                started.reason[:40])
        step = RestockStep.SOURCE if refill else (RestockStep.TO if scanned else RestockStep.GOODS)
        begun = state.posted(step, task=view.id, kind=view.kind, sku=view.sku, left=view.left, source=view.from_code,
                             to=to_code, pallet=started.pallet, returned=started.returned,
                             fixed=started.returned or refill, what=what, put=put, progress=state.data.progress,
                             show=show)
        return Reply(begun, message=message or f"{view.kind} {display(view.left)} {view.sku}")

    def _idle(self, ctx: FloorContext, state: FlowState[RestockData]) -> FlowState[RestockData]:
        putaways = task_queue.open_count(ctx.session, ctx.warehouse_id, TaskKind.PUTAWAY)
        refills = task_queue.open_count(ctx.session, ctx.warehouse_id, TaskKind.REPLENISH)
        show = (f"{putaways} putaways open", f"{refills} refills open", "F1 next putaway", "F2 next refill")
        return FlowState(RESTOCK.name, RestockStep.TAKE, RestockData(show=show, progress=f"{state.done} done"), (), None, state.done)
