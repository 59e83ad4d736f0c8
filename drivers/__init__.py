"""Barcode scanner drivers: evdev HID, serial, TCP, in-app keyboard wedge, replay.

A reusable library: nothing here imports ``wms_tui``. Typical use::

    settings = settings_from_mapping(config["scanner"])
    driver = create_driver(settings, sink)   # sink(event) is called on the driver thread
    driver.start(); ...; driver.stop()

Each event is a :class:`Scan` (``scan.interpret(settings.interpretation)`` gives
its meaning), a :class:`StatusChange` or a :class:`ScanProblem`.
"""

from __future__ import annotations

from drivers.base import (
    AsyncEventQueue,
    Backoff,
    Deduplicator,
    DeviceUnavailable,
    DriverEvent,
    DriverStatus,
    EventQueue,
    ScannerDriver,
    ScanProblem,
    Sink,
    StatusChange,
)
from drivers.framing import FrameOverflow, Suffix, SuffixFramer
from drivers.scan import (
    GS,
    Element,
    Interpretation,
    InterpretationSettings,
    Scan,
    ScanKind,
    interpret,
)
from drivers.settings import (
    EvdevSettings,
    ReconnectSettings,
    ReplaySettings,
    ScannerSettings,
    SerialSettings,
    TcpSettings,
    TimingSettings,
    settings_from_mapping,
)

__all__ = [
    "GS",
    "AsyncEventQueue",
    "Backoff",
    "Deduplicator",
    "DeviceUnavailable",
    "DriverEvent",
    "DriverStatus",
    "Element",
    "EvdevSettings",
    "EventQueue",
    "FrameOverflow",
    "Interpretation",
    "InterpretationSettings",
    "ReconnectSettings",
    "ReplaySettings",
    "Scan",
    "ScanKind",
    "ScanProblem",
    "ScannerDriver",
    "ScannerSettings",
    "SerialSettings",
    "Sink",
    "StatusChange",
    "Suffix",
    "SuffixFramer",
    "TcpSettings",
    "TimingSettings",
    "create_driver",
    "interpret",
    "settings_from_mapping",
]


def create_driver(settings: ScannerSettings, sink: Sink) -> ScannerDriver:
    """The adapter selected by ``settings.driver`` (not ``wedge``: that one lives in the UI)."""
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
