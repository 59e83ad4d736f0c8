"""`wms-tui console --serve`: the console's page is served on the given port (textual-serve)."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("textual_serve")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_console_serve_answers_with_the_app_page(runtime, tmp_path):
    config = next(Path(runtime.engine.url.database).parent.glob("*.toml"))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "wms_tui", "--config", str(config), "console", "--serve", "--port", str(port)],
        cwd=tmp_path, env={**os.environ}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    page = response.read().decode()
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "the console was not served within 30 s"
                time.sleep(0.2)
        assert "wms-tui console" in page and f"ws://127.0.0.1:{port}/ws" in page
    finally:
        server.terminate()
        server.wait(10)
