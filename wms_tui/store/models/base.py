"""The base of every table class."""

from sqlmodel import SQLModel


class TableModel(SQLModel):
    """Pydantic builds a table class's validator only when it first validates (SQLModel builds a
    table row without validation): building all of them at import cost the console's start-up
    about a tenth of the tables' import time."""

    model_config = {"defer_build": True}
