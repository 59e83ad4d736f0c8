"""What several floor flows share: short place names, what one scan counts, the scanned item,
and a supervisor's approval by badge and PIN."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from sqlmodel import Session

from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.flows import Expect, FlowData, FlowState, Step, can_authorise
from wms_tui.domain.quantities import display
from wms_tui.services import operators
from wms_tui.services.floor.scans import ParsedScan
from wms_tui.services.floor.terminal import FloorContext, Reply
from wms_tui.store.finders import ScannedItem, item_by_scan


def short_place(code: str) -> str:
    """A bin as a picker reads it: WH1/STOCK/A-01-3 shows as A-01-3 (the zone is implied)."""
    parts = code.split("/")
    return "/".join(parts[2:]) if len(parts) > 2 else code


def units_word(per_scan: Decimal) -> str:
    """What one scan of a barcode counts: units, or packs of N."""
    return "units" if per_scan == 1 else f"packs of {display(per_scan)}"


def item_of_scan(session: Session, scan: ParsedScan, expected_sku: str | None = None) -> ScannedItem:
    """The scanned item (and units per scan); a different item than expected is refused by name."""
    scanned = item_by_scan(session, scan.code)
    if expected_sku and scanned.item.sku != expected_sku:
        raise InvalidInput(f"wrong item: scan {expected_sku}, not {scanned.item.sku}")
    return scanned


class ApprovalStep(StrEnum):
    """The two steps of a supervisor's approval; a flow that asks one names its steps so."""

    SUPERVISOR = "supervisor"
    SUPERVISOR_PIN = "supervisor_pin"


def approval_steps(badge_instruction: str) -> tuple[Step, Step]:
    """The supervisor's badge (the flow says what it is asked for), then their PIN (masked)."""
    return (Step(ApprovalStep.SUPERVISOR, Expect.BADGE, badge_instruction),
            Step(ApprovalStep.SUPERVISOR_PIN, Expect.PIN, "Supervisor PIN"))


@dataclass(frozen=True)
class ApprovalData(FlowData):
    supervisor_badge: str | None = None  # the badge's hash, until its PIN comes


class SupervisorApproval(ABC):
    """A flow's unusual action allowed by a supervisor at the terminal: their badge scanned, then
    their PIN, checked by operators.approve (audited; a refusal counts towards the lockout and
    is answered, not raised, so the failed attempt is committed). A supervisor signed in at the
    terminal has shown both already and approves at once. The flow data is an ApprovalData and
    the flow's `steps` map ApprovalStep's steps to `_supervisor` and `_supervisor_pin`."""

    @abstractmethod
    def _approval_of(self, state: FlowState) -> str:
        """What the supervisor approves, as the audit trail keeps it."""

    @abstractmethod
    def _approved(self, ctx: FloorContext, state: FlowState, supervisor: str, message: str) -> Reply:
        """The flow goes on, allowed by `supervisor` (an operator code)."""

    def _ask_supervisor(self, ctx: FloorContext, state: FlowState, *, show: tuple[str, ...], message: str,
                        ok: bool = True) -> Reply:
        if can_authorise(ctx.operator.role):
            return self._approved(ctx, state, ctx.operator.code, message)
        return Reply(state.go(ApprovalStep.SUPERVISOR, show=show), ok=ok, message=message)

    def _supervisor(self, ctx: FloorContext, state: FlowState[ApprovalData], scan: ParsedScan) -> Reply:
        # Nothing is looked up yet: an unknown badge is refused at the PIN like a wrong PIN.
        badge = operators.badge_hash(ctx.session, scan.text)
        return Reply(state.go(ApprovalStep.SUPERVISOR_PIN, supervisor_badge=badge), message="supervisor: PIN")

    def _supervisor_pin(self, ctx: FloorContext, state: FlowState[ApprovalData], scan: ParsedScan) -> Reply:
        verdict = operators.approve(ctx.session, state.data.supervisor_badge, scan.text, terminal=ctx.posting.terminal_id,
                                    policy=ctx.security, what=self._approval_of(state))
        if verdict.operator is None:
            return Reply(state.go(ApprovalStep.SUPERVISOR, supervisor_badge=None), ok=False, message=verdict.problem)
        code = verdict.operator.code
        return self._approved(ctx, state.with_data(supervisor_badge=None), code, f"accepted by {code}")
