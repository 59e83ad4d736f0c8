"""`wms-tui console --serve`: the console's page is served on the given port (textual-serve),
and a real headless browser (Debian's chromium) runs the console in it."""

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.console.browser import Chromium, find_chromium

pytest.importorskip("textual_serve")

ESCAPES = re.compile(r"\x1b\[[0-9;?<>=]*[A-Za-z~]|\x1b[()][A-Z0-9]|\x1b[=>]")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served(runtime, folder: Path):
    """`wms-tui console --serve` on a free port of 127.0.0.1; yields (port, the page's HTML)."""
    config = next(Path(runtime.engine.url.database).parent.glob("*.toml"))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "wms_tui", "--config", str(config), "console", "--serve", "--port", str(port)],
        cwd=folder, env={**os.environ}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
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
        yield port, page
    finally:
        server.terminate()
        server.wait(10)


def test_console_serve_answers_with_the_app_page(runtime, tmp_path):
    with served(runtime, tmp_path) as (port, page):
        assert "wms-tui console" in page and f"ws://127.0.0.1:{port}/ws" in page


def test_console_serve_runs_the_console_in_chromium(runtime, tmp_path):
    executable = find_chromium()
    if executable is None:
        pytest.skip("chromium is not installed and could not be (scripts/bootstrap --tests installs it)")
    screenshot = tmp_path / "console-in-chromium.png"

    async def browse(port: int) -> str:
        browser = Chromium(executable, tmp_path / "chromium-profile")
        try:
            page = await browser.open(f"http://127.0.0.1:{port}/")
            # textual-serve marks the body once the console's first byte arrives over the websocket.
            await page.wait_for("document.body.classList.contains('-first-byte')", timeout=60)
            await page.wait_for("window.__terminalText.includes('Who holds which task')", timeout=60)
            await asyncio.sleep(1)  # the page draws what it was sent
            await page.screenshot(screenshot)
            return ESCAPES.sub("", await page.evaluate("window.__terminalText"))
        finally:
            await browser.close()

    with served(runtime, tmp_path) as (port, _page):
        text = asyncio.run(browse(port))
    assert "Dashboard" in text and "Orders by status" in text and "F8 People" in text
    assert screenshot.stat().st_size > 10_000  # kept beside the test's other files
