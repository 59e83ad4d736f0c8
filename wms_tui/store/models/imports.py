"""Batch imports: one row per import, the cursor that lets a crashed one resume or roll back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Integer, String, Text
from sqlmodel import Field

from wms_tui.domain.imports import ImportState
from wms_tui.store.models.base import TableModel
from wms_tui.store.types import StrEnumType


class ImportRun(TableModel, table=True):
    """An import checked in full, then written part by part in short transactions; `part` and
    `rows_done` say how far it got, committed with the rows they count."""

    __tablename__ = "import_run"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_column=Column(String(20), nullable=False))  # "csv", "orders" or "purchases"
    state: ImportState = Field(sa_column=Column(StrEnumType(ImportState, 20), nullable=False, index=True))
    started_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    terminal_id: str = Field(sa_column=Column(String(40), nullable=False))
    operator: str = Field(sa_column=Column(String(40), nullable=False))
    # JSON: [{"part": "stock", "path": "/abs/stock.csv", "sha256": "...", "rows": 200000}, ...] in writing order
    files: str = Field(sa_column=Column(Text(), nullable=False))
    part: str = Field(default="", sa_column=Column(String(20), nullable=False))
    rows_done: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    # The numbers of the documents it created, one a line: a rollback cancels them.
    created: str = Field(default="", sa_column=Column(Text(), nullable=False))
