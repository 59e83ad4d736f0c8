"""People and devices (F8): operators added, blocked and let in again, PIN reset, role changed
(a refused PIN changes nothing); printers: a test print through the queue, a failed job retried."""

from sqlmodel import Session

from labels import PrintQueue
from tests.console.deskkit import SIZE, answer, cells, console, said, settle
from tests.floor.kit import runtime_on_copy
from tests.floor.outbound import printer_config
from wms_tui.services import operators
from wms_tui.store.models import Operator
from wms_tui.store.session import transaction


def sign_in(runtime, code: str, pin: str) -> operators.Verdict:
    with transaction(runtime.engine) as session:
        return operators.sign_in(session, code, pin, terminal="DESK1", policy=operators.DEFAULT_POLICY)


async def test_operators_added_blocked_let_in_pin_and_role(runtime, tmp_path):
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f8")
        await settle(app, pilot)
        await pilot.press("n")
        await answer(app, pilot, code="pk9", name="Pat Kim", role="picker", badge="BADGE-PK9", pin="12")
        assert said(app) == ("PIN must be 4 to 12 digits", True)
        await pilot.press("n")
        await answer(app, pilot, code="pk9", name="Pat Kim", role="picker", badge="BADGE-PK9", pin="4712")
        assert said(app) == ("added PK9 (Pat Kim, picker)", False)
        assert ["PK9", "Pat Kim", "picker", "active"] in cells(app, "operators")
        app.screen.table("operators").move_cursor(row=[row[0] for row in cells(app, "operators")].index("PK9"))
        await pilot.press("b", "y")
        await settle(app, pilot)
        assert said(app) == ("PK9 is blocked: badge and PIN are refused", False)
        assert "PK9 is blocked" in sign_in(runtime, "PK9", "4712").problem
        await pilot.press("b", "y")
        await settle(app, pilot)
        assert said(app) == ("PK9 may sign in again", False)
        await pilot.press("p")
        await answer(app, pilot, pin="abc")
        assert said(app) == ("PIN must be 4 to 12 digits", True)
        assert sign_in(runtime, "PK9", "4712").operator.code == "PK9"  # the refused PIN changed nothing
        await pilot.press("p")
        await answer(app, pilot, pin="90210")
        assert said(app) == ("PK9 has a new PIN", False)
        await pilot.press("o")
        await answer(app, pilot, role="boss")
        assert said(app) == ("role must be one of picker, packer, shipper, receiver, supervisor, got 'boss'", True)
        await pilot.press("o")
        await answer(app, pilot, role="receiver")
        assert said(app) == ("PK9 is a receiver from the next sign-in", False)
    assert sign_in(runtime, "PK9", "90210").operator.role == "receiver"
    with Session(runtime.engine) as session:
        assert session.get(Operator, "PK9").active


async def test_printers_test_print_and_a_failed_job_retried(demo_template, tmp_path):
    printed = tmp_path / "printed"
    printed.mkdir()
    runtime = runtime_on_copy(demo_template, tmp_path, terminal="DESK1", extra=printer_config(tmp_path, "zpl", printed))
    queue_path = tmp_path / "print-queue.sqlite3"
    queue = PrintQueue(queue_path)
    queue.submit("gone", b"^XA^XZ", "SSCC-9", "label")
    queue.drain({})  # a printer no longer configured: failed
    queue.close()
    try:
        app = console(runtime, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("f8", "2")
            await settle(app, pilot)
            assert [row[:2] for row in cells(app, "printers")] == [["pack1", "file"]]
            await pilot.press("t", "y")
            await settle(app, pilot)
            assert said(app) == ("job 2 printed on pack1", False)
            assert len(list(printed.iterdir())) == 1
            await pilot.press("3")
            await settle(app, pilot)
            assert [row[:5] for row in cells(app, "jobs")] == [["2", "pack1", "test", "test:pack1", "sent"],
                                                               ["1", "gone", "label", "SSCC-9", "failed"]]
            app.screen.table("jobs").move_cursor(row=1)
            await pilot.press("a")
            await settle(app, pilot)
            assert said(app) == ("job 1 failed on gone (printer 'gone' is not configured); it stays in the queue", False)
            app.screen.table("jobs").move_cursor(row=0)
            await pilot.press("a")
            await settle(app, pilot)
            assert said(app) == ("print job 2 is not waiting or failed: nothing to retry", True)
    finally:
        runtime.close()
