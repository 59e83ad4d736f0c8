"""`wms-tui console`: the supervisor console on the configured database, in this terminal or
served to a browser."""

from __future__ import annotations

import gc
import shlex
import sys

import click

from wms_tui.cli import database_url, open_command_runtime


@click.command("console")
@click.option("--operator", default="console", show_default=True, envvar="WMS_OPERATOR",
              help="Operator recorded on what the console posts (re-open, returns).")
@click.option("--serve", is_flag=True, help="Serve the console to a web browser (textual-serve) instead.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on (with --serve).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to serve on (with --serve).")
@click.pass_context
def console(ctx: click.Context, operator: str, serve: bool, host: str, port: int) -> None:
    """Supervisor console: dashboard, orders, aging, purchasing (F2-F5; Ctrl+P for all)."""
    config_path = ctx.obj.get("config_path")
    if serve:
        from textual_serve.server import Server

        # Each browser session runs its own console process, as a terminal would.
        command = [sys.executable, "-m", "wms_tui", *(["--config", config_path] if config_path else []),
                   *(["--demo"] if database_url(ctx) else []), "console", "--operator", operator]
        Server(shlex.join(command), host=host, port=port, title="wms-tui console").serve()
        return
    # Start-up allocates a great deal and frees almost nothing: the collector's passes over it
    # were a sixth of the console's start. Off until the app is up (ConsoleApp.on_mount).
    gc.disable()
    # Not the print station's module: it loads the floor's label rendering, which the console never uses.
    from wms_tui.config import print_queue_path
    from wms_tui.ui.console.app import ConsoleApp

    runtime = open_command_runtime(ctx)
    try:
        ConsoleApp(runtime, operator=operator, queue_path=print_queue_path()).run()
    finally:
        runtime.close()
