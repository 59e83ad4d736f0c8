"""Operators: created by a supervisor or the demo, signed in by badge scan or id and PIN; and
the step each terminal's operator is at (`floor_session`), so a restart resumes it."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, select

from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.flows import Role
from wms_tui.store.models import FloorSession, Operator

PIN_ITERATIONS = 100_000


@dataclass(frozen=True)
class OperatorView:
    code: str
    name: str
    role: Role


def _hash_pin(pin: str, salt: bytes, iterations: int = PIN_ITERATIONS) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return f"{iterations}${salt.hex()}${digest.hex()}"


def _pin_matches(pin: str, stored: str) -> bool:
    iterations, salt, _ = stored.split("$")
    return hmac.compare_digest(_hash_pin(pin, bytes.fromhex(salt), int(iterations)), stored)


def _view(operator: Operator) -> OperatorView:
    return OperatorView(operator.code, operator.name, Role(operator.role))


def _role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise InvalidInput(f"role must be one of {', '.join(r.value for r in Role)}, got {text!r}") from None


def _check_pin(pin: str) -> None:
    if not (pin.isdigit() and 4 <= len(pin) <= 8):
        raise InvalidInput("PIN must be 4 to 8 digits")


def create_operator(session: Session, code: str, name: str, role: str, *, badge: str, pin: str) -> OperatorView:
    code, badge = code.strip().upper(), badge.strip()
    if not code or len(code) > 40:
        raise InvalidInput("operator id must be 1-40 characters")
    role_value = _role(role)
    _check_pin(pin)
    if not badge:
        raise InvalidInput("badge code must not be empty")
    if session.get(Operator, code) is not None:
        raise InvalidInput(f"operator {code} already exists")
    if session.exec(select(Operator).where(Operator.badge == badge)).first() is not None:
        raise InvalidInput(f"badge {badge} already belongs to another operator")
    operator = Operator(code=code, name=name.strip() or code, role=role_value.value, badge=badge,
                        pin_hash=_hash_pin(pin, secrets.token_bytes(16)))
    session.add(operator)
    session.flush()
    return _view(operator)


def by_badge(session: Session, badge: str) -> OperatorView | None:
    """The active operator whose badge this is, or None (a typed id is not a badge)."""
    operator = session.exec(select(Operator).where(Operator.badge == badge.strip())).first()
    if operator is None:
        return None
    if not operator.active:
        raise InvalidInput(f"badge of {operator.code} is blocked: see your supervisor")
    return _view(operator)


def with_pin(session: Session, code: str, pin: str) -> OperatorView:
    """Sign in by typed id and PIN; the error never says which of the two was wrong."""
    operator = session.get(Operator, code.strip().upper())
    if operator is None or not _pin_matches(pin.strip(), operator.pin_hash):
        raise InvalidInput("unknown operator id or wrong PIN")
    if not operator.active:
        raise InvalidInput(f"operator {operator.code} is blocked: see your supervisor")
    return _view(operator)


def known_id(session: Session, code: str) -> bool:
    return session.get(Operator, code.strip().upper()) is not None


def get_operator(session: Session, code: str) -> OperatorView:
    operator = session.get(Operator, code)
    if operator is None:
        raise NotFound(f"no operator {code}")
    return _view(operator)


def _existing(session: Session, code: str) -> Operator:
    operator = session.get(Operator, code.strip().upper())
    if operator is None:
        raise NotFound(f"no operator {code.strip().upper()}")
    return operator


def set_active(session: Session, code: str, active: bool) -> OperatorView:
    """Block an operator (badge and PIN refused from the next sign-in) or let them in again."""
    operator = _existing(session, code)
    if operator.active == active:
        raise InvalidInput(f"operator {operator.code} is already {'active' if active else 'blocked'}")
    operator.active = active
    session.flush()
    return _view(operator)


def reset_pin(session: Session, code: str, pin: str) -> OperatorView:
    operator = _existing(session, code)
    _check_pin(pin)
    operator.pin_hash = _hash_pin(pin, secrets.token_bytes(16))
    session.flush()
    return _view(operator)


def set_role(session: Session, code: str, role: str) -> OperatorView:
    """A new role decides the menu from the operator's next sign-in."""
    operator = _existing(session, code)
    operator.role = _role(role).value
    session.flush()
    return _view(operator)


def saved_state(session: Session, terminal_id: str, operator: str) -> str | None:
    """The step (as JSON) the operator left this terminal at, if they were the last one on it."""
    row = session.get(FloorSession, terminal_id)
    return row.state if row is not None and row.operator == operator else None


def save_state(session: Session, terminal_id: str, operator: str | None, state: str | None) -> None:
    """Remember who is signed in on the terminal and their step (None: nothing to resume)."""
    row = session.get(FloorSession, terminal_id)
    if row is None:
        row = FloorSession(terminal_id=terminal_id, updated_at=datetime.now(UTC))
        session.add(row)
    row.operator = operator
    row.state = state
    row.updated_at = datetime.now(UTC)
    session.flush()
