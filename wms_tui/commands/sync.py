"""`wms-tui sync`: this terminal's sync with the central service, once, continuously or its status."""

from __future__ import annotations

import click

from wms_tui.cli import open_command_runtime
from wms_tui.domain.errors import ConfigError
from wms_tui.domain.sync import SyncRefused
from wms_tui.sync.client import Offline, SyncClient
from wms_tui.sync.worker import SyncWorker, endpoint_from


@click.command("sync")
@click.option("--watch", is_flag=True, help="Keep syncing (long poll), backing off while offline, until Ctrl+C.")
@click.option("--status", "show_status", is_flag=True, help="Show what is waiting to be sent and the last contact; no network.")
@click.pass_context
def sync_command(ctx: click.Context, watch: bool, show_status: bool) -> None:
    """Push this terminal's moves to the central service and pull what changed there."""
    runtime = open_command_runtime(ctx)
    try:
        settings = runtime.settings
        client = SyncClient(runtime.engine, endpoint_from(settings), batch_size=settings.central.batch_size)
        try:
            if show_status:
                status = client.status()
                click.echo(f"{settings.terminal.id}: {status.text()}; {status.to_send} to send, "
                           f"acknowledged up to move {status.acknowledged}")
                if status.last_error:
                    click.echo(f"last error: {status.last_error}")
            elif watch:
                worker = SyncWorker(client, settings.central.interval_s, lambda text: click.echo(text))
                worker.run()
            else:
                try:
                    report = client.sync_once()
                except Offline as exc:
                    raise ConfigError(f"central service {settings.central.url} unreachable: {exc}") from None
                except SyncRefused as exc:
                    raise ConfigError(f"central refused ({exc.status}): {exc}") from None
                click.echo(f"pushed {report.pushed} moves and {report.documents_sent} document rows, "
                           f"pulled {report.pulled_moves} moves and {report.pulled_rows} rows")
        finally:
            client.close()
    finally:
        runtime.close()
