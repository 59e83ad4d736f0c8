"""Options shared by the Alembic environment and the test that compares models and migrations."""

from sqlalchemy import Connection

from wms_tui.store.types import ScaledDecimal, StrEnumType


def render_item(type_, obj, autogen_context):
    # Scaled decimals are plain BIGINT columns and enums plain VARCHARs in the database.
    if type_ == "type" and isinstance(obj, ScaledDecimal):
        return "sa.BigInteger()"
    if type_ == "type" and isinstance(obj, StrEnumType):
        return f"sa.String(length={obj.impl.length})"
    return False


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    # On PostgreSQL stock_move's references are checked per statement by triggers, not by its
    # foreign keys (migration 0026_move_keys_per_statement): the models keep them for SQLite.
    return not (type_ == "foreign_key_constraint" and obj.table.name == "stock_move")


def render_context_options(connection: Connection) -> dict:
    options = {
        "render_as_batch": connection.dialect.name == "sqlite",
        "render_item": render_item,
        "compare_type": True,
    }
    if connection.dialect.name == "postgresql":
        options["include_object"] = include_object
    return options
