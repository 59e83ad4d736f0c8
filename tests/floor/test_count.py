"""Count, step by step on the terminal service: blind counts of a bin (the expected quantity is
never shown), recount when asked or a supervisor's approval by badge and PIN instead, reason
codes for what posts, unlisted items, counts a short pick asked for, empty bins; wrong scans
post nothing; a crash keeps what was counted."""

from decimal import Decimal

from sqlmodel import Session, select

from tests.floor.inbound import contents, item_scan, mixed_bin, plan
from tests.floor.kit import Desk, moves
from wms_tui.domain.auth import REFUSED, AuthKind, AuthOutcome
from wms_tui.domain.locations import location_barcode
from wms_tui.domain.reasons import MoveReason
from wms_tui.domain.states import TaskKind
from wms_tui.services import operators, tasks
from wms_tui.services.demo import DEMO_PIN, gtin13
from wms_tui.services.outbound.picking import short_pick
from wms_tui.store.ledger import PostingContext
from wms_tui.store.models import CountLine, Item, Location, StockBalance, StockMove, Task
from wms_tui.store.session import transaction


def open_count(runtime, badge: str = "BADGE-0001") -> Desk:
    desk = Desk(runtime)
    desk.sign_in(badge)
    desk.scan("3")  # picker and receiver: ..., restock, count
    assert desk.flow == "count" and not desk.error, desk.message
    return desk


def test_blind_count_of_a_planned_bin(runtime):
    code = mixed_bin(runtime)
    held = contents(runtime, code)
    task_id = plan(runtime, code)
    desk = open_count(runtime)
    assert "1 counts open" in desk.details
    desk.key("f1")
    assert desk.step == "at" and code.split("/")[-1] in desk.instruction, desk.message
    desk.scan(location_barcode(code))
    assert desk.step == "item"
    # Blind: the sheet names what to count, with "?" where a count goes, never a quantity.
    shown = desk.details.replace(" ", "")
    for sku, _lot, _quantity in held:
        assert f"{sku}?" in shown
    assert "expected" not in desk.details
    before = moves(runtime)
    for sku, lot, quantity in held:
        desk.scan(item_scan(sku, lot), str(int(quantity)))
        assert not desk.error, desk.message
    assert "?" not in desk.details
    desk.key("f5")
    assert not desk.error, desk.message
    assert f": {len(held)} as counted" in desk.message and "adjusted" not in desk.message
    assert desk.step == "bin" and "1 bins" in desk.progress
    assert moves(runtime) == before
    with Session(runtime.engine) as session:
        assert session.get(Task, task_id).state == "done"
        lines = session.exec(select(CountLine).join(Location, Location.id == CountLine.location_id)
                             .where(Location.code == code)).all()
        assert {line.state for line in lines} == {"posted"} and len(lines) == len(held)


def test_difference_is_recounted_then_posted_with_a_reason(runtime):
    code = mixed_bin(runtime)
    held = contents(runtime, code)
    sku, _, quantity = next(entry for entry in held if entry[1] is None)
    plan(runtime, code)
    desk = open_count(runtime)
    desk.scan(location_barcode(code))
    assert desk.step == "item", desk.message
    before = moves(runtime)
    for other, lot, counted in held:
        if other != sku:
            desk.scan(item_scan(other, lot), str(int(counted)))
    desk.scan(item_scan(sku, None), str(int(quantity) - 1))
    desk.key("f5")
    assert not desk.error, desk.message
    assert f"recount {code.split('/')[-1]}: {sku}" in desk.message
    assert desk.step == "item"
    # The recount sheet holds only the item that differed.
    assert f"{sku}?" in desk.details.replace(" ", "")
    assert all(other not in desk.details for other, _, _ in held if other != sku)
    assert moves(runtime) == before
    # The recount only takes the items it asks for.
    other, lot, _ = next(entry for entry in held if entry[0] != sku)
    desk.refused(item_scan(other, lot), "not in this recount", "item")
    desk.scan(item_scan(sku, None), str(int(quantity) - 1))
    desk.key("f5")
    assert desk.step == "reason" and desk.error and "differs from stock" in desk.message
    assert str(int(quantity)) not in desk.details.replace(sku, "")  # still blind
    desk.refused("7", "reason from 1 to", "reason")
    desk.scan("2")  # damaged
    assert not desk.error, desk.message
    assert "1 line: 1 adjusted by -1" in desk.message
    assert moves(runtime) == before + 1
    assert next(q for s, lot, q in contents(runtime, code) if s == sku and lot is None) == quantity - 1
    with Session(runtime.engine) as session:
        move = session.exec(select(StockMove).order_by(StockMove.id.desc())).first()
        assert move.reason == MoveReason.CYCLE_COUNT and move.quantity == 1
        assert session.get(CountLine, move.document_line_id).reason == "damaged"
        assert session.get(Location, move.to_location_id).code == "INVENTORY-LOSS"


def test_unlisted_item_and_a_bin_without_a_planned_count(runtime):
    code = mixed_bin(runtime)
    held = contents(runtime, code)
    with Session(runtime.engine) as session:
        stranger = session.exec(select(Item.sku).where(Item.tracking == "none", Item.sku.not_in([s for s, _, _ in held]))
                                .order_by(Item.sku)).first()
    desk = open_count(runtime, badge="BADGE-0003")
    desk.key("f1")
    assert desk.error and "no counts waiting" in desk.message
    desk.refused(location_barcode(code), "scan again to count it", "bin")
    desk.scan(location_barcode(code))
    assert desk.step == "item" and not desk.error, desk.message
    before = moves(runtime)
    for sku, lot, quantity in held:
        desk.scan(item_scan(sku, lot), str(int(quantity)))
    desk.scan(item_scan(stranger, None), "2")
    assert f"+{stranger} 2" in desk.details
    desk.key("f5")
    # A count planned here has threshold 0: the stranger is counted again first.
    assert f"recount {code.split('/')[-1]}: {stranger}" in desk.message, desk.message
    desk.scan(item_scan(stranger, None), "2")
    desk.key("f5")
    assert desk.step == "reason", desk.message
    desk.scan("1")  # misplaced
    assert not desk.error, desk.message
    assert moves(runtime) == before + 1
    assert (stranger, None, Decimal(2)) in contents(runtime, code)


def test_wrong_scans_are_refused_and_post_nothing(runtime):
    code = mixed_bin(runtime)
    held = contents(runtime, code)
    plan(runtime, code)
    tracked_sku, lot, _ = next(entry for entry in held if entry[1])
    desk = open_count(runtime)
    before = moves(runtime)
    desk.refused(gtin13(1), "that is an item barcode", "bin")
    desk.refused("A-01-01.00", "wrong check digit", "bin")
    desk.key("f5")
    assert desk.error and "no count yet" in desk.message
    desk.key("f1")
    other = "WH1/STOCK/A-01-1" if code != "WH1/STOCK/A-01-1" else "WH1/STOCK/A-01-2"
    desk.refused(location_barcode(other), "wrong bin", "at")
    desk.scan(location_barcode(code))
    desk.refused(location_barcode(code), "that is a bin label", "item")
    desk.refused("]C100340123450000000017", "container label (SSCC)", "item")
    desk.refused("5901234123457", "not a known item", "item")
    desk.scan(item_scan(tracked_sku, None))
    assert desk.step == "lot" and "lot-tracked" in desk.message
    desk.refused("NO-SUCH-LOT", "has no lot NO-SUCH-LOT", "lot")
    desk.type(lot)
    desk.refused("1.5", "whole number from 0", "qty")
    desk.refused(gtin13(1), "that is an item barcode", "qty")
    desk.key("f5")
    assert desk.error and "finish this item first" in desk.message
    desk.scan("0")
    assert not desk.error and desk.step == "item", desk.message
    desk.key("f4")
    assert desk.step == "qty" and "undone" in desk.message
    assert moves(runtime) == before
    desk.key("f3")
    assert "skipped" in desk.message and desk.step == "bin"


def test_crash_mid_count_keeps_what_was_counted(runtime):
    code = mixed_bin(runtime)
    held = contents(runtime, code)
    plan(runtime, code)
    desk = open_count(runtime)
    desk.scan(location_barcode(code))
    first, *rest = held
    desk.scan(item_scan(first[0], first[1]), str(int(first[2])))
    step, details, posted = desk.step, desk.details, moves(runtime)
    assert step == "item"
    desk = desk.restart()
    desk.sign_in("BADGE-0001")
    assert desk.step == step and desk.details == details and "resumed" in desk.message
    for sku, lot, quantity in rest:
        desk.scan(item_scan(sku, lot), str(int(quantity)))
    desk.key("f5")
    assert not desk.error, desk.message
    assert f": {len(held)} as counted" in desk.message
    assert moves(runtime) == posted


def test_count_a_short_pick_asked_for(runtime):
    with transaction(runtime.engine) as session:
        warehouse = session.exec(select(Location.warehouse_id).where(Location.code == "WH1")).one()
        pick = tasks.claim_next(session, "PICK1", warehouse, kind=TaskKind.PICK)
        result = short_pick(session, PostingContext("HH9", "PICK1"), pick.id, reason="not_found")
        count_id = result.count_task_id
        code = session.get(Location, pick.location_id).code
    held = contents(runtime, code)
    desk = open_count(runtime)
    desk.key("f1")
    assert desk.step == "at" and not desk.error, desk.message
    assert code.split("/")[-1] in desk.instruction
    desk.scan(location_barcode(code))
    for sku, lot, quantity in held:
        desk.scan(item_scan(sku, lot), str(int(quantity)))
    desk.key("f5")
    assert not desk.error and "posted" in desk.message, desk.message
    with Session(runtime.engine) as session:
        assert session.get(Task, count_id).state == "done"


def test_an_empty_bin_found_empty(runtime):
    with Session(runtime.engine) as session:
        code = session.exec(
            select(Location.code).where(Location.code.like("WH1/STOCK/%"),
                                        ~Location.id.in_(select(StockBalance.location_id).where(StockBalance.quantity != 0)))
            .order_by(Location.code)
        ).first()
    task_id = plan(runtime, code)
    desk = open_count(runtime)
    desk.key("f1")
    desk.scan(location_barcode(code))
    assert desk.details.strip() == f"count {code.split('/')[-1]}"
    before = moves(runtime)
    desk.key("f5")
    assert not desk.error and "0 lines: nothing to count" in desk.message, desk.message
    assert moves(runtime) == before
    with Session(runtime.engine) as session:
        assert session.get(Task, task_id).state == "done"


def counted_one_short(runtime, badge: str = "BADGE-0001") -> tuple[Desk, str, str, Decimal, int]:
    """A planned bin counted with one unit of an untracked item missing: the recount is taken at
    once. Returns the terminal, the bin, the item, its quantity and the moves so far."""
    code = mixed_bin(runtime)
    held = contents(runtime, code)
    sku, _, quantity = next(entry for entry in held if entry[1] is None)
    plan(runtime, code)
    desk = open_count(runtime, badge)
    desk.scan(location_barcode(code))
    for other, lot, counted in held:
        short = other == sku and lot is None
        desk.scan(item_scan(other, lot), str(int(counted) - 1 if short else int(counted)))
    desk.key("f5")
    assert desk.step == "item" and "F2 approve now" in desk.message, desk.message
    return desk, code, sku, quantity, moves(runtime)


def approval_events(runtime) -> list[tuple[str | None, AuthOutcome, str | None, str]]:
    with Session(runtime.engine) as session:
        return [(event.operator, event.outcome, event.terminal_id, event.detail)
                for event in reversed(operators.audit_trail(session)) if event.kind is AuthKind.APPROVAL]


def test_a_supervisor_approves_the_first_count_by_badge_and_pin(runtime):
    desk, code, sku, quantity, before = counted_one_short(runtime)
    assert "or F2 approve now" in desk.details
    desk.key("f2")
    assert desk.step == "supervisor" and not desk.error, desk.message
    assert sku in desk.details and str(int(quantity)) not in desk.details.replace(sku, "")  # still blind
    desk.scan("BADGE-0009")
    assert desk.step == "supervisor_pin" and not desk.error and moves(runtime) == before
    desk.scan(DEMO_PIN)
    assert not desk.error, desk.message
    assert desk.message == f"count of {code.split('/')[-1]} approved by SUP1: 1 line: 1 adjusted by -1"
    assert desk.step == "bin" and "1 bins" in desk.progress
    assert moves(runtime) == before + 1
    assert next(q for s, lot, q in contents(runtime, code) if s == sku and lot is None) == quantity - 1
    with Session(runtime.engine) as session:
        move = session.exec(select(StockMove).order_by(StockMove.id.desc())).first()
        assert (move.operator, move.terminal_id, move.reason, move.quantity) == ("SUP1", "HH1", MoveReason.CYCLE_COUNT, 1)
        assert session.get(CountLine, move.document_line_id).reason == "approved by SUP1"
        recounts = session.exec(select(Task).where(Task.kind == TaskKind.COUNT.value, Task.reason == "recount")).all()
        assert [task.state for task in recounts] == ["cancelled"]
    assert approval_events(runtime) == [("SUP1", AuthOutcome.OK, "HH1", f"count difference {sku} at {code}")]


def test_borrowed_badge_and_a_pickers_badge_are_refused(runtime):
    with transaction(runtime.engine) as session:
        operators.reset_pin(session, "SUP1", "2580")  # the counter knows only their own PIN
    desk, code, sku, _quantity, before = counted_one_short(runtime)
    desk.key("f2")
    desk.scan("BADGE-0009")  # the supervisor's badge, borrowed (or its code typed)
    desk.refused(DEMO_PIN, REFUSED, "supervisor")
    desk.scan("BADGE-0001")  # the counter's own badge and PIN: not a supervisor's
    desk.refused(DEMO_PIN, "PICK1 is a picker: only a supervisor may approve this", "supervisor")
    desk.scan("NO-SUCH-BADGE")  # an unknown badge reads like a wrong PIN
    desk.refused("2580", REFUSED, "supervisor")
    assert moves(runtime) == before
    with Session(runtime.engine) as session:  # still waiting for its recount (or the console)
        [waiting] = session.exec(select(CountLine).where(CountLine.state == "recount")).all()
        assert waiting.reason is None
    what = f"count difference {sku} at {code}"
    assert approval_events(runtime) == [("SUP1", AuthOutcome.FAILED, "HH1", what),
                                        ("PICK1", AuthOutcome.BLOCKED, "HH1", f"{what}: not a supervisor"),
                                        (None, AuthOutcome.FAILED, "HH1", what)]
    with Session(runtime.engine) as session:
        [sup1] = [row for row in operators.list_operators(session) if row.code == "SUP1"]
        assert sup1.failed_attempts == 1


def test_wrong_pins_are_counted_and_lock_the_supervisor(runtime, locking):
    desk, _code, _sku, _quantity, before = counted_one_short(locking)
    desk.key("f2")
    for _ in range(3):
        desk.scan("BADGE-0009")
        desk.refused("9999", REFUSED, "supervisor")
    desk.scan("BADGE-0009")
    desk.refused(DEMO_PIN, "too many failed attempts on this terminal", "supervisor")  # locked: the right PIN too late
    assert moves(runtime) == before
    with Session(runtime.engine) as session:
        [sup1] = [row for row in operators.list_operators(session) if row.code == "SUP1"]
        assert sup1.failed_attempts == 3 and sup1.locked_until is not None
        assert ("HH2", 3) in [(terminal, failures) for terminal, failures, _until in operators.locked_terminals(session)]
    assert [outcome for _op, outcome, _t, _d in approval_events(runtime)] == [AuthOutcome.FAILED] * 3 + [AuthOutcome.LOCKED]


def test_f2_outside_a_recount_and_a_supervisor_counting(runtime):
    code = mixed_bin(runtime)
    plan(runtime, code)
    desk = Desk(runtime)
    desk.sign_in("BADGE-0009")
    desk.scan("6")  # supervisor: pick, pack, ship, receive, restock, count
    desk.scan(location_barcode(code))
    desk.key("f2")
    assert desk.error and "nothing to approve" in desk.message and desk.step == "item"
    held = contents(runtime, code)
    for n, (sku, lot, quantity) in enumerate(held):
        desk.scan(item_scan(sku, lot), str(int(quantity) + 1 if n == 0 else int(quantity)))  # one more of the first
    desk.key("f5")
    assert desk.step == "item" and "F2 approve now" in desk.message, desk.message
    before = moves(runtime)
    desk.key("f2")  # signed in by badge and PIN already: approved at once
    assert not desk.error and desk.message.endswith("approved by SUP1: 1 line: 1 adjusted by +1"), desk.message
    assert desk.step == "bin" and moves(runtime) == before + 1
