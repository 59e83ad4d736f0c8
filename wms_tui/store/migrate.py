"""Schema migrations with Alembic, run programmatically (no alembic.ini to find).

Alembic is imported only to migrate: a terminal starting up compares the database's
revisions with `HEADS` in plain SQL (a test keeps `HEADS` equal to the migration scripts).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect, text

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"

# The newest revision of migrations: one line since 0007_operator_auth joined
# 0005_enum_spellings (itself joining the feature branches) and 0006_move_hash_chain.
HEADS = frozenset({"0029_move_keys_static"})


def alembic_config(connection=None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the database to the newest schema. Each feature branch of migrations is a head."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def current_revisions(engine: Engine) -> set[str]:
    with engine.execution_options(read_only=True).connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return set()
        return set(connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


def head_revisions() -> set[str]:
    """The heads as the migration scripts say (loads Alembic and every script)."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def is_up_to_date(engine: Engine) -> bool:
    return current_revisions(engine) == HEADS
