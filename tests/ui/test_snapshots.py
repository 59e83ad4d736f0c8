"""SVG snapshots of the main floor screens at the three terminal sizes (Textual is pinned in
pyproject.toml, so a change here is a change of ours). Update with `--snapshot-update` after
looking at the new SVGs in the report."""

import pytest
from sqlmodel import Session, select

from tests.ui.floorkit import SIZE_IDS, SIZES, Floor
from wms_tui.domain.states import TaskKind
from wms_tui.services.demo import DEMO_PIN
from wms_tui.store.models import Task
from wms_tui.ui.app import WmsApp


def order_without_lots(runtime) -> str:
    """An order whose pick tasks carry no lot: its screen does not change with today's date."""
    with Session(runtime.engine) as session:
        picks = session.exec(select(Task).where(Task.kind == TaskKind.PICK.value).order_by(Task.id)).all()
    with_lots = {task.document_ref for task in picks if task.lot_id is not None}
    return next(task.document_ref for task in picks if task.document_ref not in with_lots)


def steps(tmp_path, *inputs: str):
    async def run_before(pilot) -> None:
        floor = Floor(pilot.app, pilot, tmp_path)
        await floor.settle()
        for value in inputs:
            await floor.type(value)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_sign_in_screen(runtime, tmp_path, size, snap_compare):
    assert snap_compare(WmsApp(runtime), terminal_size=size, run_before=steps(tmp_path))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_supervisor_menu(runtime, tmp_path, size, snap_compare):
    assert snap_compare(WmsApp(runtime), terminal_size=size, run_before=steps(tmp_path, "BADGE-0009", DEMO_PIN))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_pick_go_to_bin(runtime, tmp_path, size, snap_compare):
    order = order_without_lots(runtime)
    assert snap_compare(WmsApp(runtime), terminal_size=size, run_before=steps(tmp_path, "BADGE-0001", DEMO_PIN, "1", order))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_wrong_scan_in_red(runtime, tmp_path, size, snap_compare):
    order = order_without_lots(runtime)
    inputs = ("BADGE-0001", DEMO_PIN, "1", order, "]C100340123450000000017")
    assert snap_compare(WmsApp(runtime), terminal_size=size, run_before=steps(tmp_path, *inputs))
