"""Serial scanners (RS-232, USB CDC-ACM, USB-serial) through pyserial."""

from __future__ import annotations

import serial

from drivers.base import Backoff, DeviceUnavailable, DriverStatus, ScannerDriver, Sink
from drivers.discovery import find_serial_port
from drivers.errors import SERIAL_PERMISSION_HINT, open_error
from drivers.framing import SuffixFramer
from drivers.settings import SerialSettings
from drivers.stream import pump


class SerialDriver(ScannerDriver):
    """Reads frames split on the configured suffix; survives unplug and re-plug.

    The port is looked up again on every reconnect, so a scanner that comes
    back as /dev/ttyACM1 instead of /dev/ttyACM0 is found by its USB ids.
    """

    def __init__(
        self,
        settings: SerialSettings,
        sink: Sink,
        *,
        duplicate_window: float = 0.0,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__(
            f"serial:{settings.port or _usb_label(settings)}",
            sink,
            duplicate_window=duplicate_window,
            backoff=backoff,
        )
        self.settings = settings
        self._port: serial.Serial | None = None
        self._device = settings.port or ""

    def describe(self) -> str:
        s = self.settings
        return (
            f"{self._device} {s.baud} {s.bytesize}{s.parity}{s.stopbits}, suffix {s.suffix.value}"
        )

    def _resolve(self) -> str:
        s = self.settings
        if s.port:
            return s.port
        device = find_serial_port(s.vendor_id, s.product_id, s.serial_number)
        if device is None:
            raise DeviceUnavailable(
                f"no serial port with {_usb_label(s)} is attached (unplugged?); "
                "waiting for it to appear ('wms-tui scanners list' shows what is attached)",
                DriverStatus.DISCONNECTED,
            )
        return device

    def _open(self) -> None:
        s = self.settings
        self._device = self._resolve()
        port = serial.Serial()
        port.port = self._device
        try:
            port.baudrate = s.baud
            port.bytesize = s.bytesize
            port.parity = s.parity
            port.stopbits = s.stopbits
            port.rtscts = s.rtscts
            port.exclusive = s.exclusive
            port.timeout = 0
            port.open()
        except ValueError as exc:
            raise DeviceUnavailable(f"invalid serial settings for {self._device}: {exc}") from None
        except (serial.SerialException, OSError) as exc:
            # pyserial keeps the OS errno (EAGAIN for a port locked by another program).
            raise open_error(self._device, exc, SERIAL_PERMISSION_HINT) from None
        self._port = port

    def _read_loop(self) -> None:
        assert self._port is not None
        framer = SuffixFramer(self.settings.suffix)
        fd = self._port.fileno()
        pump(self, fd, framer, self.settings.partial_timeout_ms / 1000, self._device)

    def _close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass  # the device is already gone; the fd is released either way


def _usb_label(s: SerialSettings) -> str:
    parts = []
    if s.vendor_id is not None:
        parts.append(f"vid={s.vendor_id:04x}")
    if s.product_id is not None:
        parts.append(f"pid={s.product_id:04x}")
    if s.serial_number:
        parts.append(f"serial={s.serial_number}")
    return ",".join(parts)
