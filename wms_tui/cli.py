"""The `wms-tui` command: the front door for operators, IT and benchmarks."""

from __future__ import annotations

import gc
import importlib
import os
import sys
import tempfile
import traceback
from datetime import datetime
from pathlib import Path

import click

from wms_tui.domain.errors import WmsError

# Exit statuses: 1 for what the user can fix (bad input, usage, a refused action), 2 for a
# defect whose traceback went to a log file.
EXIT_REFUSED = 1
EXIT_DEFECT = 2
MESSAGE_LIMIT = 300


def log_dir() -> Path:
    from platformdirs import user_log_dir

    return Path(os.environ.get("WMS_LOG_DIR") or user_log_dir("wms-tui"))


def write_traceback(exc: BaseException) -> Path:
    """The full traceback in a file of its own; the temp dir if the log dir is not writable."""
    name = f"error-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.log"
    text = f"wms-tui {' '.join(sys.argv[1:])}\n" + "".join(traceback.format_exception(exc))
    for folder in (log_dir(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    raise exc


def database_url(ctx: click.Context, url: str | None = None) -> str | None:
    """The database a command works on: its own --url, else the demo's with --demo, else None
    (the config's [database] url)."""
    return url or ctx.find_root().obj.get("database_url")


def open_command_runtime(ctx: click.Context, **kwargs):
    """Settings and database for a command, from --config and --demo."""
    from wms_tui.runtime import open_runtime

    root = ctx.find_root().obj
    return open_runtime(root.get("config_path"), database_url=root.get("database_url"), **kwargs)


def one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= MESSAGE_LIMIT else line[: MESSAGE_LIMIT - 3] + "..."


class WmsGroup(click.Group):
    """Turns the application's own errors into a one-line message and exit status 1, and
    imports a sub-command's module only when that sub-command runs: opening the terminal app
    must not wait for every command's dependencies to load."""

    def __init__(self, *args, lazy_commands: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy_commands and name not in self.commands:
            module, attribute = self.lazy_commands[name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
            # What the command's modules loaded lives as long as the process: kept out of the
            # collector's full passes, which otherwise walk it again and again during the work.
            gc.freeze()
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except WmsError as exc:
            raise click.ClickException(str(exc)) from None
        except Exception as exc:
            # The database layer wraps an error raised while converting a value (an amount out
            # of range) in its own exception: still the user's error, not a defect.
            if isinstance(getattr(exc, "orig", None), WmsError):
                raise click.ClickException(str(exc.orig)) from None
            raise

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        """The front door's error handling: an expected error (usage, or the application's own)
        is its message and status 1; anything else is one line naming the log file that holds
        the traceback, status 2. Never a traceback on the terminal."""
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            status = super().main(*args, standalone_mode=False, **kwargs)
        except click.ClickException as exc:
            exc.show()
            sys.exit(EXIT_REFUSED)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(EXIT_REFUSED)
        except Exception as exc:  # noqa: BLE001 - the last resort: log it, say one line
            path = write_traceback(exc)
            click.echo(f"Error: unexpected {type(exc).__name__}: {one_line(str(exc))} (traceback in {path})", err=True)
            sys.exit(EXIT_DEFECT)
        sys.exit(status if isinstance(status, int) else 0)


@click.group(
    cls=WmsGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    lazy_commands={
        "db": "wms_tui.commands.stock:db_group",
        "demo": "wms_tui.commands.stock:demo",
        "import": "wms_tui.commands.stock:import_command",
        "stock": "wms_tui.commands.stock:stock",
        "report": "wms_tui.commands.stock:report_group",
        "scanners": "wms_tui.commands.scanners:scanners_group",
        "label": "wms_tui.commands.labels:label_group",
        "printers": "wms_tui.commands.labels:printers_group",
        "operators": "wms_tui.commands.operators:operators_group",
        "console": "wms_tui.commands.console:console",
        "export": "wms_tui.commands.exchange:export_command",
        "central": "wms_tui.commands.central:central_group",
        "sync": "wms_tui.commands.sync:sync_command",
    },
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar="WMS_CONFIG",
    help="Config file (TOML). Default: $WMS_CONFIG, then the user config dir.",
)
@click.option(
    "--terminal",
    "terminal_id",
    metavar="ID",
    help="This session's terminal id, over [terminal] id (sets $WMS_TERMINAL), e.g. one per SSH "
         "session: docs/thin-sessions.md.",
)
@click.option("--demo", "on_demo", is_flag=True,
              help="Work on the demo database (built by `wms-tui demo`) instead of the configured one.")
@click.version_option(package_name="wms-tui")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, terminal_id: str | None, on_demo: bool) -> None:
    """Warehouse terminal: pick, pack, ship, receive and restock over a stock ledger.

    Without a sub-command it opens the terminal app. `wms-tui --demo stock SKU-00001` runs
    a command on the demo warehouse.
    """
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path
    if terminal_id is not None:
        from wms_tui.config import TERMINAL_ENV

        # Through the environment, so every sub-command and the processes it starts (the
        # console's browser server) load the same id.
        os.environ[TERMINAL_ENV] = terminal_id
    if on_demo:
        from wms_tui.config import demo_database_path

        ctx.obj["database_url"] = f"sqlite:///{demo_database_path()}"
    if ctx.invoked_subcommand is None:
        from wms_tui.ui.app import WmsApp

        runtime = open_command_runtime(ctx)
        try:
            runtime.check_terminal_warehouse()
            runtime.hold_terminal()
            WmsApp(runtime).run()
        finally:
            runtime.close()


@main.group(cls=WmsGroup, lazy_commands={
    "ledger": "wms_tui.bench.ledger:bench_ledger",
    "outbound": "wms_tui.bench.outbound:bench_outbound",
    "inbound": "wms_tui.bench.inbound:bench_inbound",
    "scanners": "wms_tui.bench.scanners:bench_scanners",
    "labels": "wms_tui.bench.labels:bench_labels",
    "ui": "wms_tui.bench.ui:bench_ui",
    "console": "wms_tui.bench.console:bench_console",
    "sync": "wms_tui.bench.sync:bench_sync",
})
def bench() -> None:
    """Benchmarks that print one JSON object of figures."""
