"""Settings: read from --config, then $WMS_CONFIG, then the user config dir; defaults otherwise.

Every setting is documented in config.example.toml. A bad file is refused with an error that
names the file, the key and the problem: a terminal must not start half-configured.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir, user_data_dir

from drivers.settings import settings_from_mapping as scanner_settings_from_mapping
from labels.printers import PrinterConfigError, load_printers
from labels.sscc import config_from_mapping as sscc_config_from_mapping
from wms_tui.domain.auth import PIN_MAX_LENGTH, SecurityPolicy
from wms_tui.domain.errors import ConfigError
from wms_tui.domain.typed import DateOrder

APP_NAME = "wms-tui"
TERMINAL_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def default_config_path() -> Path:
    return Path(user_config_dir(APP_NAME)) / "config.toml"


def data_dir() -> Path:
    return Path(os.environ.get("WMS_DATA_DIR") or user_data_dir(APP_NAME))


def print_queue_path() -> Path:
    """The print queue file: $WMS_PRINT_QUEUE, else print-queue.sqlite3 in the data dir (as the CLI)."""
    return Path(os.environ.get("WMS_PRINT_QUEUE") or data_dir() / "print-queue.sqlite3")


def demo_database_path() -> Path:
    """The demo warehouse `wms-tui demo` builds, which `wms-tui --demo COMMAND` works on."""
    return data_dir() / "demo.db"


@dataclass(frozen=True)
class DatabaseSettings:
    url: str


@dataclass(frozen=True)
class TerminalSettings:
    id: str = "T1"
    warehouse: str = "WH1"
    printer: str = ""  # the [printers.NAME] this terminal prints labels on; empty: none


@dataclass(frozen=True)
class CentralSettings:
    """The central sync service this terminal syncs with (empty url: no sync)."""

    url: str = ""
    secret: str = ""  # the enrolment secret `wms-tui central terminals add` printed
    batch_size: int = 5000
    interval_s: float = 1.0


# The terminal app's key bindings by id, with their default keys. `[ui.keys] ID = "KEYS"` gives
# one binding a site's own keys (comma-separated), e.g. for a handheld without F-keys. What F1-F9
# do depends on the flow (its legend says); F10 always goes back.
UI_KEYS: dict[str, str] = {**{f"f{n}": f"f{n}" for n in range(1, 11)}, "clear": "escape", "quit": "ctrl+q",
                           "scroll_up": "up", "scroll_down": "down", "page_up": "pageup", "page_down": "pagedown"}
KEY_MODIFIERS = ("ctrl", "alt", "shift", "meta", "super", "hyper")
# Named keys a binding may use (Textual's names); any single character works with ctrl or alt.
NAMED_KEYS = frozenset({*(f"f{n}" for n in range(1, 25)), "escape", "enter", "tab", "backspace", "delete", "insert",
                        "home", "end", "pageup", "pagedown", "up", "down", "left", "right", "space"})
# Keys the scan input needs for itself: scanned or typed characters, Enter that submits, and editing.
INPUT_KEYS = frozenset({"enter", "tab", "backspace", "delete", "space", "left", "right", "home", "end"})


@dataclass(frozen=True)
class UiSettings:
    keys: dict[str, str] = field(default_factory=dict)  # binding id -> keys, only those a site changed
    date_order: DateOrder = DateOrder.DMY  # how 03/04/2026 is read (domain.typed.parse_date)

    def keymap(self) -> dict[str, str]:
        """Every floor binding id with the keys it answers to here."""
        return {**UI_KEYS, **self.keys}


@dataclass(frozen=True)
class Settings:
    source: Path | None
    database: DatabaseSettings
    terminal: TerminalSettings
    central: CentralSettings
    # Sections interpreted by the drivers and labels packages, kept as plain tables here so
    # those packages stay independent of the app.
    scanner: dict[str, Any] = field(default_factory=dict)
    printers: dict[str, dict[str, Any]] = field(default_factory=dict)
    sscc: dict[str, Any] = field(default_factory=dict)
    ui: UiSettings = field(default_factory=UiSettings)
    security: SecurityPolicy = field(default_factory=SecurityPolicy)


class _Section:
    """Reads one TOML table, remembering which keys were used to report unknown ones."""

    def __init__(self, source: str, name: str, table: object) -> None:
        self.where = f"{source}: [{name}]"
        if not isinstance(table, dict):
            raise ConfigError(f"{self.where} must be a table, got {type(table).__name__}")
        self.table = table
        self.used: set[str] = set()

    def _get(self, key: str, default: Any, kind: type | tuple[type, ...]) -> Any:
        self.used.add(key)
        value = self.table.get(key, default)
        if isinstance(value, bool) and kind is not bool:
            raise ConfigError(f"{self.where} {key}: expected {getattr(kind, '__name__', kind)}, got a boolean")
        if not isinstance(value, kind):
            expected = " or ".join(k.__name__ for k in kind) if isinstance(kind, tuple) else kind.__name__
            raise ConfigError(f"{self.where} {key}: expected {expected}, got {type(value).__name__} {value!r}")
        return value

    def subtable(self, key: str) -> dict[str, Any]:
        return self._get(key, {}, dict)

    def text(self, key: str, default: str) -> str:
        return self._get(key, default, str)

    def number(self, key: str, default: float, minimum: float, maximum: float) -> float:
        value = self._get(key, default, (int, float))
        if not minimum <= value <= maximum:
            raise ConfigError(f"{self.where} {key}: must be between {minimum} and {maximum}, got {value}")
        return value

    def integer(self, key: str, default: int, minimum: int, maximum: int) -> int:
        value = self._get(key, default, int)  # 1.9 is refused, not cut to 1
        if not minimum <= value <= maximum:
            raise ConfigError(f"{self.where} {key}: must be between {minimum} and {maximum}, got {value}")
        return value

    def finish(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise ConfigError(f"{self.where} unknown setting(s): {', '.join(unknown)} (see config.example.toml)")


def _key_problem(key: str) -> str | None:
    """Why a key name cannot be bound on the floor screen; None if it can."""
    *modifiers, base = key.split("+")
    if not base or any(modifier not in KEY_MODIFIERS for modifier in modifiers) or len(set(modifiers)) < len(modifiers):
        return f"modifiers are {', '.join(KEY_MODIFIERS)} joined with '+', e.g. ctrl+z"
    if len(base) != 1 and base not in NAMED_KEYS:
        return "not a key name (f1-f24, escape, enter, tab, home, end, pageup, up, ... or one character)"
    if not set(modifiers) - {"shift"} and (len(base) == 1 or base in INPUT_KEYS):
        return "the scan input needs this key for itself: add ctrl or alt"
    return None


def _ui_settings(source: str, table: object) -> UiSettings:
    ui = _Section(source, "ui", table)
    keys = ui.subtable("keys")
    order = ui.text("date_order", DateOrder.DMY.value)
    ui.finish()
    if order not in DateOrder.__members__.values():
        raise ConfigError(f"{ui.where} date_order: {order!r} must be one of {', '.join(DateOrder)}")
    where = f"{source}: [ui.keys]"
    unknown = sorted(set(keys) - set(UI_KEYS))
    if unknown:
        raise ConfigError(f"{where} unknown binding(s): {', '.join(unknown)} (known: {', '.join(UI_KEYS)})")
    remapped: dict[str, str] = {}
    for binding, value in keys.items():
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where} {binding}: expected keys like \"f4\" or \"f4,ctrl+z\", got {value!r}")
        names = [name.strip().lower() for name in value.split(",")]
        for name in names:
            if problem := _key_problem(name):
                raise ConfigError(f"{where} {binding}: {name!r}: {problem}")
        remapped[binding] = ",".join(names)
    settings = UiSettings(remapped, DateOrder(order))
    owner: dict[str, str] = {}
    for binding, value in settings.keymap().items():
        for name in value.split(","):
            if name in owner:
                raise ConfigError(f"{where} {name!r} is bound to both {owner[name]} and {binding}")
            owner[name] = binding
    return settings


def _security(source: str, table: object) -> SecurityPolicy:
    security = _Section(source, "security", table)
    default = SecurityPolicy()
    policy = SecurityPolicy(
        max_failures=security.integer("max_failures", default.max_failures, 1, 100),
        lockout_s=security.integer("lockout_s", default.lockout_s, 1, 86_400),
        max_lockout_s=security.integer("max_lockout_s", default.max_lockout_s, 1, 7 * 86_400),
        pin_min_length=security.integer("pin_min_length", default.pin_min_length, 4, PIN_MAX_LENGTH),
        release_claims_after_min=security.integer("release_claims_after_min", default.release_claims_after_min, 1, 7 * 1440),
    )
    security.finish()
    if policy.max_lockout_s < policy.lockout_s:
        raise ConfigError(f"{security.where} max_lockout_s ({policy.max_lockout_s}) is shorter than lockout_s ({policy.lockout_s})")
    return policy


KNOWN_SECTIONS = {"database", "terminal", "central", "scanner", "printers", "sscc", "ui", "security"}


def parse(document: dict[str, Any], source: str = "<defaults>", path: Path | None = None, *,
          terminal_id: str | None = None) -> Settings:
    """The settings of `document`; `terminal_id`, when given, stands for its [terminal] id."""
    unknown = sorted(set(document) - KNOWN_SECTIONS)
    if unknown:
        raise ConfigError(f"{source}: unknown section(s): {', '.join(unknown)} (see config.example.toml)")

    database = _Section(source, "database", document.get("database", {}))
    url = database.text("url", "")
    database.finish()
    if not url:
        url = f"sqlite:///{data_dir() / 'wms.db'}"
    elif not re.match(r"^(sqlite|postgresql)(\+\w+)?://", url):
        raise ConfigError(f"{source}: [database] url: {url!r} must start with sqlite:/// or postgresql://")

    terminal = _Section(source, "terminal", document.get("terminal", {}))
    configured_id = terminal.text("id", TerminalSettings.id)
    if terminal_id is not None:
        if not TERMINAL_ID_PATTERN.match(terminal_id):
            raise ConfigError(f"${TERMINAL_ENV} (--terminal): {terminal_id!r} must be 1-40 letters, digits, '-' or '_'")
    elif not TERMINAL_ID_PATTERN.match(configured_id):
        raise ConfigError(f"{source}: [terminal] id: {configured_id!r} must be 1-40 letters, digits, '-' or '_'")
    terminal_id = terminal_id if terminal_id is not None else configured_id
    warehouse = terminal.text("warehouse", TerminalSettings.warehouse)
    printer = terminal.text("printer", "")
    terminal.finish()

    central = _Section(source, "central", document.get("central", {}))
    central_settings = CentralSettings(
        url=central.text("url", ""),
        secret=central.text("secret", ""),
        batch_size=central.integer("batch_size", CentralSettings.batch_size, 1, 20_000),
        interval_s=float(central.number("interval_s", CentralSettings.interval_s, 0.1, 3600)),
    )
    central.finish()
    if central_settings.url and not re.match(r"^https?://[^/\s]+", central_settings.url):
        raise ConfigError(f"{source}: [central] url: {central_settings.url!r} must start with https:// (or http:// on a trusted network)")
    if central_settings.url and not central_settings.secret:
        raise ConfigError(f"{source}: [central] secret: required with a url (`wms-tui central terminals add` prints it)")

    printers = document.get("printers", {})
    if not isinstance(printers, dict) or not all(isinstance(v, dict) for v in printers.values()):
        raise ConfigError(f"{source}: [printers] must hold one table per printer, e.g. [printers.dock1]")
    for name in ("scanner", "sscc"):
        if not isinstance(document.get(name, {}), dict):
            raise ConfigError(f"{source}: [{name}] must be a table")
    try:
        # The drivers and labels packages own the meaning of [scanner], [printers] and [sscc];
        # a bad table stops the start-up here instead of at the first scan or print.
        scanner_settings_from_mapping(document.get("scanner", {}))
        load_printers(printers)
        if printer and printer not in printers:
            raise ValueError(f"[terminal] printer: {printer!r} is not one of the [printers.*] tables "
                             f"({', '.join(sorted(printers)) or 'none defined'})")
        if document.get("sscc"):
            sscc_config_from_mapping(document["sscc"], terminal_id)
    except (ValueError, PrinterConfigError) as exc:
        raise ConfigError(f"{source}: {exc}") from None
    return Settings(
        source=path,
        database=DatabaseSettings(url=url),
        terminal=TerminalSettings(id=terminal_id, warehouse=warehouse, printer=printer),
        central=central_settings,
        scanner=dict(document.get("scanner", {})),
        printers={name: dict(table) for name, table in printers.items()},
        sscc=dict(document.get("sscc", {})),
        ui=_ui_settings(source, document.get("ui", {})),
        security=_security(source, document.get("security", {})),
    )


# Names this process's terminal, over [terminal] id: one config file serves every session of a
# server running thin sessions (docs/thin-sessions.md), each with its own id and move sequence.
TERMINAL_ENV = "WMS_TERMINAL"


def load(explicit: str | os.PathLike | None = None) -> Settings:
    """Settings from the first of: the explicit path, $WMS_CONFIG, the user config file; the
    terminal id from $WMS_TERMINAL (which `wms-tui --terminal` sets) when that is set.

    An explicit or $WMS_CONFIG path that does not exist is an error; a missing user config
    file means defaults.
    """
    terminal_id = os.environ.get(TERMINAL_ENV)
    candidate = explicit or os.environ.get("WMS_CONFIG")
    if candidate:
        path = Path(candidate).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
    else:
        path = default_config_path()
        if not path.is_file():
            return parse({}, terminal_id=terminal_id)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from None
    return parse(document, str(path), path, terminal_id=terminal_id)
