"""Operator authentication rules: what a PIN may be, how long repeated failures lock, and the
kinds of events the audit trail records. A badge identifies; a PIN authenticates."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

PIN_MAX_LENGTH = 12
# The one answer to a failed sign-in or approval, whatever was wrong (unknown badge or id,
# wrong PIN, locked operator): an attacker learns nothing about which ids exist.
REFUSED = "unknown badge or id, or wrong PIN"
BADGE_KEY = "badge"  # the site_secret row whose key hashes badges


class AuthKind(StrEnum):
    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"
    APPROVAL = "approval"  # a supervisor's badge and PIN allowing an unusual action
    UNLOCK = "unlock"  # a supervisor lifted a lock
    TYPED_BIN = "typed_bin"  # a bin code typed from the screen instead of scanned (damaged label)
    RELEASE = "release"  # claimed work given back: by its operator, a supervisor, or after sign-out


class AuthOutcome(StrEnum):
    OK = "ok"
    FAILED = "failed"  # unknown badge or id, or wrong PIN
    LOCKED = "locked"  # refused unchecked: the operator or the terminal is locked
    BLOCKED = "blocked"  # the right PIN of an operator who may not sign in (inactive, or not a supervisor)


@dataclass(frozen=True)
class SecurityPolicy:
    """`[security]` in the config: after `max_failures` failures in a row an operator (and,
    counted separately, a terminal) is locked for `lockout_s`, doubled by each further
    failure up to `max_lockout_s`; a success or a supervisor's unlock starts over. Tasks
    claimed by an operator signed in nowhere are given back `release_claims_after_min` after
    their last sign-in or sign-out."""

    max_failures: int = 5
    lockout_s: int = 30
    max_lockout_s: int = 3600
    pin_min_length: int = 4
    release_claims_after_min: int = 30

    def locked_until(self, failures: int, now: datetime) -> datetime | None:
        if failures < self.max_failures:
            return None
        doublings = min(failures - self.max_failures, 32)  # 2**32 s is past any maximum
        return now + timedelta(seconds=min(self.lockout_s * 2**doublings, self.max_lockout_s))

    def pin_problem(self, pin: str) -> str | None:
        """Why a PIN may not be chosen; None if it may."""
        if not pin.isascii() or not pin.isdigit() or not self.pin_min_length <= len(pin) <= PIN_MAX_LENGTH:
            return f"PIN must be {self.pin_min_length} to {PIN_MAX_LENGTH} digits"
        steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
        if steps == {0}:
            return "PIN must not be one digit repeated"
        if len(steps) == 1:
            return "PIN must not be a simple sequence such as 1234 or 9753"
        return None


def wait_text(until: datetime, now: datetime) -> str:
    seconds = max(1, int((until - now).total_seconds() + 0.999))
    return f"{seconds} s" if seconds < 120 else f"{(seconds + 59) // 60} min"


def badge_digest(site_key: str, badge: str) -> str:
    """How a badge code is stored and looked up: HMAC-SHA256 under the site key (hex). Keyed,
    so the short, guessable codes printed on badges cannot be found from the hashes alone.
    Case does not matter: a badge typed as badge-0001 is BADGE-0001."""
    return hmac.new(bytes.fromhex(site_key), badge.strip().upper().encode(), hashlib.sha256).hexdigest()
