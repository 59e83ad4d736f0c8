"""`wms-tui scanners list|test`: what is attached, and what a scanner really sends."""

from __future__ import annotations

import json
import time
from typing import Any

import click

from drivers import (
    EventQueue,
    InterpretationSettings,
    Scan,
    ScannerDriver,
    ScanProblem,
    StatusChange,
    Suffix,
)
from drivers.discovery import list_input_devices, list_serial_ports
from drivers.replay import read_capture
from drivers.scan import show_control


@click.group("scanners")
def scanners_group() -> None:
    """Barcode scanner diagnostics."""


@scanners_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per device.")
def list_command(as_json: bool) -> None:
    """Show attached input devices and serial ports, and whether they are usable."""
    inputs = list_input_devices()
    ports = list_serial_ports()
    if as_json:
        for d in inputs:
            click.echo(json.dumps({"type": "evdev", **_asdict(d)}))
        for p in ports:
            click.echo(json.dumps({"type": "serial", **_asdict(p)}))
        return
    click.echo("Input devices (evdev; keyboard-wedge scanners):")
    if not inputs:
        click.echo("  none found (no /dev/input/event*, or not readable)")
    for d in inputs:
        state = "usable" if d.usable else d.problem
        click.echo(f"  {d.path}  {d.vendor_id:04x}:{d.product_id:04x}  {d.name!r}  [{state}]")
    click.echo("Serial ports:")
    if not ports:
        click.echo("  none found")
    for p in ports:
        ids = f"{p.vendor_id:04x}:{p.product_id:04x}" if p.vendor_id is not None else "-"
        serial_no = f" serial={p.serial_number}" if p.serial_number else ""
        state = "usable" if p.usable else p.problem
        click.echo(f"  {p.device}  {ids}{serial_no}  {p.description}  [{state}]")


def _asdict(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__slots__}


def scan_record(scan: Scan, settings: InterpretationSettings) -> dict[str, Any]:
    """The JSON object printed per scan by `scanners test --json`."""
    result = scan.interpret(settings)
    return {
        "raw": scan.raw.decode("utf-8", "backslashreplace"),
        "symbology": scan.symbology,
        "kind": result.kind.value,
        "gtin": result.gtin,
        "sscc": result.sscc,
        "ais": {e.ai: e.value for e in result.elements},
        "elements": [e.to_json() for e in result.elements],
        "error": result.reason,
    }


def _describe(scan: Scan, settings: InterpretationSettings) -> str:
    result = scan.interpret(settings)
    symbology = scan.symbology_name or "no AIM id"
    line = f"{show_control(scan.text)!s}  [{symbology}]  {result.kind.value}"
    if result.reason:
        return f"{line}: {result.reason}"
    details = []
    if result.gtin:
        details.append(f"GTIN {result.gtin}")
    if result.sscc:
        details.append(f"SSCC {result.sscc}")
    for e in result.elements:
        if e.ai in ("00", "01", "02"):
            continue
        typed = (
            e.date.isoformat() if e.date else (str(e.decimal) if e.decimal is not None else e.value)
        )
        details.append(f"({e.ai}) {e.title}={typed}")
    return f"{line}  {'; '.join(details)}" if details else line


@scanners_group.command("test")
@click.option("--device", help="evdev device: path, name substring, or VID:PID (hex).")
@click.option("--layout", type=click.Choice(["us", "de"]), default="us", show_default=True)
@click.option("--serial", "serial_port", help="Serial port path.")
@click.option("--baud", type=int, default=9600, show_default=True)
@click.option(
    "--suffix",
    type=click.Choice([s.value for s in Suffix]),
    default="CR",
    show_default=True,
    help="Frame suffix for serial and TCP.",
)
@click.option("--tcp", "tcp_addr", help="HOST:PORT of a network scanner (we connect).")
@click.option(
    "--replay",
    "replay_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Capture file: one scan per line, GS written as \\x1d.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per scan.")
@click.option("--count", type=int, default=0, help="Stop after N scans (0: no limit).")
@click.option("--timeout", type=float, default=0.0, help="Stop after S seconds (0: no limit).")
@click.option("--gs-replacement", default="", help="Characters the scanner sends for GS.")
@click.option("--require-aim", is_flag=True, help="Refuse scans without an AIM identifier.")
def test_command(
    device: str | None,
    layout: str,
    serial_port: str | None,
    baud: int,
    suffix: str,
    tcp_addr: str | None,
    replay_file: str | None,
    as_json: bool,
    count: int,
    timeout: float,
    gs_replacement: str,
    require_aim: bool,
) -> None:
    """Print each scan with its symbology and interpretation, then timing statistics."""
    try:
        settings = InterpretationSettings(gs_replacement=gs_replacement, require_aim=require_aim)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--gs-replacement") from None
    chosen = [o for o in (device, serial_port, tcp_addr, replay_file) if o]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --device, --serial, --tcp, --replay")

    def emit(scan: Scan) -> None:
        click.echo(
            json.dumps(scan_record(scan, settings)) if as_json else _describe(scan, settings)
        )

    if replay_file:
        try:
            for n, scan in enumerate(read_capture(replay_file), 1):
                emit(scan)
                if count and n >= count:
                    break
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        return
    driver = _make_driver(device, layout, serial_port, baud, Suffix(suffix), tcp_addr)
    _run_driver(driver, emit, as_json, count, timeout)


def _make_driver(
    device: str | None,
    layout: str,
    serial_port: str | None,
    baud: int,
    suffix: Suffix,
    tcp_addr: str | None,
) -> tuple[ScannerDriver, EventQueue]:
    from drivers import Backoff, SerialSettings, TcpSettings

    events = EventQueue()
    backoff = Backoff(0.5, 5.0)
    try:
        if serial_port:
            from drivers.serial_driver import SerialDriver

            return SerialDriver(
                SerialSettings(port=serial_port, baud=baud, suffix=suffix), events, backoff=backoff
            ), events
        if tcp_addr:
            from drivers.tcp_driver import TcpDriver

            host, _, port = tcp_addr.rpartition(":")
            if not host or not port.isdigit():
                raise click.BadParameter("expected HOST:PORT", param_hint="--tcp")
            return TcpDriver(
                TcpSettings(host=host, port=int(port), suffix=suffix), events, backoff=backoff
            ), events
        from drivers.evdev_driver import EvdevDriver

        assert device is not None
        return EvdevDriver(_evdev_settings(device, layout), events, backoff=backoff), events
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def _evdev_settings(device: str, layout: str) -> Any:
    from drivers import EvdevSettings

    layout_value: Any = layout
    if device.startswith("/"):
        return EvdevSettings(path=device, layout=layout_value)
    vid, sep, pid = device.partition(":")
    if sep and len(vid) == 4 and len(pid) == 4:
        try:
            return EvdevSettings(
                vendor_id=int(vid, 16), product_id=int(pid, 16), layout=layout_value
            )
        except ValueError:
            pass
    return EvdevSettings(name=device, layout=layout_value)


def _run_driver(
    made: tuple[ScannerDriver, EventQueue],
    emit: Any,
    as_json: bool,
    count: int,
    timeout: float,
) -> None:
    driver, events = made
    deadline = time.monotonic() + timeout if timeout else None
    received: list[Scan] = []
    problems = 0
    driver.start()
    try:
        while not (count and len(received) >= count):
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                break
            event = events.get(timeout=wait if wait is not None else 0.5)
            if isinstance(event, Scan):
                received.append(event)
                emit(event)
            elif isinstance(event, StatusChange):
                click.echo(f"[{event.status.value}] {event.message}", err=True)
            elif isinstance(event, ScanProblem):
                problems += 1
                if as_json:
                    click.echo(
                        json.dumps(
                            {
                                "problem": event.kind,
                                "message": event.message,
                                "raw": event.raw.decode("utf-8", "backslashreplace"),
                            }
                        )
                    )
                else:
                    click.echo(
                        f"! {event.kind}: {event.message} ({show_control(event.raw.decode('utf-8', 'replace'))})"
                    )
    except KeyboardInterrupt:
        pass
    finally:
        driver.close()
    stats: dict[str, Any] = {
        "scans": len(received),
        "problems": problems,
        "duplicates_dropped": driver.dedupe.dropped,
    }
    gaps = [b.monotonic - a.monotonic for a, b in zip(received, received[1:], strict=False)]
    if gaps:
        stats["between_scans_median_ms"] = round(sorted(gaps)[len(gaps) // 2] * 1000, 1)
    key_stats = getattr(driver, "stats", None)
    if key_stats is not None:
        stats.update(key_stats.summary())
    click.echo(
        json.dumps({"timing": stats}) if as_json else f"timing: {json.dumps(stats)}",
        err=not as_json,
    )
