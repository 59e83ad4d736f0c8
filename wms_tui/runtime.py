"""What a command or the app needs to run: settings and an engine on a current schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from wms_tui import config
from wms_tui.domain.errors import ConfigError
from wms_tui.store import migrate
from wms_tui.store.db import make_engine

if TYPE_CHECKING:
    from wms_tui.store.ledger import PostingContext


@dataclass
class Runtime:
    settings: config.Settings
    engine: Engine

    def posting_context(self, operator: str) -> PostingContext:
        # Imported here: starting the app does not need the ledger's models.
        from wms_tui.store.ledger import PostingContext

        return PostingContext(self.settings.terminal.id, operator)

    def close(self) -> None:
        self.engine.dispose()


def open_runtime(config_path: str | None, *, database_url: str | None = None, upgrade: bool = False) -> Runtime:
    """Load settings and open the database; refuse a database whose schema is not current
    (unless `upgrade`), so a terminal never writes into a half-migrated ledger."""
    settings = config.load(config_path)
    url = database_url or settings.database.url
    engine = make_engine(url)
    if upgrade:
        migrate.upgrade(engine)
    elif not migrate.is_up_to_date(engine):
        engine.dispose()
        raise ConfigError(f"database {url} is not at the current schema: run `wms-tui db upgrade` first")
    return Runtime(settings, engine)
