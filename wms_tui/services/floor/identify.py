"""What is this? Scan anything (item, bin, lot, container, order) and see what and where it is."""

from __future__ import annotations

from enum import StrEnum

from wms_tui.domain.flows import Expect, Flow, FlowState, Step
from wms_tui.domain.quantities import display
from wms_tui.services.floor.common import short_place
from wms_tui.services.floor.scans import ParsedScan
from wms_tui.services.floor.terminal import FloorContext, FlowHandler, Reply
from wms_tui.services.lookup import STOCK_HOLDERS, LookupResult, lookup_scan


class IdentifyStep(StrEnum):
    """The steps of the identify flow, in their order."""

    SCAN = "scan"


IDENTIFY = Flow("identify", "What is this?", (Step(IdentifyStep.SCAN, Expect.ANYTHING, "Scan anything"),))

MAX_LINES = 40  # a handheld scrolls; more than this belongs on a desktop report


def result_lines(result: LookupResult) -> list[str]:
    """Short lines, each readable on a 20-column handheld (the screen wraps longer ones)."""
    lines = [f"{result.kind.upper()} {result.code}", result.title, *result.details]
    for line in result.lines[:MAX_LINES]:
        lot = f" {line.lot}" if line.lot else ""
        free = f" ({display(line.available)} free)" if line.available != line.on_hand else ""
        lines.append(f"{short_place(line.place)}{lot}: {display(line.on_hand)}{free}")
    if len(result.lines) > MAX_LINES:
        lines.append(f"… {len(result.lines) - MAX_LINES} more places")
    if result.kind in STOCK_HOLDERS and not result.lines:
        lines.append("no stock")
    return lines


class IdentifyHandler(FlowHandler):
    flow = IDENTIFY

    def start(self, ctx: FloorContext) -> Reply:
        return Reply(IDENTIFY.begin(IdentifyStep.SCAN, show=("item, bin, lot,", "container or order")), message="what is this?")

    def _scan(self, ctx: FloorContext, state: FlowState, scan: ParsedScan) -> Reply:
        result = lookup_scan(ctx.session, scan.raw, warehouse_code=ctx.warehouse)
        # The answer is not part of the persisted step: after a restart the screen asks again.
        return Reply(state, message=f"{result.kind} {result.code}", details=tuple(result_lines(result)))

    steps = {IdentifyStep.SCAN: _scan}
