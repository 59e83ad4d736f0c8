"""Barcode scanner drivers: evdev HID, serial, TCP, in-app keyboard wedge, replay.

A reusable library: nothing here imports ``wms_tui``. Typical use::

    settings = settings_from_mapping(config["scanner"])
    driver = create_driver(settings, sink)   # sink(event) is called on the driver thread
    driver.start(); ...; driver.stop()

Each event is a :class:`Scan` (``scan.interpret(settings.interpretation)`` gives
its meaning), a :class:`StatusChange` or a :class:`ScanProblem`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drivers.base import ScannerDriver, Sink
    from drivers.settings import ScannerSettings

# Each name and its module, imported when first used: reading [scanner] settings (every
# program's start) should not load the GS1 parser or the device adapters.
_EXPORTS = {
    **dict.fromkeys(
        ("AsyncEventQueue", "Backoff", "Deduplicator", "DeviceUnavailable", "DriverEvent", "DriverStatus", "EventQueue",
         "ScannerDriver", "ScanProblem", "Sink", "StatusChange"),
        "drivers.base",
    ),
    **dict.fromkeys(("FrameOverflow", "Suffix", "SuffixFramer"), "drivers.framing"),
    **dict.fromkeys(("GS", "Element", "Interpretation", "Scan", "ScanKind", "interpret"), "drivers.scan"),
    **dict.fromkeys(
        ("EvdevSettings", "InterpretationSettings", "ReconnectSettings", "ReplaySettings", "ScannerSettings",
         "SerialSettings", "TcpSettings", "TimingSettings", "settings_from_mapping"),
        "drivers.settings",
    ),
}

__all__ = sorted([*_EXPORTS, "create_driver"])


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'drivers' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def create_driver(settings: ScannerSettings, sink: Sink) -> ScannerDriver:
    """The adapter selected by ``settings.driver`` (not ``wedge``: that one lives in the UI)."""
    from drivers.base import Backoff

    common = {
        "duplicate_window": settings.duplicate_window_ms / 1000,
        "backoff": Backoff(settings.reconnect.initial_ms / 1000, settings.reconnect.max_ms / 1000),
    }
    if settings.driver == "serial" and settings.serial is not None:
        from drivers.serial_driver import SerialDriver

        return SerialDriver(settings.serial, sink, **common)
    if settings.driver == "evdev" and settings.evdev is not None:
        from drivers.evdev_driver import EvdevDriver

        return EvdevDriver(settings.evdev, sink, **common)
    if settings.driver == "tcp" and settings.tcp is not None:
        from drivers.tcp_driver import TcpDriver

        return TcpDriver(settings.tcp, sink, **common)
    if settings.driver == "replay" and settings.replay is not None:
        from drivers.replay import ReplayDriver

        return ReplayDriver(settings.replay, sink, **common)
    raise ValueError(
        f"scanner.driver {settings.driver!r} has no background driver; "
        "use drivers.wedge.Wedge from the UI"
    )
