"""Orders and purchases in, shipments, receipts and stock out: files for the office's other systems."""

from __future__ import annotations

from pathlib import Path

import click

from wms_tui.cli import open_command_runtime
from wms_tui.services import exchange


def _import(ctx: click.Context, kind: str, path: Path) -> None:
    runtime = open_command_runtime(ctx)
    try:
        result = exchange.import_documents(runtime.engine, kind, path)
    finally:
        runtime.close()
    click.echo(f"imported {len(result.documents)} {kind} with {result.lines} line(s): {', '.join(result.documents)}")


@click.command("orders")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def import_orders(ctx: click.Context, path: Path) -> None:
    """Sales orders (drafts, to confirm at the console) from CSV or JSON, all or nothing.

    \b
    CSV: number,customer,warehouse,sku,quantity[,unit_price,discount_percent,tax_rate,policy]
         one row per line; rows with the same number are one order
    JSON: [{"number", "customer", "warehouse", "policy"?, "lines": [{"sku", "quantity", ...}]}]
    """
    _import(ctx, "orders", path)


@click.command("purchases")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def import_purchases(ctx: click.Context, path: Path) -> None:
    """Purchase orders from CSV or JSON, all or nothing.

    \b
    CSV: reference,supplier,warehouse,sku,quantity[,unit_price,expected_date]
         one row per line; rows with the same reference are one purchase order
    JSON: [{"reference", "supplier", "warehouse", "lines": [{"sku", "quantity", ...}]}]
    """
    _import(ctx, "purchases", path)


@click.command("export")
@click.argument("kind", type=click.Choice(exchange.EXPORTS))
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="From this day on (UTC), for shipments and receipts.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file instead of stdout.")
@click.pass_context
def export_command(ctx: click.Context, kind: str, since, fmt: str, output: Path | None) -> None:
    """Shipments, receipts or stock on hand as CSV or JSON (stock in the format `import --stock` reads)."""
    runtime = open_command_runtime(ctx)
    try:
        rows = exchange.export_rows(runtime.engine, kind, since=since.date() if since else None)
    finally:
        runtime.close()
    text = exchange.render(kind, rows, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"{len(rows)} {kind} row(s) written to {output}", err=True)
