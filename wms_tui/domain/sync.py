"""Sync rules without I/O: the wire format of a move, the limits of a request, credentials,
what a pushed batch must continue, conflict kinds, back-off and the status line's words."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from enum import StrEnum

API_PREFIX = "/v1"
SCHEMA_HEADER = "X-Wms-Schema"
# A request body larger than this is refused before it is read (413).
MAX_BODY_BYTES = 32 * 1024 * 1024
# Moves per pushed batch at most (one central transaction each).
MAX_BATCH_MOVES = 20_000
# Longest a pull may wait for news (long poll), seconds.
MAX_WAIT_S = 25.0
# A move on the wire: natural keys only, in this order (a list, not an object: 100,000 moves
# are 100,000 fewer key sets to write and parse). lot is [code, expiry or null] or null,
# container [code, kind] or null; quantities and costs are decimal strings.
MOVE_FIELDS = (
    "id", "sequence", "item", "from", "to", "lot", "container", "quantity", "unit_cost", "operator",
    "created_at", "document_ref", "reason", "reverses_id", "chain_hash",
)
FIELD_INDEX = {name: index for index, name in enumerate(MOVE_FIELDS)}
SECRET_BYTES = 32
# How long central leases a task to a terminal; a lease is renewed while the terminal syncs,
# once less than half of it is left (a renewal is a change every terminal pulls).
TASK_LEASE_S = 15 * 60
# Tasks a terminal may hold under lease at most (what it can work through offline).
MAX_LEASED_TASKS = 100


class ConflictKind(StrEnum):
    """What sync accepted as a physical fact but a supervisor must look at."""

    NEGATIVE_BALANCE = "negative_balance"  # pushed moves drove a central balance below zero
    TASK_DONE_TWICE = "task_done_twice"  # two terminals confirmed one task after its lease moved
    # a short pick gave up more units than central's line still had committed (decided twice)
    SHORT_PICK_CLASH = "short_pick_clash"


class SyncRefused(Exception):
    """A request the central service refuses as a whole, with its HTTP status."""

    def __init__(self, status: int, message: str, **details: object) -> None:
        super().__init__(message)
        self.status = status
        self.details = details


def schema_token(heads: frozenset[str]) -> str:
    """The schema version a request carries: the migration heads, sorted."""
    return ",".join(sorted(heads))


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def secret_digest(secret: str) -> str:
    """How an enrolment secret is stored: SHA-256. The secret is 256 random bits, so unlike a
    PIN it needs no slow, salted hash to resist guessing, and every request can afford it."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored: str) -> bool:
    return hmac.compare_digest(secret_digest(secret), stored)


def credential(terminal_id: str, secret: str) -> str:
    """The Authorization header's value."""
    return f"Bearer {terminal_id}:{secret}"


def parse_credential(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    terminal_id, colon, secret = value.partition(":")
    if scheme != "Bearer" or not colon or not terminal_id or not secret:
        return None
    return terminal_id, secret


def sequence_problem(applied: int, sequences: list[int]) -> str | None:
    """Why a batch of one terminal's sequence numbers cannot be applied after `applied`; None
    if it can. Moves at or below `applied` are resends (skipped); the rest must run on from
    applied + 1 without a hole."""
    expected = applied + 1
    for sequence in sequences:
        if sequence <= applied:
            continue
        if sequence != expected:
            return f"sequence gap: expected move {expected}, got {sequence}; resend from {expected}"
        expected += 1
    return None


def backoff_s(failures: int, base_s: float, cap_s: float) -> float:
    """Seconds to wait after `failures` failed rounds in a row: doubling from base up to cap."""
    return min(cap_s, base_s * 2 ** min(failures - 1, 20)) if failures > 0 else base_s


def _ago(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def contact_text(now: datetime, moment: datetime | None) -> str:
    """When a terminal was last heard of: "4 s ago", "12 min ago" or "never"."""
    return "never" if moment is None else f"{_ago((now - moment).total_seconds())} ago"


def status_text(now: datetime, *, last_success: datetime | None, offline_since: datetime | None, to_send: int) -> str:
    """The floor status line's sync words: "offline 12 min", "23 to send" or "synced 4 s ago"."""
    if offline_since is not None:
        text = f"offline {_ago((now - offline_since).total_seconds())}"
        return f"{text}, {to_send} to send" if to_send else text
    if to_send:
        return f"{to_send} to send"
    if last_success is None:
        return "not synced yet"
    return f"synced {_ago((now - last_success).total_seconds())} ago"
