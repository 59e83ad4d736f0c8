"""A picker's pending step and claimed tasks when they walk off: kept when another operator
signs in on their terminal, theirs again wherever they sign in next, given back by a supervisor
or once their claims are older than the configured time."""

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select, update

from tests.floor.kit import Desk, another_terminal, held_task, moves
from tests.floor.outbound import allocated_order, stocked_items
from wms_tui.domain.auth import AuthKind
from wms_tui.services import operators
from wms_tui.store.models import AuthEvent, Task
from wms_tui.store.session import transaction


def counted_but_not_posted(runtime) -> tuple[Desk, str]:
    """PICK1 has counted 2 of 5 at the bin (nothing posted yet) and walks off."""
    [sku] = stocked_items(runtime, 1, at_least=5)
    number = allocated_order(runtime, [(sku, 5)])
    desk = Desk(runtime)
    desk.sign_in("BADGE-0001")
    desk.scan("1", number)
    task = held_task(runtime, "PICK1")
    desk.scan(task.bin_scan, task.item_scan, task.item_scan)
    assert desk.step == "qty" and desk.instruction.startswith("2 of 5")
    return desk, task.item_scan


def test_another_operator_signing_in_keeps_the_first_ones_step(runtime):
    desk, item_scan = counted_but_not_posted(runtime)
    posted = moves(runtime)
    desk = desk.restart()  # the terminal starts again (new shift, battery swap) ...
    desk.sign_in("BADGE-0009")  # ... and a supervisor signs in on it: their menu
    assert desk.flow == "menu", desk.message
    desk.key("f10")  # and signs out
    desk.sign_in("BADGE-0001")
    assert desk.step == "qty" and desk.instruction.startswith("2 of 5") and "resumed" in desk.message
    desk.scan(item_scan)
    assert desk.instruction.startswith("3 of 5") and moves(runtime) == posted


def test_the_held_step_follows_the_picker_to_another_terminal(runtime, tmp_path):
    desk, _item_scan = counted_but_not_posted(runtime)
    desk.restart().sign_in("BADGE-0002")  # the packer takes HH1
    other = Desk(another_terminal(runtime, tmp_path, "HH2"))
    other.sign_in("BADGE-0001")
    assert other.step == "qty" and other.instruction.startswith("2 of 5"), other.message


def test_a_supervisor_releases_the_claims_and_the_held_step(runtime):
    desk, _item_scan = counted_but_not_posted(runtime)
    task = held_task(runtime, "PICK1")
    desk = desk.restart()
    desk.sign_in("BADGE-0002")
    with transaction(runtime.engine) as session:
        assert operators.release_operator(session, "pick1", by="SUP1") == 1
    with Session(runtime.engine) as session:
        assert session.get(Task, task.id).state == "open"
        event = session.exec(select(AuthEvent).where(AuthEvent.kind == AuthKind.RELEASE)).one()
        assert event.operator == "PICK1" and "by SUP1" in event.detail
    desk.key("f10")  # the packer signs out
    desk.sign_in("BADGE-0001")
    assert desk.flow == "menu", desk.message  # nothing held any more


def test_claims_of_someone_signed_in_nowhere_go_back_after_the_configured_time(runtime):
    desk, _item_scan = counted_but_not_posted(runtime)
    task = held_task(runtime, "PICK1")
    desk.restart().sign_in("BADGE-0002")  # PICK1 is signed in nowhere now
    with transaction(runtime.engine) as session:
        assert operators.release_abandoned(session, runtime.settings.security) == []  # not yet
        session.execute(update(AuthEvent).where(AuthEvent.operator == "PICK1")
                        .values(at=datetime.now(UTC) - timedelta(minutes=31)))
    Desk(runtime).sign_in("BADGE-0004")  # any sign-in looks for claims left too long
    with Session(runtime.engine) as session:
        released = session.get(Task, task.id)
        assert released.state == "open" and released.assignee is None
