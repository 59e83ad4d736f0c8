"""People and devices: operators (add, block or let in again, reset PIN, change role),
printers (a test print, the queue with every job not yet printed, retry now) and the terminals
enrolled to sync (enrol, showing the secret once; revoke by a supervisor's badge and PIN)."""

from __future__ import annotations

from functools import partial

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static, TabPane

from wms_tui.domain.flows import Role
from wms_tui.services import fleet
from wms_tui.services.desks import people
from wms_tui.services.desks.people import Enrolled, OperatorRow, Printers
from wms_tui.services.fleet import Fleet
from wms_tui.ui.console import terminals as terminal_rows
from wms_tui.ui.console.base import TabbedDeskScreen


def operator_state(row: OperatorRow) -> str:
    if not row.active:
        return "blocked"
    return f"locked until {row.locked_until:%H:%M}" if row.locked_until else "active"


class PeopleScreen(TabbedDeskScreen):
    TITLE = "People"
    TABS = {
        "operators": ("Operators", ("operator", "name", "role", "state")),
        "printers": ("Printers", ("printer", "kind", "target", "media", "waiting", "failed", "last error")),
        "jobs": ("Print queue", ("job", "printer", "kind", "reference", "status", "tries", "queued", "last error")),
        "terminals": ("Terminals", ("terminal", "warehouse", "state", "last contact", "moves applied", "tasks leased",
                                    "conflicts open")),
    }
    BINDINGS = [
        Binding("n", "add_operator", "Add operator"),
        Binding("b", "block", "Block / let in"),
        Binding("p", "reset_pin", "Reset PIN"),
        Binding("o", "role", "Role"),
        Binding("t", "test_print", "Test print"),
        Binding("a", "retry", "Retry now"),
        Binding("i", "enrol", "Enrol terminal"),
        Binding("x", "revoke", "Revoke terminal"),
        Binding("r", "refresh", "Refresh"),
    ]
    ACTION_TABS = {
        "add_operator": ("operators",), "block": ("operators",), "reset_pin": ("operators",), "role": ("operators",),
        "test_print": ("printers",), "retry": ("jobs",), "enrol": ("terminals",), "revoke": ("terminals",),
    }

    def __init__(self) -> None:
        super().__init__()
        self.operators: dict[str, OperatorRow] = {}

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield from self.compose_tabs()
        yield from self.compose_footer()

    def on_mount(self) -> None:  # TabbedDeskScreen.on_mount adds the columns first
        self.table("operators").focus()
        # Said above the table when there is none (the red or green line is for actions).
        self.query_one("#tab-terminals", TabPane).mount(Static(id="terminals-none"), before=0)

    def fetch_operators(self) -> list[OperatorRow]:
        return people.operator_list(self.app.runtime.engine)

    def show_operators(self, rows: list[OperatorRow]) -> None:
        self.operators = {row.code: row for row in rows}
        self.fill("operators", [(row.code, (row.code, row.name, row.role, operator_state(row)))
                                for row in rows])

    def fetch_printers(self) -> Printers:
        return people.printers(self.app.runtime.settings.printers, self.app.queue_path)

    def show_printers(self, data: Printers) -> None:
        self.fill("printers", [(p.name, (p.name, p.kind, p.target, p.media, p.waiting, p.failed, p.last_error)) for p in data.printers])
        if not data.printers:
            self.say("no printers configured ([printers.NAME] in the config)", ok=True)

    def fetch_jobs(self) -> Printers:
        return self.fetch_printers()

    def show_jobs(self, data: Printers) -> None:
        self.fill("jobs", [(str(job.job_id), (job.job_id, job.printer, job.kind, job.reference, job.status, job.attempts,
                                              f"{job.created_at:%Y-%m-%d %H:%M}", job.last_error)) for job in data.jobs])

    def fetch_terminals(self) -> Fleet:
        return fleet.fleet(self.app.runtime.engine)

    def show_terminals(self, data: Fleet) -> None:
        self.fill("terminals", terminal_rows.rows(data))
        none = self.query_one("#terminals-none", Static)
        none.update(f"Terminals: {terminal_rows.empty_text(data)}")
        none.display = not data.terminals

    def action_refresh(self) -> None:
        self.reload()

    def action_add_operator(self) -> None:
        engine = self.app.runtime.engine
        self.ask("Add an operator", [
            ("code", "operator id (typed at sign-in)", ""), ("name", "full name", ""),
            ("role", f"role: {', '.join(role.value for role in Role)}", Role.PICKER.value),
            ("badge", "badge code (scanned at sign-in)", ""), ("pin", "PIN (digits, not all alike or in a row)", ""),
        ], lambda form: self.act(people.add_operator, engine, form["code"], form["name"], form["role"], form["badge"], form["pin"]))

    def chosen(self) -> OperatorRow | None:
        code = self.table("operators").current_key()
        return self.operators.get(code) if code else None

    def action_block(self) -> None:
        operator = self.chosen()
        if operator is not None:
            question = (f"Block {operator.code} (badge and PIN refused from now)?" if operator.active
                        else f"Let {operator.code} sign in again?")
            self.confirm(question, people.set_active, self.app.runtime.engine, operator.code, not operator.active)

    def action_reset_pin(self) -> None:
        operator = self.chosen()
        if operator is not None:
            self.ask(f"New PIN for {operator.code}", [("pin", "PIN (digits, not all alike or in a row)", "")],
                     lambda form: self.act(people.reset_pin, self.app.runtime.engine, operator.code, form["pin"]))

    def action_role(self) -> None:
        operator = self.chosen()
        if operator is not None:
            self.ask(f"Role of {operator.code}", [("role", f"role: {', '.join(role.value for role in Role)}", operator.role)],
                     lambda form: self.act(people.set_role, self.app.runtime.engine, operator.code, form["role"]))

    def action_test_print(self) -> None:
        name = self.table("printers").current_key()
        if name and self.app.queue_path is not None:
            self.confirm(f"Print a test label on {name}?", people.test_print, self.app.runtime.settings.printers, name,
                         self.app.queue_path)

    def action_retry(self) -> None:
        job = self.table("jobs").current_key()
        if job:
            self.act(people.retry_job, self.app.runtime.settings.printers, int(job), self.app.queue_path)

    def action_enrol(self) -> None:
        engine = self.app.runtime.engine
        self.ask("Enrol a terminal (its secret is shown once)", [
            ("terminal", "terminal id (its [terminal] id)", ""),
            ("warehouse", "warehouse it works in", self.app.runtime.settings.terminal.warehouse),
        ], lambda form: self.act(people.enrol_terminal, engine, form["terminal"], form["warehouse"], then=self.show_secret))

    def show_secret(self, enrolled: Enrolled) -> None:
        self.app.push_screen(terminal_rows.SecretShown(enrolled.terminal_id, enrolled.secret))

    def action_revoke(self) -> None:
        terminal = self.table("terminals").current_key()
        if terminal is None:
            return
        app = self.app
        self.ask_approval(f"Revoke terminal {terminal} (refused from its next request; its moves stay)", [],
                          lambda form: self.act(partial(people.revoke_terminal, badge=form["badge"], pin=form["pin"],
                                                        policy=app.runtime.settings.security),
                                                app.runtime.engine, app.posting_context(), terminal))
