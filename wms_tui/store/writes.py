"""Hot-path writes outside the ledger: the rows a receiving scan and a pick confirm add or change.

Why here and in Core: the statements are built once and executed with plain parameters, because
the ORM's unit of work costs more than these single-row inserts and keyed updates. They run in
the caller's session and transaction; the session does not see the rows as objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy import bindparam
from sqlmodel import Session

from wms_tui.store.models import ReceiptLine, Reservation

_RESERVATIONS = Reservation.__table__
_DROP_RESERVATION = _RESERVATIONS.delete().where(_RESERVATIONS.c.id == bindparam("b_id"))
_SHRINK_RESERVATION = (
    _RESERVATIONS.update().where(_RESERVATIONS.c.id == bindparam("b_id")).values(quantity=bindparam("b_quantity"))
)
_NEW_RECEIPT_LINE = ReceiptLine.__table__.insert().returning(ReceiptLine.__table__.c.id)


def set_reservations(session: Session, dropped: list[int], shrunk: Mapping[int, Decimal]) -> None:
    """Delete the `dropped` reservations and set the others to their new quantity."""
    if dropped:
        session.execute(_DROP_RESERVATION, [{"b_id": reservation_id} for reservation_id in dropped])
    if shrunk:
        session.execute(_SHRINK_RESERVATION, [{"b_id": key, "b_quantity": quantity} for key, quantity in shrunk.items()])


def add_receipt_line(session: Session, values: Mapping[str, object]) -> int:
    """Insert one receipt line; returns its id (the document line of the receipt's move)."""
    return session.execute(_NEW_RECEIPT_LINE, dict(values)).scalar_one()
