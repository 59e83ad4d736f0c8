"""Alembic environment: runs on the connection handed over by wms_tui.store.migrate."""

from alembic import context
from sqlmodel import SQLModel

import wms_tui.store.models  # noqa: F401 - registers the tables on SQLModel.metadata
from wms_tui.store.migrations.env_support import render_context_options

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=SQLModel.metadata, **render_context_options(connection))
with context.begin_transaction():
    context.run_migrations()
