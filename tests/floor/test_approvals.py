"""Supervisor approvals take the supervisor's badge and PIN, through one function
(services.operators.approve) wherever they are asked for: an exception resolved at the console
here, an over-receipt on the floor in test_receive, a count difference on the floor in test_count. A borrowed badge without the PIN, another
role's badge or a wrong PIN is refused, the failures count towards the lockout, and every
approval is in the audit trail with who approved what."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from tests.console.test_exceptions import a_short_pick
from wms_tui.domain.auth import REFUSED, AuthKind, AuthOutcome, SecurityPolicy
from wms_tui.domain.errors import InvalidInput
from wms_tui.services import operators
from wms_tui.services.demo import DEMO_PIN
from wms_tui.services.desks import exceptions
from wms_tui.store.ledger import PostingContext
from wms_tui.store.models import ExceptionResolution
from wms_tui.store.session import transaction

DESK = PostingContext("DESK1", "OFFICE1")
POLICY = SecurityPolicy(max_failures=2, lockout_s=60, max_lockout_s=600)


def accept(runtime, short: int, badge: str, pin: str) -> str:
    return exceptions.resolve(runtime.engine, DESK, "short_pick", str(short), "accepted", "found it",
                              badge=badge, pin=pin, policy=POLICY)


def approvals(runtime) -> list[tuple[AuthOutcome, str | None, str]]:
    with Session(runtime.engine) as session:
        return [(event.outcome, event.operator, event.detail)
                for event in reversed(operators.audit_trail(session)) if event.kind is AuthKind.APPROVAL]


def test_a_resolution_needs_a_supervisors_badge_and_pin(runtime):
    short = a_short_pick(runtime)
    for badge, pin, reason in [
        ("BADGE-0009", "", REFUSED),  # the supervisor's badge, borrowed: without the PIN it is nothing
        ("BADGE-0001", DEMO_PIN, "PICK1 is a picker: only a supervisor may approve this"),
    ]:
        with pytest.raises(InvalidInput, match=reason):
            accept(runtime, short, badge, pin)
    with Session(runtime.engine) as session:
        assert session.exec(select(ExceptionResolution)).all() == []
    assert accept(runtime, short, "BADGE-0009", DEMO_PIN) == f"short pick {short} accepted by SUP1"
    with Session(runtime.engine) as session:
        [resolution] = session.exec(select(ExceptionResolution)).all()
        assert resolution.resolved_by == "SUP1" and resolution.note == "found it"
    what = f"accepted short pick {short} at the console of OFFICE1"
    assert approvals(runtime) == [(AuthOutcome.FAILED, "SUP1", what), (AuthOutcome.BLOCKED, "PICK1", f"{what}: not a supervisor"),
                                  (AuthOutcome.OK, "SUP1", what)]


def test_wrong_pins_at_the_console_lock_the_supervisor(runtime):
    short = a_short_pick(runtime)
    for _ in range(POLICY.max_failures):
        with pytest.raises(InvalidInput, match=REFUSED):
            accept(runtime, short, "BADGE-0009", "9999")
    with pytest.raises(InvalidInput):  # locked now: the right PIN too late
        accept(runtime, short, "BADGE-0009", DEMO_PIN)
    with transaction(runtime.engine) as session:
        [sup1] = [row for row in operators.list_operators(session) if row.code == "SUP1"]
        assert sup1.locked_until is not None
        assert session.exec(select(ExceptionResolution)).all() == []
