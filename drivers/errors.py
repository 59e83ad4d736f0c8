"""Turn OS errors from opening and reading devices into actionable messages."""

from __future__ import annotations

import errno
import getpass

from drivers.base import DeviceUnavailable, DriverStatus

_USER = getpass.getuser()

SERIAL_PERMISSION_HINT = (
    f"add the user to the 'dialout' group (sudo usermod -aG dialout {_USER}, then log in "
    "again) or install the udev rule from docs/scanners.md"
)
INPUT_PERMISSION_HINT = (
    f"add the user to the 'input' group (sudo usermod -aG input {_USER}, then log in again) "
    "or install the udev rule from docs/scanners.md"
)


def open_error(device: str, exc: BaseException, permission_hint: str) -> DeviceUnavailable:
    """Classify a failure to open ``device``."""
    code = getattr(exc, "errno", None)
    if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
        return DeviceUnavailable(
            f"{device} not found (unplugged?); waiting for it to appear",
            DriverStatus.DISCONNECTED,
        )
    if code in (errno.EACCES, errno.EPERM):
        return DeviceUnavailable(f"permission denied opening {device}: {permission_hint}")
    if code in (errno.EBUSY, errno.EAGAIN):
        return DeviceUnavailable(
            f"{device} is busy: another program holds it (a second wms-tui, a serial "
            "console, ModemManager, or a process that grabbed the input device); "
            f"find it with 'fuser -v {device}' and stop it"
        )
    return DeviceUnavailable(f"cannot open {device}: {exc}")


def gone_error(device: str, exc: BaseException | None = None) -> DeviceUnavailable:
    """The device vanished while reading (unplugged, cable, power)."""
    detail = f" ({exc})" if exc is not None else ""
    return DeviceUnavailable(
        f"{device} disconnected{detail}; waiting for it to come back",
        DriverStatus.DISCONNECTED,
    )
