"""The demo's guided tour: the scans a picker, a packer and a shipper would make to take one
demo order from the shelf to the truck. `wms-tui demo --watch` plays them through the replay
scanner, slowly, so a newcomer can watch pick -> pack -> ship without hardware."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import select

from wms_tui.domain.errors import NotFound
from wms_tui.domain.locations import location_barcode
from wms_tui.domain.outbound import sscc
from wms_tui.domain.quantities import display
from wms_tui.domain.states import TaskKind, TaskState
from wms_tui.services.demo import DEMO_OPERATORS, DEMO_PIN
from wms_tui.services.outbound.packing import SSCC
from wms_tui.store.models import ItemBarcode, Location, Lot, NumberRange, Task
from wms_tui.store.session import reading

TOTE = "TOTE-TOUR"
CARRIER = "DHL"
TRACKING = "JD014600006281234567"
BACK = "*10"  # F10 as a command-card scan


def _sign_in(role: str) -> list[str]:
    """A demo operator's badge, then their PIN."""
    return [next(badge for badge, _code, _name, op_role in DEMO_OPERATORS if op_role == role), DEMO_PIN]


@dataclass(frozen=True)
class Tour:
    order: str
    scans: list[str]

    @property
    def finale(self) -> str:
        """What the screen says once the tour's last scan is done."""
        return f"tour finished: {self.order} shipped"


def tour_scans(engine: Engine, terminal_id: str) -> Tour:
    """Pick every task of one open demo order into a tote, pack it in one box, ship it."""
    with reading(engine) as session:
        tasks = session.exec(select(Task).where(Task.kind == TaskKind.PICK.value).order_by(Task.queue_position, Task.id)).all()
        by_order: dict[str, list[Task]] = defaultdict(list)
        for task in tasks:
            by_order[task.document_ref].append(task)
        order = next(
            (number for number, group in by_order.items()
             if all(task.state == TaskState.OPEN.value and not task.batch_ref for task in group)), None)
        if order is None:
            raise NotFound("no demo order is left with all its picks open: rebuild it with `wms-tui demo --reset`")
        picks = by_order[order]
        numbers = session.exec(
            select(NumberRange).where(NumberRange.purpose == SSCC, NumberRange.terminal_id == terminal_id)
        ).first()
        if numbers is None:
            raise NotFound(f"terminal {terminal_id} has no SSCC range")
        box = sscc(numbers.prefix, numbers.next_value)

        def item_scan(task: Task) -> str:
            gtin = session.exec(
                select(ItemBarcode.barcode).where(ItemBarcode.item_id == task.item_id, ItemBarcode.quantity == 1)
            ).first()
            lot = session.get(Lot, task.lot_id) if task.lot_id else None
            return f"]C101{gtin.zfill(14)}10{lot.code}" if lot else gtin

        scans = [*_sign_in("picker"), "1", order]
        packed: dict[str, Decimal] = defaultdict(Decimal)
        for n, task in enumerate(picks):
            bin_code = session.get(Location, task.location_id).code
            item = item_scan(task)
            # The item scan counts one; more are typed. The tote is asked for the first line only.
            scans += [location_barcode(bin_code), item, *([display(task.quantity)] if task.quantity > 1 else []),
                      *([] if n else [TOTE])]
            packed[item] += task.quantity
        scans += [BACK, *_sign_in("packer"), "1", order, "1"]
        for code, quantity in packed.items():
            scans += [code, display(quantity)]
        scans += ["*2", "2.5", BACK, BACK, *_sign_in("shipper"), "1", box, "*2", CARRIER, TRACKING, "1", BACK, BACK]
    return Tour(order, scans)
