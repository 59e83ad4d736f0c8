"""The exceptions desk (F7): a short pick, an over-receipt, a failed print and a stock exception
wait for a supervisor; each is resolved once with the keys its kind allows, and the resolution
says who, when and how. A second resolution is refused with the first one named."""

from sqlmodel import Session, select

from labels import PrintQueue
from tests.console.deskkit import SIZE, SUPERVISOR_BADGE, answer, cells, console, said, settle
from tests.console.test_inventory import a_bin_of, count_over_threshold
from tests.console.test_orders_desk import item_in_stock
from wms_tui.domain.auth import SecurityPolicy
from wms_tui.domain.states import StockExceptionKind, StockExceptionState, TaskKind
from wms_tui.services import stock_exceptions, tasks
from wms_tui.services.demo import DEMO_PIN, gtin13
from wms_tui.services.desks import exceptions
from wms_tui.services.inbound.purchasing import PurchaseLineInput, create_purchase_order
from wms_tui.services.inbound.receiving import receive_scan, start_receipt
from wms_tui.services.outbound.picking import short_pick
from wms_tui.store import finders
from wms_tui.store.ledger import PostingContext
from wms_tui.store.models import ExceptionResolution, Location, PickDiscrepancy, StockException
from wms_tui.store.session import transaction

PICKER = PostingContext("HH9", "PICK1")
SUPERVISOR = {"badge": SUPERVISOR_BADGE, "pin": DEMO_PIN, "policy": SecurityPolicy()}


def a_short_pick(runtime) -> int:
    with transaction(runtime.engine) as session:
        warehouse = session.exec(select(Location.warehouse_id).where(Location.code == "WH1")).one()
        pick = tasks.claim_next(session, "PICK1", warehouse, kind=TaskKind.PICK)
        short_pick(session, PICKER, pick.id, reason="not_found")
        return session.exec(select(PickDiscrepancy.id).where(PickDiscrepancy.task_id == pick.id)).one()


def an_over_receipt(runtime) -> None:
    with transaction(runtime.engine) as session:
        order = create_purchase_order(session, "S001", "WH1", [PurchaseLineInput("SKU-00004", 2)])
        receipt = start_receipt(session, order.number, warehouse_code="WH1")
        receive_scan(session, PostingContext("HH1", "REC1"), receipt.number, gtin13(4), count=3,
                     over_receipt_allowed=True, over_reason="pallet came full")


def a_failed_print(folder) -> None:
    queue = PrintQueue(folder / "print-queue.sqlite3")
    try:
        queue.submit("ZEBRA9", b"^XA^XZ", "SSCC-1", "label")
        queue.drain({})  # not a configured printer: failed for good
    finally:
        queue.close()


async def test_exceptions_resolved_once_each_with_who_when_and_how(runtime, tmp_path):
    short = a_short_pick(runtime)
    an_over_receipt(runtime)
    a_failed_print(tmp_path)
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f7")
        await settle(app, pilot)
        kinds = [row[0] for row in cells(app, "waiting")]
        assert sorted(kinds) == ["failed print", "over receipt", "short pick"]
        assert cells(app, "resolved") == []
        table = app.screen.query_one("#waiting")
        table.move_cursor(row=kinds.index("short pick"))
        await settle(app, pilot)
        await pilot.press("t")  # retry is for prints: not offered for a short pick, nothing happens
        await settle(app, pilot)
        assert app.screen.query_one("#waiting").row_count == 3
        await pilot.press("a")
        await answer(app, pilot, badge=SUPERVISOR_BADGE, pin=DEMO_PIN, note="bin recounted, stock found in the next bay")
        assert said(app) == (f"short pick {short} accepted by SUP1", False)

        kinds = [row[0] for row in cells(app, "waiting")]
        table.move_cursor(row=kinds.index("failed print"))
        await settle(app, pilot)
        await pilot.press("t")
        await answer(app, pilot, badge=SUPERVISOR_BADGE, pin=DEMO_PIN, note="printer added to the config")
        text, refused = said(app)
        assert not refused and text.startswith("failed print ZEBRA9/") and text.endswith("retried by SUP1: due again now")
        await pilot.press("a")
        await answer(app, pilot, badge=SUPERVISOR_BADGE, pin=DEMO_PIN, note="")
        assert [row[0] for row in cells(app, "waiting")] == []
        assert [row[:4] for row in cells(app, "resolved")][0][2:] == ["accepted", "SUP1"]
    # the retried job is pending again in the queue
    queue = PrintQueue(tmp_path / "print-queue.sqlite3")
    try:
        assert [job.status for job in queue.jobs(("pending", "failed"))] == ["pending"]
    finally:
        queue.close()
    with Session(runtime.engine) as session:
        notes = {(r.kind.value, r.action.value): r.note for r in session.exec(select(ExceptionResolution)).all()}
    assert notes == {("short_pick", "accepted"): "bin recounted, stock found in the next bay",
                     ("failed_print", "retried"): "printer added to the config", ("over_receipt", "accepted"): None}


def test_a_second_resolution_is_refused_and_a_wrong_one_too(runtime, tmp_path):
    short = a_short_pick(runtime)
    sku = item_in_stock(runtime)
    place, held = a_bin_of(runtime, sku)
    line = count_over_threshold(runtime, sku, place, int(held) + 3)
    sup = PostingContext("DESK1", "OFFICE1")  # the console's user; SUP1 approves by badge and PIN
    assert exceptions.resolve(runtime.engine, sup, "short_pick", str(short), "accepted", **SUPERVISOR) == f"short pick {short} accepted by SUP1"
    for kind, reference, action, reason in [
        ("short_pick", str(short), "accepted", f"short pick {short} was already accepted by SUP1 at "),
        ("count_variance", str(line), "accepted", "a count variance is approved or rejected, not accepted"),
        ("over_receipt", "999999", "accepted", "no over receipt 999999"),
        ("failed_print", "ZEBRA9/1", "retried", "no print job ZEBRA9/1"),
    ]:
        try:
            exceptions.resolve(runtime.engine, sup, kind, reference, action, queue_path=tmp_path / "none.sqlite3", **SUPERVISOR)
        except Exception as exc:  # noqa: BLE001 - the message is what is checked
            assert str(exc).startswith(reason), str(exc)
        else:
            raise AssertionError(f"{kind} {reference} {action} was not refused")
    with Session(runtime.engine) as session:
        assert len(session.exec(select(ExceptionResolution)).all()) == 1


def a_stock_exception(runtime) -> int:
    """What reopen_order raises when the order's goods are gone (tests/rules covers how)."""
    with transaction(runtime.engine) as session:
        return stock_exceptions.raise_exception(
            session, StockExceptionKind.REOPEN_SHORT, finders.warehouse_by_code(session, "WH1").id, "re-open of SO-000001 refused: WH1/A-01-01: 2 SKU-00001 no longer there",
            document_ref="SO-000001").id


async def test_a_stock_exception_is_listed_and_resolved_with_a_note_kept_on_it(runtime, tmp_path):
    exception_id = a_stock_exception(runtime)
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "stock exceptions   1" in str(app.screen.query_one("#exceptions").render())
        await pilot.press("f7")
        await settle(app, pilot)
        [row] = cells(app, "waiting")
        assert row[:2] == ["stock exception", str(exception_id)]
        assert row[4] == "reopen short: re-open of SO-000001 refused: WH1/A-01-01: 2 SKU-00001 no longer there"
        await pilot.press("a")  # accepting is for short picks and over-receipts: nothing happens
        await settle(app, pilot)
        assert len(cells(app, "waiting")) == 1
        await pilot.press("v")
        await answer(app, pilot, badge=SUPERVISOR_BADGE, pin=DEMO_PIN, note="")  # how it was settled must be said
        assert said(app) == ("resolution cannot be empty", True)
        assert len(cells(app, "waiting")) == 1
        await pilot.press("v")
        await answer(app, pilot, badge=SUPERVISOR_BADGE, pin=DEMO_PIN, note="customer keeps 2, credit note sent")
        assert said(app) == (f"stock exception {exception_id} resolved by SUP1", False)
        assert cells(app, "waiting") == []
        [done] = cells(app, "resolved")
        assert done[:4] == ["stock exception", str(exception_id), "resolved", "SUP1"]
        assert done[5] == "customer keeps 2, credit note sent"
    with Session(runtime.engine) as session:
        stored = session.get(StockException, exception_id)
        assert (stored.state, stored.resolved_by, stored.resolution) == (
            StockExceptionState.RESOLVED, "SUP1", "customer keeps 2, credit note sent")
        assert stored.resolved_at is not None
        assert session.exec(select(ExceptionResolution)).all() == []  # recorded once, on the exception
    sup = PostingContext("DESK1", "SUP2")
    for reference, reason in [(str(exception_id), f"stock exception {exception_id} was already resolved by SUP1 at "),
                              ("999", "no stock exception 999"), ("x", "no stock exception x")]:
        try:
            exceptions.resolve(runtime.engine, sup, "stock_exception", reference, "resolved", "again", **SUPERVISOR)
        except Exception as exc:  # noqa: BLE001 - the message is what is checked
            assert str(exc).startswith(reason), str(exc)
        else:
            raise AssertionError(f"stock exception {reference} was resolved twice")
