"""Sign-in (badge or id, then PIN), locks after failures, sign-out, the role's menu and "what is
this?", step by step on the terminal service."""

from datetime import UTC, datetime, timedelta

from tests.floor.kit import Desk
from wms_tui.domain.auth import REFUSED, AuthKind, AuthOutcome
from wms_tui.domain.locations import location_barcode
from wms_tui.services import operators
from wms_tui.services.demo import DEMO_PIN, gtin13
from wms_tui.store.models import FloorSession
from wms_tui.store.session import transaction


def test_sign_in_with_id_and_pin_then_sign_out(runtime):
    desk = Desk(runtime)
    assert desk.flow == "sign_in" and desk.step == "badge" and desk.shown.back == ""
    desk.type("recv1")
    assert desk.step == "pin" and desk.instruction == "Enter your PIN" and desk.shown.back == "back"
    desk.type("9999")
    assert desk.error and desk.message == REFUSED
    assert desk.step == "badge"  # a wrong PIN starts over
    desk.type("RECV1")
    desk.key("f10")  # back from the PIN to the badge
    assert desk.step == "badge" and not desk.error
    desk.type("RECV1")
    desk.type(DEMO_PIN)
    assert not desk.error, desk.message
    assert desk.flow == "menu" and desk.shown.operator == "RECV1" and desk.shown.back == "sign out"
    assert desk.details.splitlines()[0] == "1 Receive"
    assert "Pick" not in desk.details and "What is this?" in desk.details
    desk.key("f10")
    assert desk.step == "badge" and "signed out" in desk.message and desk.shown.operator is None


def test_a_badge_alone_does_not_sign_in_and_unknown_ids_read_like_wrong_pins(runtime):
    desk = Desk(runtime)
    desk.scan("BADGE-0001")
    assert desk.step == "pin" and desk.shown.operator is None and "BADGE" not in desk.instruction
    desk.type(DEMO_PIN)
    assert desk.flow == "menu" and desk.shown.operator == "PICK1"
    answers = []
    for claim, pin in (("BADGE-7777", DEMO_PIN), ("NOBODY", DEMO_PIN), ("BADGE-0002", "9999"), ("PACK1", "9999")):
        desk = Desk(runtime)
        desk.scan(claim)
        assert desk.step == "pin" and not desk.error  # nothing is looked up before the PIN
        desk.type(pin)
        answers.append((desk.step, desk.message, desk.shown.operator))
    assert answers == [("badge", REFUSED, None)] * 4


def test_keys_before_sign_in_are_refused(runtime):
    desk = Desk(runtime)
    desk.key("f2")
    assert desk.error and "sign in first" in desk.message
    desk.type("*2")  # the command-card fallback is the same key
    assert desk.error and "sign in first" in desk.message


def test_failures_lock_the_operator_until_a_supervisor_unlocks(runtime, locking):
    desk = Desk(locking)
    for _ in range(3):
        desk.scan("BADGE-0001", "9999")
        assert desk.message == REFUSED
    other = Desk(runtime)  # another terminal, not locked itself
    other.scan("BADGE-0001", DEMO_PIN)  # the right PIN, too late: refused like any other
    assert other.message == REFUSED and other.shown.operator is None
    with transaction(locking.engine) as session:
        [pick1] = [row for row in operators.list_operators(session) if row.code == "PICK1"]
        assert pick1.failed_attempts == 3 and pick1.locked_until is not None
        first_lock = pick1.locked_until
        assert operators.unlock(session, operator="PICK1") == "operator PICK1"
    other.sign_in("PICK1")
    with transaction(locking.engine) as session:
        assert all(row.locked_until is None for row in operators.list_operators(session))
        events = [(event.kind, event.outcome, event.operator) for event in operators.audit_trail(session, limit=6)]
    assert events == [(AuthKind.SIGN_IN, AuthOutcome.OK, "PICK1"), (AuthKind.UNLOCK, AuthOutcome.OK, "PICK1"),
                      (AuthKind.SIGN_IN, AuthOutcome.LOCKED, "PICK1"),
                      *[(AuthKind.SIGN_IN, AuthOutcome.FAILED, "PICK1")] * 3]
    assert first_lock > datetime.now(UTC) + timedelta(seconds=50)


def test_failures_lock_the_terminal_whoever_is_tried(runtime, locking):
    desk = Desk(locking)
    for claim in ("A1", "A2", "A3"):  # three ids, one failure each: the terminal counts them all
        desk.scan(claim, "9999")
    desk.scan("BADGE-0002", DEMO_PIN)
    assert desk.error and "too many failed attempts on this terminal: wait" in desk.message
    Desk(runtime).sign_in("BADGE-0002")  # the same operator on another terminal
    with transaction(locking.engine) as session:
        assert [terminal for terminal, _n, _until in operators.locked_terminals(session)] == ["HH2"]
        operators.unlock(session, terminal="HH2")
    desk.sign_in("BADGE-0002")


def test_sign_out_from_the_menu_is_saved(runtime):
    desk = Desk(runtime)
    desk.sign_in("BADGE-0002")
    desk.key("f10")
    assert desk.step == "badge" and "signed out" in desk.message
    with transaction(runtime.engine) as session:
        row = session.get(FloorSession, "HH1")
        assert row.operator is None and row.state is None
        assert operators.audit_trail(session, limit=1)[0].kind == AuthKind.SIGN_OUT


def test_each_role_sees_its_menu(runtime):
    menus = {}
    for badge in ("BADGE-0001", "BADGE-0002", "BADGE-0003", "BADGE-0004", "BADGE-0009"):
        desk = Desk(runtime)
        desk.sign_in(badge)
        menus[badge] = [line.split(" ", 1)[1] for line in desk.shown.details]
    assert menus == {
        "BADGE-0001": ["Pick", "Restock", "Count", "What is this?"],
        "BADGE-0002": ["Pack", "Ship", "What is this?"],
        "BADGE-0003": ["Receive", "Restock", "Count", "What is this?"],
        "BADGE-0004": ["Ship", "Pack", "What is this?"],
        "BADGE-0009": ["Pick", "Pack", "Ship", "Receive", "Restock", "Count", "What is this?"],
    }


def test_menu_takes_a_number_or_its_f_key(runtime):
    desk = Desk(runtime)
    desk.sign_in("BADGE-0002")
    desk.scan("9")
    assert desk.error and "choose a number from 1 to 3" in desk.message and desk.flow == "menu"
    desk.scan("1.5")
    assert desk.error and desk.flow == "menu"
    desk.key("f5")
    assert desk.error and "F5 does nothing here" in desk.message
    desk.key("f2")  # the second entry: Ship
    assert desk.flow == "ship" and not desk.error, desk.message
    desk.key("f10")
    assert desk.flow == "menu" and desk.message == "menu"
    desk.scan("1")
    assert desk.flow == "pack"
    desk.key("f9")
    assert desk.error and "F9 does nothing here" in desk.message and desk.flow == "pack"


def test_signing_in_again_after_sign_out_shows_the_menu_not_the_flow(runtime):
    desk = Desk(runtime)
    desk.sign_in("BADGE-0002")
    desk.scan("2")
    assert desk.flow == "ship"
    desk.key("f10")
    desk.key("f10")  # menu, then signed out: nothing to resume
    desk = desk.restart()
    desk.sign_in("BADGE-0002")
    assert desk.flow == "menu" and "resumed" not in desk.message


def test_what_is_this_item_bin_order_and_unknown(runtime):
    desk = Desk(runtime)
    desk.sign_in("BADGE-0001")
    choice = next(line.split()[0] for line in desk.shown.details if "What is this?" in line)
    desk.scan(choice)
    assert desk.instruction == "Scan anything"
    desk.scan(gtin13(3))
    assert "ITEM SKU-00003" in desk.details and "WH1: on hand" in desk.details
    desk.scan(location_barcode("WH1/STOCK/A-01-1"))
    assert "LOCATION WH1/STOCK/A-01-1" in desk.details
    desk.scan("SO-000012")
    assert "ORDER SO-000012" in desk.details and "status" in desk.details
    desk.refused("NO-SUCH-THING", "not a known item, location, container, lot or order", "scan")
