"""A loopback TCP proxy that breaks connections on purpose, for the sync tests and `bench sync`'s
fault run: drop the request half-way, drop the response after the server answered (it
committed), delay, or reset. Every request meets `mode`, or with `odds` set each draws its own
fault (mode -> chance per request; the rest pass)."""

from __future__ import annotations

import random
import socket
import struct
import threading
import time
from collections import Counter


class FaultProxy:
    MODES = ("pass", "drop_request", "drop_response", "delay", "reset")

    def __init__(self, target_port: int, delay_s: float = 0.3, *, seed: int = 0) -> None:
        self.target_port = target_port
        self.delay_s = delay_s
        self.mode = "pass"
        self.odds: dict[str, float] = {}
        self.injected: Counter[str] = Counter()  # the faults met so far, by mode
        self._draws = random.Random(seed)
        self._drawing = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def heal(self) -> None:
        """Every request passes from now on."""
        with self._drawing:
            self.mode, self.odds = "pass", {}

    def _next_mode(self) -> str:
        with self._drawing:
            mode = self.mode
            if self.odds:
                draw = self._draws.random()
                for fault, chance in self.odds.items():
                    if draw < chance:
                        mode = fault
                        break
                    draw -= chance
            if mode != "pass":
                self.injected[mode] += 1
            return mode

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        # Requests on one connection pass one after another, as on a real network path: closing
        # after one answer would race the client reusing its kept-alive connection.
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        try:
            while request := self._read_request(client):
                mode = self._next_mode()
                if mode == "drop_request":
                    upstream.sendall(request[: len(request) // 2])
                    return
                if mode == "reset":
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                if mode == "delay":
                    time.sleep(self.delay_s)
                upstream.sendall(request)
                response = self._read_response(upstream)
                if mode == "drop_response":
                    return  # the server has answered, so it committed: the terminal never hears it
                client.sendall(response)
        except OSError:
            pass
        finally:
            client.close()
            upstream.close()

    @staticmethod
    def _read_message(sock: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        return head + b"\r\n\r\n" + body

    _read_request = _read_message
    _read_response = _read_message

    def close(self) -> None:
        self.listener.close()
