"""`wms-tui label ...` and `wms-tui printers ...`: render, print and manage print jobs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import os
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from labels import (
    DOCUMENT_KINDS,
    LABEL_MEDIA,
    CommandCard,
    ContainerLabel,
    ItemLabel,
    Label,
    LabelDataError,
    LocationLabel,
    PalletLabel,
    Printer,
    PrintQueue,
    document_from_mapping,
    document_pdf,
    format_for_path,
    load_printers,
    render_for_printer,
    render_labels,
)
from labels.models import address_from_mapping
from labels.queue import JobStatus
from wms_tui import config
from wms_tui.domain.errors import ConfigError
from wms_tui.domain.typed import looks_decimal, typed_decimal

__all__ = ["label_group", "load_printers", "printers_group"]


def default_queue_path() -> Path:
    return config.data_dir() / "print-queue.sqlite3"


def _read_printers(path: str | None) -> dict[str, Printer]:
    if path is None:
        # No separate file: the terminal's own config ([printers.NAME] tables, already validated).
        settings = config.load(click.get_current_context().find_root().obj.get("config_path"))
        return load_printers(settings.printers)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise click.ClickException(f"cannot read printers config {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise click.ClickException(f"{path}: invalid TOML: {exc}") from exc
    try:
        return load_printers(data.get("printers", {}))
    except ValueError as exc:
        raise click.ClickException(f"{path}: {exc}") from exc


def _printer(printers: dict[str, Printer], name: str) -> Printer:
    if name not in printers:
        known = ", ".join(sorted(printers)) or "none (add [printers.NAME] to the config, or pass --printers-config FILE)"
        raise click.ClickException(f"unknown printer {name!r}; configured: {known}")
    return printers[name]


def _config_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option(
        "--queue-db",
        type=click.Path(dir_okay=False),
        envvar="WMS_PRINT_QUEUE",
        default=lambda: str(default_queue_path()),
        show_default="user data dir",
        help="Print queue database (SQLite).",
    )(fn)
    return click.option(
        "--printers-config",
        type=click.Path(dir_okay=False, exists=True),
        envvar="WMS_PRINTERS_CONFIG",
        help="TOML file with [printers.NAME] tables (default: the terminal config).",
    )(fn)


def _output_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            click.option(
                "--out", type=click.Path(dir_okay=False), help="Write to FILE (.pdf or .zpl)."
            ),
            click.option("--printer", "printer_name", help="Print on this configured printer."),
            click.option(
                "--media",
                type=click.Choice(LABEL_MEDIA),
                default="4x6",
                show_default=True,
                help="Label size for --out PDFs.",
            ),
            click.option(
                "--dpi",
                type=click.Choice(["203", "300"]),
                default="203",
                show_default=True,
                help="Printer resolution for --out ZPL files.",
            ),
        ]
    ):
        fn = option(fn)
    return _config_options(fn)


@dataclass(frozen=True)
class OutputTarget:
    """Where a label goes: a file, or a configured printer through the print queue."""

    out: str | None
    printer_name: str | None
    media: str
    dpi: str
    printers_config: str | None
    queue_db: str


def _output_target(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The output options, handed to the command as one `target` argument."""

    @functools.wraps(fn)
    def command(*args: Any, **kwargs: Any) -> Any:
        target = OutputTarget(**{name: kwargs.pop(name) for name in OUTPUT_TARGET_FIELDS})
        return fn(*args, target=target, **kwargs)

    return _output_options(command)


OUTPUT_TARGET_FIELDS = ("out", "printer_name", "media", "dpi", "printers_config", "queue_db")


def _queue_and_print(
    printer: Printer,
    payload: bytes,
    reference: str,
    kind: str,
    queue_db: str,
    printers: dict[str, Printer],
) -> None:
    """Store the job first, then try to send it now; an offline printer leaves it pending."""
    queue = PrintQueue(queue_db)
    try:
        job_id = queue.submit(printer.name, payload, reference, kind)
        queue.drain({printer.name: printer} | printers)
        job = queue.get(job_id)
    finally:
        queue.close()
    if job.status == "sent":
        click.echo(f"job {job_id}: printed on {printer.name}")
    else:
        click.echo(
            f"job {job_id}: {job.status} on {printer.name} ({job.last_error}); it is kept and "
            "retried by the print worker or `wms-tui printers retry`",
            err=True,
        )


def _emit(labels: Sequence[Label], kind: str, target: OutputTarget) -> None:
    out, printer_name = target.out, target.printer_name
    if (out is None) == (printer_name is None):
        raise click.UsageError("give exactly one of --out FILE or --printer NAME")
    try:
        if out is not None:
            payload = render_labels(labels, format_for_path(out), target.media, int(target.dpi))
            _write(out, payload)
            return
        printers = _read_printers(target.printers_config)
        printer = _printer(printers, printer_name or "")
        payload = render_for_printer(labels, printer)
    except (LabelDataError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    _queue_and_print(printer, payload, labels[0].reference, kind, target.queue_db, printers)


def _write(out: str, payload: bytes) -> None:
    try:
        Path(out).write_bytes(payload)
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror}") from None
    click.echo(f"wrote {out} ({len(payload)} bytes)")


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}", param_hint=option) from None


def _decimal(value: str | None, option: str) -> Decimal | None:
    if value is None:
        return None
    if looks_decimal(value):
        return typed_decimal(value, option)  # 2.5 or 2,5, as every typed quantity
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise click.BadParameter(f"expected a number, got {value!r}", param_hint=option) from None
    if not number.is_finite():
        raise click.BadParameter(f"expected a finite number, got {value!r}", param_hint=option)
    return number


@click.group("label")
def label_group() -> None:
    """Render labels and documents to a file or print them."""


@label_group.command("container")
@click.option("--sscc", required=True, help="18-digit SSCC (check digit verified).")
@click.option("--ship-from", default="", help='Sender: "Name, street, postcode city".')
@click.option("--ship-to", default="", help='Consignee: "Name, street, postcode city".')
@click.option("--order", "order_number", default="")
@click.option("--po", "po_number", default="")
@click.option("--carrier", default="")
@click.option("--tracking", "tracking_number", default="")
@click.option("--gtin", help="GTIN of the contained items (AI 02).")
@click.option("--description", default="")
@click.option("--count", type=click.IntRange(min=1), help="Number of items (AI 37).")
@click.option("--lot", help="Batch/lot (AI 10).")
@click.option("--best-before", help="YYYY-MM-DD (AI 15).")
@click.option("--expiry", help="YYYY-MM-DD (AI 17).")
@click.option(
    "--container", "index", type=click.IntRange(min=1), help="This container's number n ..."
)
@click.option("--of", "total", type=click.IntRange(min=1), help="... of m containers.")
@click.option("--weight", help="Gross weight in kg.")
@_output_target
def container_command(
    sscc: str,
    ship_from: str,
    ship_to: str,
    best_before: str | None,
    expiry: str | None,
    weight: str | None,
    index: int | None,
    total: int | None,
    target: OutputTarget,
    **fields: Any,
) -> None:
    """GS1 logistic label for a shipping container. A container of the database (packed for
    an order) is filled in from it: addresses, order, carrier, contents, n of m, weight; the
    options given replace what it says."""
    if index and total and index > total:
        raise click.BadParameter(f"container {index} of {total}", param_hint="--container")
    given = {
        "ship_from": address_from_mapping(ship_from, "--ship-from") if ship_from else None,
        "ship_to": address_from_mapping(ship_to, "--ship-to") if ship_to else None,
        "best_before": _date(best_before, "--best-before"),
        "expiry": _date(expiry, "--expiry"),
        "gross_weight_kg": _decimal(weight, "--weight"),
        "container_index": index,
        "container_total": total,
        **fields,
    }
    given = {name: value for name, value in given.items() if value not in (None, "")}
    stored = _stored_container_label(sscc)
    if stored is not None:
        label = dataclasses.replace(stored, **given)
    else:
        label = ContainerLabel(**{"ship_from": address_from_mapping("-", "--ship-from"),
                                  "ship_to": address_from_mapping("-", "--ship-to"), **given, "sscc": sscc})
    _emit([label], "container", target)


def _stored_container_label(sscc: str) -> ContainerLabel | None:
    """The label of a container packed for an order in the database; None without a database
    (labels are also made for goods this database never saw)."""
    from wms_tui.cli import open_command_runtime
    from wms_tui.services.floor.printing import stored_container_label
    from wms_tui.store.session import reading

    try:
        runtime = open_command_runtime(click.get_current_context())
    except ConfigError:
        return None
    try:
        with reading(runtime.engine) as session:
            return stored_container_label(session, sscc)
    finally:
        runtime.close()


@label_group.command("pallet")
@click.option("--lpn", required=True, help="License plate: an SSCC or an internal LPN.")
@click.option("--gtin")
@click.option("--description", default="")
@click.option("--count", type=click.IntRange(min=1))
@click.option("--lot")
@click.option("--expiry", help="YYYY-MM-DD.")
@click.option("--po", "po_number", default="")
@click.option("--supplier", default="")
@click.option("--received", help="YYYY-MM-DD, default today.")
@click.option("--putaway-to", default="")
@_output_target
def pallet_command(
    expiry: str | None,
    received: str | None,
    target: OutputTarget,
    **fields: Any,
) -> None:
    """License plate (LPN) label for a received pallet."""
    label = PalletLabel(
        expiry=_date(expiry, "--expiry"),
        received_on=_date(received, "--received") or dt.date.today(),
        **fields,
    )
    _emit([label], "pallet", target)


@label_group.command("location")
@click.option("--code", "codes", multiple=True, required=True, help="Bin code; repeat for many.")
@click.option("--description", default="")
@_output_target
def location_command(
    codes: tuple[str, ...],
    description: str,
    target: OutputTarget,
) -> None:
    """Bin labels with check digits (use --media a4-sheet for 4 per A4 page)."""
    labels = [LocationLabel(code, description) for code in codes]
    _emit(labels, "location", target)


@label_group.command("item")
@click.option("--gtin", required=True)
@click.option("--description", default="")
@click.option("--sku", default="")
@click.option("--lot")
@click.option("--expiry", help="YYYY-MM-DD.")
@click.option("--serial")
@click.option("--copies", type=click.IntRange(1, 10000), default=1, show_default=True)
@_output_target
def item_command(
    expiry: str | None,
    copies: int,
    target: OutputTarget,
    **fields: Any,
) -> None:
    """Trade item label: GS1-128 with GTIN (AI 01) and optional lot, expiry, serial."""
    label = ItemLabel(expiry=_date(expiry, "--expiry"), **fields)
    _emit([label] * copies, "item", target)


@label_group.command("commands")
@_output_target
def commands_command(target: OutputTarget) -> None:
    """The command cards *0 to *10 (an A4 sheet unless --media says otherwise): on a terminal
    without F-keys, scanning *N does what FN does; *0 shows the keys of the step."""
    from wms_tui.domain.flows import command_cards

    context = click.get_current_context()
    if context.get_parameter_source("media") is click.core.ParameterSource.DEFAULT:
        target = dataclasses.replace(target, media="a4-sheet")
    _emit([CommandCard(code, caption) for code, caption in command_cards()], "commands", target)


def _document_command(kind: str) -> click.Command:
    @click.option(
        "--data",
        "data_path",
        required=True,
        type=click.Path(exists=True, dir_okay=False),
        help="JSON file with number, date, from, to, references, lines.",
    )
    @click.option("--out", type=click.Path(dir_okay=False), help="Write the PDF to FILE.")
    @click.option("--printer", "printer_name", help="Print on this configured (PDF) printer.")
    @click.option(
        "--page-size", type=click.Choice(["a4", "letter"]), default="a4", show_default=True
    )
    @_config_options
    def command(
        data_path: str,
        out: str | None,
        printer_name: str | None,
        page_size: str,
        printers_config: str | None,
        queue_db: str,
    ) -> None:
        if (out is None) == (printer_name is None):
            raise click.UsageError("give exactly one of --out FILE or --printer NAME")
        try:
            data = json.loads(Path(data_path).read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("top level must be a JSON object")
            document = document_from_mapping(kind, data)
            payload = document_pdf(document, page_size)
        except (ValueError, OSError) as exc:
            raise click.ClickException(f"{data_path}: {exc}") from exc
        if out is not None:
            if format_for_path(out) != "pdf":
                raise click.BadParameter("documents are PDF only", param_hint="--out")
            _write(out, payload)
            return
        printers = _read_printers(printers_config)
        printer = _printer(printers, printer_name or "")
        if printer.format != "pdf":
            raise click.ClickException(
                f"printer {printer.name} takes {printer.format}; documents are PDF"
            )
        _queue_and_print(printer, payload, document.reference, kind, queue_db, printers)

    command.__doc__ = f"{kind.capitalize()} as an A4/Letter PDF from a JSON file."
    return click.command(kind)(command)


for _kind in DOCUMENT_KINDS:
    label_group.add_command(_document_command(_kind))


@click.group("printers")
def printers_group() -> None:
    """Configured printers and the print queue."""


@printers_group.command("list")
@_config_options
def printers_list(printers_config: str | None, queue_db: str) -> None:
    """Show configured printers."""
    printers = _read_printers(printers_config)
    if not printers:
        click.echo("no printers configured (pass --printers-config FILE)")
    for p in printers.values():
        click.echo(
            f"{p.name}: {p.kind} {p.target}  {p.format} {p.media}"
            + (f" {p.dpi} dpi" if p.format == "zpl" else "")
        )


@printers_group.command("test")
@click.argument("name")
@_config_options
def printers_test(name: str, printers_config: str | None, queue_db: str) -> None:
    """Send a test label (a bin label reading TEST-PAGE) to printer NAME."""
    printers = _read_printers(printers_config)
    printer = _printer(printers, name)
    label = LocationLabel(
        "TEST-PAGE",
        f"{printer.name}: {printer.kind} {printer.target} {printer.media} {printer.dpi}dpi",
    )
    payload = render_for_printer([label], printer)
    _queue_and_print(printer, payload, f"test:{name}", "test", queue_db, printers)


def _when(ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S") if ts else "-"


@printers_group.command("queue")
@click.option("--all", "show_all", is_flag=True, help="Include sent jobs.")
@_config_options
def printers_queue(show_all: bool, printers_config: str | None, queue_db: str) -> None:
    """Show jobs not yet printed (pending, sending, failed) with their last error."""
    if not os.path.exists(queue_db):
        click.echo("print queue is empty")
        return
    queue = PrintQueue(queue_db)
    try:
        statuses = (
            ("pending", "sending", "failed", "sent")
            if show_all
            else ("pending", "sending", "failed")
        )
        jobs = queue.jobs(statuses)
    finally:
        queue.close()
    if not jobs:
        click.echo("print queue is empty")
    for j in jobs:
        click.echo(
            f"{j.id:>6} {j.status:<8} {j.printer:<12} {j.reference:<22} tries={j.attempts} "
            f"next={_when(j.next_attempt_at) if j.status == 'pending' else '-'} "
            f"{j.last_error or ''}".rstrip()
        )


@printers_group.command("retry")
@click.argument("job_id", required=False, type=int)
@_config_options
def printers_retry(job_id: int | None, printers_config: str | None, queue_db: str) -> None:
    """Send waiting and failed jobs now (or only JOB_ID)."""
    printers = _read_printers(printers_config)
    queue = PrintQueue(queue_db)
    try:
        queue.retry(job_id)
        results = queue.drain(printers)
    finally:
        queue.close()
    if not results:
        click.echo("nothing to send")
    for j in results:
        click.echo(f"job {j.id}: {j.status}" + (f" ({j.last_error})" if j.last_error else ""))


@printers_group.command("reprint")
@click.argument("reference")
@click.option("--printer", "printer_name", help="Another printer than the original job's.")
@_config_options
def printers_reprint(
    reference: str, printer_name: str | None, printers_config: str | None, queue_db: str
) -> None:
    """Print the stored label for REFERENCE (an SSCC, LPN, bin code...) again."""
    printers = _read_printers(printers_config)
    queue = PrintQueue(queue_db)
    try:
        try:
            job_id = queue.reprint(reference, printer_name)
        except KeyError as exc:
            raise click.ClickException(str(exc.args[0])) from exc
        queue.drain(printers)
        job = queue.get(job_id)
    finally:
        queue.close()
    said = f"job {job_id}: {job.status}" + (f" ({job.last_error})" if job.last_error else "")
    if job.status != JobStatus.SENT:
        # A script (or a person) must see that the label did not come out: status 1.
        raise click.ClickException(f"{said}; it stays in the queue: `wms-tui printers retry` sends it again")
    click.echo(said)
