"""What is attached: input devices (evdev) and serial ports, and whether we can use them."""

from __future__ import annotations

import os
from dataclasses import dataclass

from serial.tools import list_ports

from drivers.errors import INPUT_PERMISSION_HINT, SERIAL_PERMISSION_HINT


@dataclass(frozen=True, slots=True)
class SerialPortInfo:
    device: str
    description: str
    vendor_id: int | None
    product_id: int | None
    serial_number: str | None
    usable: bool
    problem: str | None


@dataclass(frozen=True, slots=True)
class InputDeviceInfo:
    path: str
    name: str
    vendor_id: int
    product_id: int
    phys: str
    has_keys: bool
    usable: bool
    problem: str | None


def _access_problem(path: str, hint: str) -> str | None:
    if os.access(path, os.R_OK | os.W_OK):
        return None
    return f"no read/write permission on {path}: {hint}"


def list_serial_ports() -> list[SerialPortInfo]:
    ports = []
    for port in sorted(list_ports.comports(), key=lambda p: p.device):
        problem = _access_problem(port.device, SERIAL_PERMISSION_HINT)
        ports.append(
            SerialPortInfo(
                device=port.device,
                description=port.description or "",
                vendor_id=port.vid,
                product_id=port.pid,
                serial_number=port.serial_number,
                usable=problem is None,
                problem=problem,
            )
        )
    return ports


def find_serial_port(
    vendor_id: int | None, product_id: int | None, serial_number: str | None
) -> str | None:
    """The device path of the first USB serial port matching every given id."""
    for port in list_ports.comports():
        if vendor_id is not None and port.vid != vendor_id:
            continue
        if product_id is not None and port.pid != product_id:
            continue
        if serial_number is not None and port.serial_number != serial_number:
            continue
        return str(port.device)
    return None


def list_input_devices() -> list[InputDeviceInfo]:
    """Every /dev/input/event* device; empty when there are none or evdev is missing."""
    try:
        import evdev
    except ImportError:  # not Linux
        return []
    devices = []
    for path in sorted(evdev.list_devices()):
        try:
            device = evdev.InputDevice(path)
        except OSError as exc:
            devices.append(
                InputDeviceInfo(path, "?", 0, 0, "", False, False, _open_problem(path, exc))
            )
            continue
        try:
            keys = device.capabilities().get(evdev.ecodes.EV_KEY, [])
            has_keys = evdev.ecodes.KEY_ENTER in keys or evdev.ecodes.KEY_KPENTER in keys
            devices.append(
                InputDeviceInfo(
                    path=path,
                    name=device.name,
                    vendor_id=device.info.vendor,
                    product_id=device.info.product,
                    phys=device.phys or "",
                    has_keys=has_keys,
                    usable=has_keys,
                    problem=None if has_keys else "not a keyboard-like device (no Enter key)",
                )
            )
        finally:
            device.close()
    return devices


def _open_problem(path: str, exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return f"permission denied on {path}: {INPUT_PERMISSION_HINT}"
    return f"cannot open {path}: {exc}"
