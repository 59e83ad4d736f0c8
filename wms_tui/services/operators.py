"""Operators: created by a supervisor or the demo; signed in by badge (or typed id) and PIN;
supervisors approving an unusual action by badge and PIN; locks after repeated failures and
the audit trail of it all; and the step each terminal's operator is at (`floor_session`), so
a restart resumes it.

A badge identifies, a PIN authenticates. Every refusal of a badge or id with a PIN reads the
same (domain.auth.REFUSED) and takes as long, whether the operator exists or not. The
functions that check a PIN return a `Verdict` instead of raising: the failure they count must
be committed with the terminal's input, not rolled back with it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine, bindparam, update
from sqlmodel import Session, func, select

from wms_tui.domain import text
from wms_tui.domain.auth import REFUSED, AuthKind, AuthOutcome, SecurityPolicy, wait_text
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.flows import Role, can_authorise
from wms_tui.services import tasks
from wms_tui.store import finders
from wms_tui.store.models import AuthEvent, FloorSession, HeldStep, Operator, TerminalLock
from wms_tui.store.session import transaction

PIN_ITERATIONS = 100_000
DEFAULT_POLICY = SecurityPolicy()
# Checked against when no operator matches, so an unknown id costs the time a wrong PIN does.
_NOBODY_PIN = f"{PIN_ITERATIONS}${'00' * 16}${'00' * 32}"
T = TypeVar("T")


@dataclass(frozen=True)
class OperatorView:
    code: str
    name: str
    role: Role


@dataclass(frozen=True)
class Verdict:
    """A PIN check: the operator it authenticated, or why not (already recorded)."""

    operator: OperatorView | None
    problem: str = ""


@dataclass(frozen=True)
class OperatorListing:
    code: str
    name: str
    role: Role
    active: bool
    failed_attempts: int
    locked_until: datetime | None  # None: not locked now


def _hash_pin(pin: str, salt: bytes, iterations: int = PIN_ITERATIONS) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return f"{iterations}${salt.hex()}${digest.hex()}"


def _pin_matches(pin: str, stored: str) -> bool:
    iterations, salt, _ = stored.split("$")
    return hmac.compare_digest(_hash_pin(pin, bytes.fromhex(salt), int(iterations)), stored)


def _view(operator: Operator) -> OperatorView:
    return OperatorView(operator.code, operator.name, Role(operator.role))


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives timestamps back without their zone; they were written in UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _locked(until: datetime | None, now: datetime) -> bool:
    until = _aware(until)
    return until is not None and until > now


def create_operator(session: Session, code: str, name: str, role: str, *, badge: str, pin: str,
                    policy: SecurityPolicy = DEFAULT_POLICY) -> OperatorView:
    code = finders.normal_code(text.field(code, "operator id", text.OPERATOR_CODE_LENGTH))
    role_value = _role(role)
    _check_pin(pin, policy)
    badge = text.field(badge, "badge code", text.BADGE_LENGTH)
    if finders.find_operator(session, code) is not None:
        raise InvalidInput(f"operator {code} already exists")
    digest = finders.badge_hash(session, badge)
    if finders.find_operator_by_badge_hash(session, digest) is not None:
        raise InvalidInput("that badge already belongs to another operator")
    operator = Operator(code=code, name=text.field(name, "operator name", text.OPERATOR_NAME_LENGTH, required=False) or code,
                        role=role_value, badge_hash=digest, pin_hash=_hash_pin(pin, secrets.token_bytes(16)))
    session.add(operator)
    session.flush()
    return _view(operator)


def badge_hash(session: Session, badge: str) -> str:
    """What a flow keeps of a scanned badge until its PIN comes: never the badge itself."""
    return finders.badge_hash(session, badge)


def sign_in(session: Session, badge_or_id: str, pin: str, *, terminal: str, policy: SecurityPolicy) -> Verdict:
    """Sign in by badge (or typed id) and PIN."""
    operator = finders.find_operator_by_badge(session, badge_or_id)
    if operator is None and len(badge_or_id.strip()) <= text.OPERATOR_CODE_LENGTH:
        operator = finders.find_operator(session, badge_or_id)
    return _check(session, operator, pin, terminal=terminal, policy=policy, kind=AuthKind.SIGN_IN)


def approve(session: Session, badge_digest: str, pin: str, *, terminal: str, policy: SecurityPolicy,
            what: str) -> Verdict:
    """A supervisor allows `what` (e.g. "over-receipt 60 SKU-1") with their badge and PIN."""
    operator = finders.find_operator_by_badge_hash(session, badge_digest)
    return _check(session, operator, pin, terminal=terminal, policy=policy, kind=AuthKind.APPROVAL, detail=what)


def with_approval(engine: Engine, badge: str, pin: str, *, terminal: str, policy: SecurityPolicy, what: str,
                  action: Callable[[Session, OperatorView], T]) -> T:
    """`action` done in one transaction by the supervisor who approved `what` with their badge
    and PIN (the console's decisions). A refused approval does nothing else; its failed attempt
    is committed (it counts towards the lockout) before the refusal is raised."""
    with transaction(engine) as session:
        verdict = approve(session, badge_hash(session, badge), pin, terminal=terminal, policy=policy, what=what)
        if verdict.operator is not None:
            return action(session, verdict.operator)
    raise InvalidInput(verdict.problem)


def _check(session: Session, operator: Operator | None, pin: str, *, terminal: str, policy: SecurityPolicy,
           kind: AuthKind, detail: str = "") -> Verdict:
    now = _now()
    code = operator.code if operator is not None else None
    lock = session.get(TerminalLock, terminal)
    if lock is not None and _locked(lock.locked_until, now):
        _record(session, kind, AuthOutcome.LOCKED, code, terminal, detail or "terminal locked")
        return Verdict(None, f"too many failed attempts on this terminal: wait {wait_text(_aware(lock.locked_until), now)}")
    pin_ok = _pin_matches(pin.strip(), operator.pin_hash if operator is not None else _NOBODY_PIN)
    operator_locked = operator is not None and _locked(operator.locked_until, now)
    if operator is None or operator_locked or not pin_ok:
        if operator is not None and not operator_locked:
            operator.failed_attempts += 1
            operator.locked_until = policy.locked_until(operator.failed_attempts, now)
        if lock is None:
            lock = TerminalLock(terminal_id=terminal)
            session.add(lock)
        lock.failed_attempts += 1
        lock.locked_until = policy.locked_until(lock.failed_attempts, now)
        outcome = AuthOutcome.LOCKED if operator_locked else AuthOutcome.FAILED
        _record(session, kind, outcome, code, terminal, detail)
        return Verdict(None, REFUSED)
    operator.failed_attempts, operator.locked_until = 0, None
    if lock is not None and lock.failed_attempts:
        lock.failed_attempts, lock.locked_until = 0, None
    if not operator.active:
        _record(session, kind, AuthOutcome.BLOCKED, code, terminal, detail or "blocked")
        return Verdict(None, f"operator {operator.code} is blocked: see your supervisor")
    if kind is AuthKind.APPROVAL and not can_authorise(operator.role):
        _record(session, kind, AuthOutcome.BLOCKED, code, terminal, f"{detail}: not a supervisor")
        return Verdict(None, f"{operator.code} is a {operator.role.value}: only a supervisor may approve this")
    _record(session, kind, AuthOutcome.OK, code, terminal, detail)
    return Verdict(_view(operator))


def _record(session: Session, kind: AuthKind, outcome: AuthOutcome, operator: str | None, terminal: str | None,
            detail: str = "") -> None:
    session.add(AuthEvent(at=_now(), kind=kind, outcome=outcome, operator=operator, terminal_id=terminal,
                          detail=text.for_screen(detail)[:200]))
    session.flush()


def record_sign_out(session: Session, operator: str, terminal: str) -> None:
    _record(session, AuthKind.SIGN_OUT, AuthOutcome.OK, operator, terminal)


def record_event(session: Session, kind: AuthKind, operator: str | None, terminal: str | None, detail: str) -> None:
    """An unusual floor action (a bin typed instead of scanned, claimed work released) on the audit trail."""
    _record(session, kind, AuthOutcome.OK, operator, terminal, detail)


def unlock(session: Session, *, operator: str | None = None, terminal: str | None = None, by: str = "") -> str:
    """A supervisor lifts the lock of an operator or of a terminal; says what was unlocked."""
    if operator is not None:
        row = finders.operator_by_code(session, operator)
        row.failed_attempts, row.locked_until = 0, None
        _record(session, AuthKind.UNLOCK, AuthOutcome.OK, row.code, None, f"by {by}" if by else "")
        return f"operator {row.code}"
    if terminal is None:
        raise InvalidInput("unlock an operator or a terminal")
    lock = session.get(TerminalLock, terminal)
    if lock is None:
        raise NotFound(f"terminal {terminal} has no failed attempts")
    lock.failed_attempts, lock.locked_until = 0, None
    _record(session, AuthKind.UNLOCK, AuthOutcome.OK, None, terminal, f"by {by}" if by else "")
    return f"terminal {terminal}"


def list_operators(session: Session) -> list[OperatorListing]:
    """Every operator with their lock (never a badge or a PIN)."""
    now = _now()
    return [
        OperatorListing(row.code, row.name, Role(row.role), row.active, row.failed_attempts,
                        _aware(row.locked_until) if _locked(row.locked_until, now) else None)
        for row in session.exec(select(Operator).order_by(Operator.code))
    ]


def locked_terminals(session: Session) -> list[tuple[str, int, datetime]]:
    """Terminals locked now: (terminal, failures in a row, locked until)."""
    now = _now()
    rows = session.exec(select(TerminalLock).where(TerminalLock.failed_attempts > 0).order_by(TerminalLock.terminal_id))
    return [(row.terminal_id, row.failed_attempts, _aware(row.locked_until)) for row in rows
            if _locked(row.locked_until, now)]


def audit_trail(session: Session, *, limit: int = 50, operator: str | None = None) -> list[AuthEvent]:
    """The newest events first."""
    query = select(AuthEvent).order_by(AuthEvent.id.desc()).limit(limit)
    if operator:
        query = query.where(AuthEvent.operator == finders.normal_code(operator))
    return list(session.exec(query))


def get_operator(session: Session, code: str) -> OperatorView:
    return _view(finders.operator_by_code(session, code))


def _role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise InvalidInput(f"role must be one of {', '.join(r.value for r in Role)}, got {value!r}") from None


def _check_pin(pin: str, policy: SecurityPolicy) -> None:
    if problem := policy.pin_problem(pin):
        raise InvalidInput(problem)


def set_active(session: Session, code: str, active: bool) -> OperatorView:
    """Block an operator (badge and PIN refused from the next sign-in) or let them in again."""
    operator = finders.operator_by_code(session, code)
    if operator.active == active:
        raise InvalidInput(f"operator {operator.code} is already {'active' if active else 'blocked'}")
    operator.active = active
    session.flush()
    return _view(operator)


def reset_pin(session: Session, code: str, pin: str, policy: SecurityPolicy = DEFAULT_POLICY) -> OperatorView:
    operator = finders.operator_by_code(session, code)
    _check_pin(pin, policy)
    operator.pin_hash = _hash_pin(pin, secrets.token_bytes(16))
    session.flush()
    return _view(operator)


def set_role(session: Session, code: str, role: str) -> OperatorView:
    """A new role decides the menu from the operator's next sign-in."""
    operator = finders.operator_by_code(session, code)
    operator.role = _role(role).value
    session.flush()
    return _view(operator)


def take_over(session: Session, terminal_id: str, operator: str) -> str | None:
    """`operator` signs in at the terminal: a step another operator left pending there is kept
    for them (held); returns the step (as JSON) `operator` left, here or held from anywhere."""
    row = session.get(FloorSession, terminal_id)
    if row is not None and row.operator == operator and row.state:
        return row.state
    if row is not None and row.operator and row.state:
        session.merge(HeldStep(operator=row.operator, terminal_id=terminal_id, state=row.state, saved_at=_now()))
        row.state = None
    held = session.get(HeldStep, operator)
    if held is None:
        return None
    session.delete(held)
    session.flush()
    return held.state


def release_operator(session: Session, code: str, *, by: str) -> int:
    """Give back every task the operator has claimed (they keep their queue places) and drop the
    step they left pending: a supervisor's decision, or the claims' time running out. Returns
    how many tasks went back."""
    operator = finders.operator_by_code(session, code).code
    released = tasks.release_all(session, operator)
    held = session.get(HeldStep, operator)
    if held is not None:
        session.delete(held)
    for row in session.exec(select(FloorSession).where(FloorSession.operator == operator)):
        row.state = None
    _record(session, AuthKind.RELEASE, AuthOutcome.OK, operator, None, f"{released} tasks given back, by {by}")
    return released


def release_abandoned(session: Session, policy: SecurityPolicy) -> list[str]:
    """Release the claims of operators signed in on no terminal whose last sign-in or sign-out
    is older than the policy's `release_claims_after_min`; returns who was released."""
    signed_in = select(FloorSession.operator).where(FloorSession.operator.is_not(None))
    holders = tasks.claim_holders(session, excluding=signed_in)
    if not holders:
        return []
    since = _now() - timedelta(minutes=policy.release_claims_after_min)
    last = dict(session.exec(
        select(AuthEvent.operator, func.max(AuthEvent.at))
        .where(AuthEvent.operator.in_(holders), AuthEvent.kind.in_([AuthKind.SIGN_IN, AuthKind.SIGN_OUT]))
        .group_by(AuthEvent.operator)
    ).all())
    stale = [code for code in holders if code not in last or _aware(last[code]) < since]
    for code in stale:
        release_operator(session, code, by="timeout")
    return stale


# Built once: every floor scan runs it.
_SAVE_STATE = (
    update(FloorSession.__table__).where(FloorSession.__table__.c.terminal_id == bindparam("b_terminal_id"))
    .values(operator=bindparam("b_operator"), state=bindparam("b_state"), updated_at=bindparam("b_now"))
)


def save_state(session: Session, terminal_id: str, operator: str | None, state: str | None) -> None:
    """Remember who is signed in on the terminal and their step (None: nothing to resume).
    One UPDATE of the terminal's row (every floor scan saves its step), an INSERT the first time."""
    now = datetime.now(UTC)
    session.flush()  # a change of the row made before (take_over) goes first: this UPDATE is the last word
    saved = session.execute(_SAVE_STATE, {"b_terminal_id": terminal_id, "b_operator": operator, "b_state": state, "b_now": now})
    if saved.rowcount == 0:
        session.add(FloorSession(terminal_id=terminal_id, operator=operator, state=state, updated_at=now))
        session.flush()
