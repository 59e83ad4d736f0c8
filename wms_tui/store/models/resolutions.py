"""What the supervisor console records when someone resolves a floor exception."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from wms_tui.domain.states import ExceptionKind, Resolution
from wms_tui.store.models.base import TableModel
from wms_tui.store.models.fields import enum_field, text_field, timestamp_field


class ExceptionResolution(TableModel, table=True):
    """Who resolved which exception, when and how. The exception itself stays where the floor
    wrote it (pick_discrepancy, count_line, receipt_line, the print queue); `reference` names it."""

    __tablename__ = "exception_resolution"
    __table_args__ = (UniqueConstraint("kind", "reference", name="uq_exception_resolution"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: ExceptionKind = enum_field(ExceptionKind, 20)
    # The row's id (short pick, count line, receipt line); a print job's "printer/job id".
    reference: str = text_field(60)
    action: Resolution = enum_field(Resolution, 20)
    note: str | None = text_field(200, nullable=True)
    resolved_by: str = text_field(40)
    resolved_at: datetime = timestamp_field()
