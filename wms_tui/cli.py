"""The `wms-tui` command: the front door for operators, IT and benchmarks."""

from __future__ import annotations

import importlib

import click

from wms_tui.domain.errors import WmsError


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
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except WmsError as exc:
            raise click.ClickException(str(exc)) from None


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
    },
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar="WMS_CONFIG",
    help="Config file (TOML). Default: $WMS_CONFIG, then the user config dir.",
)
@click.version_option(package_name="wms-tui")
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    """Warehouse terminal: pick, pack, ship, receive and restock over a stock ledger.

    Without a sub-command it opens the terminal app.
    """
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path
    if ctx.invoked_subcommand is None:
        from wms_tui.runtime import open_runtime
        from wms_tui.ui.app import WmsApp

        runtime = open_runtime(config_path)
        try:
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
})
def bench() -> None:
    """Benchmarks that print one JSON object of figures."""
