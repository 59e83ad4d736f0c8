"""Posting from the services: the ledger's moves, then the back orders they can serve.

Every service posts through `post` (or `reverse`): a move that adds to a warehouse's sellable
stock (the ledger marks it, PostedMove.sellable_in) releases the back orders waiting there,
oldest first, whatever brought the stock in.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from wms_tui.domain.reasons import MoveReason
from wms_tui.services.backorders import BackorderRelease, release_waiting
from wms_tui.store.ledger import MoveRequest, PostedMove, PostingContext, post_moves, reverse_moves


@dataclass(frozen=True)
class Posted:
    moves: list[PostedMove]
    released: list[BackorderRelease]  # back orders the moves let through


def _release(session: Session, moves: list[PostedMove], today: date | None) -> list[BackorderRelease]:
    arrived: dict[int, set[int]] = defaultdict(set)
    for move in moves:
        if move.sellable_in is not None:
            arrived[move.sellable_in].add(move.item_id)
    released: list[BackorderRelease] = []
    for warehouse_id, item_ids in sorted(arrived.items()):
        released += release_waiting(session, warehouse_id, item_ids, today)
    return released


def post(session: Session, context: PostingContext, requests: Sequence[MoveRequest], *, today: date | None = None) -> Posted:
    """Post in the session's transaction, after flushing its pending rows the moves refer to."""
    session.flush()
    moves = post_moves(session.connection(), requests, context)
    return Posted(moves, _release(session, moves, today))


def reverse(
    session: Session, context: PostingContext, move_ids: Sequence[uuid.UUID], reason: MoveReason, *, today: date | None = None
) -> Posted:
    session.flush()
    moves = reverse_moves(session.connection(), move_ids, context, reason=reason)
    return Posted(moves, _release(session, moves, today))
