"""Scanner settings as dataclasses, and validation of the ``[scanner]`` TOML table.

``settings_from_mapping`` accepts the parsed table (plain dicts) and raises
``ValueError`` naming the offending key, e.g. ``scanner.serial.baud: expected an
integer, got 'fast'``. Unknown keys are errors, so typos do not pass silently.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from drivers.framing import Suffix

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class InterpretationSettings:
    """How raw scan text is interpreted.

    ``gs_replacement``: characters the scanner sends instead of GS (ASCII 29),
    e.g. ``"|"``; they are turned into GS before GS1 parsing (never in plain text).
    ``require_aim``: refuse scans without an AIM symbology identifier instead of
    guessing from the shape of the data.
    """

    gs_replacement: str = ""
    require_aim: bool = False

    def __post_init__(self) -> None:
        if any(ch.isalnum() for ch in self.gs_replacement):
            raise ValueError(
                f"gs_replacement {self.gs_replacement!r} contains letters or digits, which "
                "occur in GS1 data; use punctuation such as '|' or ']'"
            )


DriverName = Literal["evdev", "serial", "tcp", "wedge", "replay"]
_DRIVERS: tuple[str, ...] = typing.get_args(DriverName)


def _usb_id(value: int | str | None) -> int | None:
    """USB ids as written in lsusb (``"05e0"``, ``"0x05e0"``) or as integers."""
    if value is None or isinstance(value, int):
        result = value
    else:
        try:
            result = int(value, 16)
        except ValueError:
            raise ValueError(f"expected a hexadecimal USB id like '05e0', got {value!r}") from None
    if result is not None and not 0 <= result <= 0xFFFF:
        raise ValueError(f"USB id out of range: {value!r}")
    return result


@dataclass(frozen=True, slots=True)
class TimingSettings:
    """Telling a scanner's keystroke burst from a person typing (evdev and wedge)."""

    max_interkey_ms: float = 35.0  # median gap in a burst; scanners send every 1-15 ms
    max_gap_ms: float = 150.0  # any single gap above this is human
    min_length: int = 3  # shorter bursts are treated as typing
    idle_timeout_ms: float = 300.0  # unterminated burst ends as a partial after this

    def __post_init__(self) -> None:
        if self.max_interkey_ms <= 0 or self.max_gap_ms < self.max_interkey_ms:
            raise ValueError("need 0 < max_interkey_ms <= max_gap_ms")
        if self.min_length < 1 or self.idle_timeout_ms <= 0:
            raise ValueError("min_length must be >= 1 and idle_timeout_ms > 0")


@dataclass(frozen=True, slots=True)
class EvdevSettings:
    path: str | None = None  # /dev/input/by-id/... is stable across re-plugs
    name: str | None = None  # substring of the device name, case-insensitive
    vendor_id: int | None = field(default=None, metadata={"convert": _usb_id})
    product_id: int | None = field(default=None, metadata={"convert": _usb_id})
    layout: Literal["us", "de"] = "us"
    grab: bool = True
    timing: TimingSettings = field(default_factory=TimingSettings)

    def __post_init__(self) -> None:
        if not (self.path or self.name or self.vendor_id is not None):
            raise ValueError("give path, name or vendor_id to select the scanner device")
        if self.product_id is not None and self.vendor_id is None:
            raise ValueError("product_id needs vendor_id")


@dataclass(frozen=True, slots=True)
class SerialSettings:
    port: str | None = None  # /dev/serial/by-id/... is stable across re-plugs
    vendor_id: int | None = field(default=None, metadata={"convert": _usb_id})
    product_id: int | None = field(default=None, metadata={"convert": _usb_id})
    serial_number: str | None = None
    baud: int = 9600
    bytesize: Literal[5, 6, 7, 8] = 8
    parity: Literal["N", "E", "O", "M", "S"] = "N"
    stopbits: Literal[1, 1.5, 2] = 1
    rtscts: bool = False
    suffix: Suffix = Suffix.CR
    partial_timeout_ms: float = 200.0  # quiet time after which unterminated bytes are a partial
    exclusive: bool = True  # lock the port so no other program reads our scans

    def __post_init__(self) -> None:
        if not (self.port or self.vendor_id is not None or self.serial_number):
            raise ValueError("give port, or vendor_id/product_id/serial_number to find the port")
        if self.baud <= 0:
            raise ValueError(f"baud must be positive, got {self.baud}")
        if self.partial_timeout_ms <= 0:
            raise ValueError("partial_timeout_ms must be positive")


@dataclass(frozen=True, slots=True)
class TcpSettings:
    host: str = "127.0.0.1"
    port: int = 0
    mode: Literal["connect", "listen"] = "connect"  # connect to a scanner, or accept a rig
    suffix: Suffix = Suffix.CR
    partial_timeout_ms: float = 200.0
    connect_timeout_ms: float = 3000.0

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ValueError(f"port must be 1..65535, got {self.port}")


@dataclass(frozen=True, slots=True)
class ReplaySettings:
    path: str = ""
    interval_ms: float = 0.0  # pause between scans, for demos
    loop: bool = False

    def __post_init__(self) -> None:
        if not self.path:
            raise ValueError("path is required")
        if self.interval_ms < 0:
            raise ValueError("interval_ms must be >= 0")


@dataclass(frozen=True, slots=True)
class ReconnectSettings:
    initial_ms: float = 250.0
    max_ms: float = 10000.0

    def __post_init__(self) -> None:
        if not 0 < self.initial_ms <= self.max_ms:
            raise ValueError("need 0 < initial_ms <= max_ms")


@dataclass(frozen=True, slots=True)
class ScannerSettings:
    """The whole ``[scanner]`` table. Only the selected driver's section is required."""

    driver: DriverName = "wedge"
    duplicate_window_ms: float = 800.0
    interpretation: InterpretationSettings = field(default_factory=InterpretationSettings)
    reconnect: ReconnectSettings = field(default_factory=ReconnectSettings)
    wedge: TimingSettings = field(default_factory=TimingSettings)
    evdev: EvdevSettings | None = None
    serial: SerialSettings | None = None
    tcp: TcpSettings | None = None
    replay: ReplaySettings | None = None

    def __post_init__(self) -> None:
        if self.driver not in _DRIVERS:
            raise ValueError(f"driver must be one of {', '.join(_DRIVERS)}")
        if self.driver != "wedge" and getattr(self, self.driver) is None:
            raise ValueError(
                f"driver is {self.driver!r} but there is no [scanner.{self.driver}] section"
            )
        if self.duplicate_window_ms < 0:
            raise ValueError("duplicate_window_ms must be >= 0")


def settings_from_mapping(mapping: Mapping[str, Any], prefix: str = "scanner") -> ScannerSettings:
    """Build :class:`ScannerSettings` from the parsed ``[scanner]`` table."""
    return _build(ScannerSettings, mapping, prefix)


def _build(cls: type[_T], mapping: Any, where: str) -> _T:
    if not isinstance(mapping, Mapping):
        raise ValueError(f"{where}: expected a table, got {type(mapping).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(mapping) - set(fields))
    if unknown:
        raise ValueError(
            f"{where}.{unknown[0]}: unknown key; expected one of {', '.join(sorted(fields))}"
        )
    kwargs = {}
    for name, value in mapping.items():
        key = f"{where}.{name}"
        convert = fields[name].metadata.get("convert")
        try:
            kwargs[name] = convert(value) if convert else _coerce(hints[name], value, key)
        except ValueError as exc:
            if str(exc).startswith(f"{key}"):
                raise
            raise ValueError(f"{key}: {exc}") from None
    try:
        return cls(**kwargs)
    except ValueError as exc:
        if str(exc).startswith(where):
            raise
        raise ValueError(f"{where}: {exc}") from None


def _coerce(hint: Any, value: Any, key: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        if value is None:
            return None
        return _coerce(options[0], value, key)
    if origin is Literal:
        allowed = typing.get_args(hint)
        for option in allowed:
            if (
                value == option
                and type(value) is type(option)
                or (isinstance(option, float) and isinstance(value, int) and value == option)
            ):
                return option
        if isinstance(value, str):
            for option in allowed:
                if isinstance(option, str) and option.lower() == value.lower():
                    return option
        raise ValueError(f"expected one of {', '.join(repr(a) for a in allowed)}, got {value!r}")
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, key)
    if isinstance(hint, type) and issubclass(hint, Suffix):
        try:
            return Suffix(str(value).upper())
        except ValueError:
            raise ValueError(f"expected one of CR, LF, CRLF, got {value!r}") from None
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise ValueError(f"expected true or false, got {value!r}")
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ValueError(f"expected an integer, got {value!r}")
    if hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise ValueError(f"expected a number, got {value!r}")
    if hint is str:
        if isinstance(value, str):
            return value
        raise ValueError(f"expected a string, got {value!r}")
    raise TypeError(f"{key}: unsupported setting type {hint!r}")  # a bug in this module
