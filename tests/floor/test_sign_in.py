"""Sign-in (badge, or id and PIN), the role's menu and "what is this?", step by step on the
terminal service."""

from tests.floor.kit import Desk
from wms_tui.domain.locations import location_barcode
from wms_tui.services.demo import gtin13


def test_sign_in_with_id_and_pin_then_sign_out(runtime):
    desk = Desk(runtime)
    assert desk.flow == "sign_in" and desk.step == "badge" and desk.shown.back == ""
    desk.type("recv1")
    assert desk.step == "pin" and "RECV1" in desk.instruction and desk.shown.back == "back"
    desk.type("9999")
    assert desk.error and "unknown operator id or wrong PIN" in desk.message
    assert desk.step == "badge"  # a wrong PIN starts over
    desk.type("RECV1")
    desk.key("f10")  # back from the PIN to the badge
    assert desk.step == "badge" and not desk.error
    desk.type("RECV1")
    desk.type("1234")
    assert not desk.error, desk.message
    assert desk.flow == "menu" and desk.shown.operator == "RECV1" and desk.shown.back == "sign out"
    assert desk.details.splitlines()[0] == "1 Receive"
    assert "Pick" not in desk.details and "What is this?" in desk.details
    desk.key("f10")
    assert desk.step == "badge" and "signed out" in desk.message and desk.shown.operator is None


def test_unknown_badge_and_keys_before_sign_in_are_refused(runtime):
    desk = Desk(runtime)
    desk.scan("BADGE-7777")
    assert desk.error and "not a badge or operator id" in desk.message and desk.step == "badge"
    desk.key("f2")
    assert desk.error and "sign in first" in desk.message
    desk.type("*2")  # the command-card fallback is the same key
    assert desk.error and "sign in first" in desk.message


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
