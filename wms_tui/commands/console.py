"""`wms-tui console`: the supervisor console on the configured database."""

from __future__ import annotations

import click

from wms_tui.runtime import open_runtime


@click.command("console")
@click.option("--operator", default="console", show_default=True, envvar="WMS_OPERATOR",
              help="Operator recorded on what the console posts (re-open, returns).")
@click.pass_context
def console(ctx: click.Context, operator: str) -> None:
    """Supervisor console: dashboard, orders desk, receivables aging (F2, F3, F4; Ctrl+P for all)."""
    from wms_tui.ui.console.app import ConsoleApp
    from wms_tui.ui.printing import default_queue_path

    runtime = open_runtime(ctx.obj.get("config_path"))
    try:
        ConsoleApp(runtime, operator=operator, queue_path=default_queue_path()).run()
    finally:
        runtime.close()
