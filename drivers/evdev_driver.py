"""HID keyboard-wedge scanners read directly from /dev/input (Linux evdev).

The device is grabbed (EVIOCGRAB) so scans never reach the console or another
application. Decoding is separate from the device: :class:`KeyDecoder` turns a
stream of ``evdev.InputEvent`` (kernel timestamps included) into scans, typed
text and problems, which is what the tests feed it.
"""

from __future__ import annotations

import errno
import select
import time
from collections.abc import Iterable
from dataclasses import dataclass

import evdev
from evdev import ecodes

from drivers.base import Backoff, DeviceUnavailable, DriverStatus, ScannerDriver, Sink
from drivers.errors import INPUT_PERMISSION_HINT, gone_error, open_error
from drivers.keymaps import LAYOUTS, Keymap, control_char
from drivers.scan import Scan
from drivers.settings import EvdevSettings, TimingSettings
from drivers.timing import Burst, TimingStats, is_scanner_paced, judge_line

_KEY_UP, _KEY_DOWN = 0, 1  # value 2 is autorepeat: ignored, a scanner never holds a key
_TERMINATORS = frozenset({ecodes.KEY_ENTER, ecodes.KEY_KPENTER, ecodes.KEY_TAB})
_SHIFT = frozenset({ecodes.KEY_LEFTSHIFT, ecodes.KEY_RIGHTSHIFT})
_CTRL = frozenset({ecodes.KEY_LEFTCTRL, ecodes.KEY_RIGHTCTRL})
_KEYPAD_DIGITS = {getattr(ecodes, f"KEY_KP{d}"): str(d) for d in range(10)}


@dataclass(frozen=True, slots=True)
class Decoded:
    """What a line of keystrokes turned out to be."""

    kind: str  # "scan", "typed", "partial", "dropped"
    text: str
    burst: Burst | None = None
    message: str = ""


class KeyDecoder:
    """Key-down events -> text, with modifiers, layouts, Alt+keypad codes and timing."""

    def __init__(self, layout: str = "us", timing: TimingSettings | None = None) -> None:
        try:
            self.keymap: Keymap = LAYOUTS[layout]
        except KeyError:
            raise ValueError(f"unknown layout {layout!r}; known: {', '.join(LAYOUTS)}") from None
        self.timing = timing or TimingSettings()
        self._held: set[int] = set()
        self._alt_digits = ""
        self._reset_line()

    def _reset_line(self) -> None:
        self._chars: list[str] = []
        self._times: list[float] = []
        self._bad: list[str] = []

    @property
    def pending(self) -> bool:
        return bool(self._chars or self._bad)

    @property
    def last_key_time(self) -> float | None:
        return self._times[-1] if self._times else None

    def feed_all(self, events: Iterable[evdev.InputEvent]) -> list[Decoded]:
        out: list[Decoded] = []
        for event in events:
            out.extend(self.feed(event))
        return out

    def feed(self, event: evdev.InputEvent) -> list[Decoded]:
        if event.type == ecodes.EV_SYN and event.code == ecodes.SYN_DROPPED:
            # The kernel buffer overflowed: keys are missing, so the line is garbage.
            text = "".join(self._chars)
            self._reset_line()
            self._held.clear()
            return [Decoded("dropped", text, message="the kernel dropped input events; rescan")]
        if event.type != ecodes.EV_KEY:
            return []
        code, value = event.code, event.value
        if value == _KEY_UP:
            self._held.discard(code)
            if code in (ecodes.KEY_LEFTALT, ecodes.KEY_RIGHTALT) and self._alt_digits:
                # Alt+keypad decimal code (scanner "ALT mode"), e.g. Alt+0029 for GS.
                number, self._alt_digits = int(self._alt_digits), ""
                if number < 256:
                    self._add(chr(number), event.timestamp())
                else:
                    self._bad.append(f"Alt+{number}")
            return []
        if value != _KEY_DOWN:
            return []
        now = event.timestamp()
        if code in _TERMINATORS:
            return self._end_line(now)
        self._held.add(code)
        if self._held & {ecodes.KEY_LEFTALT} and code in _KEYPAD_DIGITS:
            self._alt_digits += _KEYPAD_DIGITS[code]
            return []
        char = self._char(code)
        if char is not None:
            self._add(char, now)
        elif not self._is_modifier(code):
            self._bad.append(str(ecodes.KEY.get(code, code)))
        return []

    def _char(self, code: int) -> str | None:
        held = self._held
        if held & _CTRL:
            return control_char(self.keymap, code)
        altgr = ecodes.KEY_RIGHTALT in held
        return self.keymap.char(code, bool(held & _SHIFT), altgr)

    @staticmethod
    def _is_modifier(code: int) -> bool:
        return (
            code in _SHIFT
            or code in _CTRL
            or code
            in (
                ecodes.KEY_LEFTALT,
                ecodes.KEY_RIGHTALT,
                ecodes.KEY_CAPSLOCK,
                ecodes.KEY_NUMLOCK,
            )
        )

    def _add(self, char: str, when: float) -> None:
        self._chars.append(char)
        self._times.append(when)

    def _end_line(self, now: float) -> list[Decoded]:
        burst = Burst("".join(self._chars), tuple(self._times), now)
        bad = self._bad
        self._reset_line()
        if bad:
            return [
                Decoded(
                    "partial",
                    burst.text,
                    burst,
                    f"keys with no character on the '{self.keymap.name}' layout: "
                    f"{', '.join(bad)}; set the scanner's keyboard layout to match",
                )
            ]
        if not burst.text:
            return []
        verdict = judge_line(burst, self.timing)
        out = []
        if verdict.typed:
            message = "" if verdict.scan else verdict.reason
            out.append(Decoded("typed", verdict.typed, None, message))
        if verdict.scan is not None:
            out.append(Decoded("scan", verdict.scan.text, verdict.scan))
        return out

    def expire(self, now: float) -> list[Decoded]:
        """Called when no key came for a while: an unterminated scanner burst is a partial.

        Human typing is left alone (people pause); it ends with Enter or Tab.
        """
        last = self.last_key_time
        if last is None or (now - last) * 1000 < self.timing.idle_timeout_ms:
            return []
        burst = Burst("".join(self._chars), tuple(self._times))
        if not is_scanner_paced(burst, self.timing):
            return []
        self._reset_line()
        return [
            Decoded(
                "partial",
                burst.text,
                burst,
                "scan without Enter/Tab at the end (not accepted; rescan). If every scan "
                "ends like this, enable the scanner's Enter (CR) suffix",
            )
        ]


def find_device(settings: EvdevSettings) -> str:
    """The /dev/input/event* path matching the settings, or DeviceUnavailable."""
    if settings.path:
        return settings.path
    for path in evdev.list_devices():
        try:
            device = evdev.InputDevice(path)
        except OSError:
            continue  # not ours to judge; `scanners list` reports it
        try:
            if settings.vendor_id is not None and device.info.vendor != settings.vendor_id:
                continue
            if settings.product_id is not None and device.info.product != settings.product_id:
                continue
            if settings.name and settings.name.lower() not in device.name.lower():
                continue
            return path
        finally:
            device.close()
    wanted = ", ".join(
        f"{k}={v:04x}" if isinstance(v, int) else f"{k}={v!r}"
        for k, v in (
            ("vendor", settings.vendor_id),
            ("product", settings.product_id),
            ("name", settings.name),
        )
        if v is not None
    )
    raise DeviceUnavailable(
        f"no input device with {wanted} (unplugged, or not readable: {INPUT_PERMISSION_HINT})",
        DriverStatus.DISCONNECTED,
    )


class EvdevDriver(ScannerDriver):
    def __init__(
        self,
        settings: EvdevSettings,
        sink: Sink,
        *,
        duplicate_window: float = 0.0,
        backoff: Backoff | None = None,
    ) -> None:
        label = settings.path or settings.name or f"{settings.vendor_id:04x}"
        super().__init__(f"evdev:{label}", sink, duplicate_window=duplicate_window, backoff=backoff)
        self.settings = settings
        self.decoder = KeyDecoder(settings.layout, settings.timing)
        self.stats = TimingStats()
        self._device: evdev.InputDevice | None = None
        self._path = settings.path or ""

    def describe(self) -> str:
        name = self._device.name if self._device else "?"
        return f"{self._path} ({name}), layout {self.settings.layout}"

    def _open(self) -> None:
        self._path = find_device(self.settings)
        try:
            device = evdev.InputDevice(self._path)
        except OSError as exc:
            raise open_error(self._path, exc, INPUT_PERMISSION_HINT) from None
        if self.settings.grab:
            try:
                device.grab()
            except OSError as exc:
                device.close()
                if exc.errno == errno.EBUSY:
                    raise DeviceUnavailable(
                        f"{self._path} is grabbed by another process (a second wms-tui?); "
                        f"find it with 'fuser -v {self._path}' and stop it"
                    ) from None
                raise open_error(self._path, exc, INPUT_PERMISSION_HINT) from None
        self._device = device
        self.decoder = KeyDecoder(self.settings.layout, self.settings.timing)

    def _read_loop(self) -> None:
        device = self._device
        assert device is not None
        idle = self.settings.timing.idle_timeout_ms / 1000
        while not self.stopping:
            timeout = idle if self.decoder.pending else None
            try:
                ready, _, _ = select.select([device.fd, self.wakeup.r], [], [], timeout)
            except (OSError, ValueError) as exc:
                raise gone_error(self._path, exc) from None
            if self.wakeup.r in ready:
                self.wakeup.drain()
                continue
            if not ready:
                self._deliver(self.decoder.expire(time.time()))
                continue
            try:
                events = list(device.read())
            except BlockingIOError:
                continue
            except OSError as exc:  # ENODEV when unplugged
                raise gone_error(self._path, exc) from None
            self._deliver(self.decoder.feed_all(events))

    def _deliver(self, decoded: list[Decoded]) -> None:
        for item in decoded:
            if item.kind == "scan" and item.burst is not None:
                self.stats.add(item.burst)
                self.emit_scan(
                    Scan.from_text(item.text, self.source, timestamp=item.burst.times[0])
                )
            elif item.kind == "typed":
                self.emit_problem("typed", item.message or "keyboard input", item.text.encode())
            else:
                self.emit_problem(item.kind, item.message, item.text.encode())

    def _close(self) -> None:
        device, self._device = self._device, None
        if device is None:
            return
        try:
            if self.settings.grab:
                device.ungrab()
        except OSError:
            pass  # already gone
        try:
            device.close()
        except OSError:
            pass
