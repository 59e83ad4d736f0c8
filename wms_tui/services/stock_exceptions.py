"""Stock exceptions: what the floor cannot settle by itself is handed to a supervisor, who
resolves it (the console lists the open ones)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlmodel import Session, select

from wms_tui.domain import text
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.states import StockExceptionKind, StockExceptionState
from wms_tui.store.models import StockException


def raise_exception(
    session: Session, kind: StockExceptionKind, warehouse_id: int, detail: str, *, document_ref: str | None = None,
    move_ids: Sequence[uuid.UUID] = (),
) -> StockException:
    """Record an exception, or bring the open one of the same kind and document up to date (a
    refused action tried again is one exception, not two)."""
    found = session.exec(
        select(StockException).where(
            StockException.kind == kind, StockException.state == StockExceptionState.OPEN,
            StockException.document_ref == document_ref,
        )
    ).first()
    exception = found or StockException(kind=kind, warehouse_id=warehouse_id, document_ref=document_ref,
                                          created_at=datetime.now(UTC))
    exception.detail = detail
    exception.move_ids = " ".join(str(move_id) for move_id in move_ids)
    session.add(exception)
    session.flush()
    return exception


def open_exceptions(session: Session) -> list[StockException]:
    return list(session.exec(
        select(StockException).where(StockException.state == StockExceptionState.OPEN).order_by(StockException.created_at, StockException.id)
    ).all())


def resolved_exceptions(session: Session, limit: int) -> list[StockException]:
    """The latest resolved exceptions, newest first."""
    return list(session.exec(
        select(StockException).where(StockException.state == StockExceptionState.RESOLVED)
        .order_by(StockException.resolved_at.desc(), StockException.id.desc()).limit(limit)
    ).all())


def resolve_exception(session: Session, exception_id: int, operator: str, resolution: str) -> StockException:
    """Settle an open exception: who did it, when, and how (`resolution`, required) stay on it."""
    exception = session.get(StockException, exception_id)
    if exception is None:
        raise NotFound(f"no stock exception {exception_id}")
    if exception.state != StockExceptionState.OPEN:
        raise InvalidInput(f"stock exception {exception_id} was already {exception.state} by {exception.resolved_by} "
                           f"at {exception.resolved_at:%Y-%m-%d %H:%M}")
    exception.resolution = text.field(resolution, "resolution", 2000)
    exception.resolved_by = text.field(operator, "operator", 40)
    exception.state = StockExceptionState.RESOLVED
    exception.resolved_at = datetime.now(UTC)
    session.flush()
    return exception
