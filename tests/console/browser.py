"""A real headless browser for the served console: Debian's `chromium`, driven over the Chrome
DevTools Protocol with aiohttp's websocket client (aiohttp comes with textual-serve), so no
browser-automation package is needed."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import shutil
import subprocess
import time
from pathlib import Path

import aiohttp

BROWSERS = ("chromium", "chromium-browser")

# The page draws the terminal on a canvas (no text in the DOM), so the text the console sends
# the page over its websocket is kept in window.__terminalText as it arrives.
KEEP_WEBSOCKET_TEXT = """
(() => {
  const Native = window.WebSocket;
  const decoder = new TextDecoder();
  window.__terminalText = "";
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        if (event.data instanceof ArrayBuffer) {
          window.__terminalText += decoder.decode(event.data, {stream: true});
        }
      });
    }
  };
})();
"""


def find_chromium() -> str | None:
    return next((path for path in map(shutil.which, BROWSERS) if path), None)


class Page:
    """One browser tab: navigate, evaluate JavaScript, take a screenshot."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self.ids = itertools.count(1)

    async def call(self, method: str, **params) -> dict:
        number = next(self.ids)
        await self.socket.send_json({"id": number, "method": method, "params": params})
        while True:
            message = json.loads((await self.socket.receive(timeout=30)).data)
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    async def evaluate(self, expression: str):
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not await self.evaluate(expression):
            if time.monotonic() > deadline:
                raise AssertionError(f"the page never met {expression!r} within {timeout:.0f} s")
            await asyncio.sleep(0.2)

    async def screenshot(self, path: Path) -> Path:
        shot = await self.call("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


class Chromium:
    """`chromium --headless` with its DevTools port; `open(url)` gives the page."""

    def __init__(self, executable: str, profile: Path, size: tuple[int, int] = (1280, 800)) -> None:
        self.profile = profile
        self.process = subprocess.Popen(
            [executable, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
             f"--user-data-dir={profile}", "--remote-debugging-port=0", f"--window-size={size[0]},{size[1]}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        self.session: aiohttp.ClientSession | None = None

    def port(self, timeout: float = 30) -> int:
        marker = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while not marker.exists() or not marker.read_text().strip():
            if self.process.poll() is not None:
                raise RuntimeError(f"chromium stopped: {self.process.stderr.read().decode()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.1)
        return int(marker.read_text().split()[0])

    async def open(self, url: str) -> Page:
        self.session = aiohttp.ClientSession()
        port = self.port()
        async with self.session.get(f"http://127.0.0.1:{port}/json/list") as response:
            target = next(t for t in await response.json() if t["type"] == "page")
        page = Page(await self.session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0))
        await page.call("Page.enable")
        await page.call("Page.addScriptToEvaluateOnNewDocument", source=KEEP_WEBSOCKET_TEXT)
        await page.call("Page.navigate", url=url)
        return page

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
