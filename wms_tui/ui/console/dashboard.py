"""The dashboard: open work, who holds it, orders by status, exceptions, today's pace, printers,
terminals and their last contact.
It refreshes itself; a refresh still running is replaced by the next (exclusive worker)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Sparkline, Static

from wms_tui.domain.states import TaskState
from wms_tui.services import dashboard
from wms_tui.services.dashboard import Dashboard
from wms_tui.ui.console.base import DeskScreen, DeskTable
from wms_tui.ui.console.terminals import TerminalsPanel

REFRESH_S = 2.0


class DashboardScreen(DeskScreen):
    TITLE = "Dashboard"
    BINDINGS = [Binding("r", "refresh", "Refresh")]

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Horizontal(classes="row"):
            with Vertical(classes="panel"):
                yield Label("Open work", classes="panel-title")
                yield DeskTable(id="work", export_name="open-work")
            with Vertical(classes="panel"):
                yield Label("Orders by status", classes="panel-title")
                yield DeskTable(id="orders", export_name="orders-by-status")
            with Vertical(classes="panel"):
                yield Label("Exceptions waiting", classes="panel-title")
                yield Static(id="exceptions")
                yield Label("Printers", classes="panel-title")
                yield DeskTable(id="printers", export_name="printers")
                yield TerminalsPanel(classes="terminals")
        with Horizontal(classes="pace"):
            with Vertical():
                yield Label("Lines picked per hour today", id="picked-title", classes="panel-title")
                yield Sparkline([0] * 24, id="picked", summary_function=max)
            with Vertical():
                yield Label("Lines received per hour today", id="received-title", classes="panel-title")
                yield Sparkline([0] * 24, id="received", summary_function=max)
        with Vertical(classes="panel held"):
            yield Label("Who holds which task", classes="panel-title")
            yield DeskTable(id="held", export_name="held-tasks")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one("#work", DeskTable).add_columns("work", "open", "claimed")
        self.query_one("#orders", DeskTable).add_columns("status", "orders")
        self.query_one("#printers", DeskTable).add_columns("printer", "waiting", "failed", "last error")
        self.query_one("#held", DeskTable).add_columns("operator", "task", "kind", "document", "location", "since")
        self.timer = self.set_interval(REFRESH_S, self.reload)  # the first read: DeskScreen.on_screen_resume

    def on_screen_suspend(self) -> None:
        self.timer.pause()  # another desk is shown: no reads for a screen nobody sees

    def on_screen_resume(self) -> None:  # DeskScreen.on_screen_resume reloads at once
        self.timer.resume()

    def action_refresh(self) -> None:
        self.reload()

    def fetch(self) -> Dashboard:
        app = self.app
        return dashboard.dashboard(app.runtime.engine, printers=app.printer_names, queue_path=app.queue_path)

    def show(self, data: Dashboard) -> None:
        # What did not change since the last refresh is left as drawn: most of the screen, most times.
        self.query_one("#work", DeskTable).show_rows([
            (kind, (kind, data.tasks.get((kind, TaskState.OPEN.value), 0), data.tasks.get((kind, TaskState.CLAIMED.value), 0)))
            for kind in dashboard.WORK_KINDS
        ])
        self.query_one("#orders", DeskTable).show_rows([(status, (status, count)) for status, count in dashboard.status_counts(data.orders)])
        exceptions = self.query_one("#exceptions", Static)
        _update(exceptions, f"short picks today  {data.short_picks}\ncount variances    {data.count_variances}\n"
                            f"stock exceptions   {data.stock_exceptions}")
        exceptions.set_class(data.exceptions > 0, "-waiting")
        self.query_one("#printers", DeskTable).show_rows([
            (printer.name, (printer.name, printer.pending, printer.failed, printer.last_error or "")) for printer in data.printers
        ])
        self.query_one("#picked", Sparkline).data = data.picked_per_hour
        self.query_one("#received", Sparkline).data = data.received_per_hour
        _update(self.query_one("#picked-title", Label), f"Lines picked per hour today (total {sum(data.picked_per_hour)})")
        _update(self.query_one("#received-title", Label), f"Lines received per hour today (total {sum(data.received_per_hour)})")
        self.query_one("#held", DeskTable).show_rows([
            (str(task.task_id), (task.assignee, task.task_id, task.kind, task.document, task.location,
                                 f"{task.claimed_at:%H:%M}" if task.claimed_at else ""))
            for task in data.held
        ])


def _update(text: Static, content: str) -> None:
    """Static.update lays the screen out again even for the same text."""
    if text.content != content:
        text.update(content)
