"""Terminals enrolled to sync, as the console shows them: the dashboard's panel (last contact,
refreshed like the rest of the dashboard) and the rows of the people desk's terminals tab."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

from wms_tui.domain.sync import contact_text
from wms_tui.services import fleet
from wms_tui.services.fleet import Fleet, TerminalStatus
from wms_tui.ui.console.base import DeskTable

REFRESH_S = 2.0
SINGLE_STATION = "none: a single station (a SQLite file no terminal syncs with)"
NONE_ENROLLED = "none enrolled yet"


def state(terminal: TerminalStatus) -> str:
    return "revoked" if terminal.revoked else "active"


def leased(terminal: TerminalStatus) -> str:
    return f"{terminal.leased_tasks}" + (f" ({terminal.expired_leases} expired)" if terminal.expired_leases else "")


def rows(data: Fleet) -> list[tuple[str, tuple]]:
    """The terminals tab's rows: (key, cells)."""
    now = datetime.now(UTC)
    return [(t.terminal_id, (t.terminal_id, t.warehouse, state(t), contact_text(now, t.last_contact_at), t.applied_sequence,
                             leased(t), t.open_conflicts)) for t in data.terminals]


def empty_text(data: Fleet) -> str:
    return NONE_ENROLLED if data.central else SINGLE_STATION


class TerminalsPanel(Vertical):
    """The dashboard's terminals and their last contact; it reads while its screen is shown."""

    @dataclass
    class Loaded(Message):
        data: Fleet

    def compose(self) -> ComposeResult:
        yield Label("Terminals", id="terminals-title", classes="panel-title")
        yield Static(id="terminals-none")
        yield DeskTable(id="terminals", export_name="terminals")

    def on_mount(self) -> None:
        self.query_one(DeskTable).add_columns("terminal", "last contact", "state")
        self.load()
        self.set_interval(REFRESH_S, self.refresh_shown)

    def refresh_shown(self) -> None:
        if self.screen.is_current:
            self.load()

    @work(thread=True, exclusive=True, group="terminals")
    def load(self) -> None:
        self.post_message(self.Loaded(fleet.fleet(self.app.runtime.engine)))

    def on_terminals_panel_loaded(self, message: Loaded) -> None:
        message.stop()
        now = datetime.now(UTC)
        data = message.data
        table = self.query_one(DeskTable)
        table.clear()
        for t in data.terminals:
            table.add_row(t.terminal_id, contact_text(now, t.last_contact_at), state(t), key=t.terminal_id)
        self.query_one("#terminals-title", Label).update(f"Terminals ({len(data.terminals)})")
        self.query_one("#terminals-none", Static).update(empty_text(data))
        self.query_one("#terminals-none", Static).display = not data.terminals
        table.display = bool(data.terminals)


class SecretShown(ModalScreen[None]):
    """A new terminal's secret, shown this once: central keeps only its hash."""

    BINDINGS = [Binding("enter,escape", "close", "Done, it is copied")]

    def __init__(self, terminal_id: str, secret: str) -> None:
        super().__init__()
        self.terminal_id = terminal_id
        self.secret = secret

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Secret of terminal {self.terminal_id}", classes="panel-title")
            yield Static(f"Put it in {self.terminal_id}'s config, [central] secret. It is shown only now: "
                         "central keeps a hash (a lost secret means revoke and enrol another id).", classes="question")
            yield Static(self.secret, id="secret")
        yield Footer(compact=True)

    def action_close(self) -> None:
        self.dismiss(None)
