"""The exceptions desk: what went wrong on the floor and waits for a supervisor, each resolved
with its own key (only the keys the highlighted exception allows show), and what was resolved,
by whom, when and how."""

from __future__ import annotations

from functools import partial

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Label

from wms_tui.domain.states import ExceptionKind, Resolution
from wms_tui.services.desks import exceptions
from wms_tui.services.desks.exceptions import RESOLUTIONS, Exceptions, FloorException
from wms_tui.ui.console.base import DeskScreen, DeskTable

KEYS = {
    Resolution.ACCEPTED: ("a", "Accept"),
    Resolution.APPROVED: ("p", "Approve"),
    Resolution.REJECTED: ("j", "Reject"),
    Resolution.RETRIED: ("t", "Retry print"),
    Resolution.DISCARDED: ("d", "Discard"),
    Resolution.RESOLVED: ("v", "Resolve"),
}


class ExceptionsScreen(DeskScreen):
    TITLE = "Exceptions"
    BINDINGS = [
        *(Binding(key, f"resolve('{resolution.value}')", label) for resolution, (key, label) in KEYS.items()),
        Binding("r", "refresh", "Refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.waiting: dict[str, FloorException] = {}

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Label("Waiting for a supervisor", classes="panel-title")
        yield DeskTable(id="waiting", export_name="exceptions")
        yield Label("Resolved (newest first)", classes="panel-title")
        yield DeskTable(id="resolved", export_name="resolved-exceptions")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#waiting", DeskTable).add_columns("kind", "ref", "when", "who", "what")
        self.query_one("#resolved", DeskTable).add_columns("kind", "ref", "how", "by", "at", "note")
        self.query_one("#waiting", DeskTable).focus()

    def fetch(self) -> Exceptions:
        return exceptions.exceptions(self.app.runtime.engine, queue_path=self.app.queue_path)

    def show(self, data: Exceptions) -> None:
        waiting = self.query_one("#waiting", DeskTable)
        keep = waiting.cursor_row
        waiting.clear()
        self.waiting = {}
        for row in data.waiting:
            key = f"{row.kind.value}:{row.reference}"
            self.waiting[key] = row
            waiting.add_row(row.kind.value.replace("_", " "), row.reference, f"{row.at:%Y-%m-%d %H:%M}" if row.at else "", row.who,
                            row.what, key=key)
        if data.waiting:
            waiting.move_cursor(row=min(keep, len(data.waiting) - 1))
        resolved = self.query_one("#resolved", DeskTable)
        resolved.clear()
        for row in data.resolved:
            resolved.add_row(row.kind.value.replace("_", " "), row.reference, row.action.value, row.by, f"{row.at:%Y-%m-%d %H:%M}",
                             row.note)
        self.refresh_bindings()

    def current(self) -> FloorException | None:
        key = self.query_one("#waiting", DeskTable).current_key()
        return self.waiting.get(key) if key else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action != "resolve":
            return True
        chosen = self.current()
        return chosen is not None and Resolution(parameters[0]) in RESOLUTIONS[chosen.kind]

    def action_refresh(self) -> None:
        self.reload()

    def action_resolve(self, action: str) -> None:
        chosen = self.current()
        if chosen is None:
            return
        app = self.app

        def entered(form: dict[str, str]) -> None:
            self.act(partial(exceptions.resolve, badge=form["badge"], pin=form["pin"], policy=app.runtime.settings.security,
                             queue_path=app.queue_path),
                     app.runtime.engine, app.posting_context(), chosen.kind, chosen.reference, action, form["note"])

        what = {ExceptionKind.COUNT_VARIANCE: {Resolution.APPROVED: " (its difference posts now)",
                                               Resolution.REJECTED: " (the ledger's quantity stays)"}}.get(chosen.kind, {})
        required = " (required)" if chosen.kind is ExceptionKind.STOCK else ""
        self.ask_approval(f"{action.capitalize()}: {chosen.what}{what.get(Resolution(action), '')}",
                          [("note", f"how it was resolved{required} (kept with who and when)", "")], entered)
