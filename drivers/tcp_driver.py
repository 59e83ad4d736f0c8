"""Network scanners and test rigs over TCP.

``connect`` mode dials a scanner that runs a TCP server (the usual setup for
fixed-mount and network scanners); ``listen`` mode accepts one sender at a time
(test rigs, or scanners configured as TCP clients).
"""

from __future__ import annotations

import select
import socket

from drivers.base import Backoff, DeviceUnavailable, DriverStatus, ScannerDriver, Sink
from drivers.framing import SuffixFramer
from drivers.settings import TcpSettings
from drivers.stream import pump


class TcpDriver(ScannerDriver):
    def __init__(
        self,
        settings: TcpSettings,
        sink: Sink,
        *,
        duplicate_window: float = 0.0,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__(
            f"tcp:{settings.host}:{settings.port}",
            sink,
            duplicate_window=duplicate_window,
            backoff=backoff,
        )
        self.settings = settings
        self._sock: socket.socket | None = None
        self._listener: socket.socket | None = None
        self._peer = ""

    def describe(self) -> str:
        s = self.settings
        if s.mode == "listen":
            return f"listening on {s.host}:{s.port}, suffix {s.suffix.value}"
        return f"{s.host}:{s.port}, suffix {s.suffix.value}"

    def _open(self) -> None:
        s = self.settings
        if s.mode == "listen":
            if self._listener is None:
                try:
                    self._listener = socket.create_server((s.host, s.port))
                except OSError as exc:
                    raise DeviceUnavailable(
                        f"cannot listen on {s.host}:{s.port}: {exc.strerror or exc} "
                        "(another program on that port?)"
                    ) from None
                self._listener.setblocking(False)
            return
        try:
            sock = socket.create_connection((s.host, s.port), s.connect_timeout_ms / 1000)
        except OSError as exc:
            raise DeviceUnavailable(
                f"cannot connect to scanner at {s.host}:{s.port}: {exc.strerror or exc} "
                "(is it powered, on the network and in TCP server mode?)",
                DriverStatus.DISCONNECTED,
            ) from None
        sock.setblocking(False)
        self._sock = sock
        self._peer = f"{s.host}:{s.port}"

    def _accept(self) -> bool:
        listener = self._listener
        assert listener is not None
        while not self.stopping:
            ready, _, _ = select.select([listener, self.wakeup.r], [], [])
            if self.wakeup.r in ready:
                self.wakeup.drain()
                continue
            try:
                sock, addr = listener.accept()
            except BlockingIOError:
                continue
            sock.setblocking(False)
            self._sock = sock
            self._peer = f"{addr[0]}:{addr[1]}"
            return True
        return False

    def _read_loop(self) -> None:
        if self._sock is None and not self._accept():
            return
        sock = self._sock
        assert sock is not None
        framer = SuffixFramer(self.settings.suffix)
        pump(
            self,
            sock.fileno(),
            framer,
            self.settings.partial_timeout_ms / 1000,
            f"tcp peer {self._peer}",
            read=sock.recv,
        )

    def _close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()

    def close(self) -> None:
        super().close()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
