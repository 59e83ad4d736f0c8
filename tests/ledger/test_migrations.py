"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from wms_tui.store import migrate
from wms_tui.store.migrations.env_support import render_context_options


def test_upgraded_schema_matches_models(engine):
    assert migrate.is_up_to_date(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=render_context_options(conn))
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []
    assert set(inspect(engine).get_table_names()) >= set(SQLModel.metadata.tables)


def test_upgrade_is_idempotent(engine):
    before = migrate.current_revisions(engine)
    migrate.upgrade(engine)
    assert migrate.current_revisions(engine) == before == migrate.head_revisions()


def test_start_up_heads_match_the_migration_scripts():
    # Start-up compares against HEADS without loading Alembic; a new migration must update it.
    assert migrate.HEADS == migrate.head_revisions()
