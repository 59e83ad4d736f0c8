"""The `wms-tui` command: the front door for operators, IT and benchmarks."""

from __future__ import annotations

import click


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
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


@main.group()
def bench() -> None:
    """Benchmarks that print one JSON object of figures."""


# Sub-command groups contributed by other modules are registered below.
