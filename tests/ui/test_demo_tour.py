"""The demo's guided tour (`wms-tui demo --watch`): its scans, played through the replay
driver, take one order from the shelf to the truck with no wrong scan on the way."""

from sqlmodel import Session, select

from tests.floor.kit import runtime_on_copy
from tests.ui.floorkit import Floor
from wms_tui.commands.stock import use_folder_printer
from wms_tui.services.demo_tour import BACK, TRACKING, tour_scans
from wms_tui.services.floor.numbering import ensure_demo_range
from wms_tui.services.outbound.orders import order_status
from wms_tui.store.models import Shipment
from wms_tui.ui.app import WmsApp


async def test_tour_picks_packs_and_ships_one_order(demo_template, tmp_path):
    runtime = runtime_on_copy(demo_template, tmp_path)
    ensure_demo_range(runtime.engine, "HH1")
    use_folder_printer(runtime, tmp_path / "labels")
    tour = tour_scans(runtime.engine, "HH1")
    scans, order = tour.scans, tour.order
    assert scans[3] == order  # after the badge, the PIN and the menu choice
    app = WmsApp(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        refused = []
        for scan in scans:
            await floor.scan(scan)
            if floor.error:
                refused.append((scan, floor.message))
        assert refused == []
        assert floor.flow == "sign_in" and scans[-1] == BACK
        for _ in range(200):  # the print station works in its own threads
            if len(list((tmp_path / "labels").glob("*.pdf"))) >= 2:
                break
            await pilot.pause(0.05)
    printed = sorted(path.name for path in (tmp_path / "labels").glob("*.pdf"))
    assert len(printed) == 2, printed  # the box's container label and the packing slip
    with Session(runtime.engine) as session:
        shipment = session.exec(select(Shipment).where(Shipment.tracking_number == TRACKING)).one()
        assert shipment.carrier == "DHL"
        assert order_status(session, order).value == "fulfilled"
    runtime.close()


async def test_tour_played_in_one_capture_ends_on_its_finished_screen(demo_template, tmp_path):
    runtime = runtime_on_copy(demo_template, tmp_path)
    ensure_demo_range(runtime.engine, "HH1")
    use_folder_printer(runtime, tmp_path / "labels")
    tour = tour_scans(runtime.engine, "HH1")
    app = WmsApp(runtime, finale=tour.finale)
    async with app.run_test(size=(20, 16)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.scan(*tour.scans)  # as `demo --watch` plays them: one capture, then its end
        for _ in range(100):
            if floor.message == f"tour finished: {tour.order} shipped":
                break
            await floor.settle()
            await pilot.pause(0.05)
        assert floor.message == f"tour finished: {tour.order} shipped" and not floor.error
        assert floor.flow == "sign_in" and "sign in to try it" in floor.details
    runtime.close()
