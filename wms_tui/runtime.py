"""What a command or the app needs to run: settings and an engine on a current schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

from wms_tui import config
from wms_tui.domain.errors import ConfigError
from wms_tui.store import migrate
from wms_tui.store.db import make_engine, release_terminal, try_hold_terminal, warehouse_codes

if TYPE_CHECKING:
    from wms_tui.store.ledger import PostingContext


@dataclass
class Runtime:
    settings: config.Settings
    engine: Engine
    terminal_hold: Connection | None = field(default=None, repr=False)  # see hold_terminal

    def posting_context(self, operator: str) -> PostingContext:
        # Imported here: starting the app does not need the ledger's models.
        from wms_tui.store.ledger import PostingContext

        return PostingContext(self.settings.terminal.id, operator)

    def check_terminal_warehouse(self) -> None:
        """A terminal works in one warehouse: refuse to start in one the database does not have
        (every flow would otherwise fail on its first input)."""
        code = self.settings.terminal.warehouse
        known = warehouse_codes(self.engine)
        if code.strip().upper() not in known:
            source = self.settings.source or "the default settings"
            raise ConfigError(
                f"{source}: [terminal] warehouse: {code!r} is not a warehouse of this database "
                f"({', '.join(known) or 'none yet: run `wms-tui import --locations ...`'})"
            )

    def hold_terminal(self) -> None:
        """Refuse to run as a terminal id another process is running as. On PostgreSQL, where
        thin sessions share one database, two sessions of one id would post into one move
        sequence and overwrite each other's saved step. A SQLite file is one device's."""
        if self.engine.dialect.name != "postgresql" or self.terminal_hold is not None:
            return
        terminal_id = self.settings.terminal.id
        self.terminal_hold = try_hold_terminal(self.engine, terminal_id)
        if self.terminal_hold is None:
            raise ConfigError(f"terminal {terminal_id} is in use by another session: give this session its own id "
                              "(--terminal or $WMS_TERMINAL), or end the other one first")

    def close(self) -> None:
        if self.terminal_hold is not None:
            release_terminal(self.terminal_hold, self.settings.terminal.id)
            self.terminal_hold = None
        self.engine.dispose()


def open_runtime(config_path: str | None, *, database_url: str | None = None, upgrade: bool = False) -> Runtime:
    """Load settings and open the database; refuse a database whose schema is not current
    (unless `upgrade`), so a terminal never writes into a half-migrated ledger."""
    settings = config.load(config_path)
    url = database_url or settings.database.url
    engine = make_engine(url, create=upgrade)
    if upgrade:
        migrate.upgrade(engine)
    elif not migrate.is_up_to_date(engine):
        engine.dispose()
        raise ConfigError(f"database {url} is not at the current schema: run `wms-tui db upgrade` first")
    return Runtime(settings, engine)
