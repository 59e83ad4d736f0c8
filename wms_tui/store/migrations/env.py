"""Alembic environment: runs on the connection handed over by wms_tui.store.migrate."""

from alembic import context
from sqlmodel import SQLModel

import wms_tui.store.models  # noqa: F401 - registers the tables on SQLModel.metadata
from wms_tui.store.types import ScaledDecimal, StrEnumType


def render_item(type_, obj, autogen_context):
    # Scaled decimals are plain BIGINT columns in the database.
    if type_ == "type" and isinstance(obj, ScaledDecimal):
        return "sa.BigInteger()"
    if type_ == "type" and isinstance(obj, StrEnumType):
        return f"sa.String(length={obj.impl.length})"
    return False


config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    render_item=render_item,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
