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


def render_context_options(connection: Connection) -> dict:
    return {
        "render_as_batch": connection.dialect.name == "sqlite",
        "render_item": render_item,
        "compare_type": True,
    }
