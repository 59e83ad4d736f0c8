"""The `wms-tui` command: the front door for operators, IT and benchmarks."""

from __future__ import annotations

import click

from wms_tui.domain.errors import WmsError


class WmsGroup(click.Group):
    """Turns the application's own errors into a one-line message and exit status 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except WmsError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=WmsGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
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


@main.group()
def bench() -> None:
    """Benchmarks that print one JSON object of figures."""


from wms_tui.bench.ledger import bench_ledger  # noqa: E402
from wms_tui.commands.stock import db_group, demo, import_command, report_group, stock  # noqa: E402

for command in (db_group, demo, import_command, stock, report_group):
    main.add_command(command)
bench.add_command(bench_ledger)

# Sub-command groups contributed by other modules are registered below.
from wms_tui.bench.outbound import bench_outbound  # noqa: E402

bench.add_command(bench_outbound)
from wms_tui.bench.scanners import bench_scanners  # noqa: E402
from wms_tui.commands.scanners import scanners_group  # noqa: E402

main.add_command(scanners_group)
bench.add_command(bench_scanners)
from wms_tui.bench.inbound import bench_inbound  # noqa: E402

bench.add_command(bench_inbound)
from wms_tui.bench.labels import bench_labels  # noqa: E402
from wms_tui.commands.labels import label_group, printers_group  # noqa: E402

main.add_command(label_group)
main.add_command(printers_group)
bench.add_command(bench_labels)

from wms_tui.bench.ui import bench_ui  # noqa: E402
from wms_tui.commands.operators import operators_group  # noqa: E402

main.add_command(operators_group)
bench.add_command(bench_ui)
