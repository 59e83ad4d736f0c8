"""The light table clauses name columns the models have, typed as the models type them (an
enum column with its enum, a timestamp with its zone): a read through them binds and returns
what the same read through the models would."""

from sqlalchemy import DateTime
from sqlalchemy.sql import TableClause
from sqlmodel import SQLModel

import wms_tui.store.models  # noqa: F401 - registers every table on SQLModel.metadata
from wms_tui.store import light_tables
from wms_tui.store.types import StrEnumType


def test_light_tables_match_the_models():
    clauses = [value for value in vars(light_tables).values() if isinstance(value, TableClause)]
    assert clauses
    for clause in clauses:
        model = SQLModel.metadata.tables[clause.name]
        for light in clause.c:
            column = model.c[light.key]
            where = f"{clause.name}.{light.key}"
            assert type(light.type) is type(column.type), where
            if isinstance(column.type, StrEnumType):
                assert light.type.enum_class is column.type.enum_class, where
            if isinstance(column.type, DateTime):
                assert light.type.timezone == column.type.timezone, where
